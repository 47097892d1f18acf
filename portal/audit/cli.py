"""``flask audit verify`` and the worker's verification step."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from portal.audit.services import save_verification, verification_job, verify
from portal.db import get_session

audit_cli = AppGroup("audit", help="Audit log commands.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the whole hash chain and record the outcome; exit 1 and name the first broken entry if
    it was tampered with."""
    session = get_session()
    report = verify(session)
    save_verification(session, report, full=True)
    session.commit()
    if report.broken_at is not None:
        click.echo(f"BROKEN at entry {report.broken_at}: {report.problem} "
                   f"({report.checked} entries verified before it)")
        raise SystemExit(1)
    click.echo(f"OK: {report.checked} entries, chain intact")


def verification_step() -> dict[str, Any]:
    """The worker's audit step (see :func:`portal.audit.services.verification_job`)."""
    session = get_session()
    result = verification_job(session)
    session.commit()
    return result
