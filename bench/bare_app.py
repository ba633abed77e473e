"""The baseline for the webhook bench: Flask answering the same empty TwiML, doing nothing else.

Run under the same gunicorn settings as the gateway: `gunicorn 'bench.bare_app:create_app()'`.
"""

from __future__ import annotations

from flask import Flask, Response

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/webhooks/twilio")
    def inbound():
        return Response(EMPTY_TWIML, 200, mimetype="text/xml")

    return app
