"""Public pages that belong to no other feature: home, health check."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.core.views import bp

    app.register_blueprint(bp)
