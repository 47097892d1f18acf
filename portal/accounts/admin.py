"""Administration of staff accounts: create (invitation), roles per unit, deactivate. Every change is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.accounts import services
from portal.accounts.auth import staff_required
from portal.accounts.forms import ROLE_LABELS, EmptyForm, RoleAddForm, StaffCreateForm
from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import Action, can, require, subtree_ids, units_where
from portal.accounts.tokens import Purpose, link
from portal.db import get_session, now_utc
from portal.notifications.services import queue_email
from portal.org.models import OrgUnit

bp = Blueprint("accounts_admin", __name__)


def unit_choices(session: Session, allowed: set[int]) -> list[tuple[int, str]]:
    """Active units the administrator manages, in tree order, indented by depth."""
    today = now_utc().date()
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
    # The SQL form of permissions._manages_user: staff with no role yet, or a role in a managed unit.
    where = [User.is_staff.is_(True), or_(~User.roles.any(), User.roles.any(RoleAssignment.unit_id.in_(managed)))]
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
    return render_template("accounts/admin/index.html", users=users, total=total, next_url=next_url,
                           role_labels=ROLE_LABELS, units=choices, selected_unit=unit_id)


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
        try:
            user = services.create_staff(db, email=form.email.data, full_name=form.full_name.data,
                                         grants=[services.Grant(Role(form.role.data), form.unit.data)],
                                         actor_id=current_user.id)
        except services.AccountError as exc:
            form.email.errors.append(exc.message)
        else:
            _send_invitation(db, user)
            db.commit()
            # The link goes to the new officer's mailbox only: shown here, it would let an administrator
            # become, through an account of their own making, a head who may reveal denouncers.
            flash(_l("Đã tạo tài khoản và gửi lời mời đến %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts_admin.detail", user_id=user.id))
    return render_template("accounts/admin/create.html", form=form)


@bp.get("/<int:user_id>")
@staff_required
def detail(user_id: int) -> str:
    """One staff account: its roles, adding and removing roles, deactivation, a new invitation."""
    db = get_session()
    user = _target(db, user_id)
    form = RoleAddForm()
    _fill_choices(form, db)
    managed = units_where(current_user, {Role.ADMIN}, db)
    return render_template("accounts/admin/detail.html", user=user, form=form, action_form=EmptyForm(),
                           role_labels=ROLE_LABELS, managed=managed, is_self=user.id == current_user.id,
                           whole=can(current_user, Action.ACCOUNT_MANAGE, user))


@bp.post("/<int:user_id>/roles")
@staff_required
def add_role(user_id: int) -> Any:
    """Grant a role on a unit (and its subtree)."""
    db = get_session()
    user = _target(db, user_id)
    form = RoleAddForm()
    _fill_choices(form, db)
    if form.validate_on_submit():
        unit = db.get(OrgUnit, form.unit.data)
        require(current_user, Action.USERS_MANAGE, unit)
        try:
            services.assign_role(db, user, Role(form.role.data), unit, actor_id=current_user.id)
        except services.AccountError as exc:
            form.role.errors.append(exc.message)
        else:
            db.commit()
            flash(_l("Đã thêm vai trò."), "success")
            return redirect(url_for("accounts_admin.detail", user_id=user.id))
    managed = units_where(current_user, {Role.ADMIN}, db)
    return render_template("accounts/admin/detail.html", user=user, form=form, action_form=EmptyForm(),
                           role_labels=ROLE_LABELS, managed=managed, is_self=user.id == current_user.id,
                           whole=can(current_user, Action.ACCOUNT_MANAGE, user)), 400


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
