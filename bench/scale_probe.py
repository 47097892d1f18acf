"""Server-side time of staff pages, measured in-process with the Flask test client.

Run by bench.py in a subprocess with the benchmark's environment. Signs in as a demo staff member
by writing the session (as the test helper does), requests each URL ``--repeat`` times (in rounds
that request every URL once, after two warm-up rounds) and prints one JSON line per URL:
{"name", "p50", "p95", "n", "status"}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time

from flask import Flask

from bench.session import demo_staff_key, sign_in
from portal import create_app


def placeholders(app: Flask) -> dict[str, str]:
    """Values from the data for URLs that need them: a mid-queue keyset cursor, a unit, a field, a code."""
    from sqlalchemy import func, select

    from portal.cases.models import Case, Submission
    from portal.db import get_db
    from portal.org.models import Field, OrgUnit

    today = dt.date.today()
    with app.app_context():
        session = get_db(app).sessionmaker()
        middle = (session.scalar(select(func.max(Case.id))) or 2) // 2
        code = session.scalar(select(Submission.tracking_code).where(Submission.id >= middle).limit(1)) or "KN-0"
        unit = session.scalar(select(OrgUnit.id).where(OrgUnit.code.like("P-%")).limit(1)) or 1
        field = session.scalar(select(Field.id).where(Field.code == "land")) or 1
        session.close()
    deep = f"{today - dt.timedelta(days=365):%Y%m%d}.{middle}"
    return {"deep": deep, "unit": str(unit), "field": str(field), "code": code,
            "due_from": f"{today:%Y-%m-%d}", "due_to": f"{today + dt.timedelta(days=30):%Y-%m-%d}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--role", default="head", help="role of the staff member to sign in as")
    parser.add_argument("--unit", default="UBND-TP", help="unit code where that role is held")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("urls", nargs="+", help="name=url pairs")
    args = parser.parse_args()
    app = create_app()
    client = app.test_client()
    sign_in(client, demo_staff_key(app, args.role, args.unit))
    values = placeholders(app)
    pages = [(name, url.format(**values)) for name, url in (pair.split("=", 1) for pair in args.urls)]
    times: dict[str, list[float]] = {name: [] for name, _url in pages}
    status: dict[str, int] = {}
    # Round robin, every page once per round: a slow second of this shared machine then falls on
    # every page alike, instead of on the sixty consecutive requests of whichever page it meets.
    for round_ in range(args.repeat + 2):
        for name, url in pages:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            status[name] = response.status_code
            if "/account/login" in response.headers.get("Location", ""):  # a figure of the login redirect
                raise SystemExit(f"{name}: the benchmark's staff session was refused (redirected to sign in)")
            if round_ >= 2:  # two warm-up rounds
                times[name].append(elapsed)
    for name, _url in pages:
        sample = sorted(times[name])
        p95 = sample[max(0, round(0.95 * len(sample)) - 1)]
        print(json.dumps({"name": name, "p50": statistics.median(sample), "p95": p95, "n": len(sample),
                          "status": status[name]}), flush=True)


if __name__ == "__main__":
    main()
