"""The hash-chained audit log and `flask audit verify`."""

from __future__ import annotations

from sqlalchemy import update

from portal.audit.models import AuditEntry
from portal.audit.services import GENESIS, record, verify


def test_chain_links_each_entry_to_the_previous(db_session):
    first = record(db_session, "login.success", actor_id=None, object_type="user", object_id=1)
    second = record(db_session, "identity.reveal", reason="verification", case_id=7, field="name")
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.entry_hash
    assert verify(db_session).broken_at is None
    assert verify(db_session).checked == 2


def test_tampering_is_reported_at_the_first_broken_entry(db_session, runner):
    entries = [record(db_session, "export", object_id=i) for i in range(5)]
    db_session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "OK: 5 entries" in result.output

    db_session.execute(update(AuditEntry).where(AuditEntry.id == entries[2].id).values(reason="edited"))
    db_session.expire_all()
    report = verify(db_session)
    assert report.broken_at == entries[2].id and report.checked == 2
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {entries[2].id}" in result.output


def test_deleting_an_entry_breaks_the_next_link(db_session):
    entries = [record(db_session, "export", object_id=i) for i in range(3)]
    db_session.delete(entries[1])
    db_session.flush()
    db_session.expire_all()
    assert verify(db_session).broken_at == entries[2].id
