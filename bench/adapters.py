"""How the load scenarios drive the portal's real forms (kept apart from the generic harness)."""

from __future__ import annotations

import os
import subprocess
import urllib.parse

from bench.bench import BIN, ROOT, Browser
from bench.session import AGENT

PLACEHOLDER = "NONCEPLACEHOLDER"


def _feedback(data: dict[str, str]) -> dict[str, str]:
    data = dict(data)
    data.update(mode="anonymous", title="Rác thải bên kênh", website="")
    return data


def prepare_submission_body(browser: Browser, data: dict[str, str]) -> str:
    """The urlencoded body of an anonymous feedback; wrk puts a fresh one-time nonce in each request
    (the CSRF token and its session cookie are obtained once by the GET and reused)."""
    data = _feedback(data)
    data["nonce"] = PLACEHOLDER
    return urllib.parse.urlencode(data).replace(PLACEHOLDER, "{{NONCE}}")


def tracking_credentials(browser: Browser, data: dict[str, str]) -> tuple[str, str]:
    """Send one real submission and read the code and secret from the receipt page."""
    from bench.scenarios import parse_receipt

    data = _feedback(data)
    _url, html = browser.post("/submit/feedback", data)
    return parse_receipt(html)


def staff_cookie(env: dict[str, str]) -> tuple[str, str]:
    """A signed-in staff session cookie (the city's intake officer) for wrk (see bench/session.py)."""
    out = subprocess.run([str(BIN / "python"), "-m", "bench.session"], env={**os.environ, **env}, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1], AGENT


def scale_urls() -> list[tuple[str, str]]:
    """The staff pages measured at each scale, as the city's head (who sees every queue of the city).

    ``{deep}``, ``{unit}``, ``{field}`` and ``{code}`` are filled by bench/scale_probe.py from the data.
    """
    base = "/staff/queues/unit"
    return [
        ("staff home (queue counts)", "/staff/"),
        ("queue 'new': first page", "/staff/queues/new"),
        ("queue 'unit': first page", base),
        ("queue 'unit': deep page (keyset)", base + "?sort=due&after={deep}"),
        ("queue 'overdue': first page", "/staff/queues/overdue"),
        ("queue 'due soon': first page", "/staff/queues/due_soon"),
        ("queue 'information': first page", "/staff/queues/information"),
        ("filter: kind", base + "?kind=TC"),
        ("filter: status", base + "?status=investigating"),
        ("filter: unit", base + "?unit={unit}"),
        ("filter: field", base + "?case_field={field}"),
        ("filter: flag complex", base + "?flag_complex=y"),
        ("filter: due window", base + "?due_from={due_from}&due_to={due_to}"),
        ("sort: oldest first", base + "?sort=oldest"),
        ("search: content words 'dat dai'", "/staff/search?q=dat+dai"),
        ("search: tracking code", "/staff/search?q={code}"),
    ]
