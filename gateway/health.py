"""GET /healthz: public, each component's state and the overall status, no counts; the counts
too for a logged-in admin or `Authorization: Bearer <ASPIRASI_HEALTH_TOKEN>` (handlers.health).

200 while SQLite can be read (`status` ok or degraded), 503 when it cannot. Writes nothing.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, jsonify, request, session

from gateway import auth
from gateway.runtime import settings
from handlers import health

bp = Blueprint("health", __name__)


def may_see_details() -> bool:
    token = settings().health_token
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(
            sent[7:].strip().encode(), token.encode()):
        return True
    user = auth.current_user() if "user_id" in session else None  # no cookie: no db read
    return bool(user and user["role"] == "admin")


@bp.get("/healthz")
def healthz():
    components, details = health.report(settings())
    body = dict(components)
    if may_see_details():
        body["details"] = details
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if components["status"] == "down" else 200
