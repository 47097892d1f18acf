"""Server-side time of the staff queues and the content search at scale (in-process, no HTTP).

    .venv/bin/python -m bench.queue_scale --cases 1000000 --database sqlite:////tmp/queue-1m.sqlite3
    .venv/bin/python -m bench.queue_scale --database postgresql+psycopg://... --cases 0   # reuse data

Builds the schema with ``metadata.create_all`` (which installs the search index) when the database
is empty, seeds the demo organisation, generates ``--cases`` cases with ``portal.demo.generate``,
then times, for a staff member of each role: the home counts, the first page of each queue, a deep
page (keyset from the middle of the list), each filter, and content searches. Prints p50/p95 in ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, inspect, select
from sqlalchemy.orm import Session

import portal.models  # noqa: F401 - every table on the metadata
from portal import create_app
from portal.accounts.models import Role, RoleAssignment, User
from portal.backoffice import queries
from portal.backoffice.queries import Cursor, Filters
from portal.cases.access import visible_cases_clause
from portal.cases.models import Case, CaseKind, CaseStatus
from portal.db import Base, get_db


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``fn`` over ``repeat`` runs after two warm-up runs."""
    times = []
    for i in range(repeat + 2):
        started = time.perf_counter()
        fn()
        if i >= 2:
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def deep_cursor(session: Session, user: User, sort: str) -> Cursor:
    """The key of a row in the middle of everything ``user`` sees (found once with OFFSET, untimed)."""
    column = Case.due_on.is_not(None) if sort == "due" else Case.id.is_not(None)
    where = and_(visible_cases_clause(session, user), column)
    total = session.query(Case.id).filter(where).count()
    order = (Case.due_on, Case.id) if sort == "due" else (Case.created_at, Case.id)
    row = session.execute(select(Case.id, Case.due_on, Case.created_at).where(where).order_by(*order)
                          .offset(total // 2).limit(1)).one()
    return Cursor(row.id, row.due_on, row.created_at)


def measure(session: Session, user: User, label: str, repeat: int) -> None:
    today = queries.today_local()
    print(f"\n{label} (user {user.id})")
    report = []
    for queue in queries.queues_for(user):
        report.append((f"count {queue.key}", timed(lambda q=queue: queries.count_queue(session, user, q, today),
                                                   repeat)))
        report.append((f"first page {queue.key}", timed(lambda q=queue: queries.queue_page(
            session, user, q, Filters(), sort=q.default_sort, after=None, today=today), repeat)))
    unit_queue = next((q for q in queries.queues_for(user) if q.key in ("unit", "new", "mine")), None)
    if unit_queue is not None:
        for sort in ("due", "oldest"):
            cursor = deep_cursor(session, user, sort)
            report.append((f"deep page {unit_queue.key} by {sort}", timed(lambda s=sort, c=cursor: queries.queue_page(
                session, user, unit_queue, Filters(), sort=s, after=c, today=today), repeat)))
        some_field = session.scalar(select(Case.field_id).where(Case.field_id.is_not(None)).limit(1))
        some_unit = session.scalar(select(RoleAssignment.unit_id).where(RoleAssignment.user_id == user.id))
        filters = {
            "kind=KN": Filters(kind=CaseKind.COMPLAINT),
            "status=accepted": Filters(status=CaseStatus.ACCEPTED),
            "unit": Filters(unit_id=some_unit),
            "field": Filters(field_id=some_field),
            "flag complex": Filters(flags=("complex",)),
            "due window 30d": Filters(due_from=today, due_to=today + dt.timedelta(days=30)),
        }
        for name, value in filters.items():
            report.append((f"filter {name}", timed(lambda f=value: queries.queue_page(
                session, user, unit_queue, f, sort="due", after=None, today=today), repeat)))
    for words in ("dat dai", "xay dung khong phep", "tieng on"):
        report.append((f"search '{words}'", timed(lambda w=words: queries.search_page(
            session, user, w, after=None, today=today), repeat)))
    for name, (p50, p95) in report:
        print(f"  {name:40s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--cases", type=int, default=10000, help="cases to generate (0: use what is there)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    app = create_app({"env": "development", "secret_key": secrets.token_hex(32), "database_url": args.database})
    with app.app_context():
        engine = get_db(app).engine
        if not inspect(engine).has_table("cases"):
            Base.metadata.create_all(engine)
        session = get_db(app).sessionmaker()
        if args.cases:
            from portal.demo.generate import generate
            from portal.demo.seed import seed_all

            seed_all(session)
            session.commit()
            started = time.perf_counter()
            generate(session, args.cases, batch=10000)
            print(f"generated {args.cases} cases in {time.perf_counter() - started:.0f} s")
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        else:
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"{session.query(Case).count()} cases on {engine.dialect.name}")
        for role in (Role.INTAKE_OFFICER, Role.HANDLER, Role.HEAD, Role.INSPECTOR):
            assignments = session.execute(select(RoleAssignment.user_id, RoleAssignment.unit_id)
                                          .where(RoleAssignment.role == role).order_by(RoleAssignment.id)).all()
            if not assignments:
                continue
            # the widest scope of that role (the user whose unit is nearest the root)
            user = session.get(User, assignments[0].user_id)
            measure(session, user, role.value, args.repeat)


if __name__ == "__main__":
    main()
