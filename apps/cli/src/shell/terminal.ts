import { type CommandIO, writeLine } from '../io.js';

/**
 * Run a command with a SIGINT listener, so that Ctrl-C during the command does not end the
 * shell. A command that handles SIGINT itself (serve stops its server) is left to do so. For any
 * other command, a first Ctrl-C prints that it keeps running, and a second one leaves the shell.
 */
export async function withInterruptNotice(
  io: CommandIO,
  work: () => Promise<number>,
): Promise<number> {
  let pressed = 0;
  const onInterrupt = () => {
    if (process.listenerCount('SIGINT') > 1) {
      return;
    }
    pressed++;
    if (pressed === 1) {
      writeLine(
        io.stderr,
        '\nThe command cannot be stopped part-way and keeps running. Press Ctrl-C again to leave the shell.',
      );
      return;
    }
    restoreTerminal(io);
    // A progress bar hides the cursor while it draws, and this exit skips its cleanup.
    if (io.stdout.isTTY) {
      io.stdout.write('\u001b[?25h');
    }
    process.exit(130);
  };

  process.on('SIGINT', onInterrupt);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** Leave the terminal in normal mode and stop reading, whatever a prompt left behind. */
export function restoreTerminal(io: CommandIO): void {
  const stdin = io.stdin as CommandIO['stdin'] & {
    isRaw?: boolean;
    setRawMode?: (mode: boolean) => void;
  };
  if (stdin.isTTY && stdin.isRaw && stdin.setRawMode) {
    stdin.setRawMode(false);
  }
  stdin.pause();
}

/**
 * Restore the terminal also when the process exits without reaching the session's cleanup (an
 * uncaught exception, or `process.exit` in a command). Returns a function that removes the hook.
 */
export function restoreTerminalOnExit(io: CommandIO): () => void {
  const onExit = () => restoreTerminal(io);
  process.once('exit', onExit);
  return () => {
    process.off('exit', onExit);
  };
}
