"""Staff screens: the accountability board (drill-down, CSV export), the deadline rules with their
history, and the holiday overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.auth import staff_required
from portal.accounts.permissions import Action, can, require
from portal.audit.services import record
from portal.cases.models import INTERIM_STAGE, NOTIFY_STAGE, PUBLISH_STAGE, SEND_STAGE, Case
from portal.db import get_session
from portal.deadlines import board as board_q
from portal.deadlines.clock import local_today
from portal.deadlines.forms import DeleteForm, OverrideForm, PeriodForm, RuleVersionForm
from portal.deadlines.models import DeadlineRule, HolidayOverride, OverrideKind
from portal.deadlines.services import (
    RULE_FIELDS,
    DeadlineError,
    DeadlineView,
    add_override,
    deadline_view,
    load_calendar,
    new_rule_version,
    rule_history,
)
from portal.deadlines.sweep import LEVEL_LABELS
from portal.web.downloads import csv_download
from portal.web.nav import add_nav

bp = Blueprint("deadlines", __name__)
STAGE_LABELS = {"intake": _l("Xử lý đơn"), "acceptance": _l("Thụ lý"), "resolution": _l("Giải quyết"),
                NOTIFY_STAGE: _l("Thông báo cho người bị tố cáo"),
                INTERIM_STAGE: _l("Gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục"),
                SEND_STAGE: _l("Gửi quyết định, kết luận"),
                PUBLISH_STAGE: _l("Công khai kết luận")}
FILTER_LABELS = {"open": _l("Đang giải quyết"), "due_soon": _l("Sắp đến hạn"), "overdue": _l("Quá hạn")}
DEFAULT_PERIOD_DAYS = 90


def case_url(reference: str) -> str:
    """The case page, by its stable reference (the link deadline emails carry too)."""
    return url_for("cases.by_reference", reference=reference)


def case_deadline_views(case: Case, include_met: bool = False) -> list[DeadlineView]:
    """Template helper: the views of a case's deadlines (open ones unless ``include_met``)."""
    calendar = load_calendar(get_session())
    today = local_today()
    return [deadline_view(d, today, calendar) for d in case.deadlines if include_met or d.met_at is None]


# ---------------------------------------------------------------- the board

def _period(form: PeriodForm, today: dt.date) -> tuple[dt.date, dt.date]:
    start = (None if form.start.errors else form.start.data) or today - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    end = (None if form.end.errors else form.end.data) or today
    if start > end:
        form.end.errors = [*form.end.errors, _("Ngày kết thúc phải sau ngày bắt đầu.")]
        return today - dt.timedelta(days=DEFAULT_PERIOD_DAYS), today
    return start, end


def _board_inputs() -> tuple[PeriodForm, dt.date, tuple[dt.date, dt.date], dt.date]:
    require(current_user, Action.BOARD_VIEW)
    form = PeriodForm(request.args)
    form.validate()
    today = local_today()
    period = _period(form, today)
    soon = board_q.soon_until(today, current_app.config["SETTINGS"].reminder_working_days,
                              load_calendar(get_session()))
    return form, today, period, soon


@bp.get("/board")
@staff_required
def board() -> str:
    """Per unit and per head: open, due soon, overdue, on-time rate, average handling time."""
    form, today, period, soon = _board_inputs()
    data = board_q.compute(get_session(), current_user, today=today, period=period, soon=soon)
    return render_template("deadlines/board.html", form=form, board=data, period=period, today=today,
                           soon=soon, filter_labels=FILTER_LABELS)


@bp.get("/board/export.csv")
@staff_required
def board_export() -> Response:
    """The unit figures as CSV (no personal data); the export is audited."""
    _form, today, period, soon = _board_inputs()
    session = get_session()
    data = board_q.compute(session, current_user, today=today, period=period, soon=soon)
    rows = [[row.code, row.name, row.figures.open, row.figures.due_soon, row.figures.overdue, row.figures.met,
             row.figures.met_on_time, *row.figures.rate_cells(), period[0].isoformat(), period[1].isoformat(),
             today.isoformat()] for row in data.units]
    record(session, "export", actor_id=current_user.id, object_type="accountability_board",
           period_start=period[0].isoformat(), period_end=period[1].isoformat(), rows=len(data.units))
    session.commit()
    return csv_download(f"accountability-{today.isoformat()}.csv",
                        ["unit_code", "unit_name", "open", "due_soon", "overdue", "met_in_period", "met_on_time",
                         "on_time_rate", "average_handling_days", "period_start", "period_end", "as_of"], rows)


@bp.get("/board/units/<int:unit_id>/<which>")
@staff_required
def board_cases(unit_id: int, which: str) -> str:
    """The cases behind one figure of one unit."""
    _form, today, _span, soon = _board_inputs()
    session = get_session()
    if which not in board_q.FILTERS or unit_id not in board_q.scope_units(session, current_user):
        abort(404)
    from portal.org.models import OrgUnit

    unit = session.get(OrgUnit, unit_id)
    cases = board_q.drill_down(session, current_user, unit_id, which, today=today, soon=soon)
    calendar = load_calendar(session)
    rows = [(case, [deadline_view(d, today, calendar) for d in case.deadlines if d.met_at is None])
            for case in cases]
    return render_template("deadlines/board_cases.html", unit=unit, which=which, rows=rows,
                           filter_labels=FILTER_LABELS, case_url=case_url, stage_labels=STAGE_LABELS)


# ---------------------------------------------------------------- rules

@bp.get("/deadlines/rules")
@staff_required
def rules() -> str:
    """Rules in force today or later, with their confidence and legal basis."""
    require(current_user, Action.RULES_MANAGE)
    today = local_today()
    rows = get_session().scalars(
        select(DeadlineRule).where(or_(DeadlineRule.valid_to.is_(None), DeadlineRule.valid_to >= today))
        .order_by(DeadlineRule.code, DeadlineRule.valid_from)).all()
    return render_template("deadlines/rules.html", rules=rows, today=today, stage_labels=STAGE_LABELS)


def _prefill(form: RuleVersionForm, rule: DeadlineRule) -> None:
    for name in RULE_FIELDS:
        value = getattr(rule, name)
        getattr(form, name).data = value.value if hasattr(value, "value") else value


@bp.route("/deadlines/rules/<code>", methods=["GET", "POST"])
@staff_required
def rule(code: str) -> Any:
    """A rule's history and the form adding a new version."""
    require(current_user, Action.RULES_MANAGE)
    session = get_session()
    history = rule_history(session, code)
    if not history:
        abort(404)
    form = RuleVersionForm()
    if request.method == "GET":
        _prefill(form, history[0])
        form.valid_from.data = local_today()
    elif form.validate_on_submit():
        values = {name: getattr(form, name).data for name in RULE_FIELDS}
        for name in ("extensions_complex", "extensions_especially_complex"):
            values[name] = values[name] or 0
        values["starts_at"] = values["starts_at"] or ""
        values["note"] = values["note"] or ""
        created = new_rule_version(session, code, form.valid_from.data, values, actor_id=current_user.id)
        record(session, "rule_version", actor_id=current_user.id, object_type="deadline_rule", object_id=created.id,
               code=code, valid_from=created.valid_from.isoformat())
        session.commit()
        flash(_("Đã lưu phiên bản %(version)s của quy định %(code)s.", version=created.version, code=code), "success")
        return redirect(url_for("deadlines.rule", code=code))
    status = 400 if form.errors else 200
    return render_template("deadlines/rule.html", code=code, history=history, form=form,
                           stage_labels=STAGE_LABELS), status


# ---------------------------------------------------------------- holiday overrides

@bp.route("/deadlines/holidays", methods=["GET", "POST"])
@staff_required
def holidays() -> Any:
    """Administrator overrides (swapped days) and the public holidays of the year."""
    require(current_user, Action.RULES_MANAGE)
    session = get_session()
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            add_override(session, form.day.data, OverrideKind(form.kind.data), form.note.data or "")
        except DeadlineError as exc:
            form.day.errors = [*form.day.errors, str(exc)]
        else:
            record(session, "holiday_override", actor_id=current_user.id, object_type="holiday_override",
                   day=form.day.data.isoformat(), kind=form.kind.data)
            session.commit()
            flash(_("Đã thêm ngày điều chỉnh."), "success")
            return redirect(url_for("deadlines.holidays"))
    year = request.args.get("year", type=int) or local_today().year
    if not 2000 <= year <= 2100:
        abort(404)
    from portal.deadlines.calendar import public_holidays, public_make_up_days

    overrides = session.scalars(select(HolidayOverride).order_by(HolidayOverride.day.desc())).all()
    status = 400 if form.errors else 200
    return render_template("deadlines/holidays.html", form=form, overrides=overrides, delete_form=DeleteForm(),
                           year=year, public=sorted(public_holidays(year)),
                           make_up=sorted(public_make_up_days(year))), status


@bp.post("/deadlines/holidays/<int:override_id>/delete")
@staff_required
def holiday_delete(override_id: int) -> BaseResponse:
    require(current_user, Action.RULES_MANAGE)
    session = get_session()
    if not DeleteForm().validate_on_submit():
        abort(400)
    override = session.get(HolidayOverride, override_id)
    if override is None:
        abort(404)
    record(session, "holiday_override_delete", actor_id=current_user.id, object_type="holiday_override",
           day=override.day.isoformat())
    session.delete(override)
    session.commit()
    flash(_("Đã xóa ngày điều chỉnh."), "success")
    return redirect(url_for("deadlines.holidays"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/staff")
    app.jinja_env.globals.update(case_deadline_views=case_deadline_views, deadline_stage_labels=STAGE_LABELS,
                                 deadline_level_labels=LEVEL_LABELS)
    add_nav(app, "staff", "deadlines.board", _l("Bảng trách nhiệm"),
            visible=lambda: can(current_user, Action.BOARD_VIEW), order=60)
    add_nav(app, "staff", "deadlines.rules", _l("Quy định thời hạn"),
            visible=lambda: can(current_user, Action.RULES_MANAGE), order=80)
    add_nav(app, "staff", "deadlines.holidays", _l("Lịch ngày nghỉ"),
            visible=lambda: can(current_user, Action.RULES_MANAGE), order=81)
