"""Every page of the app, for the tests that render each page in both languages and run axe on it.

Features add their pages here. Entries are paths; staff pages name the role that may open them.
Pages that need data (a case, a tracking code) are covered by their features' own journeys.
"""

PUBLIC_PAGES: list[str] = [
    "/",
    "/account/login",
    "/does-not-exist",  # the 404 page
]

# (path, role) pairs opened by a signed-in staff member holding that role.
STAFF_PAGES: list[tuple[str, str]] = []
