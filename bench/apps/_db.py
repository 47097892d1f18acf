"""The database engine of the baseline apps that use one (not hello, which stays bare)."""

import functools
import os

from sqlalchemy.engine import Engine

from portal.db import make_engine


@functools.cache
def engine() -> Engine:
    """The benchmark's database (``DATABASE_URL``) with the portal's engine settings; built on first
    use, so after gunicorn's fork: one per worker."""
    return make_engine(os.environ["DATABASE_URL"])
