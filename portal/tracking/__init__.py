"""Public tracking of a đơn with its code and secret, and "my submissions" for citizens."""

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user


def _is_citizen() -> bool:
    return bool(current_user.is_authenticated and not current_user.is_staff)


def init_app(app: Flask) -> None:
    from portal.tracking.views import bp
    from portal.web.nav import add_nav

    app.register_blueprint(bp)
    add_nav(app, "public", "tracking.track", _l("Tra cứu đơn"), order=20)
    add_nav(app, "public", "tracking.my_submissions", _l("Đơn của tôi"), visible=_is_citizen, order=30)
