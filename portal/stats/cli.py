"""``flask stats publish``: publish today's figures now (the worker does it once a day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from flask.cli import AppGroup

from portal.db import get_session
from portal.deadlines.clock import local_today

stats_cli = AppGroup("stats", help="Published transparency statistics.")


@stats_cli.command("publish")
@click.option("--as-of", "as_of", help="The publication day (YYYY-MM-DD; default: today in Vietnam).")
def publish_command(as_of: str | None) -> None:
    """Compute and publish the figures for a day (replacing that day's, if published already)."""
    from portal.stats.services import publish

    try:
        day = dt.date.fromisoformat(as_of) if as_of else local_today()
    except ValueError:
        raise click.ClickException(f"invalid date {as_of!r}: use YYYY-MM-DD") from None
    session = get_session()
    row = publish(session, day)
    session.commit()
    click.echo(f"published statistics as of {row.as_of.isoformat()} "
               f"({row.period_start.isoformat()} to {row.period_end.isoformat()}, {len(row.figures['units'])} units)")


def publish_job() -> dict[str, Any]:
    """The worker's statistics step."""
    from portal.stats.services import publish_job as job

    return job(get_session())
