"""The micro-cache of anonymous public pages (portal.web.pagecache)."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, make_response, template_rendered

from portal.web.pagecache import MAX_ENTRIES, cached_page, get_cache
from tests.factories import make_user
from tests.helpers import access_lines, login_as

SECURITY = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy",
            "X-Frame-Options", "Cross-Origin-Opener-Policy", "Cache-Control", "Vary")


@pytest.fixture
def cache(app: Flask, client):  # type: ignore[no-untyped-def]
    cache = get_cache(app)
    cache.clear()
    yield cache
    cache.clear()


@contextmanager
def renders(app: Flask) -> Iterator[list[str]]:
    """The names of the templates rendered inside the block (a cache hit renders none)."""
    names: list[str] = []

    def record(sender, template, context, **extra):  # type: ignore[no-untyped-def]
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def test_anonymous_home_page_is_rendered_once_then_served_from_memory(app, client, cache):
    with renders(app) as first:
        miss = client.get("/")
    with renders(app) as second:
        hit = client.get("/")
    assert first == ["core/home.html"] and second == []
    assert hit.status_code == miss.status_code == 200
    assert hit.get_data() == miss.get_data()
    assert hit.headers["Content-Type"] == miss.headers["Content-Type"]
    assert len(cache.entries) == 1


def test_a_hit_has_every_security_header_and_its_own_request_id(app, client, cache):
    miss, hit = client.get("/"), client.get("/")
    for name in SECURITY:
        assert hit.headers[name] == miss.headers[name], name
    assert "frame-ancestors 'none'" in hit.headers["Content-Security-Policy"]
    assert set(hit.headers["Vary"].replace(" ", "").split(",")) == {"Accept-Language", "Cookie"}
    assert hit.headers["X-Request-Id"] != miss.headers["X-Request-Id"]
    assert len(hit.headers["X-Request-Id"]) == 12
    assert "Set-Cookie" not in hit.headers
    assert hit.headers.getlist("Content-Security-Policy") == [hit.headers["Content-Security-Policy"]]


def test_hsts_is_kept_per_scheme(app, client, cache):
    client.get("/", base_url="https://portal.example")
    client.get("/", base_url="http://portal.example")
    secure = client.get("/", base_url="https://portal.example")
    plain = client.get("/", base_url="http://portal.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in plain.headers


def test_the_page_no_longer_prints_a_request_id_but_error_pages_do(client, cache):
    page = client.get("/")
    assert page.headers["X-Request-Id"] not in page.get_data(as_text=True)
    missing = client.get("/no-such-page")
    assert missing.headers["X-Request-Id"] in missing.get_data(as_text=True)


def test_the_language_is_part_of_the_key(app, client, cache):
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    vietnamese = client.get("/")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert '<html lang="vi">' in vietnamese.get_data(as_text=True)
    with renders(app) as rendered:
        again_en = client.get("/", headers={"Accept-Language": "en"})
        again_vi = client.get("/", headers={"Accept-Language": "vi-VN"})
    assert rendered == []
    assert again_en.get_data() == english.get_data() and again_vi.get_data() == vietnamese.get_data()


def test_the_remembered_language_cookie_is_honoured(app, client, cache):
    client.get("/")  # Vietnamese, cached
    switched = client.get("/?lang=en")  # not cached (query string, sets the cookie)
    assert "lang=en" in switched.headers["Set-Cookie"]
    with renders(app) as rendered:
        remembered = client.get("/")  # only the language cookie: cacheable, in English
    assert rendered == ["core/home.html"]
    assert '<html lang="en">' in remembered.get_data(as_text=True)
    with renders(app) as rendered:
        assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert rendered == []


def test_signed_in_visitors_always_get_their_own_page(app, client, db_session, cache):
    client.get("/")
    citizen = make_user(db_session)
    db_session.commit()
    login_as(client, citizen)
    with renders(app) as rendered:
        page = client.get("/")
    assert rendered == ["core/home.html"]
    assert "/account/submissions" in page.get_data(as_text=True)  # "my submissions" in the menu
    assert len(cache.entries) == 1


def test_flashed_messages_are_never_lost_to_the_cache(app, client, cache):
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Thông báo thử nghiệm")]
    with renders(app) as rendered:
        page = client.get("/")
    assert rendered == ["core/home.html"]
    assert "Thông báo thử nghiệm" in page.get_data(as_text=True)


@pytest.mark.parametrize("cookies", [{"portal_session": "x"}, {"other": "1"}, {"lang": "en", "remember_token": "y"}])
def test_any_cookie_but_the_language_bypasses_the_cache(app, client, cache, cookies):
    client.get("/")
    client.get("/", headers={"Accept-Language": "en"})
    for name, value in cookies.items():
        client.set_cookie(name, value)
    with renders(app) as rendered:
        client.get("/")
    assert rendered == ["core/home.html"]
    assert len(cache.entries) == 2


@pytest.mark.parametrize("path", ["/?x=1", "/?lang=vi"])
def test_a_query_string_bypasses_the_cache(app, client, cache, path):
    client.get("/")
    with renders(app) as rendered:
        client.get(path)
    assert rendered == ["core/home.html"]
    assert len(cache.entries) == 1


def test_head_is_served_from_the_get_entry_without_a_body(app, client, cache):
    head_before = client.head("/")  # not stored: a HEAD has no body to keep
    assert head_before.status_code == 200 and not cache.entries
    page = client.get("/")
    with renders(app) as rendered:
        head = client.head("/")
    assert rendered == [] and head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == page.headers["Content-Length"]
    assert head.headers["Content-Security-Policy"]


def test_pages_not_marked_and_error_pages_are_not_kept(client, cache):
    client.get("/account/login")
    client.get("/does-not-exist")
    client.get("/healthz")
    assert not cache.entries


def test_an_entry_expires(app, client, cache):
    client.get("/")
    (key, entry), = cache.entries.items()
    cache.entries[key] = dataclasses.replace(entry, expires=time.monotonic() - 1)
    with renders(app) as rendered:
        client.get("/")
    assert rendered == ["core/home.html"]
    assert cache.entries[key].expires > time.monotonic()


def test_the_cache_is_bounded(client, cache):
    for n in range(MAX_ENTRIES + 10):
        client.get("/", headers={"Host": f"h{n}.example"})
    assert len(cache.entries) == MAX_ENTRIES


def test_a_hit_writes_the_usual_access_line(app, client, cache, caplog):
    client.get("/")
    hit, lines = access_lines(client, caplog, lambda: client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}))
    assert len(lines) == 1
    fields = lines[0]
    assert fields["method"] == "GET" and fields["route"] == "/" and fields["status"] == 200
    assert fields["request_id"] == hit.headers["X-Request-Id"]
    assert isinstance(fields["duration_ms"], float)
    assert "203.0.113.9" not in json.dumps(fields)


def test_a_marked_view_that_sets_a_cookie_or_touches_the_session_is_not_kept(fresh_app):
    from flask import session

    @fresh_app.get("/_cookie-for-test")
    @cached_page
    def sets_cookie():  # pragma: no cover - called through the client
        response = make_response("x")
        response.set_cookie("seen", "1")
        return response

    @fresh_app.get("/_session-for-test")
    @cached_page
    def writes_session():  # pragma: no cover - called through the client
        session["seen"] = True
        return "x"

    @fresh_app.get("/_plain-for-test")
    @cached_page
    def plain():  # pragma: no cover - called through the client
        return "x"

    for path in ("/_cookie-for-test", "/_session-for-test", "/_plain-for-test"):
        fresh_app.test_client().get(path)
    paths = {key[3] for key in get_cache(fresh_app).entries}
    assert paths == {"/_plain-for-test"}


def test_the_cache_can_be_switched_off(app, client, cache):
    app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        with renders(app) as rendered:
            client.get("/")
            client.get("/")
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 60
    assert rendered == ["core/home.html", "core/home.html"]
    assert not cache.entries
