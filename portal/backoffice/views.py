"""Back-office home, queues and search (read-only pages; the case page lives in ``portal.cases``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, select
from werkzeug.wrappers import Response

from portal.accounts.auth import staff_required
from portal.accounts.permissions import units_where
from portal.backoffice import queries
from portal.backoffice.queries import (
    COUNT_CAP,
    FLAG_LABELS,
    KIND_LABELS,
    QUEUES_BY_KEY,
    SORTS,
    STATUS_LABELS,
    BadCursor,
    Cursor,
    Page,
    Queue,
)
from portal.backoffice.queue_forms import QueueFilterForm, SearchForm
from portal.cases.access import CASE_ROLES, visible_cases_clause
from portal.cases.models import Case, Submission
from portal.db import get_session
from portal.org.models import Field, OrgUnit
from portal.web.filters import current_locale

bp = Blueprint("backoffice", __name__)


def case_url(case_id: int) -> str:
    """The case page."""
    return url_for("cases.show", case_id=case_id)


def row_context() -> dict[str, Any]:
    """What the queue table partial needs besides its rows."""
    return {"case_url": case_url, "kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS,
            "flag_labels": FLAG_LABELS}


@bp.get("/")
@staff_required
def home() -> str:
    """The staff home page: the queues of the user's roles with their counts."""
    session, user = get_session(), current_user._get_current_object()
    today = queries.today_local()
    scope = queries.scope_of(session, user)  # the scope is walked once for every count
    queues = queries.queues_for(user)
    counts = list(zip(queues, queries.count_queues(session, user, queues, today, scope=scope), strict=True))
    return render_template("backoffice/home.html", counts=counts, cap=COUNT_CAP, search_form=SearchForm())


def _choices(unit_ids: set[int]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    session, english = get_session(), current_locale() == "en"
    units = session.execute(select(OrgUnit.id, OrgUnit.name_en if english else OrgUnit.name)
                            .where(OrgUnit.id.in_(unit_ids)).order_by(OrgUnit.name)).all() if unit_ids else []
    fields = session.execute(select(Field.id, Field.name_en if english else Field.name)
                             .where(Field.is_active.is_(True)).order_by(Field.name)).all()
    return [(i, n) for i, n in units], [(i, n) for i, n in fields]


def _cursor(sort: str) -> Cursor | None:
    """The ``after`` key of a "next page" link (:class:`BadCursor` when malformed)."""
    after = request.args.get("after")
    return queries.parse_cursor(after, sort) if after else None


def bad_cursor_message() -> str:
    return _("Liên kết trang tiếp theo không hợp lệ. Hãy quay lại trang đầu của danh sách.")


def _next_url(page: Page, **values: Any) -> str | None:
    if page.next_cursor is None:
        return None
    args = request.args.to_dict(flat=False)
    args["after"] = [page.next_cursor]
    return url_for(request.endpoint or "backoffice.home", **{**args, **values})


@bp.get("/queues/<key>")
@staff_required
def queue(key: str) -> tuple[str, int] | str:
    """One queue, filtered and sorted, one keyset page at a time."""
    user = current_user._get_current_object()
    chosen: Queue | None = QUEUES_BY_KEY.get(key)
    if chosen is None:
        abort(404)
    if chosen not in queries.queues_for(user):
        abort(403)
    session = get_session()
    unit_ids = units_where(user, CASE_ROLES, session)  # walked once: for the unit choices and the scope
    units, fields = _choices(unit_ids)
    form = QueueFilterForm(request.args, units=units, fields=fields, default_sort=chosen.default_sort)
    context = {"queue": chosen, "form": form, **row_context()}
    if not form.validate() or form.sort.data not in SORTS:
        return render_template("backoffice/queue.html", page=None, next_url=None, **context), 400
    try:
        after = _cursor(form.sort.data)
    except BadCursor:
        return render_template("backoffice/queue.html", page=None, next_url=None, error=bad_cursor_message(),
                               **context), 400
    page = queries.queue_page(session, user, chosen, form.filters(), sort=form.sort.data, after=after,
                              today=queries.today_local(), locale=current_locale(),
                              scope=queries.scope_of(session, user, unit_ids))
    first_url = None
    if request.args.get("after"):
        args = request.args.to_dict(flat=False)
        args.pop("after")
        first_url = url_for("backoffice.queue", **{**args, "key": key})
    return render_template("backoffice/queue.html", page=page, next_url=_next_url(page, key=key),
                           is_later_page=first_url is not None, first_url=first_url, **context)


@bp.get("/search")
@staff_required
def search() -> Response | tuple[str, int] | str:
    """A tracking code opens its case; words find cases whose content contains them."""
    session, user = get_session(), current_user._get_current_object()
    form = SearchForm(request.args)
    context = {"form": form, **row_context()}
    if not form.validate():
        return render_template("backoffice/queue_search.html", page=None, next_url=None, **context), 400
    query = (form.q.data or "").strip()
    if not query:
        return render_template("backoffice/queue_search.html", page=None, next_url=None, **context)
    visible = visible_cases_clause(session, user)  # the scope is walked once for both lookups
    target = _exact_case(query, visible)
    if target is not None and not request.args.get("after"):
        return redirect(target)
    try:
        after = _cursor(queries.MATCH_SORT)
    except BadCursor:
        return render_template("backoffice/queue_search.html", page=None, next_url=None,
                               error=bad_cursor_message(), **context), 400
    page = queries.search_page(session, user, query, after=after, today=queries.today_local(),
                               locale=current_locale(), visible=visible)
    return render_template("backoffice/queue_search.html", page=page, next_url=_next_url(page), **context)


def _exact_case(query: str, visible: ColumnElement[bool]) -> str | None:
    """The page of the visible case whose reference or tracking code is ``query``.

    Codes and references are stored upper-case, so an upper-cased exact match is case-insensitive
    and still served by their unique indexes.
    """
    if len(query) > 24 or " " in query:
        return None
    session, code = get_session(), query.upper()
    # Two lookups, each served by its unique index (an OR across the join makes SQLite scan).
    found = session.execute(select(Case.reference, Case.id).where(Case.reference == code, visible).limit(1)).first()
    if found is None:
        found = session.execute(
            select(Case.reference, Case.id).join(Submission, Submission.id == Case.submission_id)
            .where(Submission.tracking_code == code, visible).order_by(Case.id).limit(1)).first()
    return case_url(found[1]) if found else None
