// The line protocol between bench/lib/http-load.mjs and its measuring children. The parent
// writes the job as the first line on the child's stdin, and the child writes JSON events on
// stdout. At the start and at the end of its measured window, the child waits for a reply
// line. So the parent reads the CPU counters of every process before the child goes on, and
// before it closes its database connections.

/** Open the channel on this process's stdin and stdout. */
export function openParentChannel() {
  const lines = [];
  const waiting = [];
  let buffer = '';
  let ended = false;

  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const resolve = waiting.shift();
      if (resolve) {
        resolve(line);
      } else {
        lines.push(line);
      }
    }
  });
  // A parent that is gone sends no more replies, so the child goes on without them.
  process.stdin.on('end', () => {
    ended = true;
    for (const resolve of waiting.splice(0)) {
      resolve(undefined);
    }
  });

  const nextLine = () => {
    if (lines.length > 0) {
      return Promise.resolve(lines.shift());
    }
    if (ended) {
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

  return {
    /** Read the job the parent sent. */
    async job() {
      return JSON.parse(await nextLine());
    },
    emit,
    /** Tell the parent that the measured window starts or ends, and wait for its reply. */
    async mark(event) {
      emit({ event });
      await nextLine();
    },
  };
}
