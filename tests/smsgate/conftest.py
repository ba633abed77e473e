"""The relay phone tests: tests/conftest.py's environment plus a fake phone on loopback.

`env` here extends the top-level one, so every fixture (settings, db, client, live_server,
run_worker…) runs with the relay configured.
"""

from __future__ import annotations

import pytest

from tests import fake_phone


@pytest.fixture(scope="session")
def phone_server():
    phone = fake_phone.FakePhone().start()
    yield phone
    phone.stop()


@pytest.fixture
def phone(phone_server):
    phone_server.online()
    phone_server.reset()
    yield phone_server
    phone_server.online()


@pytest.fixture
def env(env, monkeypatch, phone, request):
    """conftest's environment with the relay phone configured (fast rates for the tests);
    `@pytest.mark.relay_env(NAME="value")` changes or (value None) removes settings."""
    values = {
        "SMSGATE_URL": phone.url,
        "SMSGATE_USERNAME": fake_phone.USERNAME,
        "SMSGATE_PASSWORD": fake_phone.PASSWORD,
        "SMSGATE_SIGNING_KEY": fake_phone.SIGNING_KEY,
        "SMSGATE_SEND_RATE": "60000",
    }
    marker = request.node.get_closest_marker("relay_env")
    values.update(marker.kwargs if marker else {})
    for name in ("ASPIRASI_SMS_ROUTE", "SMSGATE_SILENCE_MINUTES", "SMSGATE_TTL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
            env.pop(name, None)
        else:
            monkeypatch.setenv(name, value)
            env[name] = value
    return env


@pytest.fixture
def relay_url(live_server, phone):
    """The gateway on a real server, with the phone's webhooks pointing at it."""
    url = live_server.url + "/webhooks/smsgate"
    phone.subscribe(url)
    return url
