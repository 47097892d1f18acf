"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template
from sqlalchemy import text

from portal.db import get_session
from portal.extensions import csrf, limiter
from portal.web.pagecache import cached_page

bp = Blueprint("core", __name__)


@bp.get("/")
@cached_page  # the same for every anonymous visitor of a language
def home() -> str:
    """The public start page."""
    return render_template("core/home.html")


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> tuple[Response, int]:
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        get_session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return jsonify(status="error", db="error"), 503
    return jsonify(status="ok", db="ok"), 200
