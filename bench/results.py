"""Write bench/RESULTS.md from a benchmark report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.bench import Report


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "n/a"


def write_results(report: Report, path: Path, machine: str) -> None:
    rows = {r.name: r for r in report.rows}
    hello = rows.get("baseline: hello")
    insert = rows.get("baseline: one INSERT")
    lines = [
        f"# Benchmark results ({report.db})",
        "",
        f"- date: {report.started:%Y-%m-%d %H:%M} UTC (finished {dt.datetime.now(dt.UTC):%H:%M})",
        f"- machine: {machine}",
        "- server: gunicorn, 2 sync workers; load: wrk -t2 -c32 on the same 2 cores (read the ratios)",
        "",
        "## Throughput (ratios against the baselines measured in the same run)",
        "",
        "| scenario | req/s | p50 ms | p99 ms | errors | × hello | × one-INSERT |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report.rows:
        lines.append(f"| {r.name} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | "
                     f"{_ratio(r.rps, hello.rps if hello else 0)} | {_ratio(r.rps, insert.rps if insert else 0)} |")
    if report.scale:
        lines += ["", "## Scale (server-side time per request, in-process, milliseconds)", "",
                  "| cases | measurement | p50 | p95 | n |", "| ---: | --- | ---: | ---: | ---: |"]
        for s in report.scale:
            lines.append(f"| {s['cases']:,} | {s['name']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['n']} |")
    if report.extra:
        lines += ["", "## Other figures", ""]
        lines += [f"- {k}: {v}" for k, v in report.extra.items()]
    if report.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {n}" for n in report.notes]
    path.write_text("\n".join(lines) + "\n")
