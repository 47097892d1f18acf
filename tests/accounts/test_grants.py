"""The two-person rule for roles (portal/accounts/grants.py): a role given through the web is only
requested; a second administrator over the unit, neither the requester nor the person receiving it,
makes it take effect."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts import grants
from portal.accounts.models import RequestState, Role, RoleAssignment, RoleRequest, User
from portal.accounts.services import AccountError, create_staff, remove_role, set_active
from portal.audit.models import AuditEntry
from portal.db import now_utc
from portal.notifications.models import OutboxMessage
from portal.org.models import UnitKind
from tests.factories import make_unit, make_user
from tests.helpers import login_as


@pytest.fixture
def tree(db_session):
    root = make_unit(db_session, code="ROOT", kind=UnitKind.PROVINCIAL_COMMITTEE)
    ward = make_unit(db_session, code="WARD", parent=root, kind=UnitKind.WARD_COMMITTEE)
    return root, ward


def _audit(db_session, action):
    return db_session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def _roles(db_session, user):
    db_session.expire(user, ["roles"])
    return {(a.role, a.unit.code) for a in user.roles}


def test_an_administrator_alone_cannot_make_a_head_of_an_account_they_control(db_session, tree):
    """The threat: an administrator makes an account with a mailbox of their own a head, who may reveal
    denouncers. Neither the account nor a second administrator account of their making can approve."""
    root, ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    puppet = create_staff(db_session, email="puppet@example.com", full_name="Bù nhìn", grants=[], actor_id=admin.id)
    wanted = grants.request_grant(db_session, puppet, Role.HEAD, ward, requested_by=admin)
    assert _roles(db_session, puppet) == set()

    accomplice = create_staff(db_session, email="accomplice@example.com", full_name="Đồng lõa", grants=[],
                              actor_id=admin.id)
    grants.request_grant(db_session, accomplice, Role.ADMIN, root, requested_by=admin)  # waits too
    for who in (admin, puppet, accomplice):
        assert not grants.may_decide(db_session, who, wanted)
        with pytest.raises(AccountError, match="quản trị viên khác"):
            grants.approve(db_session, wanted, who)
    assert _roles(db_session, puppet) == set() and wanted.state == RequestState.PENDING

    colleague = make_user(db_session, roles=[(Role.ADMIN, root)])
    grants.approve(db_session, wanted, colleague)
    assert _roles(db_session, puppet) == {(Role.HEAD, "WARD")}
    assert (wanted.state, wanted.decided_by_id) == (RequestState.APPROVED, colleague.id)
    granted = _audit(db_session, "role.granted")[-1]
    assert granted.actor_id == colleague.id and granted.details["requested_by"] == admin.id
    assert _audit(db_session, "role.requested")[0].actor_id == admin.id


def test_the_approver_must_administer_the_unit(db_session, tree):
    root, ward = tree
    requester = make_user(db_session, roles=[(Role.ADMIN, ward)])
    officer = make_user(db_session, roles=[(Role.HANDLER, ward)])
    city_requester = make_user(db_session, roles=[(Role.ADMIN, root)])
    city_wide = grants.request_grant(db_session, officer, Role.INSPECTOR, root, requested_by=city_requester)
    assert not grants.may_decide(db_session, requester, city_wide)  # a ward's administrator: not the city
    in_ward = grants.request_grant(db_session, officer, Role.INTAKE_OFFICER, ward, requested_by=requester)
    other_ward_admin = make_user(db_session, roles=[(Role.ADMIN, ward)])
    city_admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    assert grants.may_decide(db_session, other_ward_admin, in_ward)
    assert grants.may_decide(db_session, city_admin, in_ward)  # from above
    assert not grants.may_decide(db_session, make_user(db_session, roles=[(Role.HEAD, root)]), in_ward)
    locked = make_user(db_session, roles=[(Role.ADMIN, root)], is_active_account=False)
    assert not grants.may_decide(db_session, locked, in_ward)
    # told by email: every active administrator over the ward, but the requester and the grantee
    assert {u.id for u in grants.approvers(db_session, in_ward)} == {other_ward_admin.id, city_admin.id,
                                                                     city_requester.id}


def test_one_open_request_per_grant_and_each_decided_once(db_session, tree):
    root, ward = tree
    admin, colleague = (make_user(db_session, roles=[(Role.ADMIN, root)]) for _ in range(2))
    officer = make_user(db_session, roles=[(Role.HANDLER, ward)])
    first = grants.request_grant(db_session, officer, Role.DEPUTY, ward, requested_by=admin)
    with pytest.raises(AccountError, match="đang chờ phê duyệt"):
        grants.request_grant(db_session, officer, Role.DEPUTY, ward, requested_by=colleague)
    grants.refuse(db_session, first, colleague, "  Chưa có quyết định bổ nhiệm.  ")
    assert (first.state, first.reason) == (RequestState.REFUSED, "Chưa có quyết định bổ nhiệm.")
    refused = _audit(db_session, "role.request_refused")[-1]
    assert refused.actor_id == colleague.id and refused.reason == "Chưa có quyết định bổ nhiệm."
    for decide in (lambda: grants.approve(db_session, first, colleague),
                   lambda: grants.refuse(db_session, first, colleague),
                   lambda: grants.cancel(db_session, first, admin)):
        with pytest.raises(AccountError, match="đã được xử lý"):
            decide()
    assert _roles(db_session, officer) == {(Role.HANDLER, "WARD")}

    second = grants.request_grant(db_session, officer, Role.DEPUTY, ward, requested_by=admin)  # asked again
    with pytest.raises(AccountError, match="người đề nghị"):
        grants.cancel(db_session, second, colleague)
    grants.cancel(db_session, second, admin)
    assert second.state == RequestState.CANCELLED and _audit(db_session, "role.request_cancelled")


def test_the_database_holds_one_open_request_per_grant(db_session, tree):
    """Two administrators asking at the same moment: the partial unique index refuses the second."""
    root, ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    officer = make_user(db_session, roles=[(Role.HANDLER, ward)])
    db_session.add(RoleRequest(user_id=officer.id, unit_id=ward.id, role=Role.HEAD, requested_by_id=admin.id,
                               state=RequestState.REFUSED))
    db_session.add(RoleRequest(user_id=officer.id, unit_id=ward.id, role=Role.HEAD, requested_by_id=admin.id))
    db_session.flush()  # a decided one and an open one live together
    with db_session.begin_nested():
        db_session.add(RoleRequest(user_id=officer.id, unit_id=ward.id, role=Role.HEAD, requested_by_id=admin.id))
        with pytest.raises(IntegrityError):
            db_session.flush()


def test_approval_checks_again_what_changed_while_it_waited(db_session, tree):
    root, ward = tree
    admin, colleague = (make_user(db_session, roles=[(Role.ADMIN, root)]) for _ in range(2))
    first, second = (make_user(db_session, roles=[(Role.HANDLER, ward)]) for _ in range(2))
    one = grants.request_grant(db_session, first, Role.HEAD, ward, requested_by=admin)
    two = grants.request_grant(db_session, second, Role.HEAD, ward, requested_by=admin)
    grants.approve(db_session, one, colleague)
    with pytest.raises(AccountError, match="đã có người đứng đầu"):
        grants.approve(db_session, two, colleague)
    assert two.state == RequestState.PENDING and _roles(db_session, second) == {(Role.HANDLER, "WARD")}

    third = make_user(db_session, roles=[(Role.HANDLER, ward)])
    later = grants.request_grant(db_session, third, Role.INSPECTOR, ward, requested_by=admin)
    set_active(db_session, third, False, actor_id=admin.id)
    with pytest.raises(AccountError, match="đang hoạt động"):
        grants.approve(db_session, later, colleague)


def test_a_new_head_replaces_the_old_one_only_at_approval(db_session, tree):
    root, ward = tree
    admin, colleague = (make_user(db_session, roles=[(Role.ADMIN, root)]) for _ in range(2))
    old = make_user(db_session, roles=[(Role.HEAD, ward)])
    new = make_user(db_session, roles=[(Role.HANDLER, ward)])
    request_ = grants.request_grant(db_session, new, Role.HEAD, ward, requested_by=admin, replace_head=True)
    assert _roles(db_session, old) == {(Role.HEAD, "WARD")}
    grants.approve(db_session, request_, colleague)
    assert _roles(db_session, old) == set() and (Role.HEAD, "WARD") in _roles(db_session, new)
    assert _audit(db_session, "role.revoked")[-1].actor_id == colleague.id


def test_nobody_asks_a_case_role_for_themselves(db_session, tree):
    root, _ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    with pytest.raises(AccountError, match="tự cấp"):
        grants.request_grant(db_session, admin, Role.HANDLER, root, requested_by=admin)
    asked = grants.request_grant(db_session, admin, Role.ADMIN, _ward, requested_by=admin)  # an admin role: asked,
    assert not grants.may_decide(db_session, admin, asked)  # and never approved by themselves


# --- through the web ---------------------------------------------------------------------------

def test_requests_page_decisions_and_refusals(app, client, db_session, tree):
    root, ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    colleague = make_user(db_session, roles=[(Role.ADMIN, root)])
    officer = make_user(db_session, roles=[(Role.HANDLER, ward)])
    login_as(client, admin)
    asked = client.post(f"/staff/admin/users/{officer.id}/roles", data={"role": "head", "unit": ward.id},
                        follow_redirects=True)
    assert "khi một quản trị viên khác phê duyệt" in asked.get_data(as_text=True)
    request_ = db_session.scalar(select(RoleRequest))
    mine = client.get("/staff/admin/users/requests").get_data(as_text=True)
    assert officer.email in mine and "Rút yêu cầu" in mine and "Phê duyệt" not in mine
    assert client.post(f"/staff/admin/users/requests/{request_.id}/approve").status_code == 403
    assert client.post(f"/staff/admin/users/requests/{request_.id}/refuse").status_code == 403
    # the approver is told by email, the requester is not
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == colleague.email)).all()
    assert len(mail) == 1 and admin.email in mail[0].body_text
    # on the public base URL, never on the host the request came in on
    assert app.config["SETTINGS"].base_url + "/staff/admin/users/requests" in mail[0].body_text
    assert not db_session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == admin.email)).all()

    other = app.test_client()
    login_as(other, colleague)
    assert "1 chờ bạn" in other.get("/staff/admin/users/").get_data(as_text=True)
    theirs = other.get("/staff/admin/users/requests").get_data(as_text=True)
    assert "Phê duyệt" in theirs and "Rút yêu cầu" not in theirs
    too_long = "x" * 501
    refused = other.post(f"/staff/admin/users/requests/{request_.id}/refuse", data={"reason": too_long})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert too_long in text and 'aria-invalid="true"' in text  # the typed text is kept, the error named
    from_page = other.post(f"/staff/admin/users/requests/{request_.id}/refuse", data={"reason": too_long,
                                                                                      "back": "detail"})
    assert from_page.status_code == 400 and too_long in from_page.get_data(as_text=True)
    assert "Đề nghị giao vai trò" in from_page.get_data(as_text=True)  # the account's page, not the list
    db_session.expire_all()
    assert request_.state == RequestState.PENDING
    done = other.post(f"/staff/admin/users/requests/{request_.id}/approve", data={"back": "detail"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/staff/admin/users/{officer.id}")
    assert (Role.HEAD, "WARD") in _roles(db_session, officer)
    again = other.post(f"/staff/admin/users/requests/{request_.id}/approve", follow_redirects=True)
    assert "đã được xử lý" in again.get_data(as_text=True)


def test_request_out_of_scope_is_not_found(client, db_session, tree):
    root, ward = tree
    officer = make_user(db_session, roles=[(Role.HANDLER, root)])
    request_ = grants.request_grant(db_session, officer, Role.HEAD, root,
                                    requested_by=make_user(db_session, roles=[(Role.ADMIN, root)]))
    login_as(client, make_user(db_session, roles=[(Role.ADMIN, ward)]))
    assert request_.id and officer.email not in client.get("/staff/admin/users/requests").get_data(as_text=True)
    for action in ("approve", "refuse", "cancel"):
        assert client.post(f"/staff/admin/users/requests/{request_.id}/{action}").status_code == 404
    assert client.post("/staff/admin/users/requests/999999/approve").status_code == 404
    login_as(client, make_user(db_session, roles=[(Role.HEAD, root)]))
    assert client.get("/staff/admin/users/requests").status_code == 403


def test_the_lone_administrator_is_told_a_second_one_is_needed(client, db_session, tree):
    root, _ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    login_as(client, admin)
    page = client.post("/staff/admin/users/new", data={"full_name": "Lê Văn C", "email": "c@example.com",
                                                       "role": "handler", "unit": root.id}, follow_redirects=True)
    assert "users create-admin" in page.get_data(as_text=True)
    assert db_session.scalar(select(RoleRequest)).state == RequestState.PENDING


def test_a_failed_request_leaves_no_account_behind(client, db_session, tree):
    root, ward = tree
    make_user(db_session, email="head@example.com", roles=[(Role.HEAD, ward)])
    login_as(client, make_user(db_session, roles=[(Role.ADMIN, root)]))
    response = client.post("/staff/admin/users/new", data={"full_name": "Lê Văn D", "email": "d@example.com",
                                                           "role": "head", "unit": ward.id})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "head@example.com" in text and 'value="d@example.com"' in text  # the reason; what was typed
    assert db_session.scalar(select(User).where(User.email == "d@example.com")) is None
    assert db_session.scalar(select(RoleRequest)) is None


def test_role_decisions_need_the_csrf_token(csrf_client, db_session, tree):
    root, ward = tree
    officer = make_user(db_session, roles=[(Role.HANDLER, ward)])
    request_ = grants.request_grant(db_session, officer, Role.HEAD, ward,
                                    requested_by=make_user(db_session, roles=[(Role.ADMIN, root)]))
    login_as(csrf_client, make_user(db_session, roles=[(Role.ADMIN, root)]))
    assert csrf_client.post(f"/staff/admin/users/requests/{request_.id}/approve").status_code == 400
    db_session.expire_all()
    assert request_.state == RequestState.PENDING


def test_the_cli_still_creates_the_first_administrators_directly(app, db_session, tree):
    """Whoever runs the server makes the first administrators (two, for the two-person rule)."""
    runner = app.test_cli_runner()
    for email in ("first@example.com", "second@example.com"):
        result = runner.invoke(args=["users", "create-admin", email])
        assert result.exit_code == 0 and "invitation link" in result.output, result.output
    db_session.expire_all()
    for email in ("first@example.com", "second@example.com"):
        user = db_session.scalar(select(User).where(User.email == email))
        assert _roles(db_session, user) == {(Role.ADMIN, "ROOT")}
    assert db_session.scalar(select(RoleRequest)) is None


def test_a_newcomer_whose_role_waits_is_told_why_the_back_office_is_closed(client, db_session, tree):
    root, _ward = tree
    newcomer = create_staff(db_session, email="new@example.com", full_name="Mới", grants=[], actor_id=None)
    grants.request_grant(db_session, newcomer, Role.HANDLER, root,
                         requested_by=make_user(db_session, roles=[(Role.ADMIN, root)]))
    login_as(client, newcomer)
    response = client.get("/staff/")
    assert response.status_code == 403 and "chưa có vai trò nào" in response.get_data(as_text=True)


# --- what approval checks again (review of the first version) ----------------------------------

def test_an_administrator_one_asked_for_never_approves_ones_requests(db_session, tree):
    """A asks for an administrator role for X (a mailbox of A's), B approves it once. X must not then
    approve A's requests, nor A X's: else A alone makes heads from then on."""
    root, ward = tree
    a, b = (make_user(db_session, roles=[(Role.ADMIN, root)]) for _ in range(2))
    x = make_user(db_session, roles=[(Role.HANDLER, ward)])
    grants.approve(db_session, grants.request_grant(db_session, x, Role.ADMIN, root, requested_by=a), b)
    puppet, other = (make_user(db_session, roles=[(Role.HANDLER, ward)]) for _ in range(2))
    by_a = grants.request_grant(db_session, puppet, Role.HEAD, ward, requested_by=a)
    by_x = grants.request_grant(db_session, other, Role.INSPECTOR, ward, requested_by=x)
    assert not grants.may_decide(db_session, x, by_a) and not grants.may_decide(db_session, a, by_x)
    with pytest.raises(AccountError, match="quản trị viên khác"):
        grants.approve(db_session, by_a, x)
    # nor through a chain: X asks for Y, C approves; Y may not approve A's requests either
    c = make_user(db_session, roles=[(Role.ADMIN, root)])
    y = make_user(db_session, roles=[(Role.HANDLER, ward)])
    grants.approve(db_session, grants.request_grant(db_session, y, Role.ADMIN, root, requested_by=x), c)
    assert grants.sponsors(db_session, y.id) == {x.id, a.id}
    assert not grants.may_decide(db_session, y, by_a)
    assert grants.may_decide(db_session, b, by_a) and grants.may_decide(db_session, c, by_a)
    assert db_session.scalar(select(RoleAssignment.requested_by_id).where(
        RoleAssignment.user_id == x.id, RoleAssignment.role == Role.ADMIN)) == a.id


def test_a_request_outlives_neither_its_requester_nor_thirty_days(db_session, tree):
    root, ward = tree
    requester, approver = (make_user(db_session, roles=[(Role.ADMIN, root)]) for _ in range(2))
    officer = make_user(db_session, roles=[(Role.HANDLER, ward)])
    request_ = grants.request_grant(db_session, officer, Role.HEAD, ward, requested_by=requester)
    remove_role(db_session, requester.roles[0], actor_id=approver.id)  # the requester is no longer admin
    with pytest.raises(AccountError, match="không còn là quản trị viên"):
        grants.approve(db_session, request_, approver)
    grants.refuse(db_session, request_, approver, "Người đề nghị đã chuyển công tác.")  # cleared by refusing

    other = grants.request_grant(db_session, officer, Role.DEPUTY, ward, requested_by=approver)
    other.requested_at = now_utc() - dt.timedelta(days=31)
    with pytest.raises(AccountError, match="quá 30 ngày"):
        grants.approve(db_session, other, make_user(db_session, roles=[(Role.ADMIN, root)]))
    assert _roles(db_session, officer) == {(Role.HANDLER, "WARD")}


def test_a_decision_taken_meanwhile_elsewhere_wins(db_session, tree):
    """Two administrators deciding the same request at once: the second finds it decided (the state
    is changed only where it is still pending), never a refused request whose role is in force."""
    root, ward = tree
    admin, first, second = (make_user(db_session, roles=[(Role.ADMIN, root)]) for _ in range(3))
    officer = make_user(db_session, roles=[(Role.HANDLER, ward)])
    request_ = grants.request_grant(db_session, officer, Role.HEAD, ward, requested_by=admin)
    # the first refuses in another request: the row changes under this session's copy
    db_session.execute(update(RoleRequest).where(RoleRequest.id == request_.id)
                       .values(state=RequestState.REFUSED, decided_by_id=first.id),
                       execution_options={"synchronize_session": False})
    assert request_.state == RequestState.PENDING  # what this session still believes
    with pytest.raises(AccountError, match="đã được xử lý"):
        grants.approve(db_session, request_, second)
    assert _roles(db_session, officer) == {(Role.HANDLER, "WARD")}
    db_session.refresh(request_)
    assert (request_.state, request_.decided_by_id) == (RequestState.REFUSED, first.id)


def test_a_replacement_is_approved_only_against_the_head_it_was_asked_against(db_session, tree):
    root, ward = tree
    admin, approver = (make_user(db_session, roles=[(Role.ADMIN, root)]) for _ in range(2))
    old = make_user(db_session, roles=[(Role.HEAD, ward)])
    early, late = (make_user(db_session, roles=[(Role.HANDLER, ward)]) for _ in range(2))
    stale = grants.request_grant(db_session, early, Role.HEAD, ward, requested_by=admin, replace_head=True)
    fresh = grants.request_grant(db_session, late, Role.HEAD, ward, requested_by=admin, replace_head=True)
    assert stale.replaces_id == fresh.replaces_id == old.id
    grants.approve(db_session, fresh, approver)
    with pytest.raises(AccountError, match="đã thay đổi"):
        grants.approve(db_session, stale, approver)  # would silently remove the head just approved
    assert (Role.HEAD, "WARD") in _roles(db_session, late) and (Role.HEAD, "WARD") not in _roles(db_session, early)


def test_the_database_holds_one_head_per_unit(db_session, tree):
    _root, ward = tree
    make_user(db_session, roles=[(Role.HEAD, ward)])
    with db_session.begin_nested(), pytest.raises(IntegrityError):
        make_user(db_session, roles=[(Role.HEAD, ward)])


def test_a_newcomer_is_seen_by_the_administrators_of_the_units_asked_for(client, db_session, tree):
    root, ward = tree
    other_ward = make_unit(db_session, code="WARD2", parent=root, kind=UnitKind.WARD_COMMITTEE)
    ward_admin = make_user(db_session, roles=[(Role.ADMIN, ward)])
    login_as(client, ward_admin)
    client.post("/staff/admin/users/new", data={"full_name": "Lê Văn E", "email": "e@example.com",
                                                "role": "handler", "unit": ward.id})
    newcomer = db_session.scalar(select(User).where(User.email == "e@example.com"))
    assert client.get(f"/staff/admin/users/{newcomer.id}").status_code == 200
    assert client.post(f"/staff/admin/users/{newcomer.id}/invitation").status_code == 302  # theirs to re-invite
    login_as(client, make_user(db_session, roles=[(Role.ADMIN, other_ward)]))
    assert client.get(f"/staff/admin/users/{newcomer.id}").status_code == 404
    assert "e@example.com" not in client.get("/staff/admin/users/").get_data(as_text=True)


def test_an_administrator_role_is_flagged_to_the_approver(app, client, db_session, tree):
    root, _ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    colleague = make_user(db_session, roles=[(Role.ADMIN, root)])
    officer = make_user(db_session, roles=[(Role.HANDLER, root)])
    login_as(client, admin)
    assert client.post(f"/staff/admin/users/{officer.id}/roles",
                       data={"role": "admin", "unit": root.id}).status_code == 302
    mail = db_session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == colleague.email))
    assert "có quyền phê duyệt yêu cầu của các quản trị viên khác" in mail.body_text
    other = app.test_client()
    login_as(other, colleague)
    assert "có quyền phê duyệt yêu cầu của các quản trị viên khác" in other.get("/staff/admin/users/requests").get_data(
        as_text=True)


def test_a_request_past_thirty_days_offers_only_refusal(app, client, db_session, tree):
    root, ward = tree
    admin, colleague = (make_user(db_session, roles=[(Role.ADMIN, root)]) for _ in range(2))
    officer = make_user(db_session, roles=[(Role.HANDLER, ward)])
    request_ = grants.request_grant(db_session, officer, Role.DEPUTY, ward, requested_by=admin)
    login_as(client, colleague)
    fresh = client.get("/staff/admin/users/requests").get_data(as_text=True)
    assert f"/requests/{request_.id}/approve" in fresh and "quá 30 ngày" not in fresh
    request_.requested_at = now_utc() - dt.timedelta(days=31)
    db_session.flush()
    stale = client.get("/staff/admin/users/requests").get_data(as_text=True)
    assert f"/requests/{request_.id}/approve" not in stale and f"/requests/{request_.id}/refuse" in stale
    assert "quá 30 ngày" in stale


def test_a_unit_created_today_in_the_city_takes_roles_whatever_the_utc_date(db_session, tree):
    """A unit's dates are the city's days (Asia/Ho_Chi_Minh): one valid from the city's today takes a
    role at once, also in the hours when UTC is still on the day before (found by the browser journey
    of a new unit, run after 17:00 UTC)."""
    from portal.accounts.services import check_grant
    from portal.deadlines.clock import local_today

    root, _ward = tree
    admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    head = make_user(db_session)
    new = make_unit(db_session, code="NEW", parent=root, valid_from=local_today())
    check_grant(db_session, head, Role.HEAD, new, actor_id=admin.id)  # no "no longer active"
    closed = make_unit(db_session, code="OLD", parent=root, valid_from=dt.date(2020, 1, 1),
                       valid_to=local_today())
    with pytest.raises(AccountError, match="thôi hoạt động"):
        check_grant(db_session, head, Role.HEAD, closed, actor_id=admin.id)
