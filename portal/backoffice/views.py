"""Back-office home."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.accounts.auth import staff_required

bp = Blueprint("backoffice", __name__)


@bp.get("/")
@staff_required
def home() -> str:
    """The staff home page with the queues of the user's roles."""
    return render_template("backoffice/home.html")
