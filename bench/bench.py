#!/usr/bin/env python3
"""Load and scale benchmarks for the portal, on SQLite or PostgreSQL. See bench/README.md.

Every figure is printed next to baselines measured in the same run (a bare Flask "hello" app and a
Flask app doing one INSERT per request, served with the same gunicorn settings), because this
2-core machine is noisy: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
LUA = ROOT / "bench" / "lua"
GUNICORN_ARGS = ["--workers", "2", "--worker-class", "sync", "--no-control-socket", "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class WrkResult:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    raw: str = ""


@dataclass
class Report:
    db: str
    started: dt.datetime
    rows: list[WrkResult] = field(default_factory=list)
    scale: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)  # figures the targets are checked against
    profile: list[dict] = field(default_factory=list)  # bench/profile.py: in-process cost per phase


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(name: str, url: str, *, duration: int, script: str | None = None, env: dict[str, str] | None = None,
        connections: int = 32, warm_up: bool = True) -> WrkResult:
    """Run wrk (2 threads) against ``url`` for ``duration`` seconds, after a 2 s warm-up unless told not to."""
    cmd = ["wrk", "-t2", f"-c{connections}", "--latency"]
    if script:
        cmd += ["-s", str(LUA / script)]
    run_env = {**os.environ, **(env or {})}
    if warm_up:
        warm(url, script=script, env=env, connections=connections)
    out = subprocess.run([*cmd, f"-d{duration}s", url], capture_output=True, text=True, env=run_env, check=True,
                         timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # the "Latency Distribution" lines ("     50%   12.34ms"), not the thread stats' percentages
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    result = WrkResult(name, rps, p50, p99, requests, errors, out)
    print(f"  {name:<34} {rps:9.0f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  errors {errors}", flush=True)
    return result


def warm(url: str, *, script: str | None = None, env: dict[str, str] | None = None, connections: int = 32) -> None:
    """Two seconds of load, not measured."""
    cmd = ["wrk", "-t2", f"-c{connections}", *(["-s", str(LUA / script)] if script else []), "-d2s", url]
    subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=True, timeout=60)


class Server:
    """gunicorn serving ``app_spec`` on a free loopback port, stopped on exit."""

    def __init__(self, app_spec: str, env: dict[str, str], cwd: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([str(BIN / "gunicorn"), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{self.port}",
                                      app_spec], env={**os.environ, **env}, cwd=cwd)

    def __enter__(self) -> Server:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start on port {self.port}")

    def worker_rss_mb(self) -> float:
        """Largest resident set of the gunicorn workers (children of the master)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)  # type: ignore[union-attr]
        return max(sizes) if sizes else 0.0

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def flask(env: dict[str, str], *args: str, timed: bool = False) -> tuple[str, float, float]:
    """Run a ``flask --app wsgi`` command; returns output, seconds and peak RSS in MB."""
    started = time.perf_counter()
    cmd = ["/usr/bin/time", "-f", "MAXRSS_KB=%M", str(BIN / "flask"), "--app", "wsgi", *args]
    proc = subprocess.run(cmd, env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    rss = int(re.search(r"MAXRSS_KB=(\d+)", proc.stderr).group(1)) / 1024  # type: ignore[union-attr]
    return proc.stdout, seconds, rss


def count(env: dict[str, str], table: str) -> int:
    code = ("from portal import create_app; from portal.db import get_db; from sqlalchemy import text; "
            "app=create_app(); c=get_db(app).engine.connect(); "
            f"print(c.execute(text('SELECT count(*) FROM {table}')).scalar())")
    out = subprocess.run([str(BIN / "python"), "-c", code], env={**os.environ, **env}, cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return int(out.strip().splitlines()[-1])


class _LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """Send the portal's Secure cookies over plain loopback HTTP (TLS ends at the proxy in production)."""

    def return_ok_secure(self, cookie, request):  # type: ignore[no-untyped-def]
        return True


class Browser:
    """A tiny cookie-keeping HTTP client for preparing load scenarios (CSRF token, receipts)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar(policy=_LoopbackPolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as r:
            return r.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[str, str]:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as r:
            return r.geturl(), r.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // (1024 * 1024)  # type: ignore[union-attr]
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB, {platform.platform()}, Python {platform.python_version()}"


def bench_env(db: str, work: Path) -> dict[str, str] | None:
    """The portal's environment for a benchmark run in ``work`` (a fresh SQLite file there, or the
    PostgreSQL of ``DATABASE_URL``); None, after saying why, when PostgreSQL has no URL."""
    url = os.environ.get("DATABASE_URL") if db == "postgres" else f"sqlite:///{work / 'bench.sqlite3'}"
    if not url:
        print("--db postgres needs DATABASE_URL (bench/run.sh postgres starts a throwaway cluster)", file=sys.stderr)
        return None
    return {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48), "PORTAL_ENV": "production",
            "PORTAL_INSTANCE_PATH": str(work / "instance"), "PORTAL_UPLOAD_DIR": str(work / "uploads"),
            "PORTAL_RATELIMIT_ENABLED": "false", "PYTHONPATH": str(ROOT),
            # what a production start-up asks for: no proxy in front of gunicorn here, no mail sent
            "PORTAL_PROXY_HOPS": "0", "PORTAL_BASE_URL": "https://127.0.0.1",
            "PORTAL_MAIL_SENDER": "Benchmark <no-reply@localhost>"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scales", default="10000,100000,1000000", help="case counts for the scale measurements")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    from bench.scenarios import run_all

    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    env = bench_env(args.db, work)
    if env is None:
        return 1
    report = Report(db=args.db, started=dt.datetime.now(dt.UTC))
    report.metrics["cores"] = float(os.cpu_count() or 2)
    try:
        run_all(report, env, [int(x) for x in args.scales.split(",") if x], args.duration)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    from bench.results import write_results

    write_results(report, Path(args.output), machine())
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
