"""Public intake: the start page, the four submission forms and the receipt."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from portal.intake.views import bp
    from portal.web.nav import add_nav

    app.register_blueprint(bp)
    add_nav(app, "public", "intake.start", _l("Gửi đơn"), order=10)
