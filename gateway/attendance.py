"""Daftar hadir from meeting calls: each invitation's recipients with their HADIR/TIDAK answer
and its time (names from contacts), the counts, and an A4 print with empty signature cells.

admin and staf see every invitation; a `kelurahan` account its own kelurahan's (another's is a
404). Numbers are masked unless the role may see them.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from data import attendance, broadcasts, clock
from gateway import auth, runtime

bp = Blueprint("attendance", __name__, url_prefix="/hadir")
ROLES = ("admin", "staf", "kelurahan")


def _load(broadcast_id: int) -> dict:
    call = broadcasts.get(runtime.db(), broadcast_id)
    scope = auth.scope_kelurahan()
    if call is None or not call["asks_rsvp"] or call["state"] not in broadcasts.LIVE or (
            scope is not None and not attendance.reaches(call, scope)):
        abort(404)
    return call


def _page(template: str, broadcast_id: int):
    call = _load(broadcast_id)
    rows = attendance.recipients(runtime.db(), broadcast_id)
    return render_template(template, call=call, rows=rows, counts=attendance.counts(rows),
                           show_numbers=auth.can_see_numbers(),
                           printed=clock.now().astimezone(clock.WITA))


@bp.route("/")
@auth.role_required(*ROLES)
def index():
    rows = attendance.invitations(runtime.db(), auth.scope_kelurahan())
    return render_template("attendance/index.html", rows=rows)


@bp.route("/<int:broadcast_id>")
@auth.role_required(*ROLES)
def show(broadcast_id: int):
    return _page("attendance/show.html", broadcast_id)


@bp.route("/<int:broadcast_id>/cetak")
@auth.role_required(*ROLES)
def printable(broadcast_id: int):
    return _page("attendance/print.html", broadcast_id)
