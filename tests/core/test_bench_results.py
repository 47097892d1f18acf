"""bench/RESULTS.md: one section per database, and a verdict on every target of issue 8."""

from __future__ import annotations

import datetime as dt

from bench.bench import Report, WrkResult
from bench.results import write_results


def _report(db: str, *, submission_rps: float, sweep_seconds: float, search_p95: float) -> Report:
    report = Report(db=db, started=dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC))
    report.rows += [
        WrkResult("baseline: hello", 4000, 6, 10, 40000, 0),
        WrkResult("baseline: one INSERT", 1600, 18, 36, 16000, 0),
        WrkResult("public home page", 3400, 7, 12, 34000, 0),
        WrkResult("submission POST (feedback)", submission_rps, 20, 40, 1000, 0),
        WrkResult("tracking lookup (POST /track)", 2000, 9, 20, 20000, 0),
        WrkResult("baseline: minimal lookup", 2500, 8, 18, 25000, 0),
    ]
    report.metrics.update({"submission_missing": 0, "worker_rss_mb": 90, "generated_cases": 1_000_000,
                           "generate_seconds": 450.0,
                           "sweep_seconds@1000000": sweep_seconds, "sweep_rss_mb@1000000": 110})
    for cases, p95 in ((10_000, 30.0), (1_000_000, 40.0)):
        report.scale.append({"cases": cases, "name": "queue 'new': first page", "p50": p95 - 5, "p95": p95, "n": 30})
        report.scale.append({"cases": cases, "name": "search: content words 'dat dai'", "p50": 1, "p95": search_p95,
                             "n": 30})
    return report


def _row(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"| {label}"))


def test_every_target_gets_a_verdict_with_the_distance_to_it(tmp_path):
    path = tmp_path / "RESULTS.md"
    write_results(_report("sqlite", submission_rps=400, sweep_seconds=42, search_p95=250), path, "test machine")
    text = path.read_text()
    assert "6.0× short of the target" in _row(text, "submission POST ≥ 0.6 × hello")  # 0.6 / (400/4000)
    assert _row(text, "submission POST ≥ 0.6 × hello").endswith("**missed** |")
    assert "0.40 × hello" in _row(text, "(bound) one INSERT per request")
    assert _row(text, "public home page ≥ 0.8 × hello").endswith("| met |")  # 0.85
    assert _row(text, "tracking lookup ≥ 0.7 × hello").endswith("**missed** |")  # 0.5
    bound = _row(text, "(bound) minimal lookup")
    assert "0.62 × hello" in bound and "the tracking lookup reaches 0.80 × it" in bound and bound.endswith("| n/a |")
    assert "1.33 × its 10k figure" in _row(text, "queue 'new': first page")
    assert _row(text, "queue 'new': first page").endswith("| met |")
    assert _row(text, "search: content words 'dat dai': p95 < 200 ms").endswith("**missed** |")
    assert _row(text, "deadlines sweep over 1M cases").endswith("| met |")
    assert _row(text, "worker resident memory < 150 MB").endswith("| met |")
    assert _row(text, "demo generate: 1M cases < 10 min").endswith("| met |")


def test_a_run_replaces_its_own_database_section_and_keeps_the_other(tmp_path):
    path = tmp_path / "RESULTS.md"
    write_results(_report("sqlite", submission_rps=400, sweep_seconds=42, search_p95=150), path, "m")
    write_results(_report("postgres", submission_rps=1500, sweep_seconds=70, search_p95=150), path, "m")
    write_results(_report("sqlite", submission_rps=2600, sweep_seconds=42, search_p95=150), path, "m")
    text = path.read_text()
    assert text.count("## sqlite") == 1 and text.count("## postgres") == 1
    assert text.index("## sqlite") < text.index("## postgres")
    sqlite, postgres = text.split("## postgres")
    assert _row(sqlite, "submission POST ≥ 0.6 × hello").endswith("| met |")  # the newer run, 0.65
    assert _row(postgres, "submission POST ≥ 0.8 × one-INSERT").endswith("| met |")  # 0.94
    assert _row(postgres, "deadlines sweep over 1M cases").endswith("**missed** |")


def test_the_profile_shows_each_phase_and_the_budget_a_target_leaves(tmp_path):
    from bench.results import budget_us

    report = _report("sqlite", submission_rps=400, sweep_seconds=42, search_p95=150)
    report.metrics["cores"] = 2
    report.profile = [
        {"scenario": "baseline: hello", "phase": "total", "us": 40.0, "depth": 0},
        {"scenario": "baseline: one INSERT", "phase": "total", "us": 230.0, "depth": 0},
        {"scenario": "baseline: minimal lookup", "phase": "total", "us": 381.0, "depth": 0},
        {"scenario": "tracking lookup", "phase": "total", "us": 700.0, "depth": 0},
        {"scenario": "tracking lookup", "phase": "CSRF check", "us": 140.0, "depth": 1},
        {"scenario": "submission POST", "phase": "total", "us": 6000.0, "depth": 0},
        {"scenario": "submission POST", "phase": "form built", "us": 2000.0, "depth": 1},
        {"scenario": "submission POST", "phase": "reference data read", "us": 900.0, "depth": 2},
    ]
    path = tmp_path / "RESULTS.md"
    write_results(report, path, "m")
    text = path.read_text()
    # 2 cores / 4000 req/s = 500 µs per hello request; at 0.7 × hello a request may cost 500 / 0.7.
    assert round(budget_us(40, 4000, 0.7, 2)) == 254  # 40 + (1/0.7 - 1) × 500
    assert "tracking lookup: the target (0.7 × hello) leaves about 254 µs" in text
    assert "it takes 700 µs, 2.8 × that" in text
    assert "| CSRF check | 140 | 20% |" in text and "| ↳ reference data read | 900 | 15% |" in text
    assert "hello 40 µs, one INSERT 230 µs, minimal lookup 381 µs" in text
    assert ("minimal lookup (bench/apps/lookup.py, no target): it takes 381 µs, "
            "1.5 × the tracking lookup's budget") in text


def test_the_profiler_runs_against_a_seeded_portal(tmp_path):
    """bench/profile.py on a fresh database: every phase it names still exists and is timed."""
    import json
    import os
    import subprocess
    import sys

    from bench.bench import ROOT, bench_env

    env = {**os.environ, **(bench_env("sqlite", tmp_path) or {})}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["demo", "seed", "--allow-production"]):
        subprocess.run([*flask, *args], env=env, cwd=ROOT, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "bench.profile", "--requests", "60"], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    from bench.profile import PHASES

    totals = {r["scenario"]: r["us"] for r in rows if r["phase"] == "total"}
    assert set(totals) == {"baseline: hello", "baseline: one INSERT", "baseline: minimal lookup", "tracking lookup",
                           "submission POST"}
    assert totals["tracking lookup"] > totals["baseline: hello"]
    for scenario, phases in PHASES.items():
        timed = {r["phase"]: r["us"] for r in rows if r["scenario"] == scenario}
        for label, _target, _depth in phases:
            assert timed[label] > 0, f"{scenario}: {label} was never called"


def test_the_minimal_lookup_baseline_does_the_work_it_stands_for(tmp_path, monkeypatch):
    """bench/apps/lookup.py, the bound of the tracking lookup: a token from the GET opens the code
    (302, the code kept in the session); a wrong secret, an unknown code or a missing token does not."""
    import importlib

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'lookup.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    from bench.apps import lookup
    from bench.apps._db import engine

    lookup = importlib.reload(lookup)  # the module reads its settings at import, as gunicorn loads it
    engine.cache_clear()  # on this test's database
    lookup.create_table()
    lookup.create_table()  # idempotent: the benchmark calls it again on a database that has it
    client = lookup.app.test_client()
    token = client.get("/lookup").get_data(as_text=True)

    def post(**data: str):  # type: ignore[no-untyped-def]
        return client.post("/lookup", data={"csrf_token": token, "code": lookup.CODE, "secret": lookup.SECRET, **data})

    opened = post()
    assert opened.status_code == 302 and opened.location.endswith(f"/lookup/{lookup.CODE}")
    with client.session_transaction() as session:
        assert session["opened"] == lookup.CODE
    assert post(secret="wrong").status_code == 404
    assert post(code="BENCH-NONE").status_code == 404
    assert post(csrf_token="").status_code == 400
    engine.cache_clear()


def test_the_benchmarks_staff_session_is_accepted(app, db_session):
    """The staff figures are only worth something while the benchmark's session opens the pages (it is
    written as the login writes it, bound the same way): a refused one measured the sign-in redirect."""
    from bench.session import sign_in
    from portal.accounts.models import Role
    from tests.factories import make_unit, make_user

    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, make_unit(db_session))])
    client = app.test_client()
    sign_in(client, officer.get_id())
    assert client.get("/staff/").status_code == 200
