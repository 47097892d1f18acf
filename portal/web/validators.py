"""Form validators shared by features."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

FIRST_YEAR, LAST_YEAR = 1900, 2200


def sane_date(_form: Any, field: Any) -> None:
    """A date a person could mean: "0001-01-01" or "9999-12-31" parse, but a day added to or taken
    from them overflows, and no đơn, deadline or audit entry lies there."""
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Hãy nhập ngày trong khoảng năm %(first)s–%(last)s.", first=FIRST_YEAR,
                                 last=LAST_YEAR))
