"""The citizen complaint and denunciation portal."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from portal.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

# Feature packages, in dependency order. Each may define ``init_app(app)`` in its ``__init__.py``
# (blueprints, CLI groups, worker jobs, navigation), ``models.py`` (found by ``portal.models``) and
# ``demo.py`` with ``seed(session) -> list[str]`` (run by ``flask demo seed``).
FEATURES = ("core", "org", "accounts", "audit", "notifications", "cases", "intake", "tracking", "deadlines",
            "backoffice", "stats", "admin")


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers, CLI, templates."""
    settings = Settings.from_env(**dict(overrides or {}))
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(Path(settings.instance_path).resolve()),
    )
    configure_app(app, settings)
    register_extensions(app, settings)
    register_blueprints(app)
    register_errorhandlers(app)
    register_cli(app)
    register_template_helpers(app)
    register_middleware(app, settings)
    return app


def configure_app(app: Flask, settings: Settings) -> None:
    """Copy settings into Flask's config and harden cookies."""
    from datetime import timedelta

    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.is_testing,
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_NAME="portal_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.citizen_session_days),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        # No Referer to check: every page sends "Referrer-Policy: no-referrer" (a tracking URL names a
        # đơn), so the strict check would refuse every form over HTTPS. The session-bound token and
        # SameSite=Lax cookies are the defence.
        WTF_CSRF_SSL_STRICT=False,
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "portal" / "translations"),
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_ENABLED=settings.ratelimit_enabled,
        RATELIMIT_HEADERS_ENABLED=True,
        PAGE_CACHE_SECONDS=60,  # anonymous public pages (portal.web.pagecache); 0 switches it off
    )
    from portal.web import sessions
    from portal.web.converters import BoundedIntConverter

    sessions.init_app(app)
    app.url_map.converters["int"] = BoundedIntConverter
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def register_extensions(app: Flask, settings: Settings) -> None:
    """Bind the unbound extensions and the database."""
    from portal import db, i18n
    from portal.extensions import babel, csrf, limiter, login_manager, migrate

    db.init_app(app, settings.database_url)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    migrate.init_app(app, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    from portal.accounts import auth

    auth.init_login(app)


def register_blueprints(app: Flask) -> None:
    """Let every feature package register its blueprints, CLI groups, jobs and navigation."""
    import importlib
    import importlib.util

    for name in FEATURES:
        if importlib.util.find_spec(f"portal.{name}") is None:
            continue
        init = getattr(importlib.import_module(f"portal.{name}"), "init_app", None)
        if init is not None:
            init(app)


def register_errorhandlers(app: Flask) -> None:
    """Input filtering, friendly error pages and the security headers on every response."""
    from portal.web import errors, headers, inputs, logging

    inputs.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    logging.init_app(app)


def register_middleware(app: Flask, settings: Settings) -> None:
    """WSGI middleware, innermost first: the page cache, then the proxy fix (outermost, so the
    cache sees the client's real scheme and host)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from portal.web import pagecache

    pagecache.init_app(app)
    if settings.proxy_hops:
        hops = settings.proxy_hops
        # The client's address and scheme only: the host is the Host header nginx passes on (``proxy_set_header
        # Host $host``), never X-Forwarded-Host, which a client could send through the proxy to have the
        # portal write links to another site.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]


def register_cli(app: Flask) -> None:
    """Cross-cutting click groups (features add their own in ``init_app``)."""
    from portal.demo.cli import demo_cli
    from portal.i18n import translate_cli
    from portal.worker import worker_cli

    for group in (translate_cli, demo_cli, worker_cli):
        app.cli.add_command(group)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals, all registered in one place."""
    from portal.web import filters

    filters.init_app(app)
