"""One structured log line per request and per background job.

Lines carry no personal data. Client addresses are logged only on staff routes, never on the public
ones (submission, tracking), whose senders may be anonymous.

The access line is written on every request, so it has a fast path: when the portal's own JSON
handler is the only place the line can go (the usual case in production), the line is built with
one ``json.dumps`` and written straight to that handler's stream, identical to what the logging
framework would have written. Anything else attached to the logger (a test's capture handler, an
operator's extra handler, a changed level) sends it through the logging framework as before.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from typing import Any

from flask import Flask, Response, current_app, g, request

logger = logging.getLogger("portal.access")
job_logger = logging.getLogger("portal.job")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {"ts": self.formatTime(record, TIME_FORMAT), "level": record.levelname,
                                "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields:
            data.update(fields)
        else:
            data["msg"] = record.getMessage()
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def _portal_handler() -> logging.StreamHandler[Any] | None:
    for handler in logging.getLogger("portal").handlers:
        if getattr(handler, "_portal", False):
            return handler  # type: ignore[return-value]
    return None


def configure_logging() -> None:
    root = logging.getLogger("portal")
    if _portal_handler() is not None:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._portal = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


class _Timestamp:
    """``formatTime`` of the current second, computed once per second."""

    second = -1
    text = ""

    @classmethod
    def now(cls) -> str:
        now = time.time()
        second = int(now)
        if second != cls.second:
            cls.text, cls.second = time.strftime(TIME_FORMAT, time.localtime(now)), second
        return cls.text


def _direct_handler() -> logging.StreamHandler[Any] | None:
    """The portal handler when nothing else would see an access line (so writing it ourselves
    gives exactly the same output); None when the logging framework must do it."""
    parent = logger.parent
    if logger.handlers or logger.disabled or not logger.isEnabledFor(logging.INFO) or parent is None:
        return None
    handlers = parent.handlers
    if len(handlers) != 1 or parent.propagate or parent.filters or logger.filters:
        return None
    handler = handlers[0]
    if not getattr(handler, "_portal", False) or handler.level > logging.INFO or handler.filters:
        return None
    return handler  # type: ignore[return-value]


def log_request(fields: dict[str, Any]) -> None:
    """Write the access line of one request (``fields``: event, request_id, method, route, ...)."""
    handler = _direct_handler()
    if handler is None:
        logger.info("request", extra={"fields": fields})
        return
    line = json.dumps({"ts": _Timestamp.now(), "level": "INFO", "logger": logger.name, **fields},
                      ensure_ascii=False)
    with handler.lock:  # type: ignore[union-attr]
        try:
            handler.stream.write(line + handler.terminator)
            handler.stream.flush()
        except Exception:  # noqa: BLE001 - as logging.StreamHandler: a broken log stream never breaks a request
            handler.handleError(logging.makeLogRecord({"msg": line}))


def new_request_id() -> str:
    return secrets.token_hex(6)


def request_id() -> str:
    """The id of the current request, shown on error pages so a citizen can quote it."""
    if "request_id" not in g:
        g.request_id = new_request_id()
    return g.request_id


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _log(response: Response) -> Response:
    started = g.get("request_started")
    rid = request_id()
    response.headers["X-Request-Id"] = rid
    if current_app.config["TESTING"]:
        return response
    rule = request.url_rule
    fields: dict[str, Any] = {
        "event": "request",
        "request_id": rid,
        "method": request.method,
        "route": rule.rule if rule is not None else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }
    if request.path.startswith("/staff"):
        fields["client"] = request.remote_addr
    log_request(fields)
    return response


def log_job(name: str, **fields: Any) -> None:
    """A structured line for a background job (sweep, outbox, ...)."""
    job_logger.info(name, extra={"fields": {"event": "job", "job": name, **fields}})


def init_app(app: Flask) -> None:
    configure_logging()
    app.before_request(_start)
    app.after_request(_log)
