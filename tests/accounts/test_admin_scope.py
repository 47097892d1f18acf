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
