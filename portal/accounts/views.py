"""Login and account pages."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.get("/login")
def login() -> str:
    """The sign-in page."""
    return render_template("accounts/login.html")
