"""The WSGI entry point: ``gunicorn wsgi:app``. The only module that builds an app at import."""

import gc

from portal import create_app

app = create_app()
# What start-up built (modules, the app, its templates and routes: some 160,000 objects) lives as
# long as the worker. Moved out of the collector's sight, a full collection no longer walks it all:
# every few hundred staff requests that walk cost one request about 100 ms.
gc.freeze()
