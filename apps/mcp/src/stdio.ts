import { Writable } from 'node:stream';

/**
 * Keep stdout for MCP messages only. After the call, anything that writes to `process.stdout`
 * (a dependency, a first-run migration, `console.log`) reaches stderr instead. The returned
 * stream writes to the real stdout, so give it to the stdio transport.
 *
 * Call it before loading anything that might print, which is why this module imports nothing
 * but `node:stream`.
 */
export function reserveStdoutForProtocol(): Writable {
  const writeToStdout = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writeToStdout(chunk, callback);
    },
  });
}

export interface StdioLifecycle {
  /** Closes the server and its store; a rejection makes the process exit with status 1. */
  close(): Promise<void>;
  /** Reports why the process stops and what failed while closing. */
  log(event: 'stopping' | 'close_failed', details: Record<string, unknown>): void;
}

/**
 * Stop the process when its client goes away: stdin ends or closes, or SIGTERM or SIGINT
 * arrives. `close` runs once, then the process exits without waiting for the event loop, which
 * an open stdin would keep alive. Returns the stop function, for other reasons to stop, such as
 * a transport that closed itself.
 */
export function exitWhenClientLeaves(lifecycle: StdioLifecycle): (reason: string) => Promise<void> {
  let closing = false;
  const stop = async (reason: string): Promise<void> => {
    if (closing) {
      return;
    }
    closing = true;
    lifecycle.log('stopping', { reason });
    try {
      await lifecycle.close();
    } catch (error) {
      lifecycle.log('close_failed', { err: error });
      process.exitCode = 1;
    }
    process.exit();
  };

  process.stdin.on('end', () => void stop('stdin closed'));
  process.stdin.on('close', () => void stop('stdin closed'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return stop;
}
