"""``python -m portal.serve``: gunicorn plus the background worker, stopped together on Ctrl-C.

Used by ``make run``. Production runs the same two processes under systemd (see README).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=int, default=60, help="seconds between background worker runs")
    args = parser.parse_args()
    web = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind",
                            f"127.0.0.1:{args.port}", "--no-control-socket", "--graceful-timeout", "5",
                            "--timeout", "90", "wsgi:app"])
    worker = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "worker", "run", "--interval",
                               str(args.interval)])
    processes = [web, worker]

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    print("\nstopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
