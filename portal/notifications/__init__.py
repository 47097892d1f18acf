"""Email notifications through a transactional outbox."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.notifications.cli import outbox_cli, outbox_job
    from portal.worker import register_job

    app.cli.add_command(outbox_cli)
    register_job(app, "outbox.send", outbox_job)
