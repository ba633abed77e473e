"""Staff inbox: login, aspirations list and detail, dashboard, export, admin pages."""

from flask import redirect, url_for


def register(app) -> None:
    """Register the staff blueprints, the CSRF check, security headers and template filters."""
    from gateway import auth
    from gateway.inbox import (
        admin,
        bulk,
        common,
        dashboard,
        desk,
        detail,
        export,
        failures,
        media_files,
        status,
        views,
    )

    auth.init_app(app)
    common.init_app(app)
    for module in (views, detail, status, bulk, desk, media_files, dashboard, export, admin,
                   failures):
        app.register_blueprint(module.bp)
    app.add_url_rule("/", "root", lambda: redirect(url_for("inbox.index")))
