"""Account pages for the i18n and accessibility tests."""

PUBLIC_PAGES = [
    "/account/login",
    "/account/register",
    "/account/reset",
    "/account/confirm/resend",
    "/account/check-email",
]
STAFF_PAGES = [
    ("/staff/admin/users/", "admin"),
    ("/staff/admin/users/new", "admin"),
    ("/staff/admin/users/requests", "admin"),
]
