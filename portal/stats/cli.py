"""``flask stats publish``: publish a month's figures now (the worker does it at the start of each month)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from flask.cli import AppGroup

from portal.db import get_session
from portal.deadlines.clock import local_today

stats_cli = AppGroup("stats", help="Published transparency statistics.")


@stats_cli.command("publish")
@click.option("--as-of", "as_of", help="A day of the month to publish (YYYY-MM-DD; default: today in Vietnam).")
def publish_command(as_of: str | None) -> None:
    """Compute and publish the figures of a month (replacing that month's, if published already):
    the twelve months before it; open and overdue cases as of today."""
    from portal.stats.services import month_of, publish

    today = local_today()
    try:
        day = dt.date.fromisoformat(as_of) if as_of else today
    except ValueError:
        raise click.ClickException(f"invalid date {as_of!r}: use YYYY-MM-DD") from None
    if month_of(day) > month_of(today):
        raise click.ClickException(f"{day.isoformat()} is in a month to come: figures are published for this "
                                   "month or earlier ones")
    session = get_session()
    row = publish(session, day, today)
    session.commit()
    click.echo(f"published statistics as of {row.as_of.isoformat()} "
               f"({row.period_start.isoformat()} to {row.period_end.isoformat()}, {len(row.figures['units'])} units)")


def publish_job() -> dict[str, Any]:
    """The worker's statistics step (commits what it published)."""
    from portal.stats.services import publish_job as job

    session = get_session()
    result = job(session)
    session.commit()
    return result
