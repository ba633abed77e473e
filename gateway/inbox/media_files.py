"""Media of a ticket served by the gateway itself, from the instance folder: logged-in staff
in scope only, with the stored (allow-listed) content type. No Twilio login, no internet."""

from __future__ import annotations

import os

from flask import Blueprint, abort, send_file

from data import media
from gateway import auth, runtime
from gateway.inbox import actions

bp = Blueprint("media", __name__)
# Served files are never run as a page: no scripts, no plugins, no framing.
HEADERS = {"Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; "
                                      "sandbox", "Cache-Control": "private, max-age=86400"}


def _file(ticket: str, media_id: int, thumb: bool):
    row = actions.load(ticket)
    item = media.visible(runtime.db(), media_id, row["address"], auth.scope_kelurahan())
    relative = item and (item["thumb_path"] if thumb else item["path"])
    if not item or item["status"] != "stored" or not relative:
        abort(404)
    folder = os.path.join(runtime.settings().instance_dir, "media")
    path = os.path.realpath(os.path.join(folder, relative))
    if not path.startswith(os.path.realpath(folder) + os.sep) or not os.path.exists(path):
        abort(404)
    kind = "image/jpeg" if thumb else item["content_type"]
    inline = kind.startswith(("image/", "audio/", "video/"))
    response = send_file(path, mimetype=kind, as_attachment=not inline, conditional=True,
                         download_name=f"{row['ticket']}-{media_id}{os.path.splitext(path)[1]}")
    response.headers.update(HEADERS)
    return response


@bp.route("/inbox/<ticket>/media/<int:media_id>")
@auth.login_required
def original(ticket, media_id):
    return _file(ticket, media_id, thumb=False)


@bp.route("/inbox/<ticket>/media/<int:media_id>/kecil")
@auth.login_required
def thumbnail(ticket, media_id):
    return _file(ticket, media_id, thumb=True)
