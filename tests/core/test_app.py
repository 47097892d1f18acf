"""The skeleton: factory, settings, headers, error pages, health check, logging."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from portal.db import get_db
from portal.settings import Settings, SettingsError
from tests.helpers import access_lines
from tests.pages import PUBLIC_PAGES


def test_settings_require_a_secret(tmp_path):
    with pytest.raises(SettingsError, match="SECRET_KEY is not set"):
        Settings.from_env({}, instance_path=str(tmp_path))


def test_development_reads_the_generated_secret(tmp_path):
    (tmp_path / "secret_key").write_text("x" * 64)
    settings = Settings.from_env({"PORTAL_ENV": "development"}, instance_path=str(tmp_path))
    assert settings.secret_key == "x" * 64
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("portal.sqlite3")


def test_production_ignores_a_secret_file(tmp_path):
    (tmp_path / "secret_key").write_text("x" * 64)
    with pytest.raises(SettingsError):
        Settings.from_env({}, instance_path=str(tmp_path))


# What a production start-up needs beyond the secret key (portal.settings.Settings.validate_production).
PRODUCTION = {"PORTAL_PROXY_HOPS": "1", "PORTAL_BASE_URL": "https://portal.example",
              "PORTAL_MAIL_SENDER": "Cổng tiếp nhận đơn <no-reply@portal.example>"}


def production_app(workdir, **overrides):  # type: ignore[no-untyped-def]
    """The app as production builds it, behind one proxy, on the test database."""
    from tests.conftest import make_test_app

    return make_test_app(workdir, env="production", proxy_hops=1, base_url="https://portal.example",
                         mail_sender="Cổng tiếp nhận đơn <no-reply@portal.example>", **overrides)

@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SECRET_KEY": "short"}, "at least 32"),
        ({"SECRET_KEY": "k" * 40, "PORT": "http"}, "PORT must be an integer"),
        ({"SECRET_KEY": "k" * 40, "PORT": "70000"}, "PORT must be between"),
        ({"SECRET_KEY": "k" * 40, "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be"),
        ({"SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql+psycopg2://x/y"}, "psycopg 3"),
        ({"SECRET_KEY": "k" * 40, "DATABASE_URL": "::nonsense::"}, "not a valid database URL"),
        ({"SECRET_KEY": "k" * 40, "PORTAL_RATELIMIT_ENABLED": "maybe"}, "must be a boolean"),
        ({"SECRET_KEY": "k" * 40, "PORTAL_ENV": "staging"}, "PORTAL_ENV must be"),
        # production (the default) needs what a development default would quietly break
        ({"SECRET_KEY": "k" * 40, **PRODUCTION, "PORTAL_PROXY_HOPS": None}, "PORTAL_PROXY_HOPS must be set"),
        ({"SECRET_KEY": "k" * 40, **PRODUCTION, "PORTAL_BASE_URL": "http://portal.example"}, "https://"),
        ({"SECRET_KEY": "k" * 40, **PRODUCTION, "PORTAL_MAIL_SENDER": None}, "MAIL_SENDER must be a real"),
    ],
)
def test_bad_settings_are_named(tmp_path, environ, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({k: v for k, v in environ.items() if v is not None}, instance_path=str(tmp_path))


def test_prefixed_settings_are_read(tmp_path):
    settings = Settings.from_env({"SECRET_KEY": "k" * 40, "PORTAL_MAX_FILES": "3", "PORT": "8080",
                                  "PORTAL_MAIL_USE_TLS": "yes", **PRODUCTION}, instance_path=str(tmp_path))
    assert (settings.max_files, settings.port, settings.mail_use_tls) == (3, 8080, True)
    assert (settings.is_production, settings.proxy_hops, settings.base_url) == (True, 1, "https://portal.example")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_healthz_reports_an_unreachable_database(workdir):
    from tests.conftest import make_test_app
    from tests.fixtures.mail import free_port

    # a real PostgreSQL URL on a port where nothing listens
    down = make_test_app(workdir, database_url=f"postgresql+psycopg://portal:x@127.0.0.1:{free_port()}/nothing")
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_headers_on_static_and_json_responses(client):
    for path in ("/static/css/portal.css", "/healthz"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers
    static = client.get("/static/css/portal.css")  # kept an hour, the same for everyone
    assert static.headers["Cache-Control"] == "public, max-age=3600"


def test_404_page_in_chosen_language(client):
    vi = client.get("/khong-co-trang-nay")
    assert vi.status_code == 404
    assert "Không tìm thấy trang" in vi.get_data(as_text=True)
    en = client.get("/no-such-page?lang=en")
    assert en.status_code == 404
    assert "Page not found" in en.get_data(as_text=True)
    assert '<html lang="en">' in en.get_data(as_text=True)


def test_error_page_shows_the_request_id(client):
    response = client.get("/no-such-page")
    request_id = response.headers["X-Request-Id"]
    assert request_id in response.get_data(as_text=True)


def test_405_page(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_500_page_reveals_no_internals(fresh_app):
    @fresh_app.get("/_boom-for-test")
    def boom():  # pragma: no cover - called through the client
        raise RuntimeError("secret internal detail")

    response = fresh_app.test_client().get("/_boom-for-test?lang=en")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in body and "Traceback" not in body
    assert "Something went wrong" in body


def test_413_page(fresh_app):
    from flask import request

    @fresh_app.post("/_upload-for-test")
    def upload():  # pragma: no cover - refused before it reads the body
        return str(len(request.form))

    limit = fresh_app.config["MAX_CONTENT_LENGTH"]
    response = fresh_app.test_client().post("/_upload-for-test?lang=en", data={"f": "x" * (limit + 1)})
    assert response.status_code == 413
    assert "larger than allowed" in response.get_data(as_text=True)
    assert "Back button: what you typed is usually still in the form" in response.get_data(as_text=True)


def test_csrf_failure_is_a_friendly_400(fresh_app):
    @fresh_app.post("/_csrf-probe-for-test")
    def csrf_probe():  # pragma: no cover - refused before it runs
        return "ran"

    fresh_app.config["WTF_CSRF_ENABLED"] = True
    response = fresh_app.test_client().post("/_csrf-probe-for-test?lang=en", data={"x": "1"})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)


def test_one_log_line_per_request_without_client_address(app, client, caplog):
    _response, lines = access_lines(client, caplog,
                                    lambda: client.get("/?lang=en", environ_base={"REMOTE_ADDR": "203.0.113.9"}))
    assert len(lines) == 1
    fields = lines[0]
    assert fields["method"] == "GET" and fields["route"] == "/" and fields["status"] == 200
    assert isinstance(fields["duration_ms"], float) and len(fields["request_id"]) == 12
    assert "203.0.113.9" not in json.dumps(fields)


def test_session_is_rolled_back_at_teardown(fresh_app, db_session):
    # A request that fails after writing leaves nothing behind.
    from portal.org.models import Field

    @fresh_app.post("/_write-then-fail-for-test")
    def write_then_fail():  # pragma: no cover - called through the client
        from portal.db import get_session

        get_session().add(Field(code="tmp-field", name="tmp"))
        get_session().flush()
        raise RuntimeError("after the write")

    assert fresh_app.test_client().post("/_write-then-fail-for-test").status_code == 500
    assert db_session.execute(text("SELECT count(*) FROM fields WHERE code = 'tmp-field'")).scalar() == 0


def test_database_errors_never_log_parameters(app):

    assert get_db(app).engine.hide_parameters is True


def test_huge_ids_in_urls_are_404_not_500(app, client, db_session):
    from portal.accounts.models import Role
    from tests.factories import make_unit, make_user
    from tests.helpers import login_as

    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if converter.regex == r"\d+":
                assert converter.max == 2**63 - 1, f"{rule.rule} <{name}> is not bounded"
    login_as(client, make_user(db_session, roles=[(Role.HEAD, make_unit(db_session))]))
    assert client.get("/staff/cases/99999999999999999999").status_code == 404


def test_the_wsgi_entry_point_freezes_what_start_up_built(tmp_path):
    """gunicorn's workers import wsgi.py: the app is built and start-up's objects are frozen, out of
    the collector's full walks (which otherwise pause one request in a few hundred by ~100 ms)."""
    import os
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "PORTAL_INSTANCE_PATH": str(tmp_path / "i"),
           "PORTAL_UPLOAD_DIR": str(tmp_path / "u"), **PRODUCTION}
    code = "import gc, wsgi; print(wsgi.app.name, gc.get_freeze_count())"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True,
                         check=True).stdout
    name, frozen = out.split()
    assert name == "portal" and int(frozen) > 10_000


def test_forms_over_https_in_production_need_no_referer(app, workdir):
    """Every page sends "Referrer-Policy: no-referrer", so browsers send no Referer: Flask-WTF's strict
    HTTPS check (a Referer from this host) would refuse every form in production with a 400."""
    import re


    client = production_app(workdir).test_client()
    page = client.get("/track", base_url="https://portal.example")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    pair = {"code": "KN-2026-ABCDEFGH", "secret": "AAAAA-BBBBB-CCCCC-DDDDD"}
    refused = client.post("/track", data=pair, base_url="https://portal.example")
    assert refused.status_code == 400  # the token is still required
    answered = client.post("/track", data={**pair, "csrf_token": token}, base_url="https://portal.example")
    assert answered.status_code == 404  # the token was accepted: the generic answer to a wrong pair


def test_links_name_the_host_nginx_passes_on_never_x_forwarded_host(app, workdir):
    """nginx passes the Host it was asked for (README); X-Forwarded-Host is the client's to write, so a
    redirect (or a link in an email) built from it would point to any site the client likes."""
    client = production_app(workdir).test_client()
    response = client.get("/staff", headers={"Host": "portal.example", "X-Forwarded-Proto": "https",
                                             "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 308 and response.headers["Location"] == "https://portal.example/staff/"


def test_a_signed_in_session_follows_the_browser_not_its_address(client, db_session):
    """A phone or an office changes address: the session stays. Another browser with the cookie does not
    (Flask-Login's default bound it to the first X-Forwarded-For entry, which the client writes)."""
    from tests.factories import make_user
    from tests.helpers import login_as

    citizen = make_user(db_session)
    client.environ_base["HTTP_USER_AGENT"] = "Điện thoại 1"
    login_as(client, citizen)
    for address in ("203.0.113.7", "198.51.100.20"):
        assert client.get("/account/submissions", headers={"X-Forwarded-For": address}).status_code == 200, address
    other = client.get("/account/submissions", headers={"User-Agent": "Máy khác"})
    assert other.status_code == 302 and "/account/login" in other.headers["Location"]


def test_the_shared_rate_limit_storage_production_needs_is_installed():
    """gunicorn's workers each count alone with ``memory://``: production shares its counts in Redis, whose
    client must be installed (Flask-Limiter refuses to start without it). Made here apart from the app:
    the limiter is one object, and the other tests' app must keep its own storage."""
    from limits.storage import storage_from_string

    assert type(storage_from_string("redis://127.0.0.1:1/0")).__name__ == "RedisStorage"
