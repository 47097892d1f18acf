"""Both languages on every page; complete catalogues; locale selection."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LOCALES, TRANSLATIONS, merged_catalog
from tests.pages import PUBLIC_PAGES

# Letters that appear in Vietnamese but never in English text.
VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưàảãạáằẳẵặắầẩẫậấèẻẽẹéềểễệếìỉĩịíòỏõọóồổỗộốờởỡợớùủũụúừửữựứỳỷỹỵý]", re.I)


class VisibleText(HTMLParser):
    """Collects text a reader sees or hears, skipping elements explicitly marked ``lang="vi"``."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}:
            for name, value in attrs:
                if name in {"alt", "placeholder", "aria-label", "title"} and value:
                    self.chunks.append(value)
            return
        skip = dict(attrs).get("lang") == "vi" or tag in {"script", "style"}
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))
        for name, value in attrs:
            if name in {"aria-label", "title", "placeholder", "alt"} and value and not self.stack[-1]:
                self.chunks.append(value)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if self.stack and tag not in {"br", "img", "input", "meta", "link", "hr"}:
            self.stack.pop()

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not (self.stack and self.stack[-1]):
            self.chunks.append(data)


def untranslated_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [chunk.strip() for chunk in parser.chunks if VIETNAMESE_LETTERS.search(chunk)]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_renders_in_both_languages(client, path):
    vi = client.get(path, headers={"Accept-Language": "vi"})
    assert vi.status_code in (200, 404)
    assert '<html lang="vi">' in vi.get_data(as_text=True)
    en = client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert en.status_code == vi.status_code
    html = en.get_data(as_text=True)
    assert '<html lang="en">' in html
    leftovers = untranslated_text(html)
    assert not leftovers, f"untranslated text on {path}: {leftovers}"


@pytest.mark.parametrize("lang", LOCALES)
def test_catalogue_exists_and_is_compiled(lang):
    assert (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").is_file()
    assert (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").is_file(), "run `make install`"


def test_english_catalogue_is_complete():
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = read_po(f)
    catalog = merged_catalog("en")
    missing = [m.id for m in template if m.id and (m.id not in catalog or not catalog[m.id].string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"{len(missing)} messages have no English translation: {missing[:10]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:10]}"


def test_catalogue_covers_every_message_in_the_code(tmp_path):
    """messages.pot is up to date: nothing in the code or templates is missing from it."""
    from babel.messages.extract import extract_from_dir

    from portal.i18n import ROOT

    method_map = [("portal/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert not (found - known), f"run `flask translate update`; not in the catalogue: {sorted(found - known)[:10]}"


def test_language_choice_is_remembered_in_a_cookie(client):
    first = client.get("/?lang=en")
    assert "lang=en" in first.headers["Set-Cookie"]
    again = client.get("/")
    assert '<html lang="en">' in again.get_data(as_text=True)


def test_accept_language_then_default(client):
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="vi">' in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_unknown_lang_parameter_is_ignored(client):
    assert '<html lang="vi">' in client.get("/?lang=xx").get_data(as_text=True)


def test_language_switch_on_every_page(client):
    for path in PUBLIC_PAGES:
        html = client.get(path).get_data(as_text=True)
        assert "lang=en" in html and 'hreflang="en"' in html


def test_dates_and_numbers_follow_the_locale(app):
    import datetime as dt

    from flask_babel import force_locale

    from portal.web.filters import date_filter, datetime_filter, number_filter

    moment = dt.datetime(2026, 2, 17, 6, 5, tzinfo=dt.UTC)  # 13:05 in Vietnam
    with app.test_request_context("/"), force_locale("vi"):  # day first, as offices write it
        assert date_filter(dt.date(2026, 2, 17)) == "17/02/2026"
        assert date_filter(dt.date(2026, 2, 17), "long") == "17 tháng 2 năm 2026"
        assert datetime_filter(moment) == "13:05, 17/02/2026"
        assert number_filter(1234567.5) == "1.234.567,5"
    with app.test_request_context("/"), force_locale("en"):  # day first too: never 2/17/26
        assert date_filter(dt.date(2026, 2, 17)) == "17 Feb 2026"
        assert date_filter(dt.date(2026, 2, 17), "long") == "17 February 2026"
        assert datetime_filter(moment) == "17 Feb 2026, 13:05"
        assert number_filter(1234567.5) == "1,234,567.5"


def test_every_staff_page_renders_in_english(app, client, db_session):
    from portal.accounts.models import Role
    from tests.factories import make_unit, make_user
    from tests.helpers import login_as
    from tests.pages import STAFF_PAGES

    unit = make_unit(db_session, code="UBND-TP")
    users = {role: make_user(db_session, roles=[(Role(role), unit)]) for role in {r for _p, r in STAFF_PAGES}}
    for path, role in STAFF_PAGES:
        login_as(client, users[role])
        response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
        assert response.status_code == 200, f"{path} as {role}: {response.status_code}"
        leftovers = untranslated_text(response.get_data(as_text=True))
        assert not leftovers, f"untranslated text on {path}: {leftovers}"


def test_locale_outside_a_request_is_the_default(app):
    from flask_babel import gettext

    from portal.i18n import select_locale

    with app.app_context():
        assert select_locale() == "vi"
        assert gettext("Trang chủ") == "Trang chủ"
