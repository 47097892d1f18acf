"""Security headers on every response.

The headers are the same on every response, so they are built once at import; the hook only adds
them (overwriting any a view set itself) and picks the caching policy from the path.
"""

from __future__ import annotations

from flask import Flask, Response, request

from portal.i18n import remember_locale

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
# Pages that show a submission or a secret must never be kept by a browser or a proxy.
NO_STORE_PREFIXES = ("/track", "/submit", "/staff", "/account")

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", PERMISSIONS),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))
STATIC_CACHE = "public, max-age=3600"
VARY = ("Accept-Language", "Cookie")  # the language, and the session (signed in or not, flashes)
_OURS = frozenset(name.lower() for name, _ in (*SECURITY_HEADERS, HSTS, *NO_STORE))


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    if present & _OURS:  # a view set one of them: ours win, as everywhere else
        for name, value in SECURITY_HEADERS:
            headers[name] = value
    else:
        headers.extend(SECURITY_HEADERS)
    if request.is_secure:
        headers[HSTS[0]] = HSTS[1]
    path = request.path
    if path.startswith("/static/"):
        # Flask serves files with "no-cache": every page view would ask again for each stylesheet and
        # script. They are the same for everyone, in every language, with or without a session.
        headers["Cache-Control"] = STATIC_CACHE
        return response
    if path.startswith(NO_STORE_PREFIXES):
        for name, value in NO_STORE:
            headers[name] = value
    elif "cache-control" not in present:
        headers["Cache-Control"] = "no-cache"
    if "vary" in present:
        for name in VARY:
            response.vary.add(name)
    else:
        headers["Vary"] = ", ".join(VARY)
    return response


def init_app(app: Flask) -> None:
    app.after_request(remember_locale)
    app.after_request(set_security_headers)
