"""Public intake and tracking pages, rendered in both languages and checked with axe."""

PUBLIC_PAGES = [
    "/submit",
    "/submit/complaint",
    "/submit/denunciation",
    "/submit/petition",
    "/submit/feedback",
    "/track",
]
