"""Accounts: citizens and staff, roles scoped to organisational units, login."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.accounts.views import bp

    app.register_blueprint(bp)
