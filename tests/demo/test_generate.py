"""The bulk data generator used by the benchmarks."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select, text

from portal.accounts.models import Role
from portal.cases.models import Case, CaseEvent, CaseKind, CaseStatus, Deadline, ReporterIdentity, Submission
from portal.demo.generate import generate
from tests.factories import make_field, make_unit, make_user


def test_generates_consistent_cases(db_session):
    unit = make_unit(db_session)
    make_field(db_session, code="land")
    make_user(db_session, roles=[(Role.HANDLER, unit)])
    ticks: list[int] = []
    assert generate(db_session, 120, batch=50, progress=ticks.append) == 120
    assert ticks == [50, 50, 20]
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 120
    assert db_session.scalar(select(func.count()).select_from(Case)) == 120
    assert db_session.scalar(select(func.count()).select_from(CaseEvent)) >= 120
    assert db_session.scalar(select(func.count()).select_from(Deadline)) >= 120
    identities = db_session.scalar(select(func.count()).select_from(ReporterIdentity))
    assert 0 < identities < 120  # some anonymous, most named
    sample = db_session.scalars(select(Submission).limit(5)).all()
    for submission in sample:
        assert submission.search_text == submission.search_text.lower()
        assert "đ" not in submission.search_text
    codes = db_session.scalars(select(Submission.tracking_code)).all()
    assert len(set(codes)) == 120
    # a second run continues after the existing ids
    assert generate(db_session, 10, batch=10) == 10
    assert db_session.scalar(select(func.count()).select_from(Case)) == 130


def test_generated_clocks_agree_with_the_cases(db_session):
    """Each case's due date is its earliest running clock, as the lifecycle keeps it; a file closed has
    none; some resolved cases still wait for their decision's sending (on the due-soon and overdue
    queues, as in real use)."""
    unit = make_unit(db_session)
    make_field(db_session, code="land")
    make_user(db_session, roles=[(Role.HANDLER, unit)])
    generate(db_session, 1500, batch=500)
    earliest = (select(func.min(Deadline.due_on)).where(Deadline.case_id == Case.id, Deadline.met_at.is_(None))
                .correlate(Case).scalar_subquery())
    rows = db_session.execute(select(Case.status, Case.due_on, earliest, Case.closed_at)).all()
    assert all(due == first for _status, due, first, _closed in rows)
    assert all(due is None for _status, due, _first, closed in rows if closed is not None)
    waiting = db_session.execute(select(Case.id, Case.kind, Deadline.rule_code, Deadline.starts_on)
                                 .join(Deadline, Deadline.case_id == Case.id)
                                 .where(Case.status == CaseStatus.RESOLVED, Deadline.met_at.is_(None))).all()
    clocks: dict[int, tuple[CaseKind, set[str]]] = {}
    for case_id, kind, code, _starts in waiting:
        clocks.setdefault(case_id, (kind, set()))[1].add(code)
    assert clocks and all(codes == {CaseKind.COMPLAINT: {"KN-04"}, CaseKind.DENUNCIATION: {"TC-06", "TC-07"}}[kind]
                          for kind, codes in clocks.values())  # as resolving starts them
    # the decision came after the resolution's clock started, and that clock was met on its day
    resolution = dict(db_session.execute(select(Deadline.case_id, Deadline.starts_on).where(
        Deadline.stage == "resolution", Deadline.case_id.in_(list(clocks)))).all())
    assert all(starts >= resolution[case_id] for case_id, _kind, _code, starts in waiting)


def test_postgresql_statistics_are_refreshed_after_the_bulk_load(db_session):
    unit = make_unit(db_session)
    make_field(db_session, code="land")
    make_user(db_session, roles=[(Role.HANDLER, unit)])
    generate(db_session, 60, batch=25)
    if db_session.get_bind().dialect.name == "postgresql":
        # ANALYZE counted the rows (its own transaction's included): the planner knows the size.
        for table in ("cases", "submissions", "case_events"):
            rows = db_session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table})
            assert rows >= 60, table
    else:  # SQLite: no statistics table, the queries name their indexes
        assert db_session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")) == 0


def test_cli_refuses_without_an_organisation(runner):
    result = runner.invoke(args=["demo", "generate", "--cases", "5"])
    assert result.exit_code != 0
    assert "flask demo seed" in result.output
    assert "Traceback" not in result.output


def test_cli_rejects_a_bad_count(runner):
    result = runner.invoke(args=["demo", "generate", "--cases", "0"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.fixture
def production(app, monkeypatch):
    monkeypatch.setitem(app.config, "SETTINGS", dataclasses.replace(app.config["SETTINGS"], env="production"))


@pytest.mark.parametrize("args", [["demo", "seed"], ["demo", "generate", "--cases", "5"]])
def test_demo_data_is_refused_in_production(runner, db_session, production, args):
    """Demo accounts have published passwords: a production portal never gets them by mistake."""
    from portal.accounts.models import User

    users = db_session.scalar(select(func.count()).select_from(User))
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "PORTAL_ENV=production" in result.output and "--allow-production" in result.output
    assert "Traceback" not in result.output
    assert db_session.scalar(select(func.count()).select_from(User)) == users


def test_allow_production_lets_a_throwaway_database_through(runner, production):
    result = runner.invoke(args=["demo", "generate", "--cases", "5", "--allow-production"])
    assert "PORTAL_ENV=production" not in result.output
    assert "flask demo seed" in result.output  # past the guard, stopped by the missing organisation


def test_some_suspensions_and_terminations_wait_for_their_sending(db_session):
    """KN-09 and TC-05: a suspension's or termination's sending has its own clock; a suspended case's
    resolution clock is paused from the decision; a terminated file stays open until closed, its
    resolution clock met on the decision's day."""
    unit = make_unit(db_session)
    make_field(db_session, code="land")
    make_user(db_session, roles=[(Role.HANDLER, unit)])
    generate(db_session, 3000, batch=1000)
    stopped = (CaseStatus.SUSPENDED, CaseStatus.TERMINATED)
    rows = db_session.execute(select(Case.id, Case.kind, Case.status, Case.closed_at, Deadline.stage,
                                     Deadline.rule_code, Deadline.starts_on, Deadline.met_at, Deadline.paused_since)
                              .join(Deadline, Deadline.case_id == Case.id).where(Case.status.in_(stopped))).all()
    interim = {r.id: (r.kind, r.rule_code) for r in rows if r.stage == "send_interim"}
    assert interim and all(code == {CaseKind.COMPLAINT: "KN-09", CaseKind.DENUNCIATION: "TC-05"}[kind]
                           for kind, code in interim.values())
    assert {r.status for r in rows if r.id in interim} == set(stopped)
    decided = {r.id: r.starts_on for r in rows if r.stage == "send_interim"}
    for r in rows:
        assert r.closed_at is None  # neither file is closed
        if r.stage == "resolution" and r.status == CaseStatus.SUSPENDED:
            assert r.met_at is None and r.paused_since is not None and r.paused_since >= r.starts_on
            assert r.id not in decided or r.paused_since == decided[r.id]
        if r.stage == "resolution" and r.status == CaseStatus.TERMINATED:
            assert r.met_at is not None and r.paused_since is None
