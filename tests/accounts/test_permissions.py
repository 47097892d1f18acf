"""The authorization table: for each role and scope, which actions on which objects are allowed.

The organisation used here::

    ROOT ── D1 ── S1        roles are held on D1 and apply to D1 and S1
        └── D2              a sibling: out of scope
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from portal.accounts.grants import request_grant
from portal.accounts.models import Role
from portal.accounts.permissions import Action, can, units_where
from portal.cases.models import CaseConflict
from tests.factories import make_case, make_unit, make_user
from tests.helpers import login_as

# action -> roles (held on D1) allowed inside D1's subtree (or with no object)
ALLOWED = {
    Action.STAFF_AREA: set(Role),
    Action.ORG_MANAGE: {Role.ADMIN},
    Action.USERS_MANAGE: {Role.ADMIN},
    Action.RULES_MANAGE: set(),  # city-wide: root administrators only (D1 is not the root; see test_admin_scope.py)
    Action.AUDIT_VIEW: {Role.INSPECTOR, Role.ADMIN},
    Action.BOARD_VIEW: {Role.HEAD, Role.INSPECTOR},
    Action.CASE_VIEW: {Role.INTAKE_OFFICER, Role.HANDLER, Role.DEPUTY, Role.HEAD, Role.INSPECTOR},
}
SCOPES = ("none", "own_unit", "subunit", "sibling", "parent")


@pytest.fixture
def org(db_session):
    root = make_unit(db_session, code="ROOT")
    d1 = make_unit(db_session, parent=root, code="D1")
    s1 = make_unit(db_session, parent=d1, code="S1")
    d2 = make_unit(db_session, parent=root, code="D2")
    users = {role: make_user(db_session, roles=[(role, d1)]) for role in Role}
    return SimpleNamespace(root=root, d1=d1, s1=s1, d2=d2, users=users)


def _object(db_session, org, action, scope):
    unit = {"none": None, "own_unit": org.d1, "subunit": org.s1, "sibling": org.d2, "parent": org.root}[scope]
    if action == Action.CASE_VIEW:
        return None if unit is None else make_case(db_session, unit=unit)
    return unit


# Case actions always name a case: no "none" scope for them.
TABLE = [(action, scope) for action in ALLOWED for scope in SCOPES
         if not (action == Action.CASE_VIEW and scope == "none")]


@pytest.mark.parametrize(("action", "scope"), TABLE)
def test_authorization_table(db_session, org, action, scope):
    obj = _object(db_session, org, action, scope)
    in_scope = scope in ("none", "own_unit", "subunit")
    for role, user in org.users.items():
        expected = in_scope and role in ALLOWED[action]
        assert can(user, action, obj) is expected, f"{role} {action} on {scope}: expected {expected}"


@pytest.mark.parametrize("action", list(ALLOWED))
def test_citizens_anonymous_and_deactivated_staff_may_do_nothing(db_session, org, action):
    citizen = make_user(db_session)
    admin = make_user(db_session, roles=[(Role.ADMIN, org.root)], is_active_account=False)
    for user in (citizen, AnonymousUserMixin(), None, admin):
        assert can(user, action, org.d1) is False
        assert can(user, action) is False


def test_unknown_action_is_refused(org):
    assert can(org.users[Role.ADMIN], "no.such.action") is False


def test_conflict_of_interest_hides_a_case_from_a_head_in_scope(db_session, org):
    head = org.users[Role.HEAD]
    case = make_case(db_session, unit=org.s1)
    assert can(head, Action.CASE_VIEW, case)
    db_session.add(CaseConflict(case_id=case.id, user_id=head.id, reason="accused"))
    db_session.flush()
    assert not can(head, Action.CASE_VIEW, case)


def test_roles_on_the_root_cover_the_whole_tree(db_session, org):
    admin = make_user(db_session, roles=[(Role.ADMIN, org.root)])
    for unit in (org.root, org.d1, org.s1, org.d2):
        assert can(admin, Action.USERS_MANAGE, unit)
    assert units_where(admin, {Role.ADMIN}) == {org.root.id, org.d1.id, org.s1.id, org.d2.id}
    assert units_where(org.users[Role.ADMIN], {Role.ADMIN}) == {org.d1.id, org.s1.id}


def test_an_administrator_manages_staff_with_a_role_in_scope(db_session, org):
    admin = org.users[Role.ADMIN]
    inside = make_user(db_session, roles=[(Role.HANDLER, org.s1)])
    outside = make_user(db_session, roles=[(Role.HANDLER, org.d2)])
    both = make_user(db_session, roles=[(Role.HANDLER, org.d2), (Role.HEAD, org.s1)])
    no_roles = make_user(db_session, is_staff=True)
    citizen = make_user(db_session)
    assert can(admin, Action.USERS_MANAGE, inside)
    assert not can(admin, Action.USERS_MANAGE, outside)
    assert can(admin, Action.USERS_MANAGE, both)
    assert not can(admin, Action.USERS_MANAGE, citizen)
    # an account without a role yet: an administrator of the root unit, or one over a unit a role was
    # asked for it in (its first role waits for approval), not every administrator
    assert not can(admin, Action.USERS_MANAGE, no_roles)
    assert can(make_user(db_session, roles=[(Role.ADMIN, org.root)]), Action.USERS_MANAGE, no_roles)
    assert not can(admin, Action.ACCOUNT_MANAGE, no_roles)
    request_grant(db_session, no_roles, Role.HANDLER, org.s1, requested_by=admin)
    assert can(admin, Action.USERS_MANAGE, no_roles) and can(admin, Action.ACCOUNT_MANAGE, no_roles)
    request_grant(db_session, no_roles, Role.HANDLER, org.d2,
                  requested_by=make_user(db_session, roles=[(Role.ADMIN, org.root)]))
    assert can(admin, Action.USERS_MANAGE, no_roles) and not can(admin, Action.ACCOUNT_MANAGE, no_roles)


# --- the same table through HTTP: 403 for a page the role may not open, 404 for an account out of scope


def _pages(org, inside, outside):
    return {
        "/staff/": dict.fromkeys(Role, 200),
        "/staff/admin/users/": {role: 200 if role == Role.ADMIN else 403 for role in Role},
        "/staff/admin/users/new": {role: 200 if role == Role.ADMIN else 403 for role in Role},
        "/staff/admin/users/requests": {role: 200 if role == Role.ADMIN else 403 for role in Role},
        f"/staff/admin/users/{inside.id}": {role: 200 if role == Role.ADMIN else 404 for role in Role},
        f"/staff/admin/users/{outside.id}": dict.fromkeys(Role, 404),
        "/staff/admin/users/999999": dict.fromkeys(Role, 404),
    }


def test_http_authorization_table(client, db_session, org):
    inside = make_user(db_session, roles=[(Role.HANDLER, org.s1)])
    outside = make_user(db_session, roles=[(Role.HANDLER, org.d2)])
    for path, expected in _pages(org, inside, outside).items():
        for role, status in expected.items():
            login_as(client, org.users[role])
            assert client.get(path).status_code == status, f"{role} GET {path}"


def test_http_changes_out_of_scope_are_refused(client, db_session, org):
    login_as(client, org.users[Role.ADMIN])
    outside = make_user(db_session, roles=[(Role.HANDLER, org.d2)])
    assignment = outside.roles[0]
    assert client.post(f"/staff/admin/users/{outside.id}/roles",
                       data={"role": "head", "unit": org.d2.id}).status_code == 404
    assert client.post(f"/staff/admin/users/{outside.id}/roles/{assignment.id}/remove").status_code == 404
    assert client.post(f"/staff/admin/users/{outside.id}/active", data={"active": "0"}).status_code == 404
    inside = make_user(db_session, roles=[(Role.HANDLER, org.s1)])
    # a unit outside the administrator's subtree is not a valid choice
    response = client.post(f"/staff/admin/users/{inside.id}/roles", data={"role": "head", "unit": org.d2.id})
    assert response.status_code == 400
    db_session.refresh(inside)
    assert [(a.role, a.unit_id) for a in inside.roles] == [(Role.HANDLER, org.s1.id)]


def test_anonymous_and_citizens_are_sent_to_login(client, db_session, org):
    for path in ("/staff/", "/staff/admin/users/"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    login_as(client, make_user(db_session))
    assert client.get("/staff/admin/users/").status_code == 302
