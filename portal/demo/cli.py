"""``flask demo seed``: idempotent demo data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.db import get_session
from portal.demo.seed import seed_all

demo_cli = AppGroup("demo", help="Demo data.")

ALLOW_PRODUCTION = click.option(
    "--allow-production", is_flag=True,
    help="Run although PORTAL_ENV=production: only for a throwaway database (the benchmarks use one).")


def refuse_in_production(allowed: bool) -> None:
    """Demo accounts have published passwords: never create them in a real portal by mistake."""
    if current_app.config["SETTINGS"].is_production and not allowed:
        raise click.ClickException(
            "PORTAL_ENV=production: refusing to add demo data (its accounts have published passwords). "
            "Use --allow-production only on a throwaway database.")


@demo_cli.command("seed")
@ALLOW_PRODUCTION
def seed_command(allow_production: bool) -> None:
    """Create the demo organisation, staff accounts and sample cases (safe to run again)."""
    refuse_in_production(allow_production)
    session = get_session()
    lines = seed_all(session)
    session.commit()
    for line in lines:
        click.echo(line)


@demo_cli.command("generate")
@click.option("--cases", type=click.IntRange(1, 5_000_000), required=True, help="How many cases to add.")
@click.option("--seed", default=1, show_default=True, help="Random seed (the same seed gives the same data).")
@click.option("--batch", type=click.IntRange(100, 100_000), default=5000, show_default=True)
@ALLOW_PRODUCTION
def generate_command(cases: int, seed: int, batch: int, allow_production: bool) -> None:
    """Add N realistic cases (with submissions, identities, events, messages, deadlines) for load tests."""
    from portal.demo.generate import generate

    refuse_in_production(allow_production)
    session = get_session()
    try:
        with click.progressbar(length=cases, label="generating cases", show_pos=True, show_eta=True) as bar:
            total = generate(session, cases, seed=seed, batch=batch, progress=bar.update)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"generated {total} cases")
