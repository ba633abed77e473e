"""Staff broadcasts from the web: compose → preview (recipients, segments, cost) → confirm once
→ live progress. Only admin and staf may broadcast; every confirm and cancel is audited.

The confirm is a conditional UPDATE on the broadcast row (draft → confirmed) keyed by a
one-time token in the form, so a double click or a replayed POST makes one broadcast.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from data import broadcasts, clock, inbox_queries
from data.addresses import mask_number
from data.contacts import ROLES as CONTACT_ROLES
from data.db import transaction
from gateway import auth, runtime
from handlers import queue, replies
from handlers.broadcast_commands import ANSWER_HINT
from parsers import places

bp = Blueprint("broadcasts", __name__, url_prefix="/broadcasts")
ROLES = ("admin", "staf")
WEB_PREFIX = "[Musrenbang Bitung] "
MAX_TEXT = 612  # four concatenated GSM-7 segments
DRAFT_MINUTES = 30
MAX_AHEAD = timedelta(days=30)
TEXTS = {
    "empty": "Isi pesan tidak boleh kosong.",
    "too_long": f"Isi pesan paling banyak {MAX_TEXT} karakter.",
    "no_target": "Pilih kelurahan, kecamatan, atau 'semua warga'.",
    "unknown": "Penerima tidak dikenal: {values}. Pilih kelurahan, kecamatan dan peran dari "
               "daftar.",
    "bad_time": "Jadwal harus berupa tanggal dan jam (WITA) di masa depan, paling lama 30 hari.",
    "no_recipients": "Tidak ada penerima yang cocok (yang berhenti berlangganan tidak dihitung).",
    "confirmed": "Siaran #{id} dikonfirmasi untuk {count} penerima.",
    "scheduled": "Siaran #{id} dijadwalkan {when} WITA.",
    "already": "Siaran #{id} sudah dikonfirmasi sebelumnya; tidak dikirim dua kali.",
    "expired": "Pratinjau kedaluwarsa atau sudah dipakai. Buat siaran baru.",
    "canceled": "Siaran #{id} dibatalkan.",
    "not_cancelable": "Siaran #{id} sudah berjalan dan tidak bisa dibatalkan.",
}
STATE_LABELS = {"draft": "pratinjau", "confirmed": "terjadwal/menunggu", "sending": "mengirim",
                "done": "selesai", "canceled": "dibatalkan", "expired": "kedaluwarsa"}


def register(app) -> None:
    """Register the broadcast pages (auth and CSRF come from gateway.auth via the inbox)."""
    app.register_blueprint(bp)
    app.add_template_global(STATE_LABELS, "BROADCAST_STATES")


def _audience(form) -> tuple[dict, list[str]]:
    """(the audience: only official place names and known roles; the values that were not
    such), each form value checked once."""
    known = {row["kecamatan"] for row in places.all_kelurahan()}
    target: dict = {"kelurahan": set(), "kecamatan": set(), "role": set()}
    unknown = []
    for key, field, check in (("kelurahan", "kelurahan", places.resolve_kelurahan),
                              ("kecamatan", "kecamatan", lambda v: v if v in known else None),
                              ("peran", "role", lambda v: v if v in CONTACT_ROLES else None)):
        for value in form.getlist(key):
            if not value.strip():
                continue  # an empty choice says nothing
            if found := check(value):
                target[field].add(found)
            else:
                unknown.append(value[:60])
    target = {field: sorted(values) for field, values in target.items()}
    if form.get("semua") == "1":
        target["all"] = True
    return target, unknown


def read_target(form) -> dict:
    """The audience from the form; only official place names and known roles survive."""
    return _audience(form)[0]


def unknown_choices(form) -> list[str]:
    """Audience values the form should never send (a kelurahan, kecamatan or role we do not
    know): the broadcast is refused rather than sent to a silently narrower audience."""
    return _audience(form)[1]


def read_schedule(value: str | None, now) -> str | None:
    """'2026-12-01T09:00' in WITA → stored UTC; ValueError when past or too far ahead."""
    if not value:
        return None
    when = clock.from_wita_local(value)
    if not now < when <= now + MAX_AHEAD:
        raise ValueError(value)
    return clock.iso(when)


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def _form_page(form=None, error=None, status=200):
    return render_template("broadcasts/new.html", form=form or MultiDict(), error=error,
                           kelurahan_list=places.all_kelurahan(), roles=CONTACT_ROLES,
                           max_text=MAX_TEXT, prefix=WEB_PREFIX, hint=ANSWER_HINT,
                           price=runtime.settings().sms_price_idr), status


def author(created_by: str, names: dict[str, str]) -> str:
    """Who made a broadcast: a staff username, or the village head's name (masked number when
    the contact has no name)."""
    if created_by.startswith("sms:"):
        address = created_by[4:]
        return names.get(address) or f"kepala {mask_number(address)}"
    return created_by


@bp.route("/")
@auth.role_required(*ROLES)
def index():
    db = runtime.db()
    rows = broadcasts.recent(db, 100)
    names = inbox_queries.contact_names(
        db, [r["created_by"][4:] for r in rows if r["created_by"].startswith("sms:")])
    for row in rows:
        row["author"] = author(row["created_by"], names)
    return render_template("broadcasts/index.html", rows=rows)


@bp.route("/penerima.json")
@auth.role_required(*ROLES)
def recipients():
    """How many opted-in contacts the chosen audience has, for the form's live cost."""
    target = read_target(request.args)
    if not (target.get("all") or target["kelurahan"] or target["kecamatan"]):
        return jsonify({"recipients": 0})
    return jsonify({"recipients": broadcasts.count_recipients(runtime.db(), target)})


@bp.route("/baru", methods=["GET", "POST"])
@auth.role_required(*ROLES)
def new():
    """Compose; POST validates and stores a draft with a one-time token, then previews it."""
    if request.method == "GET":
        return _form_page()
    form, db = request.form, runtime.db()
    text = (form.get("text") or "").replace("\r\n", "\n").strip()
    now = clock.now()
    target, unknown = _audience(form)
    if unknown:
        return _form_page(form, TEXTS["unknown"].format(values=", ".join(unknown[:5])), 400)
    try:
        scheduled = read_schedule(form.get("jadwal"), now)
    except ValueError:
        return _form_page(form, TEXTS["bad_time"], 400)
    error = ("empty" if not text else "too_long" if len(text) > MAX_TEXT else
             None if target.get("all") or target["kelurahan"] or target["kecamatan"]
             else "no_target")
    if error:
        return _form_page(form, TEXTS[error], 400)
    count = broadcasts.count_recipients(db, target)
    if not count:
        return _form_page(form, TEXTS["no_recipients"], 400)
    invitation = form.get("undangan") == "1"  # residents answer HADIR/TIDAK; counted
    body = WEB_PREFIX + text + (ANSWER_HINT if invitation else "")
    with transaction(db):
        draft = broadcasts.create(
            db, origin="web", created_by=auth.current_user()["username"], text=text,
            body=body, target=target, recipients=count, segments=replies.segments(body),
            token=secrets.token_urlsafe(24), scheduled_at=scheduled,
            expires_at=clock.iso(now + timedelta(minutes=DRAFT_MINUTES)), now=now,
            asks_rsvp=invitation)
    return redirect(url_for("broadcasts.show", broadcast_id=draft["id"]))


@bp.route("/<int:broadcast_id>")
@auth.role_required(*ROLES)
def show(broadcast_id: int):
    """A draft's preview with the confirm button, else the live progress (meta refresh)."""
    db = runtime.db()
    row = broadcasts.get(db, broadcast_id) or abort(404)
    if row["created_by"].startswith("sms:"):
        row["author"] = author(row["created_by"], inbox_queries.contact_names(
            db, [row["created_by"][4:]]))
    else:
        row["author"] = row["created_by"]
    price = runtime.settings().sms_price_idr
    cost = rupiah(row["recipients"] * row["segments"] * price)
    return render_template(
        "broadcasts/show.html", b=row, cost=cost, price=rupiah(price),
        progress=broadcasts.progress(db, broadcast_id), tally=broadcasts.tally(db, broadcast_id),
        live=row["state"] in ("confirmed", "sending"))


@bp.route("/<int:broadcast_id>/kirim", methods=["POST"])
@auth.role_required(*ROLES)
def confirm(broadcast_id: int):
    """The one send: token and state checked in one conditional UPDATE."""
    db, s = runtime.db(), runtime.settings()
    token = request.form.get("token") or ""
    row = broadcasts.by_token(db, token) if token else None
    if row is None or row["id"] != broadcast_id:
        current = broadcasts.get(db, broadcast_id) or abort(404)
        key = "already" if current["state"] in broadcasts.LIVE else "expired"
        flash(TEXTS[key].format(id=broadcast_id), "warning")
        return redirect(url_for("broadcasts.show", broadcast_id=broadcast_id))
    with transaction(db):
        confirmed = broadcasts.confirm(db, broadcast_id)
        if confirmed:
            auth.record("broadcast", str(broadcast_id), origin="web", audience=row["target"],
                        recipients=row["recipients"], segments=row["segments"],
                        scheduled_at=row["scheduled_at"])
    if not confirmed:
        flash(TEXTS["already"].format(id=broadcast_id), "warning")
    elif row["scheduled_at"] and row["scheduled_at"] > clock.utcnow():
        flash(TEXTS["scheduled"].format(id=broadcast_id, when=wita_text(row["scheduled_at"])),
              "info")
    else:
        queue.try_wake(s.effective_redis_url, "broadcast", broadcast_id)
        flash(TEXTS["confirmed"].format(id=broadcast_id, count=row["recipients"]), "info")
    return redirect(url_for("broadcasts.show", broadcast_id=broadcast_id))


@bp.route("/<int:broadcast_id>/batal", methods=["POST"])
@auth.role_required(*ROLES)
def cancel(broadcast_id: int):
    """A draft, or a scheduled broadcast that has not started, can be canceled."""
    db = runtime.db()
    with transaction(db):
        ok = broadcasts.cancel(db, broadcast_id)
        if ok:
            auth.record("broadcast_cancel", str(broadcast_id))
    flash(TEXTS["canceled" if ok else "not_cancelable"].format(id=broadcast_id),
          "info" if ok else "warning")
    return redirect(url_for("broadcasts.show", broadcast_id=broadcast_id))


def wita_text(stamp: str) -> str:
    return clock.to_wita(stamp).strftime("%d/%m/%Y %H:%M")
