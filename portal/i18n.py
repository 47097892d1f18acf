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
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LANG_COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ROOT = TRANSLATIONS.parent.parent


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
    """Templates translate through :func:`translations` (after Flask-Babel's own set-up)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


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
