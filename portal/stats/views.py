"""The public statistics page and its CSV (open data)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l

from portal.cases.lifecycle import STATUS_LABELS
from portal.cases.models import CaseStatus
from portal.core.kinds import KINDS
from portal.db import get_session
from portal.deadlines.clock import local_date
from portal.stats.services import UnitFigures, latest
from portal.web.downloads import csv_download
from portal.web.errors import render_error
from portal.web.pagecache import cached_page

bp = Blueprint("stats", __name__)

CSV_COLUMNS = ("unit_code", "unit_name", "received", "closed", "open", "overdue", "deadlines_met",
               "deadlines_met_on_time", "on_time_rate", "average_handling_days", "period_start", "period_end",
               "open_counted_on")
KIND_TITLES = {info.kind.value: info.title for info in KINDS}
NOT_YET = _l("Số liệu chưa được công bố. Số liệu được tổng hợp mỗi tháng một lần; hãy quay lại sau.")


def unit_figures(row: dict[str, Any]) -> UnitFigures:
    """A stored row as figures (its rates computed)."""
    return UnitFigures(**{name: row.get(name, 0) for name in UnitFigures.__dataclass_fields__})


@bp.get("/statistics")
@cached_page  # the same for every anonymous visitor of a language
def index() -> str:
    """The latest published figures."""
    snapshot = latest(get_session())
    context: dict[str, Any] = {"snapshot": snapshot, "not_yet": NOT_YET}
    if snapshot is not None:
        figures = snapshot.figures
        context.update(
            units=[(row, unit_figures(row)) for row in figures["units"]],
            total=unit_figures(figures["total"]),
            kinds=[(KIND_TITLES[row["kind"]], row) for row in figures["kinds"] if row["kind"] in KIND_TITLES],
            outcomes=[(STATUS_LABELS[CaseStatus(row["status"])], row["count"]) for row in figures["outcomes"]],
        )
    return render_template("stats/index.html", **context)


@bp.get("/statistics.csv")
def export() -> Response | tuple[Response | str, int]:
    """The latest figures per unit as CSV, for anyone to reuse."""
    snapshot = latest(get_session())
    if snapshot is None:
        return render_error(404, str(NOT_YET))
    counted_on = local_date(snapshot.published_at).isoformat()
    rows = []
    for row in snapshot.figures["units"]:
        f = unit_figures(row)
        rows.append([row["code"], row["name"], f.received, f.closed, f.open, f.overdue, f.met, f.met_on_time,
                     *f.rate_cells(), snapshot.period_start.isoformat(), snapshot.period_end.isoformat(), counted_on])
    return csv_download(f"thong-ke-{snapshot.as_of:%Y-%m}.csv", CSV_COLUMNS, rows)
