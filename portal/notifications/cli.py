"""``flask outbox send``."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from portal.db import get_session
from portal.notifications.services import current_settings, send_pending
from portal.web.logging import log_job

outbox_cli = AppGroup("outbox", help="Email outbox commands.")


@outbox_cli.command("send")
@click.option("--limit", default=200, show_default=True, help="Most messages to send in this run.")
def send_command(limit: int) -> None:
    """Deliver pending emails (idempotent; safe to run concurrently)."""
    report = send_pending(get_session(), current_settings(), limit=limit)
    log_job("outbox.send", sent=report.sent, retried=report.retried, failed=report.failed)
    click.echo(f"sent {report.sent}, will retry {report.retried}, failed {report.failed}")


def outbox_job() -> dict[str, Any]:
    """The worker's outbox step."""
    report = send_pending(get_session(), current_settings())
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}
