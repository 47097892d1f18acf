"""The background worker: runs every registered job (deadline sweep, outbox) periodically.

Jobs are idempotent CLI-style functions, so running several workers, or cron instead, is safe.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.web.logging import log_job

Job = Callable[[], dict[str, Any]]
worker_cli = AppGroup("worker", help="Background worker.")


def register_job(app: Flask, name: str, job: Job) -> None:
    """Add a job the worker runs on every tick (in registration order)."""
    app.extensions.setdefault("portal.jobs", []).append((name, job))


def run_jobs_once() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, job in current_app.extensions.get("portal.jobs", []):
        started = time.perf_counter()
        try:
            with current_app.app_context():  # a fresh session per job and per tick
                results[name] = job()
        except Exception as exc:
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            current_app.logger.exception("job %s failed", name)
        log_job(name, duration_ms=round((time.perf_counter() - started) * 1000, 1), **results[name])
    return results


@worker_cli.command("run")
@click.option("--interval", default=60, show_default=True, help="Seconds between runs.")
@click.option("--once", is_flag=True, help="Run every job once and exit.")
def run_command(interval: int, once: bool) -> None:
    """Run the registered jobs now and then every INTERVAL seconds until stopped."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        run_jobs_once()
        if once:
            return
        for _ in range(interval * 2):
            if stopping:
                break
            time.sleep(0.5)
