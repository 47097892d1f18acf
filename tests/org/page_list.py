"""Organisation administration pages (opened by an administrator)."""

STAFF_PAGES = [
    ("/staff/admin/org/", "admin"),
    ("/staff/admin/org/units/new", "admin"),
    ("/staff/admin/org/fields", "admin"),
    ("/staff/admin/org/fields/new", "admin"),
    ("/staff/admin/org/rules", "admin"),
    ("/staff/admin/org/rules/new", "admin"),
    ("/staff/admin/org/try", "admin"),
]
