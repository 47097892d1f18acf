"""Baseline (c): the least a tracking lookup can do with this stack, for the bound of its target.

A Flask app with Flask's signed-cookie session and Flask-WTF's CSRFProtect, nothing else: ``GET
/lookup`` hands out a CSRF token (and its session cookie); ``POST /lookup`` checks that token, reads
one row by its unique code through SQLAlchemy Core on the benchmark's database (``DATABASE_URL``,
the portal's engine settings), compares a keyed hash of the secret in constant time, remembers the
code in the session and redirects. No templates, no logging, no security headers, no locale, no
rate limit, no ORM session: every one of those the portal does on top.

``LOOKUP_PARTS`` (default ``csrf,session,db``) keeps only some of the three parts, to see what
each costs (``python -m bench.public_quick --parts none db csrf session``; "none": a POST whose form is
parsed and answered with a redirect).
"""

import hashlib
import hmac
import os

from flask import Flask, abort, redirect, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select

from bench.apps._db import engine
from portal.db import make_engine

CODE, SECRET = "BENCH-LOOKUP-0001", "bench-secret"
metadata = MetaData()
codes = Table("bench_codes", metadata, Column("id", Integer, primary_key=True),
              Column("code", String(32), unique=True, nullable=False),
              Column("secret_hash", String(64), nullable=False))
_HASH_OF_CODE = select(codes.c.secret_hash).where(codes.c.code == bindparam("code"))

app = Flask(__name__)
app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY"), WTF_CSRF_TIME_LIMIT=None)  # as the portal
PARTS = frozenset(os.environ.get("LOOKUP_PARTS", "csrf,session,db").split(","))
if "csrf" in PARTS:
    CSRFProtect(app)


def _keyed(secret: str) -> str:
    return hmac.new(app.config["SECRET_KEY"].encode(), secret.encode(), hashlib.sha256).hexdigest()


@app.get("/lookup")
def token() -> str:
    return generate_csrf()


@app.post("/lookup")
def lookup():  # type: ignore[no-untyped-def]
    code = request.form.get("code", "")
    if "db" in PARTS:
        with engine().connect() as conn:
            stored = conn.execute(_HASH_OF_CODE, {"code": code}).scalar()
        if stored is None or not hmac.compare_digest(stored, _keyed(request.form.get("secret", ""))):
            abort(404)
    if "session" in PARTS:
        session["opened"] = code
    return redirect(f"/lookup/{code}")


def create_table() -> None:
    """The table and the one code the load looks up (idempotent)."""
    bind = make_engine(os.environ["DATABASE_URL"])
    metadata.create_all(bind)
    with bind.begin() as conn:
        if conn.execute(_HASH_OF_CODE, {"code": CODE}).scalar() is None:
            conn.execute(insert(codes).values(code=CODE, secret_hash=_keyed(SECRET)))


if __name__ == "__main__":
    create_table()
