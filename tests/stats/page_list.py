"""The public statistics page, rendered in both languages and checked with axe."""

PUBLIC_PAGES = [
    "/statistics",
]
