"""The inspector's audit log: who may read it, scope, filters, keyset pages, chain status."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.audit.services import record
from portal.cases.models import CaseConflict
from tests.backoffice.test_queues import build_org, login_as
from tests.factories import make_case, make_user


@pytest.fixture
def org(db_session):  # type: ignore[no-untyped-def]
    return build_org(db_session)


def entry_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<th scope="row">(\d+)</th>', html)]


@pytest.fixture
def log(db_session, org):  # type: ignore[no-untyped-def]
    """Entries about a case in each department and one about no case."""
    case_a = make_case(db_session, unit=org.dept_a, reference="VV-AUD-A")
    case_b = make_case(db_session, unit=org.dept_b, reference="VV-AUD-B")
    ward_inspector = make_user(db_session, roles=[(Role.INSPECTOR, org.dept_a)])
    entries = {
        "login": record(db_session, "login", actor_id=org.head.id),
        "reveal_a": record(db_session, "identity.reveal", actor_id=org.head.id, case_id=case_a.id,
                           object_type="case", object_id=case_a.id, reason="Cần liên hệ người tố cáo"),
        "reveal_b": record(db_session, "identity.reveal", actor_id=org.handler.id, case_id=case_b.id,
                           reason="Lý do bí mật của đơn vị B"),
        "download_a": record(db_session, "attachment.original_download", actor_id=org.handler.id, case_id=case_a.id),
    }
    return {"case_a": case_a, "case_b": case_b, "ward_inspector": ward_inspector, **entries}


@pytest.mark.parametrize(("role", "status"), [
    ("intake", 403), ("handler", 403), ("head", 403), ("deputy", 403), ("inspector", 200), ("admin", 200),
])
def test_who_may_read_the_audit_log(client, org, log, role, status):
    login_as(client, getattr(org, role))
    response = client.get("/staff/audit")
    assert response.status_code == status
    if status == 403:
        html = response.get_data(as_text=True)
        assert "identity.reveal" not in html and "Cần liên hệ" not in html


def test_anonymous_and_citizens_are_sent_to_login(client, org, log):
    assert client.get("/staff/audit").status_code == 302
    login_as(client, org.citizen)
    assert client.get("/staff/audit").status_code == 302


def test_nav_link_only_for_those_allowed(client, org):
    login_as(client, org.inspector)
    assert 'href="/staff/audit"' in client.get("/staff/").get_data(as_text=True)
    login_as(client, org.intake)
    assert 'href="/staff/audit"' not in client.get("/staff/").get_data(as_text=True)


def test_root_admin_sees_the_city_but_no_reveal_or_original_download(client, db_session, org, log):
    mark_b = record(db_session, "case.accused.mark", actor_id=org.head.id, case_id=log["case_b"].id)
    login_as(client, org.admin)
    html = client.get("/staff/audit").get_data(as_text=True)
    assert entry_ids(html) == [mark_b.id, log["login"].id]
    assert "Cần liên hệ" not in html and "Lý do bí mật" not in html


def test_ward_admin_sees_only_their_subtree_and_no_reveals(client, db_session, org, log):
    ward_admin = make_user(db_session, roles=[(Role.ADMIN, org.dept_a)])
    entries = {
        "mark_a": record(db_session, "case.accused.mark", actor_id=org.head.id, case_id=log["case_a"].id),
        "mark_b": record(db_session, "case.accused.mark", actor_id=org.head.id, case_id=log["case_b"].id),
    }
    login_as(client, ward_admin)
    html = client.get("/staff/audit").get_data(as_text=True)
    assert set(entry_ids(html)) == {log["login"].id, entries["mark_a"].id}
    assert "Lý do bí mật của đơn vị B" not in html and "VV-AUD-B" not in html and "Cần liên hệ" not in html
    assert set(entry_ids(client.get("/staff/audit?action=identity.reveal").get_data(as_text=True))) == set()
    db_session.add(CaseConflict(case_id=log["case_a"].id, user_id=ward_admin.id, reason="accused"))
    db_session.flush()
    assert set(entry_ids(client.get("/staff/audit").get_data(as_text=True))) == {log["login"].id}


def test_inspector_sees_only_entries_in_scope(client, db_session, org, log):
    login_as(client, log["ward_inspector"])
    html = client.get("/staff/audit").get_data(as_text=True)
    assert set(entry_ids(html)) == {log["login"].id, log["reveal_a"].id, log["download_a"].id}
    assert "Lý do bí mật của đơn vị B" not in html and "VV-AUD-B" not in html
    # a conflict of interest hides the case's entries too
    db_session.add(CaseConflict(case_id=log["case_a"].id, user_id=log["ward_inspector"].id, reason="accused"))
    db_session.flush()
    assert set(entry_ids(client.get("/staff/audit").get_data(as_text=True))) == {log["login"].id}


def test_filters_by_case_person_action_and_date(client, org, log):
    login_as(client, org.inspector)

    def ids(query: str) -> set[int]:
        response = client.get(f"/staff/audit?{query}")
        assert response.status_code == 200
        return set(entry_ids(response.get_data(as_text=True)))

    assert ids("case=vv-aud-a") == {log["reveal_a"].id, log["download_a"].id}
    assert ids(f"actor={org.handler.email}") == {log["reveal_b"].id, log["download_a"].id}
    assert ids("action=identity.reveal") == {log["reveal_a"].id, log["reveal_b"].id}
    assert ids(f"case=VV-AUD-A&actor={org.head.email}&action=identity.reveal") == {log["reveal_a"].id}
    assert ids("case=NO-SUCH-CASE") == set()
    assert ids("actor=nobody@example.test") == set()
    assert ids("date_from=2000-01-01&date_to=2000-01-02") == set()
    assert len(ids("date_from=2000-01-01")) == 4
    html = client.get("/staff/audit?case=VV-AUD-A").get_data(as_text=True)
    assert 'value="VV-AUD-A"' in html or 'value="vv-aud-a"' in html


@pytest.mark.parametrize("query", ["date_from=2030-02-30", "date_from=2030-05-02&date_to=2030-05-01",
                                   "action=" + "x" * 65, "after=abc", "after=-1"])
def test_bad_filter_values_are_a_400(client, org, query):
    login_as(client, org.inspector)
    assert client.get(f"/staff/audit?{query}").status_code == 400


def test_keyset_pages(client, db_session, org):
    created = [record(db_session, "login", actor_id=org.head.id).id for _ in range(53)]
    login_as(client, org.admin)
    first = client.get("/staff/audit?action=login").get_data(as_text=True)
    assert entry_ids(first) == list(reversed(created))[:50]
    next_url = re.search(r'href="([^"]+)" rel="next"', first)[1].replace("&amp;", "&")
    assert "action=login" in next_url
    assert entry_ids(client.get(next_url).get_data(as_text=True)) == list(reversed(created))[50:]


def test_chain_status_is_shown_and_tampering_is_reported(client, db_session, org, log):
    login_as(client, org.inspector)
    assert "Chuỗi nhật ký nguyên vẹn" in client.get("/staff/audit").get_data(as_text=True)
    db_session.execute(update(AuditEntry).where(AuditEntry.id == log["reveal_a"].id).values(reason="sửa lén"))
    db_session.flush()
    html = client.get("/staff/audit").get_data(as_text=True)
    assert "Chuỗi nhật ký bị phá vỡ" in html and str(log["reveal_a"].id) in html


def test_entries_about_no_case_reach_a_department_only_for_its_own_staff_and_units(client, db_session, org, log):
    """A citizen's sign-in, next to the time of an anonymous đơn, could point at its sender: only
    city-wide inspectors and administrators see it. A department's inspector sees what concerns its
    own staff and units."""
    head_b = make_user(db_session, roles=[(Role.HEAD, org.dept_b)])
    entries = {
        "citizen_login": record(db_session, "login.success", actor_id=org.citizen.id, object_type="user",
                                object_id=org.citizen.id),
        "unknown_failure": record(db_session, "login.failure", reason="unknown"),
        "head_b_login": record(db_session, "login.success", actor_id=head_b.id, object_type="user",
                               object_id=head_b.id),
        "role_a": record(db_session, "role.granted", actor_id=org.admin.id, object_type="user",
                         object_id=org.handler.id, role="handler"),
        "unit_a": record(db_session, "org.unit.update", actor_id=org.admin.id, object_type="org_unit",
                         object_id=org.dept_a.id),
        "unit_b": record(db_session, "org.unit.update", actor_id=org.admin.id, object_type="org_unit",
                         object_id=org.dept_b.id),
    }
    ward_admin = make_user(db_session, roles=[(Role.ADMIN, org.dept_a)])
    mine = {log["login"].id, entries["role_a"].id, entries["unit_a"].id}
    for viewer, extra in ((log["ward_inspector"], {log["reveal_a"].id, log["download_a"].id}), (ward_admin, set())):
        login_as(client, viewer)
        assert set(entry_ids(client.get("/staff/audit").get_data(as_text=True))) == mine | extra
        # the citizen's own entries stay hidden whatever the filter
        assert entry_ids(client.get(f"/staff/audit?actor={org.citizen.email}").get_data(as_text=True)) == []
    login_as(client, org.inspector)  # on the root unit: the whole city
    seen = set(entry_ids(client.get("/staff/audit").get_data(as_text=True)))
    assert {e.id for e in entries.values()} | {log["login"].id} <= seen
