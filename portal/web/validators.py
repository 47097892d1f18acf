"""Form validators shared by features."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange, StopValidation, ValidationError

FIRST_YEAR, LAST_YEAR = 1900, 2200


def sane_date(_form: Any, field: Any) -> None:
    """A date a person could mean: "0001-01-01" or "9999-12-31" parse, but a day added to or taken
    from them overflows, and no đơn, deadline or audit entry lies there."""
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Hãy nhập ngày trong khoảng năm %(first)s–%(last)s.", first=FIRST_YEAR,
                                 last=LAST_YEAR))


class NumberBetween(NumberRange):
    """``NumberRange`` that says nothing when the value could not be read as a number at all: the
    field already says so ("1.5" would otherwise also be told it must be at least 1)."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is None and field.process_errors:
            return
        super().__call__(form, field)


class HasText:
    """Required text that is more than whitespace: ``InputRequired`` accepts "   ", and control or
    zero-width characters that :func:`portal.cases.text.clean_text` removes before storing would
    leave an empty đơn, message or reason."""

    def __init__(self, message: Any) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, _form: Any, field: Any) -> None:
        from portal.cases.text import clean_text

        if not clean_text(field.data if isinstance(field.data, str) else ""):
            field.errors.clear()
            raise StopValidation(self.message)
