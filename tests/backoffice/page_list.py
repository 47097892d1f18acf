"""Back-office pages for the i18n and accessibility checks: (path, role)."""

STAFF_PAGES: list[tuple[str, str]] = [
    ("/staff/", "intake_officer"),
    ("/staff/", "head"),
    ("/staff/queues/new", "intake_officer"),
    ("/staff/queues/new?kind=KN&due_from=2030-01-01&sort=oldest", "intake_officer"),
    ("/staff/queues/proposed", "head"),
    ("/staff/queues/unit", "inspector"),
    ("/staff/search", "handler"),
    ("/staff/search?q=dat+dai", "handler"),
    ("/staff/audit", "inspector"),
    ("/staff/audit", "admin"),
    # Case pages need a case id: covered by tests/browser/test_backoffice_case.py (axe on each step).
    ("/staff/cases/notice-templates", "admin"),
    ("/staff/cases/notice-templates/acceptance", "admin"),
    ("/staff/cases/lifecycle", "handler"),
]
