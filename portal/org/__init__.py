"""Organisation structure: units (a tree with effective dates), fields, competence routing,
conflict of interest; the administration screens under ``/staff/admin/org``."""

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user


def init_app(app: Flask) -> None:
    from portal.accounts.permissions import Action, can
    from portal.org.cli import org_cli
    from portal.org.views import bp
    from portal.web.nav import add_nav

    app.register_blueprint(bp, url_prefix="/staff/admin/org")
    app.cli.add_command(org_cli)
    add_nav(app, "staff", "org.index", _l("Cơ cấu tổ chức"), visible=lambda: can(current_user, Action.ORG_MANAGE),
            order=75)
