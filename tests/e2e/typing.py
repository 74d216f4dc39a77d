#!/usr/bin/env python3
"""typing.py OUT -- COMMAND...: runs COMMAND on a pseudo-terminal and types
at it as a person would, for tests/e2e/files.sh.

Types "alpha", waits 1.5 s (longer than a 1 s --watchdog), types "beta",
then ends the input (Ctrl-D at the start of a line). Everything COMMAND
writes to the terminal goes into OUT; the exit status is COMMAND's."""
import os
import pty
import sys
import time


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out, argv = sys.argv[1], sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    got = bytearray()

    def drain(seconds):
        end = time.time() + seconds
        while time.time() < end:
            import select
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    return False
                if not data:
                    return False
                got.extend(data)
        return True

    drain(0.5)
    for text, wait in ((b"alpha\n", 1.5), (b"beta\n", 0.3), (b"\x04", 0.0)):
        os.write(fd, text)
        drain(wait)
    while drain(0.2):
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
    drain(0.2)
    _, status = os.waitpid(pid, 0)
    with open(out, "wb") as f:
        f.write(bytes(got).replace(b"\r\n", b"\n"))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
