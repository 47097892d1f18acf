"""``flask org import FILE`` / ``flask org export``: the organisation as a YAML file (format in
``portal/org/io.py``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.db import get_session
from portal.org.io import OrgFileError, export_org, import_org

org_cli = AppGroup("org", help="Organisation structure: units, fields, competence rules.")


@org_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change and change nothing.")
def import_command(path: Path, dry_run: bool) -> None:
    """Create or update fields, units and rules from a YAML file (idempotent; never deletes).

    The format is documented in portal/org/io.py; `flask org export` writes a file in it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc.__class__.__name__}") from None
    session = get_session()
    try:
        changes = import_org(session, text)
    except OrgFileError as exc:
        session.rollback()
        raise click.ClickException(f"{path}: {exc}") from None
    for change in changes:
        click.echo(("would " if dry_run else "") + change)
    if dry_run:
        session.rollback()
        click.echo(f"dry run: {len(changes)} change(s), nothing written")
    else:
        session.commit()
        click.echo(f"{len(changes)} change(s) applied" if changes else "already up to date")


@org_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
def export_command(path: Path | None) -> None:
    """Write the organisation as YAML to PATH (or standard output)."""
    text = export_org(get_session())
    if path is None:
        click.echo(text, nl=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.__class__.__name__}") from None
    click.echo(f"exported to {path}")
