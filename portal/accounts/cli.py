"""``flask users create-admin EMAIL`` and ``flask users list``."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup
from sqlalchemy import select

from portal.accounts import services
from portal.accounts.models import Role, User
from portal.accounts.tokens import Purpose, link
from portal.db import get_session

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Full name of the administrator.")
def create_admin(email: str, name: str) -> None:
    """Make EMAIL an administrator of the root unit and print an invitation link."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise click.ClickException(f"not a valid email address: {exc}") from None
    session = get_session()
    root = services.root_unit(session)
    if root is None:
        raise click.ClickException("no root organisational unit exists yet: run `flask --app wsgi demo seed` "
                                   "or import the organisation first")
    user = services.find_user(session, email)
    if user is None:
        user = services.create_staff(session, email=email, full_name=name or email.split("@")[0],
                                     grants=[services.Grant(Role.ADMIN, root.id)], actor_id=None)
    elif not user.is_staff and user.has_accepted_invitation:
        raise click.ClickException(f"{email} is a citizen account; use another address for staff")
    elif not any(a.role == Role.ADMIN and a.unit_id == root.id for a in user.roles):
        services.assign_role(session, user, Role.ADMIN, root, actor_id=None)
    if user.has_accepted_invitation:
        session.commit()
        click.echo(f"{email} is an administrator of {root.code}; the account is already active (log in as usual)")
        return
    services.reset_invitation(session, user, actor_id=None)
    url = link(Purpose.STAFF_INVITATION, user, "accounts.accept_invitation")
    session.commit()
    click.echo(f"administrator {email} on {root.code}; invitation link (valid 7 days): {url}")


@users_cli.command("list")
def list_users() -> None:
    """Every staff account with its roles."""
    session = get_session()
    staff = session.scalars(select(User).where(User.is_staff.is_(True)).order_by(User.email)).all()
    for user in staff:
        status = "active" if user.is_active_account else "deactivated"
        if not user.has_accepted_invitation:
            status = "invited"
        roles = ", ".join(f"{a.role.value}@{a.unit.code}" for a in user.roles) or "-"
        click.echo(f"{user.email}\t{status}\t{roles}")
    click.echo(f"{len(staff)} staff account(s)")
