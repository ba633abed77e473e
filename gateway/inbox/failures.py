"""Admins' page of failed work ("Pesan gagal"): messages that could not be processed and
messages that could not be sent, each with its error and a "Proses ulang" button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from data import failures
from gateway import auth, runtime
from handlers.requeue import requeue
from handlers.transports import RECIPIENT_CODES

bp = Blueprint("failures", __name__, url_prefix="/admin")


def _ids(name: str) -> list[int] | None:
    """The ids of the row buttons; None = every row ("Proses ulang semua")."""
    values = request.form.getlist(name)
    if request.form.get("semua") == "1":
        return None
    return [int(v) for v in values if v.isdigit()][:500]


@bp.route("/gagal")
@auth.role_required("admin")
def index():
    db = runtime.db()
    return render_template(
        "admin/failures.html", messages=failures.failed_messages(db),
        rows=failures.failed_outbox(db, RECIPIENT_CODES),
        counts=failures.counts(db, "", RECIPIENT_CODES))


@bp.route("/gagal/proses-ulang", methods=["POST"])
@auth.role_required("admin")
def retry():
    kind = request.form.get("jenis")
    if kind not in ("pesan", "kirim"):
        flash("Pilih pesan masuk atau pesan keluar.", "error")
        return redirect(url_for("failures.index"))
    ids = _ids("id")
    if ids == []:
        flash("Tidak ada yang dipilih.", "warning")
        return redirect(url_for("failures.index"))
    counts = requeue(runtime.db(), runtime.settings(), auth.current_user()["username"],
                     messages=kind == "pesan", rows=kind == "kirim",
                     message_ids=ids if kind == "pesan" else None,
                     outbox_ids=ids if kind == "kirim" else None)
    done = counts["messages"] + counts["outbox"]
    flash(f"{done} diproses ulang; hasilnya tampil di sini bila gagal lagi." if done
          else "Tidak ada yang bisa diproses ulang.", "info" if done else "warning")
    return redirect(url_for("failures.index"))
