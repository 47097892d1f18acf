"""Administrators manage structure, within their own subtree, and never open cases for themselves."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.accounts.permissions import Action, can
from portal.accounts.services import AccountError, assign_role
from tests.factories import make_unit, make_user
from tests.helpers import login_as


@pytest.fixture
def tree(db_session):
    root = make_unit(db_session, code="ROOT-X")
    ward = make_unit(db_session, parent=root, code="WARD-X")
    return root, ward


def test_an_administrator_cannot_grant_themselves_a_case_role(db_session, tree):
    _root, ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, ward)])
    for role in (Role.HEAD, Role.DEPUTY, Role.HANDLER, Role.INTAKE_OFFICER, Role.INSPECTOR):
        with pytest.raises(AccountError):
            assign_role(db_session, admin, role, ward, actor_id=admin.id)
    other = make_user(db_session, roles=[(Role.HANDLER, ward)], is_staff=True)
    assert assign_role(db_session, other, Role.HEAD, ward, actor_id=admin.id).role == Role.HEAD


def test_self_grant_over_http_is_refused(client, db_session, tree):
    _root, ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, ward)])
    login_as(client, admin)
    response = client.post(f"/staff/admin/users/{admin.id}/roles", data={"role": "head", "unit": ward.id})
    assert response.status_code == 400  # the form again, with the refusal next to the role field
    assert "tự cấp cho mình" in response.get_data(as_text=True)
    db_session.expire_all()
    assert {a.role for a in admin.roles} == {Role.ADMIN}


def test_a_ward_administrator_cannot_remove_the_city_head(client, db_session, tree):
    root, ward = tree
    head = make_user(db_session, roles=[(Role.HEAD, root)])
    assignment = head.roles[0]
    login_as(client, make_user(db_session, roles=[(Role.ADMIN, ward)]))
    response = client.post(f"/staff/admin/org/units/{root.id}/leaders/{assignment.id}/remove")
    assert response.status_code == 404
    db_session.expire_all()
    assert [a.role for a in head.roles] == [Role.HEAD]


def test_only_root_administrators_edit_the_deadline_rules(db_session, tree):
    root, ward = tree
    assert can(make_user(db_session, roles=[(Role.ADMIN, root)]), Action.RULES_MANAGE)
    assert not can(make_user(db_session, roles=[(Role.ADMIN, ward)]), Action.RULES_MANAGE)


def test_a_ward_administrator_cannot_lock_or_reinvite_an_account_with_roles_beyond_the_ward(client, db_session, tree):
    """Locking and a new invitation reach the whole account: a ward's administrator who manages one
    of its roles must not lock out, or re-invite and take over, a city head who also works in the ward."""
    root, ward = tree
    head = make_user(db_session, roles=[(Role.HEAD, root), (Role.INSPECTOR, ward)])  # invitation not accepted yet
    version = head.session_version
    login_as(client, make_user(db_session, roles=[(Role.ADMIN, ward)]))
    page = client.get(f"/staff/admin/users/{head.id}")
    assert page.status_code == 200  # the ward role is theirs to see and remove
    text = page.get_data(as_text=True)
    assert "chỉ quản trị viên cấp trên mới được khóa" in text
    assert f"/staff/admin/users/{head.id}/active" not in text and f"/staff/admin/users/{head.id}/invitation" not in text
    assert client.post(f"/staff/admin/users/{head.id}/active", data={"active": "0"}).status_code == 403
    assert client.post(f"/staff/admin/users/{head.id}/invitation").status_code == 403
    db_session.expire_all()
    assert head.is_active_account and head.session_version == version  # no new invitation link either

    login_as(client, make_user(db_session, roles=[(Role.ADMIN, root)]))  # the city's administrator may
    assert client.post(f"/staff/admin/users/{head.id}/active", data={"active": "0"}).status_code == 302
    db_session.expire_all()
    assert not head.is_active_account


def test_whole_account_actions_follow_where_every_role_lies(db_session, tree):
    root, ward = tree
    ward_admin = make_user(db_session, roles=[(Role.ADMIN, ward)])
    root_admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    in_ward = make_user(db_session, roles=[(Role.HANDLER, ward), (Role.INSPECTOR, ward)])
    beyond = make_user(db_session, roles=[(Role.HANDLER, ward), (Role.HANDLER, root)])
    roleless = make_user(db_session, is_staff=True)  # its roles were all removed: may get one anywhere
    assert can(ward_admin, Action.ACCOUNT_MANAGE, in_ward) and can(root_admin, Action.ACCOUNT_MANAGE, in_ward)
    assert can(ward_admin, Action.USERS_MANAGE, beyond) and not can(ward_admin, Action.ACCOUNT_MANAGE, beyond)
    assert can(root_admin, Action.ACCOUNT_MANAGE, beyond)
    assert not can(ward_admin, Action.ACCOUNT_MANAGE, roleless) and can(root_admin, Action.ACCOUNT_MANAGE, roleless)
    citizen = make_user(db_session)
    assert not can(root_admin, Action.ACCOUNT_MANAGE, citizen)


def test_only_root_administrators_edit_the_notice_texts_every_unit_sends(client, db_session, tree):
    from sqlalchemy import select

    from portal.cases.models import NoticeTemplate

    root, ward = tree
    login_as(client, make_user(db_session, roles=[(Role.ADMIN, root)]))
    assert 'href="/staff/cases/notice-templates"' in client.get("/staff/").get_data(as_text=True)  # in the menu
    login_as(client, make_user(db_session, roles=[(Role.ADMIN, ward)]))
    assert 'href="/staff/cases/notice-templates"' not in client.get("/staff/").get_data(as_text=True)
    assert client.get("/staff/cases/notice-templates").status_code == 403
    before = db_session.scalars(select(NoticeTemplate.body).where(NoticeTemplate.code == "refusal")).all()
    response = client.post("/staff/cases/notice-templates/refusal", data={"title": "x", "body": "<p>Đã sửa</p>"})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.scalars(select(NoticeTemplate.body).where(NoticeTemplate.code == "refusal")).all() == before
