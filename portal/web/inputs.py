"""What every request's input goes through before a view reads it."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest

NUL_MESSAGE = _l("Địa chỉ trang có ký tự không hợp lệ.")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NulCharacter(BadRequest):
    """A NUL character in the path: never a page of ours."""


def _has_nul(values: MultiDict[str, str]) -> bool:
    return any("\x00" in key or any("\x00" in value for value in items) for key, items in values.lists())


def _without_nul(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict([(key.replace("\x00", ""), value.replace("\x00", ""))
                               for key, value in values.items(multi=True)])


def strip_nul() -> None:
    """NUL characters out of the query string and the form fields, before any view reads them.

    Nobody types one (pasted text can carry one), and PostgreSQL refuses it in every text column:
    left in, it turned a search, a login or a form into a 500 on PostgreSQL only. Dropping it keeps
    what the person wrote, as ``clean_text`` does with other control characters. A NUL in the path
    is never one of our pages: 400."""
    if "\x00" in request.path:
        raise NulCharacter()
    if _has_nul(request.args):
        request.args = _without_nul(request.args)  # type: ignore[misc]  # werkzeug caches the parsed value
    if request.method != "GET" and request.mimetype in FORM_TYPES and _has_nul(request.form):
        request.form = _without_nul(request.form)  # type: ignore[misc]


def init_app(app: Flask) -> None:
    app.before_request(strip_nul)
