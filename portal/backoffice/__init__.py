"""The staff back office: queues, the case page, handling actions."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.backoffice.views import bp

    app.register_blueprint(bp, url_prefix="/staff")
