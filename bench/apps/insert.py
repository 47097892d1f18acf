"""Baseline (b): a Flask app doing one INSERT per request through SQLAlchemy, on the benchmark's
database (``DATABASE_URL``), with the same engine settings as the portal."""

import os

from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from bench.apps._db import engine
from portal.db import make_engine

metadata = MetaData()
items = Table("bench_items", metadata, Column("id", Integer, primary_key=True), Column("name", String(50)))
app = Flask(__name__)


@app.post("/insert")
def insert_one() -> str:
    with engine().begin() as conn:
        conn.execute(insert(items).values(name="bench"))
    return "ok"


def create_table() -> None:
    metadata.create_all(make_engine(os.environ["DATABASE_URL"]))


if __name__ == "__main__":
    create_table()
