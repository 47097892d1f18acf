"""One structured log line per request and per background job.

Lines carry no personal data. Client addresses are logged only on staff routes (and, when
``PORTAL_LOG_NAMED_CLIENT_ADDRESS`` is on, never on public submission or tracking routes anyway).
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



class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                                "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields:
            data.update(fields)
        else:
            data["msg"] = record.getMessage()
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging() -> None:
    root = logging.getLogger("portal")
    if any(getattr(h, "_portal", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._portal = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


def request_id() -> str:
    """The id of the current request, shown on error pages so a citizen can quote it."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(6)
    return g.request_id


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _log(response: Response) -> Response:
    started = g.get("request_started")
    fields: dict[str, Any] = {
        "event": "request",
        "request_id": request_id(),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }
    if request.path.startswith("/staff"):
        fields["client"] = request.remote_addr
    response.headers["X-Request-Id"] = fields["request_id"]
    if not current_app.config.get("TESTING"):
        logger.info("request", extra={"fields": fields})
    return response


def log_job(name: str, **fields: Any) -> None:
    """A structured line for a background job (sweep, outbox, ...)."""
    job_logger.info(name, extra={"fields": {"event": "job", "job": name, **fields}})


def init_app(app: Flask) -> None:
    configure_logging()
    app.before_request(_start)
    app.after_request(_log)
