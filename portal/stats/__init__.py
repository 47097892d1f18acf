"""Transparency statistics for the public: per unit, received, ended, on-time rate, open and
overdue cases, published once a month."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from portal.stats.cli import publish_job, stats_cli
    from portal.stats.views import bp
    from portal.web.nav import add_nav
    from portal.worker import register_job

    app.register_blueprint(bp)
    app.cli.add_command(stats_cli)
    register_job(app, "stats.publish", publish_job)
    add_nav(app, "public", "stats.index", _l("Thống kê công khai"), order=40)
