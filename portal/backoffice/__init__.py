"""The staff back office: queues, the case page, handling actions."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from flask_login import current_user

    from portal.accounts.permissions import Action, can
    from portal.backoffice import (
        audit_views,
        search,  # noqa: F401 - registers the full-text DDL listeners at start
    )
    from portal.backoffice.views import bp
    from portal.web.nav import add_nav

    app.register_blueprint(bp, url_prefix="/staff")
    app.register_blueprint(audit_views.bp, url_prefix="/staff/audit")
    from portal.backoffice.case_views import bp as cases_bp

    app.register_blueprint(cases_bp, url_prefix="/staff/cases")
    add_nav(app, "staff", "backoffice.home", _l("Hàng đợi"), order=10)
    add_nav(app, "staff", "backoffice.search", _l("Tìm kiếm"), order=11)
    add_nav(app, "staff", "audit_log.index", _l("Nhật ký kiểm toán"), order=80,
            visible=lambda: can(current_user, Action.AUDIT_VIEW))
    add_nav(app, "staff", "cases.notice_templates", _l("Mẫu thông báo"), order=82,
            visible=lambda: can(current_user, Action.NOTICE_TEMPLATES_MANAGE))
