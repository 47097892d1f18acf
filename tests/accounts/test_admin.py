"""Staff administration: invitation, acceptance with TOTP enrolment, roles (audited), deactivation."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from portal.accounts.grants import request_grant
from portal.accounts.models import RequestState, Role, RoleRequest, User
from portal.audit.models import AuditEntry
from portal.notifications.services import current_settings, send_pending
from tests.accounts.conftest import PASSWORD
from tests.factories import make_admin, make_unit, make_user
from tests.helpers import login_as


def _audit(db_session, action):
    return db_session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def approve_waiting(app, db_session, user):
    """Another administrator approves, through the web, every role waiting for ``user``."""
    approver = make_admin(db_session)
    second = app.test_client()
    login_as(second, approver)
    waiting = db_session.scalars(select(RoleRequest).where(RoleRequest.user_id == user.id,
                                                           RoleRequest.state == RequestState.PENDING)).all()
    assert waiting
    for request_ in waiting:
        assert second.post(f"/staff/admin/users/requests/{request_.id}/approve").status_code == 302
    db_session.expire_all()
    return approver


def _invite(client, db_session, unit, email="new.officer@example.com", role="handler"):
    response = client.post("/staff/admin/users/new", data={"full_name": "Trần Văn Cán", "email": email,
                                                          "role": role, "unit": unit.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    return db_session.scalar(select(User).where(User.email == email))


def test_admin_creates_staff_who_accepts_the_invitation(client, app, db_session, make_staff, root_unit, smtp_sink):
    admin = make_staff(Role.ADMIN)
    login_as(client, admin)
    user = _invite(client, db_session, root_unit)
    assert user.is_staff and user.password_hash is None
    assert user.roles == []  # the first role waits for a second administrator
    page = client.get(f"/staff/admin/users/{user.id}").get_data(as_text=True)
    # the link goes to the officer's mailbox only, never to the administrator's screen
    assert user.email in page and "/account/invitation/" not in page
    assert "Vai trò chờ phê duyệt" in page and "Rút yêu cầu" in page
    assert _audit(db_session, "staff.created") and _audit(db_session, "role.requested")
    assert not _audit(db_session, "role.granted")
    approve_waiting(app, db_session, user)
    db_session.refresh(user)
    assert [(a.role, a.unit_id) for a in user.roles] == [(Role.HANDLER, root_unit.id)]

    send_pending(db_session, current_settings())
    body = smtp_sink.body(smtp_sink.to(user.email)[-1])
    link = re.search(r"https?://\S+/account/invitation/\S+", body).group(0)
    path = "/" + link.split("/", 3)[3]

    newcomer = app.test_client()
    form = newcomer.get(path)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html and "style=" not in html.split("<svg", 1)[1].split("</svg>")[0]
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    wrong = newcomer.post(path, data={"password": "a good staff password", "password_confirm": "a good staff password",
                                      "code": "000000"})
    assert "invitation-error" in wrong.get_data(as_text=True)
    done = newcomer.post(path, data={"password": "a good staff password",
                                     "password_confirm": "a good staff password", "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    db_session.refresh(user)
    assert user.totp_secret == secret and user.has_accepted_invitation
    assert _audit(db_session, "account.invitation_accepted")
    assert newcomer.get(path).status_code == 400  # the link works once

    newcomer.post("/account/login", data={"email": user.email, "password": "a good staff password"})
    assert newcomer.post("/account/login/verify", data={"code": codes[3]}).status_code == 302
    assert newcomer.get("/staff/").status_code == 200


def test_roles_added_and_removed_are_audited(client, app, db_session, make_staff, root_unit):
    admin = make_staff(Role.ADMIN)
    login_as(client, admin)
    dept = make_unit(db_session, parent=root_unit, code="DEPT")
    officer = make_user(db_session, roles=[(Role.HANDLER, root_unit)])
    response = client.post(f"/staff/admin/users/{officer.id}/roles", data={"role": "deputy", "unit": dept.id})
    assert response.status_code == 302
    requested = _audit(db_session, "role.requested")[-1]
    assert requested.actor_id == admin.id and requested.details["role"] == "deputy"
    approver = approve_waiting(app, db_session, officer)
    db_session.refresh(officer)
    assert {(a.role, a.unit_id) for a in officer.roles} == {(Role.HANDLER, root_unit.id), (Role.DEPUTY, dept.id)}
    granted = _audit(db_session, "role.granted")[-1]
    assert granted.actor_id == approver.id
    assert granted.details == {"role": "deputy", "unit": "DEPT", "requested_by": admin.id}
    deputy = next(a for a in officer.roles if a.role == Role.DEPUTY)
    assert client.post(f"/staff/admin/users/{officer.id}/roles/{deputy.id}/remove").status_code == 302
    db_session.refresh(officer)
    assert [a.role for a in officer.roles] == [Role.HANDLER]
    assert _audit(db_session, "role.revoked")[-1].details == {"role": "deputy", "unit": "DEPT"}


def test_a_unit_has_one_head_at_a_time(client, db_session, make_staff, root_unit):
    login_as(client, make_staff(Role.ADMIN))
    dept = make_unit(db_session, parent=root_unit)
    make_user(db_session, email="head@example.com", roles=[(Role.HEAD, dept)])
    other = make_user(db_session, roles=[(Role.HANDLER, dept)])
    response = client.post(f"/staff/admin/users/{other.id}/roles", data={"role": "head", "unit": dept.id})
    assert response.status_code == 400
    assert "head@example.com" in response.get_data(as_text=True)


def test_deactivation_ends_sessions_at_once(client, app, db_session, make_staff):
    admin = make_staff(Role.ADMIN)
    officer = make_staff(Role.HANDLER)
    officer_client = app.test_client()
    login_as(officer_client, officer)
    assert officer_client.get("/staff/").status_code == 200
    login_as(client, admin)
    assert client.post(f"/staff/admin/users/{officer.id}/active", data={"active": "0"}).status_code == 302
    assert officer_client.get("/staff/").status_code == 302
    refused = officer_client.post("/account/login", data={"email": officer.email, "password": PASSWORD})
    assert "login-error" in refused.get_data(as_text=True)
    assert _audit(db_session, "staff.deactivated")
    client.post(f"/staff/admin/users/{admin.id}/active", data={"active": "0"})
    db_session.refresh(admin)
    assert admin.is_active_account  # nobody locks themselves out


def test_new_invitation_revokes_the_old_link(client, db_session, make_staff, root_unit, smtp_sink):
    login_as(client, make_staff(Role.ADMIN))
    user = _invite(client, db_session, root_unit)
    link = re.compile(r"/account/invitation/[^\s<\"]+")

    def mailed() -> str:
        send_pending(db_session, current_settings())
        return link.search(smtp_sink.body(smtp_sink.to(user.email)[-1])).group(0)

    first = mailed()
    assert client.get(first).status_code == 200
    page = client.post(f"/staff/admin/users/{user.id}/invitation", follow_redirects=True).get_data(as_text=True)
    assert "/account/invitation/" not in page and user.email in page
    second = mailed()
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200
    assert _audit(db_session, "staff.invitation_sent")


def test_duplicate_email_is_a_form_error(client, db_session, make_staff, root_unit, citizen):
    login_as(client, make_staff(Role.ADMIN))
    response = client.post("/staff/admin/users/new", data={"full_name": "X", "email": citizen.email,
                                                          "role": "handler", "unit": root_unit.id})
    assert response.status_code == 400
    assert "Địa chỉ email này đã được dùng" in response.get_data(as_text=True)


def test_admin_list_shows_only_staff_in_scope(client, db_session, make_staff, root_unit):
    d1 = make_unit(db_session, parent=root_unit)
    d2 = make_unit(db_session, parent=root_unit)
    local_admin = make_staff(Role.ADMIN, unit=d1)
    make_user(db_session, email="in.scope@example.com", roles=[(Role.HANDLER, d1)])
    make_user(db_session, email="out.of.scope@example.com", roles=[(Role.HANDLER, d2)])
    login_as(client, local_admin)
    html = client.get("/staff/admin/users/").get_data(as_text=True)
    assert "in.scope@example.com" in html and "out.of.scope@example.com" not in html
    form = client.get("/staff/admin/users/new").get_data(as_text=True)
    assert f'value="{d1.id}"' in form and f'value="{d2.id}"' not in form


def test_admin_nav_entry_only_for_admins(client, make_staff):
    login_as(client, make_staff(Role.HANDLER))
    assert "/staff/admin/users/" not in client.get("/staff/").get_data(as_text=True)
    login_as(client, make_staff(Role.ADMIN))
    assert "/staff/admin/users/" in client.get("/staff/").get_data(as_text=True)


def test_admin_list_filters_by_unit_subtree(client, db_session, make_staff, root_unit):
    dept = make_unit(db_session, parent=root_unit)
    sub = make_unit(db_session, parent=dept)
    make_user(db_session, email="sub.officer@example.com", roles=[(Role.HANDLER, sub)])
    make_user(db_session, email="root.officer@example.com", roles=[(Role.HANDLER, root_unit)])
    login_as(client, make_staff(Role.ADMIN))
    html = client.get(f"/staff/admin/users/?unit={dept.id}").get_data(as_text=True)
    assert "sub.officer@example.com" in html and "root.officer@example.com" not in html
    everyone = client.get("/staff/admin/users/?unit=999999").get_data(as_text=True)  # unknown: no filter
    assert "sub.officer@example.com" in everyone and "root.officer@example.com" in everyone


def test_admin_list_matches_the_permission_rule_and_pages_by_email(client, db_session, make_staff, root_unit):
    from portal.accounts.admin import STAFF_PAGE
    from portal.accounts.permissions import Action, can

    d1 = make_unit(db_session, parent=root_unit)
    d2 = make_unit(db_session, parent=root_unit)
    local_admin = make_staff(Role.ADMIN, unit=d1)
    for i in range(STAFF_PAGE + 15):
        make_user(db_session, email=f"officer{i:03d}@example.com", roles=[(Role.HANDLER, d2 if i % 5 == 0 else d1)])
    waiting = make_user(db_session, email="no.role.yet@example.com", roles=[], is_staff=True)
    request_grant(db_session, waiting, Role.HANDLER, d1, requested_by=local_admin)
    elsewhere = make_user(db_session, email="no.role.elsewhere@example.com", roles=[], is_staff=True)
    request_grant(db_session, elsewhere, Role.HANDLER, d2, requested_by=make_staff(Role.ADMIN, unit=d2))
    login_as(client, local_admin)
    shown: list[str] = []
    url = "/staff/admin/users/"
    while url:
        html = client.get(url).get_data(as_text=True)
        shown += re.findall(r'/staff/admin/users/\d+">([^<]+)</a>', html)
        next_link = re.search(r'href="([^"]+)" rel="next"', html)
        url = next_link[1].replace("&amp;", "&") if next_link else None
    staff = db_session.scalars(select(User).where(User.is_staff.is_(True)).order_by(User.email)).all()
    expected = [u.email for u in staff if can(local_admin, Action.USERS_MANAGE, u)]
    assert shown == expected  # the same people as the permission rule, in order, each once
    assert "no.role.yet@example.com" in shown and len(shown) > STAFF_PAGE
    assert "no.role.elsewhere@example.com" not in shown
    first = client.get("/staff/admin/users/").get_data(as_text=True)
    assert f"{len(expected)} tài khoản" in first
