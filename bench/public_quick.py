#!/usr/bin/env python3
"""A quick pass over the two public load figures of issue 8, for iterating on them.

Serves the bare hello app and the portal exactly as ``bench/bench.py`` does (gunicorn, 2 sync
workers on 127.0.0.1, wrk -t2 -c32 on the same cores) and prints, for the home page and the
tracking lookup (``POST /track`` with a real code and secret, the CSRF token and its cookie
fetched once), the req/s as a ratio to hello measured in the same run, and the same for the
tracking lookup's bound (``bench/apps/lookup.py``: only the session, the CSRF check and one
SELECT). Hello is measured before and after the others and averaged, since the machine is shared
and noisy.

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
from bench.results import LOOKUP_BASELINE
from bench.scenarios import FormFields, _body_file, lookup_baseline_load, submission_form

TARGETS = {"home page": 0.8, "tracking lookup": 0.7}
BOUND = "minimal lookup"  # bench/apps/lookup.py: no target, the bound of the tracking lookup's


def _tracking_body(server: Server) -> tuple[str, str]:
    """The urlencoded lookup body and the cookie, as bench/scenarios.py ``_tracking_load`` builds them."""
    from bench.adapters import tracking_credentials

    browser = Browser(server.url)
    code, secret = tracking_credentials(browser, submission_form(browser))
    form = FormFields()
    form.feed(browser.get("/track"))
    data = {**form.fields, "code": code, "secret": secret}
    return _body_file(urllib.parse.urlencode(data)), browser.cookie_header()


def run(env: dict[str, str], duration: int, rounds: int, parts: list[str]) -> dict[str, list[float]]:
    ratios: dict[str, list[float]] = {name: [] for name in (*TARGETS, BOUND, *(f"lookup: {p}" for p in parts))}
    for _ in range(rounds):
        with Server("bench.apps.hello:app", env) as server:
            hello_before = wrk("baseline: hello", server.url + "/hello", duration=duration).rps
        with Server("wsgi:app", env) as server:
            home = wrk("public home page", server.url + "/", duration=duration).rps
            body, cookie = _tracking_body(server)
            track = wrk("tracking lookup (POST /track)", server.url + "/track", duration=duration,
                        script="post_form.lua", env={"BODY_FILE": body, "COOKIE": cookie})
        with Server("bench.apps.lookup:app", env) as server:
            bound = wrk(LOOKUP_BASELINE, server.url + "/lookup", duration=duration, script="post_form.lua",
                        env=lookup_baseline_load(env, server))
        for result in (track, bound):
            if result.errors:
                print(f"  {result.name}: {result.errors} errors (non-2xx/3xx or socket)", flush=True)
        partial: dict[str, float] = {}
        for part in parts:  # the minimal lookup with only some of its parts (LOOKUP_PARTS)
            with Server("bench.apps.lookup:app", {**env, "LOOKUP_PARTS": part}) as server:
                partial[part] = wrk(f"minimal lookup, only {part}", server.url + "/lookup", duration=duration,
                                    script="post_form.lua", env=lookup_baseline_load(env, server)).rps
        with Server("bench.apps.hello:app", env) as server:
            hello_after = wrk("baseline: hello", server.url + "/hello", duration=duration).rps
        hello = (hello_before + hello_after) / 2
        ratios["home page"].append(home / hello)
        ratios["tracking lookup"].append(track.rps / hello)
        ratios[BOUND].append(bound.rps / hello)
        for part, rps in partial.items():
            ratios[f"lookup: {part}"].append(rps / hello)
        for name, values in ratios.items():
            goal = f"target {TARGETS[name]}" if name in TARGETS else "no target"
            print(f"  -> {name}: {values[-1]:.2f} x hello ({goal})", flush=True)
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--parts", nargs="*", default=[], metavar="PARTS",
                        help="also the minimal lookup with only these parts (LOOKUP_PARTS), e.g. none db csrf session")
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
        flask(env, "demo", "seed", "--allow-production")
        ratios = run(env, args.duration, args.rounds, args.parts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("summary (median over rounds):")
    for name, values in ratios.items():
        median = sorted(values)[len(values) // 2]
        goal = f"target >= {TARGETS[name]}" if name in TARGETS else "no target"
        print(f"  {name:<16} {median:.2f} x hello  ({goal})  rounds: "
              + ", ".join(f"{v:.2f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
