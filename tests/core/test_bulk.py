"""The set-based helpers the sweep and the generator write with (portal.db.among, insert_many), on
whichever database the suite runs on: each must read and write exactly what the plain ``IN`` list
and ``executemany`` would."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import exc, select

from portal.cases.models import Case, CaseEvent, Channel, Submission, SubmissionKind
from portal.db import among, insert_many
from tests.factories import make_case, make_submission, make_unit


def _cases(db_session, count):
    unit = make_unit(db_session)
    return [make_case(db_session, unit=unit) for _ in range(count)]


def test_among_matches_exactly_the_ids_given(db_session):
    cases = _cases(db_session, 5)
    ids = [c.id for c in cases]
    chosen = {ids[0], ids[2], ids[4]}
    assert set(db_session.scalars(select(Case.id).where(among(db_session, Case.id, chosen)))) == chosen
    assert list(db_session.scalars(select(Case.id).where(among(db_session, Case.id, [])))) == []
    # thousands of ids (more than SQLite's default number of host parameters), most of them absent
    many = [*range(10**9, 10**9 + 40_000), ids[1]]
    assert list(db_session.scalars(select(Case.id).where(among(db_session, Case.id, many)))) == [ids[1]]


def test_among_statement_is_cached_whatever_the_number_of_ids(db_session):
    """One parameter: the statement's text does not depend on how many ids are given."""
    first = select(Case.id).where(among(db_session, Case.id, [1, 2]))
    second = select(Case.id).where(among(db_session, Case.id, list(range(3000))))
    dialect = db_session.get_bind().dialect
    assert str(first.compile(dialect=dialect)) == str(second.compile(dialect=dialect))


def test_insert_many_writes_every_row_with_its_types(db_session):
    cases = _cases(db_session, 3)
    at = dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)
    rows = [{"case_id": c.id, "note": f"ghi chú {n} — “đơn”", "data": {"n": n, "names": ["Nguyễn Văn A"], "none": None}}
            for n, c in enumerate(cases)]
    insert_many(db_session, CaseEvent.__table__, rows, at=at, action="bulk_test", is_public=False)
    written = db_session.execute(select(CaseEvent.case_id, CaseEvent.note, CaseEvent.data, CaseEvent.at,
                                        CaseEvent.is_public, CaseEvent.actor_id)
                                 .where(CaseEvent.action == "bulk_test").order_by(CaseEvent.id)).all()
    assert [tuple(r) for r in written] == [(row["case_id"], row["note"], row["data"], at, False, None) for row in rows]


def test_insert_many_passes_values_through_their_column_types(db_session):
    """Enums, dates and times written as the ORM writes them (read back equal through the ORM)."""
    template = make_submission(db_session)
    received = dt.datetime(2026, 11, 2, 1, 2, 3, tzinfo=dt.UTC)
    row = {"tracking_code": "BULK-0001", "secret_hash": "0" * 64, "kind": SubmissionKind.DENUNCIATION,
           "channel": Channel.RECEPTION, "received_at": received, "content": "Nội dung tố cáo",
           "decision_date": dt.date(2026, 10, 1), "is_anonymous": True, "group_size": 3}
    insert_many(db_session, Submission.__table__, [row])
    db_session.expire_all()
    stored = db_session.scalars(select(Submission).where(Submission.tracking_code == "BULK-0001")).one()
    assert (stored.kind, stored.channel, stored.received_at, stored.decision_date, stored.is_anonymous,
            stored.group_size) == (SubmissionKind.DENUNCIATION, Channel.RECEPTION, received, dt.date(2026, 10, 1),
                                   True, 3)
    assert stored.id != template.id


def test_insert_many_of_nothing_writes_nothing(db_session):
    before = db_session.scalar(select(CaseEvent.id).order_by(CaseEvent.id.desc()).limit(1))
    insert_many(db_session, CaseEvent.__table__, [], action="bulk_test")
    assert db_session.scalar(select(CaseEvent.id).order_by(CaseEvent.id.desc()).limit(1)) == before


def test_insert_many_refuses_what_the_two_databases_would_write_differently(db_session):
    """Rows with different keys (the first row's would silently decide), None in a JSON column
    (PostgreSQL would store SQL NULL, SQLite JSON null), a value JSON cannot carry: refused, nothing
    written."""
    case = _cases(db_session, 1)[0]
    with pytest.raises(ValueError, match="same keys"):
        insert_many(db_session, CaseEvent.__table__, [{"case_id": case.id, "note": "a"},
                                                      {"case_id": case.id, "note": "b", "from_status": "received"}],
                    action="bulk_test")
    with pytest.raises(ValueError, match="None in a JSON column"):
        insert_many(db_session, CaseEvent.__table__, [{"case_id": case.id, "data": None}], action="bulk_test")
    with pytest.raises((TypeError, exc.StatementError)):
        insert_many(db_session, CaseEvent.__table__, [{"case_id": case.id, "note": {"not", "text"}}],
                    action="bulk_test")
    assert db_session.scalars(select(CaseEvent.id).where(CaseEvent.action == "bulk_test")).all() == []
