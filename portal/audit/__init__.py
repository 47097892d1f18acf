"""The tamper-evident audit log of security-relevant actions."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.audit.cli import audit_cli, verification_step
    from portal.worker import register_job

    app.cli.add_command(audit_cli)
    register_job(app, "audit.verify", verification_step)
