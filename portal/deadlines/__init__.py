"""Statutory deadlines: rules as data, the working-day calendar, reminders, escalation, the board."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.deadlines.cli import deadlines_cli, sweep_job
    from portal.worker import register_job

    app.cli.add_command(deadlines_cli)
    register_job(app, "deadlines.sweep", sweep_job)

    from portal.deadlines import views

    views.init_app(app)
