"""The web side of Aspirasi: create_app() builds the Flask app; nothing happens at import.

Flask is imported inside create_app, not here: `aspirasi worker` runs through gateway.cli and
must not load Flask or werkzeug (the worker never serves a page).
"""

from __future__ import annotations

import logging
import os
import secrets

from handlers.settings import Settings, load_settings


def _secret_key(settings: Settings) -> str:
    """SECRET_KEY, or a random key kept in the instance folder so sessions survive restarts."""
    if settings.secret_key:
        return settings.secret_key
    path = os.path.join(settings.instance_dir, "secret_key")
    os.makedirs(settings.instance_dir, exist_ok=True)
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from data.db import open_db

    open_db(settings.db_path)  # migrate once at start, not on the first webhook

    from gateway import health, webhooks

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    _register_optional(app)
    return app


def _register_optional(app) -> None:
    """Feature blueprints (staff inbox, broadcasts) register themselves through gateway.features."""
    from gateway import features

    features.register_all(app)
