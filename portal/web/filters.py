"""Template filters and globals, all registered here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_decimal, get_locale
from markupsafe import Markup, escape

from portal.core.kinds import complaint_limit_days, kinds_overview, kinds_with_limits
from portal.i18n import format_day, format_moment
from portal.web import nav
from portal.web.logging import request_id


def nl2br(text: str | None) -> Markup:
    """Escape citizen text, then keep its line breaks."""
    if not text:
        return Markup("")
    return Markup("<br>\n").join(escape(line) for line in str(text).splitlines())


def date_filter(value: dt.date | dt.datetime | str | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # an ISO date kept in a JSON document (an event's data)
        value = dt.date.fromisoformat(value)
    return format_day(value, fmt)


def datetime_filter(value: dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_moment(value, fmt)


def number_filter(value: float | int | None) -> str:
    return "" if value is None else format_decimal(value)


def lang_url(lang: str) -> str:
    """The current page in another language (keeps the query string, replaces ``lang``)."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    rule = request.url_rule
    if request.endpoint and rule is not None and "GET" in (rule.methods or ()):
        # the same page (a form shown again after a POST: the form, in the other language); the
        # path's own values win: "?kind=x" on /submit/<kind> must not collide with them
        return url_for(request.endpoint, **{**args, **(request.view_args or {})})
    return url_for("core.home", lang=lang)  # error pages and results of POST-only actions: go home


def current_locale() -> str:
    return str(get_locale() or "vi")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(nl2br=nl2br, date=date_filter, datetime=datetime_filter, number=number_filter)
    app.jinja_env.globals.update(lang_url=lang_url, current_locale=current_locale, request_id=request_id)
    app.jinja_env.globals.update(kinds_overview=kinds_overview, kinds_with_limits=kinds_with_limits,
                                 complaint_limit_days=complaint_limit_days)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    nav.init_app(app)
