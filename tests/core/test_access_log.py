"""The access log line: the direct write (portal handler alone) equals the logging framework's."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from portal.web import logging as weblog


@contextmanager
def only_the_portal_handler() -> Iterator[io.StringIO]:
    """The production set-up: the portal's JSON handler alone, writing to a buffer."""
    weblog.configure_logging()  # as create_app does
    root = logging.getLogger("portal")
    saved = root.handlers[:]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(weblog.JsonFormatter())
    handler._portal = True  # type: ignore[attr-defined]
    root.handlers[:] = [handler]
    try:
        yield stream
    finally:
        root.handlers[:] = saved


FIELDS = {"event": "request", "request_id": "0123456789ab", "method": "GET", "route": "/track/<code>",
          "status": 302, "duration_ms": 1.5, "note": "Tra cứu đơn"}


def test_direct_line_is_the_framework_line():
    with only_the_portal_handler() as stream:
        assert weblog._direct_handler() is not None
        weblog.log_request(dict(FIELDS))
        weblog.logger.info("request", extra={"fields": dict(FIELDS)})  # the framework's way
    direct, framework = (json.loads(line) for line in stream.getvalue().splitlines())
    assert list(direct) == list(framework)  # same keys, same order
    assert direct.pop("ts")[:16] == framework.pop("ts")[:16]
    assert direct == framework
    assert "Tra cứu đơn" in stream.getvalue()  # not escaped, as ensure_ascii=False


def test_any_other_handler_gets_the_record_through_the_framework():
    with only_the_portal_handler() as stream:
        seen: list[logging.LogRecord] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                seen.append(record)

        extra = Keep()
        weblog.logger.addHandler(extra)
        try:
            assert weblog._direct_handler() is None
            weblog.log_request(dict(FIELDS))
        finally:
            weblog.logger.removeHandler(extra)
    assert len(seen) == 1 and seen[0].fields == FIELDS  # type: ignore[attr-defined]
    assert json.loads(stream.getvalue())["request_id"] == FIELDS["request_id"]


def test_a_raised_level_silences_the_direct_write_too():
    with only_the_portal_handler() as stream:
        weblog.logger.setLevel(logging.WARNING)
        try:
            weblog.log_request(dict(FIELDS))
        finally:
            weblog.logger.setLevel(logging.NOTSET)
    assert stream.getvalue() == ""
