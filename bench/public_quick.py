#!/usr/bin/env python3
"""A quick pass over the two public load figures of issue 8, for iterating on them.

Serves the bare hello app and the portal exactly as ``bench/bench.py`` does (gunicorn, 2 sync
workers on 127.0.0.1, wrk -t2 -c32 on the same cores) and prints, for the home page and the
tracking lookup (``POST /track`` with a real code and secret, the CSRF token and its cookie
fetched once), the req/s as a ratio to hello measured in the same run. Hello is measured before
and after the portal and averaged, since the machine is shared and noisy.

    .venv/bin/python -m bench.public_quick [--duration 5] [--rounds 1]   (SQLite, about a minute)
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python -m bench.public_quick --db postgres

Targets: home page >= 0.8 x hello, tracking lookup >= 0.7 x hello. The full benchmark is bench/run.sh.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path

from bench.bench import Browser, Server, bench_env, flask, wrk
from bench.scenarios import FormFields, _body_file, submission_form

TARGETS = {"home page": 0.8, "tracking lookup": 0.7}


def _tracking_body(server: Server) -> tuple[str, str]:
    """The urlencoded lookup body and the cookie, as bench/scenarios.py ``_tracking_load`` builds them."""
    from bench.adapters import tracking_credentials

    browser = Browser(server.url)
    code, secret = tracking_credentials(browser, submission_form(browser))
    form = FormFields()
    form.feed(browser.get("/track"))
    data = {**form.fields, "code": code, "secret": secret}
    return _body_file(urllib.parse.urlencode(data)), browser.cookie_header()


def run(env: dict[str, str], duration: int, rounds: int) -> dict[str, list[float]]:
    ratios: dict[str, list[float]] = {name: [] for name in TARGETS}
    for _ in range(rounds):
        with Server("bench.apps.hello:app", env) as server:
            hello_before = wrk("baseline: hello", server.url + "/hello", duration=duration).rps
        with Server("wsgi:app", env) as server:
            home = wrk("public home page", server.url + "/", duration=duration).rps
            body, cookie = _tracking_body(server)
            track = wrk("tracking lookup (POST /track)", server.url + "/track", duration=duration,
                        script="post_form.lua", env={"BODY_FILE": body, "COOKIE": cookie})
            if track.errors:
                print(f"  tracking lookup: {track.errors} errors (non-2xx/3xx or socket)", flush=True)
        with Server("bench.apps.hello:app", env) as server:
            hello_after = wrk("baseline: hello", server.url + "/hello", duration=duration).rps
        hello = (hello_before + hello_after) / 2
        ratios["home page"].append(home / hello)
        ratios["tracking lookup"].append(track.rps / hello)
        for name, values in ratios.items():
            print(f"  -> {name}: {values[-1]:.2f} x hello (target {TARGETS[name]})", flush=True)
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="portal-quick-"))
    env = bench_env(args.db, work)
    if env is None:
        return 1
    try:
        flask(env, "db", "upgrade")
        flask(env, "demo", "seed")
        ratios = run(env, args.duration, args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("summary (median over rounds):")
    for name, values in ratios.items():
        median = sorted(values)[len(values) // 2]
        print(f"  {name:<16} {median:.2f} x hello  (target >= {TARGETS[name]})  rounds: "
              + ", ".join(f"{v:.2f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
