"""Administration of staff accounts: create (invitation), roles per unit, deactivate. Every change is audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.accounts import grants, services
from portal.accounts.auth import staff_required
from portal.accounts.forms import ROLE_LABELS, EmptyForm, RefuseRequestForm, RoleAddForm, StaffCreateForm
from portal.accounts.models import Role, RoleAssignment, RoleRequest, User
from portal.accounts.permissions import Action, can, holds_on_root, require, subtree_ids, units_where
from portal.accounts.tokens import Purpose, external_url, link
from portal.db import get_session
from portal.deadlines.clock import local_today
from portal.notifications.services import queue_email
from portal.org.models import OrgUnit

bp = Blueprint("accounts_admin", __name__)


def unit_choices(session: Session, allowed: set[int]) -> list[tuple[int, str]]:
    """Active units the administrator manages, in tree order, indented by depth."""
    today = local_today()  # the city's day, as the units' dates are
    units = [u for u in session.scalars(select(OrgUnit).order_by(OrgUnit.name)) if u.is_active_on(today)]
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ids = {u.id for u in units}
    roots = [u for u in units if u.parent_id is None or u.parent_id not in ids]
    result: list[tuple[int, str]] = []
    english = str(get_locale() or "vi") == "en"

    def walk(unit: OrgUnit, depth: int) -> None:
        if unit.id in allowed:
            name = unit.name_en if english and unit.name_en else unit.name
            result.append((unit.id, "\u00a0\u00a0" * depth + ("– " if depth else "") + f"{name} ({unit.code})"))
        for child in children.get(unit.id, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return result


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role])) for role in Role]


def _fill_choices(form: StaffCreateForm | RoleAddForm, session: Session) -> None:
    form.role.choices = role_choices()
    form.unit.choices = unit_choices(session, units_where(current_user, {Role.ADMIN}, session))


def _target(session: Session, user_id: int, *, whole: bool = False) -> User:
    """A staff account the current administrator manages; 404 otherwise (no IDOR, no existence leak).
    ``whole``: for an action on the whole account, which needs every one of its roles in scope (403
    when the administrator manages only some of them)."""
    user = session.get(User, user_id)
    if user is None or not can(current_user, Action.USERS_MANAGE, user):
        abort(404)
    if whole:
        require(current_user, Action.ACCOUNT_MANAGE, user)
    return user


def _send_invitation(session: Session, user: User) -> None:
    url = link(Purpose.STAFF_INVITATION, user, "accounts.accept_invitation")
    queue_email(session, user.email, "account_invitation", locale=str(get_locale() or "vi"), name=user.full_name,
                link=url)


def ask_approvers(session: Session, request_: RoleRequest) -> None:
    """Tell the administrators who may approve ``request_`` that it waits (or the requester that
    nobody can yet: a second administrator has to be made first)."""
    if not grants.notify_approvers(session, request_, external_url("accounts_admin.requests")):
        flash(_l("Chưa có quản trị viên nào khác quản lý đơn vị này để phê duyệt: hãy nhờ người vận hành máy chủ "
                 "tạo thêm một quản trị viên (lệnh users create-admin)."), "warning")


def flash_requested(request_: RoleRequest) -> None:
    """Say that the role was asked for, not given."""
    flash(_l("Đã đề nghị giao vai trò %(role)s tại %(unit)s. Vai trò có hiệu lực khi một quản trị viên khác phê "
             "duyệt.", role=ROLE_LABELS[request_.role], unit=request_.unit.display_name(str(get_locale() or "vi"))),
          "success")


STAFF_PAGE = 50


@bp.get("/")
@staff_required
def index() -> str:
    """Staff accounts in the administrator's subtrees."""
    require(current_user, Action.USERS_MANAGE)
    db = get_session()
    managed = units_where(current_user, {Role.ADMIN}, db)
    choices = unit_choices(db, managed)
    unit_id = request.args.get("unit", type=int)
    # The SQL form of permissions._manages_user: a role in a managed unit, or no role yet and (for an
    # administrator below the root) a role asked for in a managed unit.
    waiting = true() if holds_on_root(current_user, Role.ADMIN) else exists().where(
        RoleRequest.user_id == User.id, RoleRequest.unit_id.in_(managed))
    where = [User.is_staff.is_(True), or_(and_(~User.roles.any(), waiting),
                                          User.roles.any(RoleAssignment.unit_id.in_(managed)))]
    if unit_id in managed:
        where.append(User.roles.any(RoleAssignment.unit_id.in_(subtree_ids(db, {unit_id}))))
    else:
        unit_id = None
    total = db.scalar(select(func.count()).select_from(User).where(*where)) or 0
    after = (request.args.get("after") or "").strip().lower()[:255]
    stmt = select(User).where(*where, *([User.email > after] if after else [])).order_by(User.email)
    users = list(db.scalars(stmt.options(selectinload(User.roles).selectinload(RoleAssignment.unit))
                            .limit(STAFF_PAGE + 1)))
    next_url = None
    if len(users) > STAFF_PAGE:
        users = users[:STAFF_PAGE]
        next_url = url_for("accounts_admin.index", unit=unit_id, after=users[-1].email)
    to_decide = sum(1 for r in grants.pending(db, units=managed) if grants.may_decide(db, current_user, r))
    return render_template("accounts/admin/index.html", users=users, total=total, next_url=next_url,
                           role_labels=ROLE_LABELS, units=choices, selected_unit=unit_id, to_decide=to_decide)


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def create() -> Any:
    """Create a staff account with its first role; the invitation link is emailed (never shown)."""
    require(current_user, Action.USERS_MANAGE)
    db = get_session()
    form = StaffCreateForm()
    _fill_choices(form, db)
    if form.validate_on_submit():
        unit = db.get(OrgUnit, form.unit.data)
        require(current_user, Action.USERS_MANAGE, unit)
        user = request_ = None
        try:
            user = services.create_staff(db, email=form.email.data, full_name=form.full_name.data, grants=[],
                                         actor_id=current_user.id)
            request_ = grants.request_grant(db, user, Role(form.role.data), unit, requested_by=current_user)
        except services.AccountError as exc:
            db.rollback()  # no account without its role request
            (form.unit if user is not None else form.email).errors.append(exc.message)
        else:
            _send_invitation(db, user)
            ask_approvers(db, request_)
            db.commit()
            # The link goes to the new officer's mailbox only: shown here, it would let an administrator
            # become, through an account of their own making, a head who may reveal denouncers.
            flash(_l("Đã tạo tài khoản và gửi lời mời đến %(email)s.", email=user.email), "success")
            flash_requested(request_)
            return redirect(url_for("accounts_admin.detail", user_id=user.id))
    return render_template("accounts/admin/create.html", form=form), 400 if request.method == "POST" else 200


def _detail_page(db: Session, user: User, form: RoleAddForm, status: int = 200,
                 refusing: tuple[int, RefuseRequestForm] | None = None) -> tuple[str, int]:
    """The account's page: its roles, the roles waiting for it, the forms (``refusing``: a refusal
    sent from this page that failed its checks, shown again with what was typed)."""
    managed = units_where(current_user, {Role.ADMIN}, db)
    waiting = [r for r in grants.pending(db, user_id=user.id) if r.unit_id in managed]
    return render_template("accounts/admin/detail.html", user=user, form=form, action_form=EmptyForm(),
                           role_labels=ROLE_LABELS, managed=managed, is_self=user.id == current_user.id,
                           whole=can(current_user, Action.ACCOUNT_MANAGE, user), waiting=waiting,
                           **_request_context(db, refusing)), status


def _request_context(db: Session, refusing: tuple[int, RefuseRequestForm] | None) -> dict[str, Any]:
    """What the role-request macro needs: may the current administrator decide a request, is it
    past its time, and a refusal to show again with what was typed."""
    return {"may_decide": lambda request_: grants.may_decide(db, current_user, request_),
            "is_stale": grants.is_stale, "stale_days": grants.VALID_FOR.days, "refusing": refusing}


@bp.get("/<int:user_id>")
@staff_required
def detail(user_id: int) -> Any:
    """One staff account: its roles and the roles waiting for approval, asking for a role, removing
    one, deactivation, a new invitation."""
    db = get_session()
    user = _target(db, user_id)
    form = RoleAddForm()
    _fill_choices(form, db)
    return _detail_page(db, user, form)


@bp.post("/<int:user_id>/roles")
@staff_required
def add_role(user_id: int) -> Any:
    """Ask for a role on a unit (and its subtree); a second administrator approves it."""
    db = get_session()
    user = _target(db, user_id)
    form = RoleAddForm()
    _fill_choices(form, db)
    if form.validate_on_submit():
        unit = db.get(OrgUnit, form.unit.data)
        require(current_user, Action.USERS_MANAGE, unit)
        try:
            request_ = grants.request_grant(db, user, Role(form.role.data), unit, requested_by=current_user)
        except services.AccountError as exc:
            form.role.errors.append(exc.message)
        else:
            ask_approvers(db, request_)
            db.commit()
            flash_requested(request_)
            return redirect(url_for("accounts_admin.detail", user_id=user.id))
    return _detail_page(db, user, form, 400)


@bp.post("/<int:user_id>/roles/<int:assignment_id>/remove")
@staff_required
def remove_role(user_id: int, assignment_id: int) -> WerkzeugResponse:
    """Withdraw one role assignment."""
    db = get_session()
    user = _target(db, user_id)
    assignment = db.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != user.id:
        abort(404)
    require(current_user, Action.USERS_MANAGE, assignment.unit)
    services.remove_role(db, assignment, actor_id=current_user.id)
    db.commit()
    flash(_l("Đã gỡ vai trò."), "success")
    return redirect(url_for("accounts_admin.detail", user_id=user.id))


@bp.post("/<int:user_id>/active")
@staff_required
def set_active(user_id: int) -> WerkzeugResponse:
    """Deactivate (ends every session at once) or reactivate an account."""
    db = get_session()
    user = _target(db, user_id, whole=True)
    active = request.form.get("active") == "1"
    try:
        services.set_active(db, user, active, actor_id=current_user.id)
    except services.AccountError as exc:
        flash(exc.message, "error")
    else:
        db.commit()
        flash(_l("Tài khoản đã được mở lại.") if active else _l("Tài khoản đã bị khóa."), "success")
    return redirect(url_for("accounts_admin.detail", user_id=user.id))


@bp.post("/<int:user_id>/invitation")
@staff_required
def reinvite(user_id: int) -> WerkzeugResponse:
    """A new invitation link (earlier ones stop working), for an account not yet activated."""
    db = get_session()
    user = _target(db, user_id, whole=True)
    if user.has_accepted_invitation:
        flash(_l("Tài khoản này đã được kích hoạt."), "info")
        return redirect(url_for("accounts_admin.detail", user_id=user.id))
    services.reset_invitation(db, user, actor_id=current_user.id)
    _send_invitation(db, user)
    db.commit()
    flash(_l("Đã gửi lời mời mới đến %(email)s; các liên kết mời trước không còn dùng được.", email=user.email),
          "success")
    return redirect(url_for("accounts_admin.detail", user_id=user.id))


# --- role requests (the two-person rule, portal/accounts/grants.py) -----------------------------

def _request_in_scope(db: Session, request_id: int) -> RoleRequest:
    """A role request on a unit the current administrator manages; 404 otherwise."""
    request_ = db.get(RoleRequest, request_id)
    if request_ is None or not can(current_user, Action.USERS_MANAGE, request_.unit):
        abort(404)
    return request_


def _request_to_decide(db: Session, request_id: int) -> RoleRequest:
    """A role request in scope that the current administrator may decide; 403 when they may not
    (its requester, its grantee, or an administrator made at the requester's request)."""
    request_ = _request_in_scope(db, request_id)
    if not grants.may_decide(db, current_user, request_):
        abort(403)
    return request_


def _requests_page(db: Session, refusing: tuple[int, RefuseRequestForm] | None = None,
                   status: int = 200) -> tuple[str, int]:
    managed = units_where(current_user, {Role.ADMIN}, db)
    waiting = grants.pending(db, units=managed)
    return render_template("accounts/admin/requests.html", waiting=waiting, role_labels=ROLE_LABELS,
                           action_form=EmptyForm(), **_request_context(db, refusing)), status


@bp.get("/requests")
@staff_required
def requests() -> Any:
    """Role requests waiting in the administrator's subtrees: theirs, and those they may decide."""
    require(current_user, Action.USERS_MANAGE)
    return _requests_page(get_session())


def _back(request_: RoleRequest) -> str:
    """Where the decision was taken: the account's page or the list of requests."""
    if request.form.get("back") == "detail":
        return url_for("accounts_admin.detail", user_id=request_.user_id)
    return url_for("accounts_admin.requests")


def _decided(request_: RoleRequest, message: Any) -> WerkzeugResponse:
    flash(message, "success")
    return redirect(_back(request_))


def _failed(request_: RoleRequest, exc: services.AccountError) -> WerkzeugResponse:
    """A decision that could not be taken: say why, where it was asked."""
    flash(exc.message, "error")
    return redirect(_back(request_))


def _settle(request_: RoleRequest, decide: Callable[[], Any], message: Any) -> WerkzeugResponse:
    """Take a decision on ``request_`` (one commit), or say why it could not be taken."""
    db = get_session()
    try:
        decide()
        db.commit()
    except services.AccountError as exc:
        db.rollback()
        return _failed(request_, exc)
    except IntegrityError:  # decided, or the unit given a head, by someone else at the same moment
        db.rollback()
        return _failed(request_, services.AccountError(_l("Yêu cầu này đã được xử lý.")))
    return _decided(request_, message)


@bp.post("/requests/<int:request_id>/approve")
@staff_required
def approve_request(request_id: int) -> WerkzeugResponse:
    """Approve a role request: the role takes effect (never the requester's or the grantee's own)."""
    db = get_session()
    request_ = _request_to_decide(db, request_id)
    return _settle(request_, lambda: grants.approve(db, request_, current_user),
                   _l("Đã phê duyệt: vai trò đã có hiệu lực."))


@bp.post("/requests/<int:request_id>/refuse")
@staff_required
def refuse_request(request_id: int) -> Any:
    """Turn a role request down, with an optional reason (audited)."""
    db = get_session()
    request_ = _request_to_decide(db, request_id)
    form = RefuseRequestForm()
    if not form.validate_on_submit():
        if request.form.get("back") == "detail":
            role_form = RoleAddForm(formdata=None)
            _fill_choices(role_form, db)
            return _detail_page(db, request_.user, role_form, 400, refusing=(request_.id, form))
        return _requests_page(db, (request_.id, form), 400)
    return _settle(request_, lambda: grants.refuse(db, request_, current_user, form.reason.data or ""),
                   _l("Đã từ chối yêu cầu."))


@bp.post("/requests/<int:request_id>/cancel")
@staff_required
def cancel_request(request_id: int) -> WerkzeugResponse:
    """The requesting administrator withdraws their request."""
    db = get_session()
    request_ = _request_in_scope(db, request_id)
    if request_.requested_by_id != current_user.id:
        abort(403)
    return _settle(request_, lambda: grants.cancel(db, request_, current_user), _l("Đã rút yêu cầu."))
