"""A small in-process cache of the public pages that every anonymous visitor sees alike.

The home page is the same for everyone who is not signed in, per language. Rendering it costs far
more than serving it from memory, so a view marked :func:`cached_page` is kept, per language,
for a short time (``PAGE_CACHE_SECONDS``, 60 s) in a thin WSGI middleware in front of Flask.

Only a plain anonymous ``GET``/``HEAD`` is served from the cache or stored in it: no query string,
no cookie but the remembered language (no session: no sign-in, no flashed message, no form token),
and the stored response is a 200 without ``Set-Cookie``. The key is scheme, host, path and the
language the request would get, resolved exactly as :func:`portal.i18n.select_locale` does. A hit
replays the stored status, headers (so the security headers, set when it was rendered, are all
there) and body, with a fresh ``X-Request-Id`` and the same access log line as any request. The
cache lives in the worker's memory: a restart (a deploy) empties it, and it holds a bounded number
of entries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request, session
from werkzeug.http import parse_cookie

from portal.i18n import LANG_COOKIE, remembered_or_negotiated
from portal.web.logging import log_request, new_request_id

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "_portal_cached_page"
_CANDIDATE = "portal.page_cache"  # environ key: this request may be stored
DEFAULT_SECONDS = 60
MAX_ENTRIES = 64


def cached_page(view: F) -> F:
    """Mark a view whose page is the same for every anonymous visitor of a language.
    Place it directly under the route decorator."""
    setattr(view, _MARK, True)
    return view


@dataclass(frozen=True)
class Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    route: str
    expires: float


def _cookie_locale(header: str) -> tuple[bool, str | None]:
    """Whether the cookies allow the cache (the language one only), and the remembered language.
    Parsed as Flask parses them, so both always agree on what the request carries."""
    cookies = parse_cookie(header)
    if any(name != LANG_COOKIE for name in cookies):
        return False, None
    return True, cookies.get(LANG_COOKIE)


class PageCache:
    """The WSGI middleware (see the module docstring)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], flask_app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app
        self.config = flask_app.config  # PAGE_CACHE_SECONDS is read per request (0: off)
        self.entries: dict[tuple[str, ...], Entry] = {}
        self._lock = threading.Lock()  # storing may evict: one thread at a time (threaded servers)

    def clear(self) -> None:
        self.entries.clear()

    def key(self, environ: dict[str, Any]) -> tuple[str, ...] | None:
        """The cache key of an anonymous plain GET/HEAD; None for any other request."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return None
        lang = None
        cookie = environ.get("HTTP_COOKIE")
        if cookie:
            allowed, lang = _cookie_locale(cookie)
            if not allowed:
                return None
        locale = remembered_or_negotiated(lang, environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        return (environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", ""),
                environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), locale)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        seconds = self.config.get("PAGE_CACHE_SECONDS", DEFAULT_SECONDS)
        key = self.key(environ) if seconds > 0 else None
        if key is None:
            return self.wsgi_app(environ, start_response)
        entry = self.entries.get(key)
        if entry is not None:
            if entry.expires > time.monotonic():
                return self._replay(entry, environ, start_response, started)
            self.entries.pop(key, None)
        if environ["REQUEST_METHOD"] != "GET":
            return self.wsgi_app(environ, start_response)
        return self._fill(key, environ, start_response, seconds)

    def _replay(self, entry: Entry, environ: dict[str, Any], start_response: Callable[..., Any],
                started: float) -> list[bytes]:
        rid = new_request_id()
        start_response(entry.status, [*entry.headers, ("X-Request-Id", rid)])
        method = environ["REQUEST_METHOD"]
        if not self.config["TESTING"]:
            log_request({"event": "request", "request_id": rid, "method": method, "route": entry.route,
                         "status": int(entry.status[:3]),
                         "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        return [entry.body] if method == "GET" else []

    def _fill(self, key: tuple[str, ...], environ: dict[str, Any], start_response: Callable[..., Any],
              seconds: float) -> Iterable[bytes]:
        environ[_CANDIDATE] = candidate = {}
        seen: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = self.wsgi_app(environ, capture)
        route = candidate.get("route")
        if route is None or not seen:
            return body
        status, headers = seen
        if any(name.lower() == "set-cookie" for name, _ in headers):
            return body
        try:
            content = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        kept = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
        self._store(key, Entry(status, kept, content, route, time.monotonic() + seconds))
        return [content]

    def _store(self, key: tuple[str, ...], entry: Entry) -> None:
        with self._lock:
            self._store_locked(key, entry)

    def _store_locked(self, key: tuple[str, ...], entry: Entry) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            now = time.monotonic()
            for old in [k for k, e in self.entries.items() if e.expires <= now]:
                del self.entries[old]
            while len(self.entries) >= MAX_ENTRIES:
                del self.entries[next(iter(self.entries))]  # the oldest stored
        self.entries[key] = entry


def _mark_storable(response: Response) -> Response:
    """After-request hook: tell the middleware this response may be kept."""
    candidate = request.environ.get(_CANDIDATE)
    if candidate is None or response.status_code != 200 or response.is_streamed:
        return response
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None or not getattr(view, _MARK, False) or request.url_rule is None:
        return response
    if session or session.modified:  # defensive: an anonymous visitor without cookies has none
        return response
    candidate["route"] = request.url_rule.rule
    return response


def get_cache(app: Flask) -> PageCache:
    return app.extensions["portal.page_cache"]


def init_app(app: Flask) -> None:
    """Wrap the app's WSGI callable (call before any proxy middleware, which must stay outermost)."""
    cache = PageCache(app.wsgi_app, app)
    app.extensions["portal.page_cache"] = cache
    app.wsgi_app = cache  # type: ignore[method-assign]
    app.after_request(_mark_storable)
