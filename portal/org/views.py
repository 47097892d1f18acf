"""Administration screens for the organisation (admin role): units, heads and deputies, fields,
competence rules, and a page that shows what the rules propose for given facts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.accounts import grants
from portal.accounts.admin import ask_approvers, flash_requested
from portal.accounts.auth import is_staff_verified
from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import Action, can, require
from portal.db import get_session
from portal.org import services
from portal.org.forms import (
    KIND_LABELS,
    LEADER_LABELS,
    STRATEGY_LABELS,
    SUBMISSION_KIND_LABELS,
    AppointForm,
    EmptyForm,
    FieldForm,
    RetireForm,
    RuleForm,
    TryForm,
    UnitForm,
)
from portal.org.models import Field, OrgUnit, RoutingRule, RuleStrategy, UnitKind
from portal.org.routing import Facts

bp = Blueprint("org", __name__)
INVALID = 422


@bp.before_request
def only_admins() -> Any:
    """Signed-in staff (both factors) holding the admin role; anyone else is sent to log in or refused."""
    if not is_staff_verified():
        return redirect(url_for("accounts.login", next=request.full_path))
    require(current_user, Action.ORG_MANAGE)
    return None


def _locale() -> str:
    return str(get_locale() or "vi")


def _unit_or_404(unit_id: int) -> OrgUnit:
    """The unit, if it exists and lies in the administrator's scope (an admin role on it or above)."""
    unit = get_session().get(OrgUnit, unit_id)
    if unit is None:
        abort(404)
    require(current_user, Action.ORG_MANAGE, unit, hide=True)
    return unit


def _require_whole_organisation() -> None:
    """Fields and competence rules are city-wide: only administrators of the root unit edit them."""
    root_id = _root_id()
    require(current_user, Action.ORG_MANAGE, get_session().get(OrgUnit, root_id) if root_id else None)


def _parent_allowed(form: UnitForm) -> bool:
    """A unit may only be placed under a unit the administrator manages (the root: root admins)."""
    parent_id = form.parent_id.data if form.parent_id.data is not None else _root_id()
    parent = get_session().get(OrgUnit, parent_id) if parent_id is not None else None
    if can(current_user, Action.ORG_MANAGE, parent):
        return True
    form.parent_id.errors = [*form.parent_id.errors, _("Bạn không quản lý đơn vị cấp trên này.")]
    return False


def _unit_choices(*, empty: str | None, active_only: bool = False, kinds: set[UnitKind] | None = None,
                  keep: int | None = None) -> list[tuple[Any, str]]:
    today = services.today()
    choices: list[tuple[Any, str]] = [("", empty)] if empty is not None else []
    for unit, depth in services.units_in_order(get_session()):
        if active_only and not unit.is_active_on(today) and unit.id != keep:
            continue
        if kinds is not None and unit.kind not in kinds:
            continue
        choices.append((unit.id, "\u2003" * depth + f"{unit.display_name(_locale())} ({unit.code})"))
    return choices


def _field_choices() -> list[tuple[Any, str]]:
    fields = get_session().scalars(select(Field).order_by(Field.name))
    return [(f.id, f.display_name(_locale()) + ("" if f.is_active else " — " + _("ngừng sử dụng"))) for f in fields]


def _fail(form: Any, error: Exception) -> str:
    form.form_errors.append(str(error))
    return ""


# --- units -----------------------------------------------------------------------------------

@bp.get("/")
def index() -> str:
    """The unit tree with validity, head and links."""
    session = get_session()
    today = services.today()
    heads = dict(session.execute(select(RoleAssignment.unit_id, User.full_name)
                                 .join(User, User.id == RoleAssignment.user_id)
                                 .where(RoleAssignment.role == Role.HEAD)).all())
    rows = [{"unit": unit, "depth": min(depth, 6), "active": unit.is_active_on(today), "head": heads.get(unit.id),
             "name": unit.display_name(_locale()), "kind": KIND_LABELS.get(unit.kind, unit.kind)}
            for unit, depth in services.units_in_order(session)]
    return render_template("org/index.html", rows=rows)


def _prepare_unit_form(form: UnitForm, unit: OrgUnit | None) -> None:
    form.parent_id.choices = _unit_choices(empty=_("— Không có (đơn vị gốc) —"), active_only=True,
                                           keep=unit.parent_id if unit else None)
    form.field_ids.choices = _field_choices()
    form.ward_ids.choices = _unit_choices(empty=None, active_only=True, kinds={UnitKind.WARD_COMMITTEE})


@bp.route("/units/new", methods=["GET", "POST"])
def new_unit() -> Any:
    """Create a unit with its fields and area."""
    form = UnitForm()
    _prepare_unit_form(form, None)
    if request.method in ("GET", "HEAD"):
        form.valid_from.data = form.valid_from.data or services.today()
        form.parent_id.data = form.parent_id.data or _root_id()
    if form.validate_on_submit() and _parent_allowed(form):
        session = get_session()
        try:
            unit = services.create_unit(session, code=form.code.data, name=form.name.data, name_en=form.name_en.data,
                                        kind=UnitKind(form.kind.data), parent_id=form.parent_id.data,
                                        valid_from=form.valid_from.data, valid_to=form.valid_to.data,
                                        actor_id=current_user.id)
            services.set_unit_fields(session, unit, form.field_ids.data or [], actor_id=current_user.id)
            services.set_unit_wards(session, unit, form.ward_ids.data or [], actor_id=current_user.id)
        except services.OrgError as exc:
            session.rollback()
            _fail(form, exc)
        else:
            session.commit()
            flash(_("Đã tạo đơn vị %(code)s.", code=unit.code), "success")
            return redirect(url_for("org.edit_unit", unit_id=unit.id))
    status = INVALID if request.method == "POST" else 200
    return render_template("org/unit_form.html", form=form, unit=None), status


def _root_id() -> int | None:
    return get_session().scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
                                .order_by(OrgUnit.id).limit(1))


def _unit_page(unit: OrgUnit, form: UnitForm, *, appoint: AppointForm | None = None,
               retire: RetireForm | None = None, status: int = 200) -> tuple[str, int]:
    session = get_session()
    appoint = appoint or AppointForm(formdata=None)
    appoint.user_id.choices = [("", _("— Chọn cán bộ —"))] + [
        (u.id, f"{u.full_name or u.email} <{u.email}>") for u in services.staff_candidates(session)]
    retire = retire or RetireForm(formdata=None)
    retire.successor_id.choices = _unit_choices(empty=_("— Không có —"), active_only=True)
    leaders = [{"assignment": a, "label": LEADER_LABELS[a.role], "user": session.get(User, a.user_id)}
               for a in services.leaders(session, unit.id)]
    proposed = [r for r in grants.pending(session, units=[unit.id]) if r.role in services.LEADER_ROLES]
    return render_template("org/unit_form.html", form=form, unit=unit, appoint=appoint, retire=retire,
                           leaders=leaders, proposed=proposed, leader_labels=LEADER_LABELS,
                           remove_form=EmptyForm(), kind_label=KIND_LABELS.get(unit.kind),
                           is_active=unit.is_active_on(services.today())), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def edit_unit(unit_id: int) -> Any:
    """Rename, move, re-date a unit; change its fields and area."""
    unit = _unit_or_404(unit_id)
    form = UnitForm(obj=unit if request.method in ("GET", "HEAD") else None)
    _prepare_unit_form(form, unit)
    if request.method in ("GET", "HEAD"):
        form.kind.data = unit.kind.value
        form.field_ids.data = [uf.field_id for uf in unit.fields]
        form.ward_ids.data = [uw.ward_id for uw in unit.wards]
    if form.validate_on_submit() and _parent_allowed(form):
        session = get_session()
        try:
            services.update_unit(session, unit, code=form.code.data, name=form.name.data, name_en=form.name_en.data,
                                 kind=UnitKind(form.kind.data), parent_id=form.parent_id.data,
                                 valid_from=form.valid_from.data, valid_to=form.valid_to.data,
                                 actor_id=current_user.id)
            services.set_unit_fields(session, unit, form.field_ids.data or [], actor_id=current_user.id)
            services.set_unit_wards(session, unit, form.ward_ids.data or [], actor_id=current_user.id)
        except services.OrgError as exc:
            session.rollback()
            _fail(form, exc)
        else:
            session.commit()
            flash(_("Đã lưu đơn vị %(code)s.", code=unit.code), "success")
            return redirect(url_for("org.edit_unit", unit_id=unit.id))
    return _unit_page(unit, form, status=INVALID if request.method == "POST" else 200)


@bp.post("/units/<int:unit_id>/retire")
def retire_unit(unit_id: int) -> Any:
    """Retire a unit from a date, optionally naming its successor."""
    unit = _unit_or_404(unit_id)
    retire = RetireForm()
    retire.successor_id.choices = _unit_choices(empty="", active_only=True)
    if retire.validate_on_submit():
        session = get_session()
        try:
            services.retire_unit(session, unit, on=retire.on.data, successor_id=retire.successor_id.data,
                                 actor_id=current_user.id)
        except services.OrgError as exc:
            session.rollback()
            unit = _unit_or_404(unit_id)
            _fail(retire, exc)
        else:
            session.commit()
            flash(_("Đơn vị %(code)s thôi hoạt động từ ngày %(day)s.", code=unit.code,
                    day=retire.on.data.isoformat()), "success")
            return redirect(url_for("org.edit_unit", unit_id=unit.id))
    form = UnitForm(obj=unit, formdata=None)
    _prepare_unit_form(form, unit)
    return _unit_page(unit, form, retire=retire, status=INVALID)


@bp.post("/units/<int:unit_id>/leaders")
def appoint_leader(unit_id: int) -> Any:
    """Appoint the head or a deputy."""
    unit = _unit_or_404(unit_id)
    session = get_session()
    appoint = AppointForm()
    appoint.user_id.choices = [("", "")] + [(u.id, u.email) for u in services.staff_candidates(session)]
    if appoint.validate_on_submit():
        user = session.get(User, appoint.user_id.data)
        try:
            request_ = services.appoint(session, unit, user, Role(appoint.role.data), requested_by=current_user,
                                        replace=appoint.replace.data)
        except services.OrgError as exc:
            session.rollback()
            unit = _unit_or_404(unit_id)
            _fail(appoint, exc)
        else:
            ask_approvers(session, request_)
            session.commit()
            flash_requested(request_)
            return redirect(url_for("org.edit_unit", unit_id=unit.id))
    form = UnitForm(obj=unit, formdata=None)
    _prepare_unit_form(form, unit)
    return _unit_page(unit, form, appoint=appoint, status=INVALID)


@bp.post("/units/<int:unit_id>/leaders/<int:assignment_id>/remove")
def remove_leader(unit_id: int, assignment_id: int) -> Response:
    """End a head's or deputy's appointment."""
    _unit_or_404(unit_id)  # the administrator's scope
    session = get_session()
    assignment = session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.unit_id != unit_id or assignment.role not in services.LEADER_ROLES:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.remove_leader(session, assignment, actor_id=current_user.id)
    session.commit()
    flash(_("Đã miễn nhiệm."), "success")
    return redirect(url_for("org.edit_unit", unit_id=unit_id))


# --- fields ----------------------------------------------------------------------------------

@bp.get("/fields")
def fields() -> str:
    """The fields (lĩnh vực) and the units managing each."""
    session = get_session()
    rows = [{"field": f, "name": f.display_name(_locale())}
            for f in session.scalars(select(Field).order_by(Field.code))]
    return render_template("org/fields.html", rows=rows)


@bp.route("/fields/new", methods=["GET", "POST"], defaults={"field_id": None})
@bp.route("/fields/<int:field_id>", methods=["GET", "POST"])
def edit_field(field_id: int | None) -> Any:
    """Create or edit a field."""
    _require_whole_organisation()
    session = get_session()
    field = session.get(Field, field_id) if field_id is not None else None
    if field_id is not None and field is None:
        abort(404)
    form = FieldForm(obj=field if request.method in ("GET", "HEAD") else None)
    if form.validate_on_submit():
        try:
            field = services.save_field(session, field, code=form.code.data, name=form.name.data,
                                        name_en=form.name_en.data, is_active=form.is_active.data,
                                        actor_id=current_user.id)
        except services.OrgError as exc:
            session.rollback()
            _fail(form, exc)
        else:
            session.commit()
            flash(_("Đã lưu lĩnh vực %(code)s.", code=field.code), "success")
            return redirect(url_for("org.fields"))
    return render_template("org/field_form.html", form=form, field=field), (
        INVALID if request.method == "POST" else 200)


# --- rules -----------------------------------------------------------------------------------

@bp.get("/rules")
def rules() -> str:
    """The competence rules in the order they are tried."""
    session = get_session()
    rows = [{"rule": r, "strategy": STRATEGY_LABELS[r.strategy],
             "kind": SUBMISSION_KIND_LABELS.get(r.kind or "", _("Mọi loại")),
             "field": r.field.display_name(_locale()) if r.field else "",
             "target": r.target_unit.display_name(_locale()) if r.target_unit else ""}
            for r in services.rules_in_order(session)]
    return render_template("org/rules.html", rows=rows)


@bp.route("/rules/new", methods=["GET", "POST"], defaults={"rule_id": None})
@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
def edit_rule(rule_id: int | None) -> Any:
    """Create or edit a competence rule."""
    _require_whole_organisation()
    session = get_session()
    rule = session.get(RoutingRule, rule_id) if rule_id is not None else None
    if rule_id is not None and rule is None:
        abort(404)
    form = RuleForm(obj=rule if request.method in ("GET", "HEAD") else None)
    form.field_id.choices = [("", _("Mọi lĩnh vực")), *_field_choices()]
    form.target_unit_id.choices = _unit_choices(empty=_("— Không áp dụng —"), active_only=True,
                                                keep=rule.target_unit_id if rule else None)
    if request.method in ("GET", "HEAD") and rule is not None:
        form.strategy.data = rule.strategy.value
        form.kind.data = rule.kind or ""
    if form.validate_on_submit():
        try:
            rule = services.save_rule(session, rule, actor_id=current_user.id, code=form.code.data,
                                      position=form.position.data, name=form.name.data, kind=form.kind.data or None,
                                      second_complaint=form.second_complaint.data, field_id=form.field_id.data,
                                      strategy=RuleStrategy(form.strategy.data),
                                      target_unit_id=form.target_unit_id.data, is_active=form.is_active.data,
                                      note=form.note.data or "")
        except services.OrgError as exc:
            session.rollback()
            _fail(form, exc)
        else:
            session.commit()
            flash(_("Đã lưu quy tắc %(code)s.", code=rule.code), "success")
            return redirect(url_for("org.rules"))
    return render_template("org/rule_form.html", form=form, rule=rule), (
        INVALID if request.method == "POST" else 200)


# --- trying the rules ------------------------------------------------------------------------

@bp.get("/try")
def try_rules() -> Any:
    """Which unit the rules propose for given facts, and why."""
    form = TryForm(request.args)
    everyone = _unit_choices(empty=_("— Không nêu —"))
    form.unit_id.choices = everyone
    form.accused_unit_id.choices = everyone
    form.field_id.choices = [("", _("— Không nêu —")), *_field_choices()]
    form.ward_id.choices = [("", _("— Không nêu —")), *_unit_choices(empty=None, kinds={UnitKind.WARD_COMMITTEE})]
    result = None
    submitted = "kind" in request.args  # other parameters (``lang``) do not submit the form
    if submitted and form.validate():
        session = get_session()
        facts = Facts(kind=form.kind.data, on=form.on.data or services.today(), unit_id=form.unit_id.data,
                      field_id=form.field_id.data, ward_id=form.ward_id.data,
                      accused_unit_id=form.accused_unit_id.data, accused_position=form.accused_position.data or None,
                      is_second_complaint=form.is_second_complaint.data)
        proposal = services.propose_unit(session, facts)
        unit = session.get(OrgUnit, proposal.unit_id) if proposal else None
        result = {"unit": unit, "name": unit.display_name(_locale()) if unit else None,
                  "explanation": services.explain(session, proposal, _locale()) if proposal else None}
    status = INVALID if submitted and form.errors else 200
    return render_template("org/try.html", form=form, result=result), status
