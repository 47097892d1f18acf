"""The client's address, used only for throttling, never stored with a submission."""

from flask import request


def client_address() -> str:
    """The address throttles key on.

    Behind a reverse proxy, werkzeug's ProxyFix (enabled by ``PORTAL_PROXY_HOPS``) has already put
    the real address in ``remote_addr``.
    """
    return request.remote_addr or "unknown"
