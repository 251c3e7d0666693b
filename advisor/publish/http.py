"""Network failures of both wiki clients as one-line errors.

A requests exception's text is a paragraph of pool and retry details; the user needs the
host and the cause (refused, not resolved, timed out, a TLS problem) and what to check.
"""

from __future__ import annotations

import socket
import ssl

import requests

from advisor.errors import PublishError


def network_error(exc: requests.RequestException, host: str, timeout: float) -> PublishError:
    """The PublishError for a request to ``host`` that failed without an HTTP answer."""
    if isinstance(exc, requests.exceptions.SSLError):
        return PublishError(
            f"TLS error talking to {host}: {_tls_reason(exc)}; check that the address is right "
            "(https only for a TLS server) and that its certificate is trusted (REQUESTS_CA_BUNDLE "
            "names a company CA bundle)"
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return PublishError(f"{host} did not answer within {timeout:g} s; try again later")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return PublishError(f"cannot reach {host}: {_connect_reason(exc)}; check --url")
    return PublishError(f"the request to {host} failed ({type(exc).__name__}); check --url")


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it wraps (requests wraps urllib3, which wraps the socket's)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        item = todo.pop(0)
        if any(item is s for s in seen):
            continue
        seen.append(item)
        todo.extend(a for a in item.args if isinstance(a, BaseException))
        for inner in (getattr(item, "reason", None), item.__cause__, item.__context__):
            if isinstance(inner, BaseException):
                todo.append(inner)
    return seen


def _tls_reason(exc: BaseException) -> str:
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate not trusted ({cause.verify_message})"
        if isinstance(cause, ssl.SSLError) and cause.reason:
            return str(cause.reason).replace("_", " ").lower()
    return "handshake failed"


def _connect_reason(exc: BaseException) -> str:
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
    return "no connection"
