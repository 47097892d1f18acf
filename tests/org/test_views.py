"""Administration screens: permissions, forms, validation errors, audit, CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import RequestState, Role, RoleAssignment, RoleRequest
from portal.audit.models import AuditEntry
from portal.org.models import OrgUnit, RoutingRule, UnitField
from portal.org.services import head_id, unit_by_code
from tests.factories import make_admin, make_user
from tests.helpers import login_as
from tests.org.page_list import STAFF_PAGES

BASE = "/staff/admin/org"


@pytest.fixture
def admin(db_session, city):
    return make_admin(db_session)


@pytest.fixture
def as_admin(client, admin):
    login_as(client, admin)
    return client


def test_anonymous_is_sent_to_login(client, city):
    response = client.get(BASE + "/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.HEAD, Role.HANDLER, Role.INSPECTOR])
def test_other_staff_are_refused(client, db_session, city, role):
    login_as(client, make_user(db_session, roles=[(role, city.root)]))
    assert client.get(BASE + "/").status_code == 403
    assert client.post(BASE + "/units/new", data={"code": "X"}).status_code == 403
    assert unit_by_code(db_session, "X") is None


@pytest.mark.parametrize("path", [p for p, _role in STAFF_PAGES])
def test_every_page_renders_in_both_languages(as_admin, path):
    assert as_admin.get(path).status_code == 200
    html = as_admin.get(path + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html


def test_nav_entry_only_for_admins(as_admin, client, db_session, city):
    assert f'href="{BASE}/"' in as_admin.get("/staff/").get_data(as_text=True)


def test_nav_entry_hidden_from_handlers(client, db_session, city):
    login_as(client, make_user(db_session, roles=[(Role.HANDLER, city.root)]))
    assert f'href="{BASE}/"' not in client.get("/staff/").get_data(as_text=True)


def unit_data(city, **overrides):
    data = {"code": "T-SCT", "name": "Sở Công Thương", "name_en": "Department of Industry and Trade",
            "kind": "department", "parent_id": str(city.root.id), "valid_from": "2026-01-01", "valid_to": "",
            "field_ids": [str(city.f_health.id)]}
    data.update(overrides)
    return data


def test_create_unit_with_fields(as_admin, db_session, city):
    response = as_admin.post(BASE + "/units/new", data=unit_data(city))
    assert response.status_code == 302
    unit = unit_by_code(db_session, "T-SCT")
    assert unit.parent_id == city.root.id
    assert db_session.scalar(select(UnitField.field_id).where(UnitField.unit_id == unit.id)) == city.f_health.id
    assert db_session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == str(unit.id),
                                                             AuditEntry.action == "org.unit.create"))


def test_bad_unit_keeps_input_and_explains(as_admin, db_session, city):
    response = as_admin.post(BASE + "/units/new", data=unit_data(city, valid_to="2025-01-01"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ngày kết thúc phải sau ngày bắt đầu hiệu lực." in html and 'value="Sở Công Thương"' in html
    assert unit_by_code(db_session, "T-SCT") is None


def test_bad_date_is_a_form_error(as_admin, city):
    response = as_admin.post(BASE + "/units/new", data=unit_data(city, valid_from="31/02/2026"))
    assert response.status_code == 422


def test_move_into_own_subtree_is_refused(as_admin, db_session, city):
    data = unit_data(city, code=city.health.code, name=city.health.name, parent_id=str(city.hospital.id),
                     valid_from="2000-01-01")
    response = as_admin.post(f"{BASE}/units/{city.health.id}", data=data)
    assert response.status_code == 422
    db_session.expire_all()
    assert db_session.get(OrgUnit, city.health.id).parent_id == city.root.id


def test_rename_and_move(as_admin, db_session, city):
    data = unit_data(city, code=city.hospital.code, name="Bệnh viện Thành phố", parent_id=str(city.root.id),
                     valid_from="2000-01-01")
    assert as_admin.post(f"{BASE}/units/{city.hospital.id}", data=data).status_code == 302
    db_session.expire_all()
    hospital = db_session.get(OrgUnit, city.hospital.id)
    assert (hospital.name, hospital.parent_id) == ("Bệnh viện Thành phố", city.root.id)


def _approve_waiting(app, db_session, unit_id):
    """A second administrator approves, through the web, what waits for the unit."""
    second = app.test_client()
    login_as(second, make_admin(db_session))
    waiting = db_session.scalars(select(RoleRequest).where(RoleRequest.unit_id == unit_id,
                                                           RoleRequest.state == RequestState.PENDING)).all()
    assert waiting
    for request_ in waiting:
        assert second.post(f"/staff/admin/users/requests/{request_.id}/approve").status_code == 302
    db_session.expire_all()


def test_appoint_head_one_at_a_time_and_remove(app, as_admin, db_session, city):
    first = make_user(db_session, roles=[(Role.HANDLER, city.health)], full_name="Trần Thị B")
    second = make_user(db_session, roles=[(Role.HANDLER, city.health)])
    url = f"{BASE}/units/{city.health.id}/leaders"
    proposed = as_admin.post(url, data={"user_id": first.id, "role": "head"}, follow_redirects=True)
    assert "khi một quản trị viên khác phê duyệt" in proposed.get_data(as_text=True)
    assert head_id(db_session, city.health.id) is None
    page = as_admin.get(f"{BASE}/units/{city.health.id}").get_data(as_text=True)
    assert "Bổ nhiệm chờ phê duyệt" in page and first.email in page
    _approve_waiting(app, db_session, city.health.id)
    assert head_id(db_session, city.health.id) == first.id
    refused = as_admin.post(url, data={"user_id": second.id, "role": "head"})
    assert refused.status_code == 422 and "đã có người đứng đầu" in refused.get_data(as_text=True)
    assert head_id(db_session, city.health.id) == first.id
    assert as_admin.post(url, data={"user_id": second.id, "role": "head", "replace": "y"}).status_code == 302
    assert head_id(db_session, city.health.id) == first.id
    _approve_waiting(app, db_session, city.health.id)
    assert head_id(db_session, city.health.id) == second.id
    page = as_admin.get(f"{BASE}/units/{city.health.id}").get_data(as_text=True)
    assert second.email in page and "Bổ nhiệm chờ phê duyệt" not in page
    assignment = db_session.scalar(select(RoleAssignment).where(RoleAssignment.unit_id == city.health.id,
                                                                RoleAssignment.role == Role.HEAD))
    assert as_admin.post(f"{url}/{assignment.id}/remove").status_code == 302
    assert head_id(db_session, city.health.id) is None


def test_remove_refuses_other_roles_and_units(as_admin, db_session, city):
    handler = make_user(db_session, roles=[(Role.HANDLER, city.health)])
    assignment = handler.roles[0]
    assert as_admin.post(f"{BASE}/units/{city.health.id}/leaders/{assignment.id}/remove").status_code == 404
    assert as_admin.post(f"{BASE}/units/{city.root.id}/leaders/999999/remove").status_code == 404


def test_retire_unit(as_admin, db_session, city):
    response = as_admin.post(f"{BASE}/units/{city.hospital.id}/retire",
                             data={"on": "2026-06-01", "successor_id": str(city.health.id)})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(OrgUnit, city.hospital.id).successor_id == city.health.id


def test_retire_parent_with_active_children_is_refused(as_admin, db_session, city):
    response = as_admin.post(f"{BASE}/units/{city.health.id}/retire", data={"on": "2026-06-01", "successor_id": ""})
    assert response.status_code == 422 and city.hospital.code in response.get_data(as_text=True)


def test_unknown_unit_is_404(as_admin):
    assert as_admin.get(f"{BASE}/units/999999").status_code == 404


def test_fields_and_rules_are_editable(as_admin, db_session, city):
    assert as_admin.post(BASE + "/fields/new", data={"code": "water", "name": "Cấp nước", "is_active": "y"}
                         ).status_code == 302
    duplicate = as_admin.post(BASE + "/fields/new", data={"code": "water", "name": "Nước"})
    assert duplicate.status_code == 422
    rule = db_session.scalar(select(RoutingRule).where(RoutingRule.code == "KNPA-1"))
    data = {"code": "KNPA-1", "position": "5", "name": "Kiến nghị về thanh tra", "kind": "petition",
            "second_complaint": "", "field_id": "", "strategy": "fixed", "target_unit_id": str(city.inspectorate.id),
            "is_active": "y", "note": ""}
    assert as_admin.post(f"{BASE}/rules/{rule.id}", data=data).status_code == 302
    db_session.expire_all()
    rule = db_session.get(RoutingRule, rule.id)
    assert (rule.position, rule.target_unit_id) == (5, city.inspectorate.id)
    assert db_session.scalar(select(AuditEntry.action).where(AuditEntry.action == "org.rule.update"))
    bad = as_admin.post(f"{BASE}/rules/{rule.id}", data={**data, "target_unit_id": ""})
    assert bad.status_code == 422


def test_try_page_explains_the_proposal(as_admin, city):
    response = as_admin.get(f"{BASE}/try", query_string={"kind": "petition", "field_id": city.f_health.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and city.health.code in html and "Đề xuất theo quy tắc" in html
    accused = as_admin.get(f"{BASE}/try", query_string={"kind": "denunciation", "accused_unit_id": city.hospital.id,
                                                        "accused_position": "Giám đốc"})
    assert f"<code>{city.health.code}</code>" in accused.get_data(as_text=True)


def test_forms_need_a_csrf_token(csrf_client, db_session, city):
    login_as(csrf_client, make_admin(db_session))
    response = csrf_client.post(BASE + "/units/new", data=unit_data(city))
    assert response.status_code == 400
    assert unit_by_code(db_session, "T-SCT") is None


@pytest.mark.parametrize(("path", "data"), [
    ("/units/new", {"code": "ô ô", "name": "x", "kind": "nope", "parent_id": "abc", "valid_from": "x",
                    "field_ids": ["zz"]}),
    ("/fields/new", {"code": "", "name": ""}),
    ("/rules/new", {"code": "R", "name": "R", "position": "đầu", "strategy": "nope", "kind": "x"}),
])
def test_garbage_is_a_form_error_not_a_crash(as_admin, city, path, data):
    assert as_admin.post(BASE + path, data=data).status_code == 422


def test_garbage_leader_and_retire_forms(as_admin, city):
    assert as_admin.post(f"{BASE}/units/{city.health.id}/leaders", data={"user_id": "x", "role": "admin"}
                         ).status_code == 422
    assert as_admin.post(f"{BASE}/units/{city.health.id}/retire", data={"on": "soon", "successor_id": "x"}
                         ).status_code == 422
    assert as_admin.get(f"{BASE}/try", query_string={"kind": "x", "unit_id": "y"}).status_code == 422


def test_an_administrator_of_a_subtree_manages_only_that_subtree(client, db_session, city):
    login_as(client, make_user(db_session, roles=[(Role.ADMIN, city.health)]))
    assert client.get(f"{BASE}/units/{city.hospital.id}").status_code == 200
    assert client.get(f"{BASE}/units/{city.ward.id}").status_code == 404
    assert client.post(f"{BASE}/units/{city.ward.id}/retire", data={"on": "2026-06-01"}).status_code == 404
    assert client.get(f"{BASE}/rules/new").status_code == 403
    assert client.get(f"{BASE}/fields/new").status_code == 403
    outside = client.post(BASE + "/units/new", data=unit_data(city))  # under the root
    assert outside.status_code == 422 and "Bạn không quản lý đơn vị cấp trên này." in outside.get_data(as_text=True)
    inside = client.post(BASE + "/units/new", data=unit_data(city, parent_id=str(city.health.id)))
    assert inside.status_code == 302
