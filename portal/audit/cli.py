"""``flask audit verify``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.audit.services import verify
from portal.db import get_session

audit_cli = AppGroup("audit", help="Audit log commands.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the hash chain; exit 1 and name the first broken entry if it was tampered with."""
    report = verify(get_session())
    if report.broken_at is not None:
        click.echo(f"BROKEN at entry {report.broken_at}: {report.problem} "
                   f"({report.checked} entries verified before it)")
        raise SystemExit(1)
    click.echo(f"OK: {report.checked} entries, chain intact")
