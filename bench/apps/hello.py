"""Baseline (a): a bare Flask app answering "Hello, World!" — the ceiling for this machine."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "Hello, World!"
