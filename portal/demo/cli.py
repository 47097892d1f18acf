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


@demo_cli.command("generate")
@click.option("--cases", type=click.IntRange(1, 5_000_000), required=True, help="How many cases to add.")
@click.option("--seed", default=1, show_default=True, help="Random seed (the same seed gives the same data).")
@click.option("--batch", type=click.IntRange(100, 100_000), default=5000, show_default=True)
def generate_command(cases: int, seed: int, batch: int) -> None:
    """Add N realistic cases (with submissions, identities, events, messages, deadlines) for load tests."""
    from portal.demo.generate import generate

    session = get_session()
    try:
        with click.progressbar(length=cases, label="generating cases", show_pos=True, show_eta=True) as bar:
            total = generate(session, cases, seed=seed, batch=batch, progress=bar.update)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"generated {total} cases")
