#!/usr/bin/env python3
"""Where the time of a request goes: the tracking lookup and the submission POST, phase by phase.

Each app is called in-process through WSGI with a prepared request (no server, no load tool, no
test client), so the figures are the application's own cost per request. The bare Flask "hello",
the one-INSERT baseline and the minimal lookup (``bench/apps/lookup.py``) are measured the same
way, in the same run. Phases are timed by wrapping the functions named in ``PHASES`` (a renamed
function makes this script fail loudly, and ``tests/core/test_bench_results.py`` runs it); "the
rest" is Flask, Werkzeug and the hooks shared by every request (security headers, access log,
locale).

    .venv/bin/python -m bench.profile [--requests 2000]

(in the portal's environment, after `flask db upgrade` and `flask demo seed --allow-production`)

Prints one JSON object per line: {"scenario", "phase", "us", "depth"}; bench/scenarios.py puts them
in bench/RESULTS.md next to the budget each throughput target leaves.
"""

from __future__ import annotations

import argparse
import importlib
import io
import itertools
import json
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.test import EnvironBuilder

from bench.results import LOOKUP_BASELINE

BASE = "https://portal.bench"
TEXT = "Rác thải đổ trộm bên kênh nhiều ngày không ai thu gom, đề nghị phường xử lý."

# (label, "module:attribute.path", depth): depth 1 phases are parts of the request, depth 2 parts of
# the phase above them. Every function is looked up where its caller looks it up.
_SESSION_READ = ("session cookie read (signature, JSON)", "portal.web.sessions:SessionInterface.open_session", 1)
_CSRF = ("CSRF check (form parsed, token verified)", "flask_wtf.csrf:CSRFProtect.protect", 1)
_CLOSING = [("session cookie write", "portal.web.sessions:SessionInterface.save_session", 1),
            ("database session closed", "sqlalchemy.orm:Session.close", 1)]
PHASES: dict[str, list[tuple[str, str, int]]] = {
    "tracking lookup": [
        _SESSION_READ, _CSRF,
        ("lookup: one SELECT by code, keyed hash of the secret", "portal.tracking.services:open_with_secret", 1),
        *_CLOSING,
    ],
    "submission POST": [
        _SESSION_READ, _CSRF,
        ("form built (choices, type-ahead lookup)", "portal.intake.views:_build_form", 1),
        ("reference data read (units, fields, wards)", "portal.intake.services:form_choices", 2),
        ("form validated", "portal.intake.forms:SubmissionForm.validate_on_submit", 1),
        ("prepared: tracking code, routing", "portal.intake.services:prepare", 1),
        ("routing (rules, unit tree)", "portal.intake.services:receiving_unit_id", 2),
        ("stored: rows written (one flush)", "portal.intake.services:store", 1),
        ("commits (end of the reading phase, the write)", "sqlalchemy.orm:Session.commit", 1),
        *_CLOSING,
    ],
}


def _resolve(target: str) -> tuple[Any, str]:
    module_name, path = target.split(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part)
    getattr(owner, name)  # fails loudly when the function was renamed
    return owner, name


@contextmanager
def timed(phases: list[tuple[str, str, int]], spent: Counter[str]) -> Iterator[None]:
    """Wrap each phase's function with a timer adding to ``spent`` (outermost call only)."""
    originals: list[tuple[Any, str, Any]] = []
    for label, target, _depth in phases:
        owner, name = _resolve(target)
        own = vars(owner).get(name)  # None when a class inherits it
        func = own if own is not None else getattr(owner, name)
        active = [0]

        def wrapper(*args: Any, _f: Any = func, _label: str = label, _active: list[int] = active, **kwargs: Any) -> Any:
            if _active[0]:
                return _f(*args, **kwargs)
            _active[0] += 1
            started = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - started
                _active[0] -= 1

        originals.append((owner, name, own))
        setattr(owner, name, wrapper)
    try:
        yield
    finally:
        for owner, name, original in reversed(originals):
            if original is None:  # inherited: uncover the base class's again
                delattr(owner, name)
            else:
                setattr(owner, name, original)


class Client:
    """Calls a WSGI app with prepared environs and keeps its cookies."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def environ(self, method: str, path: str, data: dict[str, str] | None = None) -> dict[str, Any]:
        headers = {"Referer": BASE + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        environ = EnvironBuilder(path=path, base_url=BASE, method=method, data=data, headers=headers).get_environ()
        environ["REMOTE_ADDR"] = "127.0.0.1"
        environ["bench.body"] = environ["wsgi.input"].read()
        return environ

    def call(self, environ: dict[str, Any]) -> tuple[str, bytes]:
        environ = dict(environ, **{"wsgi.input": io.BytesIO(environ["bench.body"])})
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            seen["status"], seen["headers"] = status, headers

        body = b"".join(self.app(environ, start_response))
        for name, value in seen["headers"]:
            if name.lower() == "set-cookie":
                key, _, rest = value.split(";", 1)[0].partition("=")
                self.cookies[key] = rest
        return seen["status"], body

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> tuple[str, bytes]:
        return self.call(self.environ(method, path, data))


def _form(client: Client, path: str) -> dict[str, str]:
    from bench.scenarios import FormFields

    _status, body = client.request("GET", path)
    parser = FormFields()
    parser.feed(body.decode())
    data = dict(parser.fields)
    data.update(dict.fromkeys(parser.textareas, TEXT))
    data.update({name: (options[0] if options else "") for name, options in parser.selects.items()})
    return data


def _per_request(run: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        run()
    return (time.perf_counter() - started) / count * 1e6


def measure(count: int) -> list[dict[str, Any]]:
    from bench.adapters import _feedback
    from bench.apps import hello, insert, lookup
    from bench.scenarios import parse_receipt
    from portal import create_app

    logging.getLogger("portal.access").disabled = True  # the log line is measured by the load runs
    app = create_app()
    rows: list[dict[str, Any]] = []

    hello_client = Client(hello.app)
    hello_environ = hello_client.environ("GET", "/hello")
    insert.create_table()
    insert_client = Client(insert.app)
    insert_environ = insert_client.environ("POST", "/insert", {"name": "bench"})
    lookup.create_table()
    lookup_client = Client(lookup.app)
    token = lookup_client.request("GET", "/lookup")[1].decode()
    lookup_environ = lookup_client.environ("POST", "/lookup", {"csrf_token": token, "code": lookup.CODE,
                                                                "secret": lookup.SECRET})
    if not (status := lookup_client.call(lookup_environ)[0]).startswith("302"):
        raise RuntimeError(f"minimal lookup refused: {status}")

    citizen = Client(app)
    submission = _feedback(_form(citizen, "/submit/feedback"))

    numbers = itertools.count(1)

    def submit() -> None:
        # a new đơn each time (the same đơn sent again by the same browser is refused as a repeat)
        n = next(numbers)
        status, body = citizen.call(citizen.environ("POST", "/submit/feedback", {
            **submission, "nonce": secrets.token_urlsafe(24), "title": f"{submission['title']} {n}"}))
        if not status.startswith("302"):
            raise RuntimeError(f"submission refused: {status} {body[:300]!r}")

    submit()
    code, secret = parse_receipt(citizen.request("GET", "/submit/receipt")[1].decode())
    reader = Client(app)
    lookup = reader.environ("POST", "/track", {**_form(reader, "/track"), "code": code, "secret": secret})
    status, _body = reader.call(lookup)
    if not status.startswith("302"):
        raise RuntimeError(f"tracking lookup refused: {status}")

    scenarios: dict[str, tuple[Callable[[], None], int]] = {
        "tracking lookup": (lambda: reader.call(lookup), count),
        "submission POST": (submit, max(50, count // 10)),  # each one stores a đơn
    }
    for name, environ, client in (("baseline: hello", hello_environ, hello_client),
                                  ("baseline: one INSERT", insert_environ, insert_client),
                                  (LOOKUP_BASELINE, lookup_environ, lookup_client)):
        _per_request(lambda c=client, e=environ: c.call(e), 200)
        rows.append({"scenario": name, "phase": "total", "us": _per_request(lambda c=client, e=environ: c.call(e),
                                                                            count), "depth": 0})
    for name, (run, n) in scenarios.items():
        _per_request(run, min(n, 200))
        total = _per_request(run, n)
        spent: Counter[str] = Counter()
        with timed(PHASES[name], spent):
            timed_total = _per_request(run, n)
        rows.append({"scenario": name, "phase": "total", "us": total, "depth": 0})
        top = 0.0
        for label, depth in {label: depth for label, _t, depth in PHASES[name]}.items():
            us = spent[label] / n * 1e6
            top += us if depth == 1 else 0.0
            rows.append({"scenario": name, "phase": label, "us": us, "depth": depth})
        rows.append({"scenario": name, "phase": "the rest (Flask, Werkzeug, shared hooks)",
                     "us": max(0.0, timed_total - top), "depth": 1})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    for row in measure(args.requests):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
