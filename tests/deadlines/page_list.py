"""Deadline pages for the both-languages and axe tests."""

STAFF_PAGES = [
    ("/staff/board", "head"),
    ("/staff/board", "inspector"),
    ("/staff/deadlines/rules", "admin"),
    ("/staff/deadlines/holidays", "admin"),
]
