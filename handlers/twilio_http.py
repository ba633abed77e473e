"""The twilio client's HTTP layer, lean: one keep-alive urllib3 pool per sending thread.

twilio's default TwilioHttpClient goes through a requests Session, which on every request
re-reads the environment for proxies (a walk over os.environ), merges session settings and
builds two request objects: ~0.6 ms of CPU per message, more than the request itself. This
client keeps what that path gives us and drops the rest: the twilio Client still builds,
authenticates and parses every call (messages.create, TwilioRestException...), the connection
is kept alive, no retry is made behind our back (outbound.py decides), and network errors are
raised as the same requests exceptions, so transports.classify reads them unchanged.
A proxy in the environment (HTTPS_PROXY...) is left to TwilioHttpClient (transports.py).
"""

from __future__ import annotations

import base64
import logging
import os
from urllib.parse import urlencode

import certifi
import requests
import urllib3
from twilio.http import HttpClient
from twilio.http.response import Response
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

log = logging.getLogger("twilio.http_client")
# requests' default: no retry at all, and never a second attempt after the request went out.
NO_RETRY = urllib3.Retry(0, read=False)


def ca_bundle() -> str:
    """The CA file requests would use (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, else certifi's)."""
    return (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            or certifi.where())


class LeanHttpClient(HttpClient):
    """twilio's HttpClient interface over a urllib3 pool (one per thread: not shared)."""

    def __init__(self, timeout: float | None = None):
        super().__init__(log, False, timeout)
        self.pool = urllib3.PoolManager(num_pools=4, maxsize=1, retries=NO_RETRY,
                                        ca_certs=ca_bundle())

    def request(self, method: str, url: str, params: dict | None = None,
                data: dict | None = None, headers: dict | None = None,
                auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        headers = dict(headers or {})
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        body = None
        if data:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        try:
            answer = self.pool.request(method.upper(), url, body=body, headers=headers,
                                       redirect=allow_redirects, timeout=timeout or self.timeout)
        except Exception as exc:
            raise as_requests_error(exc) from exc
        return Response(answer.status, answer.data.decode("utf-8", "replace"), answer.headers)


def as_requests_error(exc: Exception) -> Exception:
    """What requests' HTTPAdapter raises for the same urllib3 failure (transports.classify)."""
    if isinstance(exc, MaxRetryError):
        reason = exc.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return requests.exceptions.ConnectTimeout(exc)
        if isinstance(reason, SSLError):
            return requests.exceptions.SSLError(exc)
        return requests.exceptions.ConnectionError(exc)
    if isinstance(exc, ProtocolError | OSError | ClosedPoolError):
        return requests.exceptions.ConnectionError(exc)
    if isinstance(exc, SSLError):
        return requests.exceptions.SSLError(exc)
    if isinstance(exc, ReadTimeoutError):
        return requests.exceptions.ReadTimeout(exc)
    if isinstance(exc, HTTPError):
        return requests.exceptions.RequestException(exc)
    return exc
