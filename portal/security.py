"""The one HTML sanitizer: every piece of staff-written rich text goes through :func:`sanitize_html`.

Citizen text is never HTML (plain text, escaped on output); only staff-written rich text such as the
notice templates passes here, with an allow-list of tags and no attributes (no links, no styles, no
scripts, no event handlers: the strict CSP forbids them anyway).
"""

from __future__ import annotations

import bleach
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4",
                          "table", "thead", "tbody", "tr", "th", "td", "blockquote", "hr", "div", "span"})
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {"td": ["colspan", "rowspan"], "th": ["colspan", "rowspan", "scope"]}


def sanitize_html(html: str | None) -> Markup:
    """Keep only allow-listed tags and attributes; strip every other tag (its text stays, escaped)."""
    cleaner = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=[], strip=True,
                             strip_comments=True)
    return Markup(cleaner.clean(html or ""))  # noqa: S704 - sanitized above
