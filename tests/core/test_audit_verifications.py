"""Recorded, signed walks of the audit chain: the page verifies only what is new, a full walk
(daily, and `flask audit verify`) still catches an old entry edited later, forged records count
for nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from portal.audit import services
from portal.audit.models import AuditEntry, AuditVerification
from portal.audit.services import record, save_verification, verification_job, verify, verify_recent


def _entries(db_session, n: int) -> list[AuditEntry]:
    return [record(db_session, "export", object_id=i) for i in range(n)]


def _tamper(db_session, entry: AuditEntry) -> None:
    db_session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(reason="edited"))
    db_session.expire_all()


def test_the_command_records_a_full_walk_that_later_checks_start_from(db_session, runner):
    _entries(db_session, 4)
    db_session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    walk = db_session.scalars(select(AuditVerification)).one()
    assert walk.full and walk.checked == 4 and walk.broken_at is None
    newer = _entries(db_session, 2)
    report = verify_recent(db_session)
    assert report.since is not None and report.since.id == walk.id  # only the 2 new entries were walked
    assert report.checked == 6 and report.broken_at is None and report.last_id == newer[-1].id
    assert report.full_check is not None and report.full_check.id == walk.id


def test_a_new_entry_edited_is_caught_by_the_short_walk(db_session):
    _entries(db_session, 3)
    save_verification(db_session, verify(db_session), full=True)
    newer = _entries(db_session, 3)
    _tamper(db_session, newer[1])
    report = verify_recent(db_session)
    assert report.broken_at == newer[1].id and report.checked == 4


def test_an_old_entry_edited_is_caught_by_the_next_full_walk_and_then_shown(db_session, runner):
    old = _entries(db_session, 3)
    save_verification(db_session, verify(db_session), full=True)
    _tamper(db_session, old[0])
    assert verify_recent(db_session).broken_at is None  # the short walk starts after it, by design
    db_session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at entry {old[0].id}" in result.output
    db_session.expire_all()
    report = verify_recent(db_session)  # the recorded break is shown until a full walk is intact again
    assert report.broken_at == old[0].id and report.problem == "content does not match its hash"


def test_a_forged_record_is_ignored(db_session):
    entries = _entries(db_session, 3)
    _tamper(db_session, entries[0])
    forged = AuditVerification(at=dt.datetime.now(dt.UTC), full=True, to_entry_id=entries[-1].id,
                               to_hash=entries[-1].entry_hash, checked=3, broken_at=None, problem=None,
                               signature="0" * 64)
    db_session.add(forged)
    db_session.flush()
    report = verify_recent(db_session)
    assert report.since is None and report.full_check is None  # walked from the genesis
    assert report.broken_at == entries[0].id


def test_the_worker_walks_everything_daily_and_only_new_entries_in_between(db_session):
    _entries(db_session, 2)
    assert verification_job(db_session) == {"full": True, "checked": 2, "broken_at": None, "recorded": True}
    _entries(db_session, 1)
    assert verification_job(db_session) == {"full": False, "checked": 3, "broken_at": None, "recorded": True}
    # A tick with nothing new writes nothing; a newer short walk replaces the older one.
    assert verification_job(db_session) == {"full": False, "checked": 3, "broken_at": None, "recorded": False}
    _entries(db_session, 1)
    assert verification_job(db_session)["recorded"] is True
    walks = db_session.scalars(select(AuditVerification).order_by(AuditVerification.id)).all()
    assert [(w.full, w.checked) for w in walks] == [(True, 2), (False, 4)]
    full = walks[0]
    full.at = full.at - dt.timedelta(days=1, minutes=1)
    full.signature = services._signature(full)  # a genuine record of a walk made yesterday
    db_session.flush()
    assert verification_job(db_session)["full"] is True
    assert db_session.scalar(select(func.count()).select_from(AuditVerification)) == 3


def test_a_record_copied_under_a_newer_id_is_ignored(db_session):
    entries = _entries(db_session, 3)
    genuine = save_verification(db_session, verify(db_session), full=True)
    _tamper(db_session, entries[1])
    assert save_verification(db_session, verify(db_session), full=True).broken_at == entries[1].id
    copy = AuditVerification(**{c.key: getattr(genuine, c.key) for c in AuditVerification.__table__.columns
                                if c.key != "id"})
    db_session.add(copy)  # an attacker replays the old "intact" record to hide the break
    db_session.flush()
    assert copy.id > genuine.id
    assert verify_recent(db_session).broken_at == entries[1].id


def test_a_walk_does_not_start_from_an_entry_that_was_deleted(db_session):
    entries = _entries(db_session, 3)
    save_verification(db_session, verify(db_session), full=True)
    db_session.delete(entries[-1])  # the last entry the walk vouched for
    db_session.flush()
    db_session.expire_all()
    report = verify_recent(db_session)
    assert report.broken_at == entries[-1].id and report.problem == "verified entry missing or changed"


def test_the_audit_page_shows_when_the_last_full_walk_was(client, db_session, runner):
    from tests.backoffice.test_queues import build_org, login_as

    org = build_org(db_session)
    login_as(client, org.inspector)
    overdue = "chưa được kiểm tra toàn bộ trong 26 giờ qua"
    assert overdue in client.get("/staff/audit").get_data(as_text=True)  # never walked in full
    db_session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    html = client.get("/staff/audit").get_data(as_text=True)
    assert "Chuỗi nhật ký nguyên vẹn" in html and "Lần kiểm tra toàn bộ gần nhất:" in html
    assert overdue not in html
    full = db_session.scalars(select(AuditVerification)).one()
    full.at = full.at - dt.timedelta(hours=27)
    full.signature = services._signature(full)  # a genuine record, but the worker has stopped since
    db_session.flush()
    assert overdue in client.get("/staff/audit").get_data(as_text=True)
