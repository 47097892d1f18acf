"""The benchmark scenarios: baselines, public load, staff load, scale."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from bench.bench import BIN, ROOT, Browser, Report, Server, count, flask, warm, wrk
from bench.results import LOOKUP_BASELINE

STAFF_SCALE_URLS: list[tuple[str, str]] = []  # filled by scale_urls()


class FormFields(HTMLParser):
    """Collects the fields of the first <form method=post> on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.textareas: list[str] = []
        self.selects: dict[str, list[str]] = {}
        self._select: str | None = None
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file", "checkbox", "radio"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self.textareas.append(a["name"])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.selects[a["name"]] = []
        elif tag == "option" and self._select and a.get("value"):
            self.selects[self._select].append(a["value"])

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "select":
            self._select = None
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def run_all(report: Report, env: dict[str, str], scales: list[int], duration: int) -> None:
    print("== set-up: migrate, seed", flush=True)
    flask(env, "db", "upgrade")
    flask(env, "demo", "seed", "--allow-production")
    flask(env, "deadlines", "seed-rules") if _has_command(env, "deadlines") else None
    print("== baselines", flush=True)
    with Server("bench.apps.hello:app", env) as server:
        report.rows.append(wrk("baseline: hello", server.url + "/hello", duration=duration))
        report.extra["baseline worker RSS (hello)"] = f"{server.worker_rss_mb():.0f} MB"
    subprocess.run([str(BIN / "python"), "-m", "bench.apps.insert"], env=_env(env), cwd=ROOT, check=True)
    body = _body_file("name=bench")
    with Server("bench.apps.insert:app", env) as server:
        report.rows.append(wrk("baseline: one INSERT", server.url + "/insert", duration=duration,
                               script="post_form.lua", env={"BODY_FILE": body}))
    with Server("bench.apps.lookup:app", env) as server:
        report.rows.append(wrk(LOOKUP_BASELINE, server.url + "/lookup", duration=duration, script="post_form.lua",
                               env=lookup_baseline_load(env, server)))
    generated = 0
    first = scales[0] if scales else 10_000
    generated = _generate(report, env, generated, first)
    print("== portal under load", flush=True)
    with Server("wsgi:app", env) as server:
        report.rows.append(wrk("public home page", server.url + "/", duration=duration))
        _submission_load(report, env, server, duration)
        _tracking_load(report, server, duration)
        _staff_load(report, env, server, duration)
        rss = server.worker_rss_mb()
        report.metrics["worker_rss_mb"] = rss
        report.extra["portal worker RSS after the load runs"] = f"{rss:.0f} MB (target < 150 MB)"
    _profile(report, env)
    for n in scales:
        generated = _generate(report, env, generated, n)
        _scale(report, env, n)


def _env(env: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **env}


def lookup_baseline_load(env: dict[str, str], server: Server) -> dict[str, str]:
    """The wrk environment for baseline (c), ``bench/apps/lookup.py``: its table and code created,
    a CSRF token and its session cookie fetched once and reused, as for the tracking lookup."""
    import urllib.parse

    from bench.apps.lookup import CODE, SECRET

    subprocess.run([str(BIN / "python"), "-m", "bench.apps.lookup"], env=_env(env), cwd=ROOT, check=True)
    browser = Browser(server.url)
    token = browser.get("/lookup")
    body = urllib.parse.urlencode({"csrf_token": token, "code": CODE, "secret": SECRET})
    return {"BODY_FILE": _body_file(body), "COOKIE": browser.cookie_header()}


def _has_command(env: dict[str, str], group: str) -> bool:
    proc = subprocess.run([str(BIN / "flask"), "--app", "wsgi", group, "--help"], env=_env(env), cwd=ROOT,
                          capture_output=True, text=True)
    return proc.returncode == 0


def _body_file(body: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(body)
    return handle.name


def _generate(report: Report, env: dict[str, str], have: int, want: int) -> int:
    if want <= have:
        return have
    print(f"== generating {want - have:,} cases (total {want:,})", flush=True)
    _, seconds, rss = flask(env, "demo", "generate", "--cases", str(want - have), "--seed", str(want),
                            "--allow-production")
    report.metrics["generate_seconds"] = report.metrics.get("generate_seconds", 0.0) + seconds
    report.metrics["generated_cases"] = want
    report.extra[f"demo generate to {want:,} cases"] = (f"{seconds:.0f} s for {want - have:,} cases, "
                                                         f"peak RSS {rss:.0f} MB")
    _settle(report, env, want)
    return want


# PostgreSQL after a bulk load: what autovacuum would do at a time of its choosing, done now, so that
# the measurements that follow neither race it nor run before it (index-only scans need the
# visibility map that VACUUM sets). A database that grew to this size over the years has had it.
SETTLE = ("import os, time; from sqlalchemy import create_engine; "
          "e = create_engine(os.environ['DATABASE_URL']).execution_options(isolation_level='AUTOCOMMIT'); "
          "t = time.perf_counter(); c = e.connect(); c.exec_driver_sql('VACUUM (ANALYZE)'); "
          "print(f'{time.perf_counter() - t:.1f}')")


def _settle(report: Report, env: dict[str, str], cases: int) -> None:
    if not env["DATABASE_URL"].startswith("postgresql"):
        return
    out = subprocess.run([str(BIN / "python"), "-c", SETTLE], env=_env(env), cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    report.extra[f"VACUUM (ANALYZE) after the load to {cases:,} cases (not in the generate time)"] = f"{out.strip()} s"


def submission_form(browser: Browser, kind: str = "feedback") -> dict[str, str]:
    """Fill the real submission form as a citizen would (CSRF token and cookie come from the GET)."""
    parser = FormFields()
    parser.feed(browser.get(f"/submit/{kind}"))
    data = dict(parser.fields)
    for name in parser.textareas:
        data[name] = "Rác thải đổ trộm bên kênh nhiều ngày không ai thu gom, đề nghị phường xử lý."
    for name, options in parser.selects.items():
        data[name] = options[0] if options else ""
    return data


def _submission_load(report: Report, env: dict[str, str], server: Server, duration: int) -> None:
    from bench.adapters import prepare_submission_body

    browser = Browser(server.url)
    body = prepare_submission_body(browser, submission_form(browser))
    load_env = {"BODY_FILE": _body_file(body), "COOKIE": browser.cookie_header()}
    url = server.url + "/submit/feedback"
    warm(url, script="post_form.lua", env=load_env)
    before = count(env, "submissions")
    result = wrk("submission POST (feedback)", url, duration=duration, script="post_form.lua", env=load_env,
                 warm_up=False)
    report.rows.append(result)
    stored = count(env, "submissions") - before
    acknowledged = result.requests - result.errors
    report.metrics["submission_missing"] = max(0, acknowledged - stored)
    report.extra["submission POST: acknowledged by the server (2xx/3xx seen by wrk)"] = str(acknowledged)
    report.extra["submission POST: new rows in the database"] = (
        f"{stored} ({'every acknowledged submission is stored' if stored >= acknowledged else 'MISSING ROWS'}; "
        "requests still in flight when wrk stops may add a few more)")


def _tracking_load(report: Report, server: Server, duration: int) -> None:
    from bench.adapters import tracking_credentials

    browser = Browser(server.url)
    code, secret = tracking_credentials(browser, submission_form(browser))
    form = FormFields()
    form.feed(browser.get("/track"))
    data = {**form.fields, "code": code, "secret": secret}
    import urllib.parse

    result = wrk("tracking lookup (POST /track)", server.url + "/track", duration=duration, script="post_form.lua",
                 env={"BODY_FILE": _body_file(urllib.parse.urlencode(data)), "COOKIE": browser.cookie_header()})
    report.rows.append(result)


def _staff_load(report: Report, env: dict[str, str], server: Server, duration: int) -> None:
    from bench.adapters import staff_cookie

    cookie, agent = staff_cookie(env)
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    probe = urllib.request.Request(server.url + "/staff/", headers={"Cookie": cookie, "User-Agent": agent})
    try:
        status = urllib.request.build_opener(_NoRedirect).open(probe, timeout=30).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:  # a figure of the sign-in redirect would be worthless
        raise SystemExit(f"staff queue page: the benchmark's session got HTTP {status}, not the page")
    report.rows.append(wrk("staff queue page (signed in)", server.url + "/staff/", duration=duration,
                           script="get_cookie.lua", env={"COOKIE": cookie, "AGENT": agent}))


def _profile(report: Report, env: dict[str, str]) -> None:
    """Where the time of the tracking lookup and the submission goes (bench/profile.py)."""
    print("== in-process profile", flush=True)
    proc = subprocess.run([str(BIN / "python"), "-m", "bench.profile"], env=_env(env), cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        report.notes.append(f"profile failed: {proc.stderr.strip().splitlines()[-1:]}")
        return
    report.profile = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    for row in report.profile:
        print(f"  {row['scenario']:<22} {'  ' * row['depth']}{row['phase']:<55} {row['us']:8.0f} µs")


def _scale(report: Report, env: dict[str, str], cases: int) -> None:
    from bench.adapters import scale_urls

    print(f"== scale measurements at {cases:,} cases", flush=True)
    pairs = [f"{name}={url}" for name, url in scale_urls()]
    proc = subprocess.run([str(BIN / "python"), "-m", "bench.scale_probe", *pairs], env=_env(env), cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        report.notes.append(f"scale probe failed at {cases}: {proc.stderr.strip().splitlines()[-1:]}")
        return
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            row["cases"] = cases
            report.scale.append(row)
            print(f"  {row['name']:<40} p50 {row['p50']:7.1f} ms  p95 {row['p95']:7.1f} ms  (HTTP {row['status']})")
    if _has_command(env, "deadlines"):
        _out, seconds, rss = flask(env, "deadlines", "sweep")
        _again, seconds_again, rss_again = flask(env, "deadlines", "sweep")
        report.metrics[f"sweep_seconds@{cases}"] = seconds
        report.metrics[f"sweep_rss_mb@{cases}"] = max(rss, rss_again)
        report.extra[f"deadlines sweep at {cases:,} cases"] = (
            f"first run (sends what is due) {seconds:.1f} s, peak RSS {rss:.0f} MB; "
            f"second run (nothing new) {seconds_again:.1f} s, peak RSS {rss_again:.0f} MB")
        print(f"  deadlines sweep: {seconds:.1f} s then {seconds_again:.1f} s, peak RSS {max(rss, rss_again):.0f} MB")


def parse_receipt(html: str) -> tuple[str, str]:
    code = re.search(r'id="tracking-code"[^>]*>\s*([^<\s]+)', html)
    secret = re.search(r'id="tracking-secret"[^>]*>\s*([^<]+?)\s*<', html)
    if not code or not secret:
        raise RuntimeError("receipt page without tracking-code / tracking-secret")
    return code.group(1), secret.group(1)


__all__ = ["Path", "parse_receipt", "run_all"]
