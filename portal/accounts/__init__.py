"""Accounts: citizens and staff, roles scoped to organisational units, login."""

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user


def init_app(app: Flask) -> None:
    from portal.accounts.views import bp
    from portal.web.nav import add_nav

    app.register_blueprint(bp)
    add_nav(app, "public", "accounts.login", _l("Đăng nhập"), visible=lambda: not current_user.is_authenticated,
            order=90)
    add_nav(app, "public", "accounts.account", _l("Tài khoản của tôi"),
            visible=lambda: current_user.is_authenticated, order=90)
    from portal.accounts.admin import bp as admin_bp
    from portal.accounts.cli import users_cli
    from portal.accounts.permissions import Action, can

    app.register_blueprint(admin_bp, url_prefix="/staff/admin/users")
    app.cli.add_command(users_cli)
    add_nav(app, "staff", "accounts_admin.index", _l("Tài khoản cán bộ"),
            visible=lambda: can(current_user, Action.USERS_MANAGE), order=80)
    add_nav(app, "staff", "accounts.account", _l("Tài khoản của tôi"), order=95)
