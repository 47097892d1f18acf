"""Measure the sweep over many open deadlines (not a test; run by hand):

    DATABASE_URL=sqlite:////tmp/sweep.sqlite3 .venv/bin/python -m tests.deadlines.bench_sweep 1000000 1000

Builds N open cases with one deadline each (all far from due except M of them, which are due
soon), then times a sweep (M reminders) and a second sweep (nothing new: the steady state).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
import time

from sqlalchemy import insert, text

from portal import create_app
from portal.accounts.models import Role, RoleAssignment, User
from portal.cases.models import Case, Deadline, Submission
from portal.db import Base, get_db, get_session, now_utc
from portal.deadlines.sweep import sweep
from portal.org.models import OrgUnit


def main(total: int, due: int) -> None:
    app = create_app({"env": "testing", "secret_key": secrets.token_hex(32),
                      "database_url": os.environ["DATABASE_URL"], "instance_path": "/tmp/sweep-bench"})
    with app.app_context():
        engine = get_db(app).engine
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        session = get_session()
        unit = OrgUnit(code="U", name="U", kind="department")
        session.add(unit)
        session.flush()
        handler = User(email="h@example.test", is_staff=True)
        session.add(handler)
        session.flush()
        session.add(RoleAssignment(user_id=handler.id, unit_id=unit.id, role=Role.HEAD))
        session.commit()
        today = dt.date(2026, 3, 2)
        started = time.perf_counter()
        now = now_utc()
        step = 50_000
        for base in range(0, total, step):
            n = min(step, total - base)
            ids = range(base + 1, base + n + 1)
            session.execute(insert(Submission), [
                {"id": i, "tracking_code": f"T{i:010d}", "secret_hash": "x", "kind": "petition", "content": "c",
                 "received_at": now} for i in ids])
            session.execute(insert(Case), [
                {"id": i, "reference": f"VV-{i:08d}", "submission_id": i, "unit_id": unit.id, "kind": "KNPA",
                 "status": "accepted", "handler_id": handler.id, "created_at": now, "updated_at": now, "version": 1}
                for i in ids])
            session.execute(insert(Deadline), [
                {"id": i, "case_id": i, "stage": "resolution", "rule_code": "KNPA-02", "starts_on": today,
                 "due_on": today + dt.timedelta(days=2 if i <= due else 60 + i % 200), "unit": "CAL",
                 "legal_basis": "", "extension_days": 0, "extensions_count": 0, "paused_days": 0} for i in ids])
            session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()
        print(f"built {total} open deadlines in {time.perf_counter() - started:.1f} s")
        settings = app.config["SETTINGS"]
        for label in ("first sweep", "second sweep (steady state)"):
            started = time.perf_counter()
            report = sweep(session, settings, today)
            print(f"{label}: {time.perf_counter() - started:.2f} s, reminded {report.reminded}, emails {report.emails}")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
