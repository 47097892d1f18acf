"""Locale selection and the ``flask translate`` commands.

Message ids are written in Vietnamese (the default language); the English catalogue translates
them. Feature work may drop partial catalogues in ``translations/<lang>/parts/*.po``:
``translate update`` folds them into the main catalogue.
"""

from __future__ import annotations

import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LANG_COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ROOT = TRANSLATIONS.parent.parent


# Dates as people here write them: day first, Vietnamese administrative style ("17/02/2026",
# "17 tháng 2 năm 2026"); English pages day first too ("17 Feb 2026"), never the ambiguous 2/17/26.
# Other widths ("short", "full") are CLDR's.
DATE_PATTERNS = {"vi": {"medium": "dd/MM/y", "long": "d 'tháng' M 'năm' y"},
                 "en": {"medium": "d MMM y", "long": "d MMMM y"}}
DATETIME_PATTERNS = {"vi": {"medium": "HH:mm, dd/MM/y"}, "en": {"medium": "d MMM y, HH:mm"}}


def format_day(value: Any, width: str = "medium") -> str:
    """A date in the current locale's usual form (see :data:`DATE_PATTERNS`)."""
    from flask_babel import format_date, get_locale

    pattern = DATE_PATTERNS.get(str(get_locale() or "vi"), {}).get(width, width)
    return format_date(value, pattern)


def format_moment(value: Any, width: str = "medium") -> str:
    """A date and time in the current locale's usual form, in the portal's time zone."""
    from flask_babel import format_datetime, get_locale

    pattern = DATETIME_PATTERNS.get(str(get_locale() or "vi"), {}).get(width, width)
    return format_datetime(value, pattern)


@lru_cache(maxsize=256)
def negotiate(accept_language: str) -> str:
    """The best of our locales for an ``Accept-Language`` header (browsers send few distinct ones)."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(LOCALES, default=DEFAULT_LOCALE)


def remembered_or_negotiated(cookie: str | None, accept_language: str) -> str:
    """The locale of a request without ``?lang=``: the remembered choice, else Accept-Language."""
    return cookie if cookie in LOCALES else negotiate(accept_language)  # type: ignore[return-value]


def select_locale() -> str:
    """``?lang=`` (remembered in a cookie), then the cookie, then Accept-Language, then Vietnamese."""
    if not has_request_context():  # CLI commands and the worker: the default language
        return DEFAULT_LOCALE
    if "locale" in g:
        return g.locale
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        g.set_lang_cookie = chosen
    else:
        chosen = remembered_or_negotiated(request.cookies.get(LANG_COOKIE),
                                          request.environ.get("HTTP_ACCEPT_LANGUAGE", ""))
    g.locale = chosen
    return chosen


def translations() -> Any:
    """The translations of the current locale, looked up once per request and locale.

    A page calls gettext dozens of times; Flask-Babel resolves the locale and its catalogue on
    every call. The cached object is keyed on the locale object of Flask-Babel's request context,
    so ``force_locale`` (emails in the recipient's language) still switches catalogues.
    """
    try:
        ctx = g._flask_babel
        locale, cached = ctx.portal_translations
        if locale is ctx.babel_locale:
            return cached
    except (AttributeError, RuntimeError):  # first call of the request, or no app context
        pass
    found = get_translations()
    try:
        ctx = g._flask_babel
        ctx.portal_translations = (ctx.babel_locale, found)
    except (AttributeError, RuntimeError):
        pass
    return found


def init_app(app: Flask) -> None:
    """Templates translate through :func:`translations` (after Flask-Babel's own set-up); WTForms'
    own messages through :data:`WTFORMS_MESSAGES`."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.before_request(_wtforms_messages)


# WTForms' built-in messages (a value that cannot be converted, a choice not offered, a length)
# have no Vietnamese catalogue: Flask-WTF would show them in English on Vietnamese pages. They are
# written here in Vietnamese, with the English catalogue translating them back.
WTFORMS_MESSAGES: dict[str, Any] = {
    "This field is required.": _l("Vui lòng nhập thông tin này."),
    "Not a valid integer value.": _l("Hãy nhập một số nguyên, ví dụ 3."),
    "Not a valid decimal value.": _l("Hãy nhập một số, ví dụ 2,5."),
    "Not a valid float value.": _l("Hãy nhập một số, ví dụ 2,5."),
    "Not a valid date value.": _l("Ngày không hợp lệ. Hãy chọn ngày, hoặc nhập theo dạng năm-tháng-ngày (ví dụ "
                                  "2026-03-15)."),
    "Not a valid datetime value.": _l("Thời điểm không hợp lệ."),
    "Not a valid time value.": _l("Giờ không hợp lệ."),
    "Not a valid choice.": _l("Lựa chọn này không có trong danh sách."),
    "Invalid Choice: could not coerce.": _l("Lựa chọn này không có trong danh sách."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l("Lựa chọn này không có trong danh sách."),
    "Invalid input.": _l("Giá trị không hợp lệ."),
    "Invalid email address.": _l("Địa chỉ thư điện tử không hợp lệ."),
    "Field cannot be longer than %(max)d character.": _l("Không được dài quá %(max)d ký tự."),
    "Field cannot be longer than %(max)d characters.": _l("Không được dài quá %(max)d ký tự."),
    "Field must be at least %(min)d character long.": _l("Cần ít nhất %(min)d ký tự."),
    "Field must be at least %(min)d characters long.": _l("Cần ít nhất %(min)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Cần từ %(min)d đến %(max)d ký tự."),
    "Number must be at least %(min)s.": _l("Số phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": _l("Số không được lớn hơn %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Số phải từ %(min)s đến %(max)s."),
}


class _WTFormsMessages:
    """What Flask-WTF asks for WTForms' messages: ours where we have them, else WTForms' English."""

    @staticmethod
    def ugettext(string: str) -> str:
        found = WTFORMS_MESSAGES.get(string)
        return string if found is None else str(found)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self.ugettext(singular if n == 1 else plural)


_WTFORMS = _WTFormsMessages()


def _wtforms_messages() -> None:
    """Before each request: Flask-WTF looks its catalogue up on ``request.wtforms_translations``
    first (flask_wtf/i18n.py), so ours is put there."""
    request.wtforms_translations = _WTFORMS  # type: ignore[attr-defined]


def select_timezone() -> str:
    return "Asia/Ho_Chi_Minh"


def remember_locale(response):  # type: ignore[no-untyped-def]
    """After-request hook: persist an explicit ``?lang=`` choice for a year."""
    lang = g.get("set_lang_cookie")
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


translate_cli = click.Group("translate", help="Extract, update and compile the translation catalogues.")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_cli.command("extract")
def extract() -> None:
    """Extract messages from the code and templates into messages.pot."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location",
             "--sort-output", "-o", str(TRANSLATIONS / "messages.pot"), ".")
    click.echo("extracted to portal/translations/messages.pot")


@translate_cli.command("update")
def update() -> None:
    """Extract, merge into every catalogue, and fold in partial catalogues."""
    extract.callback()  # type: ignore[misc]
    for lang in LOCALES:
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            _pybabel("init", "-i", str(TRANSLATIONS / "messages.pot"), "-d", str(TRANSLATIONS), "-l", lang)
        _pybabel("update", "-i", str(TRANSLATIONS / "messages.pot"), "-d", str(TRANSLATIONS), "-l", lang,
                 "--no-fuzzy-matching", "--ignore-obsolete")
        fold_parts(lang)
    click.echo("catalogues updated")


def fold_parts(lang: str) -> None:
    """Copy translations from ``parts/*.po`` into the main catalogue and delete the parts."""
    parts = sorted((TRANSLATIONS / lang / "parts").glob("*.po"))
    if not parts:
        return
    po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    for part in parts:
        with part.open("rb") as f:
            for message in read_po(f, locale=lang):
                if message.id and message.string and message.id in catalog:
                    catalog[message.id].string = message.string
                    catalog[message.id].flags.discard("fuzzy")
        part.unlink()
    with po_path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False)


def merged_catalog(lang: str):  # type: ignore[no-untyped-def]
    """The main catalogue of ``lang`` with any partial catalogues laid over it."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    for part in sorted((TRANSLATIONS / lang / "parts").glob("*.po")):
        with part.open("rb") as f:
            for message in read_po(f, locale=lang):
                if message.id and message.string:
                    if message.id in catalog:  # Catalog.add keeps an existing entry's (empty) string
                        catalog[message.id].string = message.string
                        catalog[message.id].flags.discard("fuzzy")
                    else:
                        catalog.add(message.id, message.string)
    return catalog


@translate_cli.command("compile")
def compile_() -> None:
    """Compile every catalogue (main plus parts) to .mo files."""
    for lang in LOCALES:
        catalog = merged_catalog(lang)
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
    click.echo("compiled: " + ", ".join(LOCALES))


if __name__ == "__main__":  # `python -m portal.i18n compile`: used by `make install`, needs no app
    translate_cli()
