"""The web side of Aspirasi: create_app() builds the Flask app; nothing happens at import.

Flask is imported inside create_app, not here: `aspirasi worker` runs through gateway.cli and
must not load Flask or werkzeug (the worker never serves a page).
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile

from handlers.settings import ConfigError, Settings, load_settings


def _secret_key(settings: Settings) -> str:
    """SECRET_KEY, or a random key kept in the instance folder so sessions survive restarts.

    Race-free when several processes start at once: each writes a whole key to its own
    temporary file, then link()s it to the final name, which only the first one can do; the
    name never points at a file still being written, so nobody reads an empty key.
    """
    if settings.secret_key:
        return settings.secret_key
    path = os.path.join(settings.instance_dir, "secret_key")
    os.makedirs(settings.instance_dir, exist_ok=True)
    if not os.path.exists(path):
        fd, temporary = tempfile.mkstemp(dir=settings.instance_dir, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process was first: use its key
        finally:
            os.unlink(temporary)
    with open(path) as handle:
        key = handle.read().strip()
    if len(key) < 32:
        raise ConfigError("SECRET_KEY", f"{path} berisi kunci terlalu pendek; hapus berkasnya")
    return key


def create_app(test_config: dict | None = None):
    """Application factory: settings from the environment (or test_config['SETTINGS'])."""
    from flask import Flask

    test_config = test_config or {}
    settings = test_config.get("SETTINGS") or load_settings()
    app = Flask(__name__, instance_path=settings.instance_dir)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.public_url and settings.public_url.startswith("https")),
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
    )
    app.config.update({k: v for k, v in test_config.items() if k != "SETTINGS"})
    from gateway import webhooks

    app.wsgi_app = webhooks.TwilioLane(app.wsgi_app, settings)  # below ProxyFix, if any
    if settings.trusted_proxies:  # the client's address for login throttling, behind a proxy
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from data.db import open_db

    open_db(settings.db_path)  # migrate once at start, not on the first webhook

    from gateway import health, smsgate

    app.register_blueprint(smsgate.bp)
    app.register_blueprint(health.bp)
    _register_optional(app)
    return app


def _register_optional(app) -> None:
    """Feature blueprints (staff inbox, broadcasts) register themselves through gateway.features."""
    from gateway import features

    features.register_all(app)
