"""URL converters."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` limited to what a database BIGINT holds: a huge id is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)
