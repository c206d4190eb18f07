"""Run a command on a new pseudo-terminal and relay it to this process's stdin and stdout.

Usage: python3 pty-driver.py COLUMNS ROWS COMMAND [ARGUMENT...]

Bytes read from stdin are typed into the terminal as they arrive (so b"\\x03" is Ctrl-C and
b"\\x04" is Ctrl-D), and everything the command writes to the terminal is copied to stdout.
The command gets the terminal as its controlling terminal in a new session, so Ctrl-C in
normal (cooked) mode sends it SIGINT, as in a real terminal. When it exits, one JSON line goes
to stderr: the exit code or signal, and whether the terminal is back in normal mode
(canonical input and echo on). A program that exits with the terminal in raw mode fails this.
"""

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios


def main() -> int:
    columns, rows = int(sys.argv[1]), int(sys.argv[2])
    command = sys.argv[3:]

    master, slave = pty.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def take_terminal() -> None:
        # The child runs in a new session (start_new_session); make the pty its terminal.
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=take_terminal,
    )

    def stop(_signum, _frame) -> None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sys.exit(1)

    signal.signal(signal.SIGTERM, stop)

    stdin = sys.stdin.buffer.fileno()
    stdout = sys.stdout.buffer
    stdin_open = True

    # The slave stays open here, so reading the master never fails when the child exits and
    # the terminal mode can still be read afterwards.
    while True:
        readable = [master] + ([stdin] if stdin_open else [])
        ready, _, _ = select.select(readable, [], [], 0.05)
        if master in ready:
            stdout.write(os.read(master, 65536))
            stdout.flush()
        if stdin in ready:
            data = os.read(stdin, 65536)
            if data:
                os.write(master, data)
            else:
                stdin_open = False
        if child.poll() is not None and master not in ready:
            break

    attributes = termios.tcgetattr(slave)
    local_flags = attributes[3]
    report = {
        "exitCode": child.returncode if child.returncode >= 0 else None,
        "signal": -child.returncode if child.returncode < 0 else None,
        "canonical": bool(local_flags & termios.ICANON),
        "echo": bool(local_flags & termios.ECHO),
    }
    sys.stderr.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
