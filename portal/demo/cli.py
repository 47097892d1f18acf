"""``flask demo seed``: idempotent demo data."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import get_session
from portal.demo.seed import seed_all

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Create the demo organisation, staff accounts and sample cases (safe to run again)."""
    session = get_session()
    lines = seed_all(session)
    session.commit()
    for line in lines:
        click.echo(line)
