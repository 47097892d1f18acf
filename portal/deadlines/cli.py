"""``flask deadlines calc | sweep | seed-rules``."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import AppGroup

from portal.db import get_session
from portal.deadlines.clock import local_today

deadlines_cli = AppGroup("deadlines", help="Statutory deadlines.")


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"invalid date {value!r}: use YYYY-MM-DD") from None


@contextmanager
def _start_up_objects_frozen() -> Iterator[None]:
    """Keep the objects made before the sweep (the app, the mappers, ...) out of the cyclic garbage
    collector's full passes while it runs: a sweep allocates millions of short-lived objects, and each
    full pass would otherwise walk the whole start-up heap again (about a fifth of a large sweep's time)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@deadlines_cli.command("calc")
@click.argument("rule_id")
@click.argument("start_date")
@click.option("--flag", "flags", multiple=True, type=click.Choice(["complex", "especially_complex", "remote"]),
              help="Case flag (repeatable).")
@click.option("--extensions", default=0, show_default=True, type=click.IntRange(min=0),
              help="Number of full-length extensions.")
def calc_command(rule_id: str, start_date: str, flags: tuple[str, ...], extensions: int) -> None:
    """Print the due date of RULE_ID for a clock started on START_DATE (YYYY-MM-DD, last line)."""
    from portal.deadlines.services import DeadlineError, calc, rule_in_force

    start = _parse_date(start_date)
    session = get_session()
    rule = rule_in_force(session, rule_id.upper(), start)
    if rule is None:
        raise click.ClickException(f"unknown rule {rule_id!r} (or not in force on {start.isoformat()})")
    try:
        due = calc(session, rule.code, start, set(flags), extensions)
    except DeadlineError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{rule.code} v{rule.version} ({rule.legal_basis}): {rule.unit.value}, start {start.isoformat()}")
    click.echo(due.isoformat())


@deadlines_cli.command("seed-rules")
def seed_rules_command() -> None:
    """Insert the default rules of LEGAL.md table A that are missing (idempotent)."""
    from portal.deadlines.services import seed_rules

    session = get_session()
    added = seed_rules(session)
    session.commit()
    click.echo(f"rules added: {added}")


@deadlines_cli.command("sweep")
@click.option("--today", "today_text", default=None, help="Date to run as (YYYY-MM-DD; default: today in Vietnam).")
def sweep_command(today_text: str | None) -> None:
    """Send due reminders and escalations (idempotent; safe to run concurrently)."""
    from portal.deadlines.sweep import sweep
    from portal.notifications.services import current_settings

    today = _parse_date(today_text) if today_text else local_today()
    with _start_up_objects_frozen():
        report = sweep(get_session(), current_settings(), today)
    click.echo(f"reminded {report.reminded}, escalated {report.escalated}, "
               f"escalated to parent {report.escalated_parent}, past the hard limit {report.escalated_hard}, "
               f"emails {report.emails}")


def sweep_job() -> dict[str, Any]:
    """The worker's deadline step."""
    from portal.deadlines.sweep import sweep
    from portal.notifications.services import current_settings

    with _start_up_objects_frozen():
        report = sweep(get_session(), current_settings(), local_today())
    return {"reminded": report.reminded, "escalated": report.escalated,
            "escalated_parent": report.escalated_parent, "escalated_hard": report.escalated_hard,
            "emails": report.emails}
