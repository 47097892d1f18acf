"""Server-side time of staff pages, measured in-process with the Flask test client.

Run by bench.py in a subprocess with the benchmark's environment. Signs in as a demo staff member
by writing the session (as the test helper does), requests each URL ``--repeat`` times and prints
one JSON line per URL: {"name", "p50", "p95", "n", "status"}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from flask_login.utils import _create_identifier
from sqlalchemy import select

from portal import create_app
from portal.accounts.models import RoleAssignment, User
from portal.db import get_db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--role", default="intake_officer", help="role of the staff member to sign in as")
    parser.add_argument("--unit", default="UBND-TP", help="unit code where that role is held")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("urls", nargs="+", help="name=url pairs")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        session = get_db(app).sessionmaker()
        from portal.org.models import OrgUnit

        user = session.scalars(select(User).join(RoleAssignment).join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
                               .where(RoleAssignment.role == args.role, OrgUnit.code == args.unit)).first()
        if user is None:
            raise SystemExit(f"no {args.role} on {args.unit}: run `flask demo seed`")
        user_key = user.get_id()
        session.close()
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = user_key
        s["_id"] = _create_identifier()
        s["_fresh"] = True
        s["_staff_verified"] = True
    for pair in args.urls:
        name, url = pair.split("=", 1)
        times, status = [], None
        for i in range(args.repeat + 2):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            status = response.status_code
            if i >= 2:  # warm-up
                times.append(elapsed)
        times.sort()
        p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
        print(json.dumps({"name": name, "p50": statistics.median(times), "p95": p95, "n": len(times),
                          "status": status}), flush=True)


if __name__ == "__main__":
    main()
