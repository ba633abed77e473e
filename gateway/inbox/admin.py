"""Admin pages: staff accounts, contacts (role, kelurahan, opt-out, CSV upload) and the audit
log in sentences."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from data import audit, inbox_queries, reference, staff_accounts
from data import contacts as contact_store
from data.contacts import ROLES as CONTACT_ROLES
from data.db import transaction
from gateway import accounts, auth, contact_import, runtime
from gateway.inbox import labels
from parsers import places

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 50
STAFF_TEXTS = {
    "no_role": "Pilih peran akun (admin, staf, petugas kelurahan atau petugas OPD).",
    "exists": "Pengguna '{username}' sudah ada. Untuk mengubah peran atau kata sandinya, "
              "centang 'Akun sudah ada: ubah peran/kata sandi'.",
    "kelurahan_only": "Kelurahan hanya untuk peran 'Petugas kelurahan'. Pilih peran itu, "
                      "atau kosongkan kelurahan.",
    "opd_only": "OPD hanya untuk peran 'Petugas OPD'. Pilih peran itu, atau kosongkan OPD.",
    "confirm_admin": "Akun admin melihat semua nomor lengkap dan mengelola akun lain. "
                     "Centang konfirmasi bila memang admin.",
}


def _key(name: str) -> int | None:
    try:
        return int(request.args.get(name) or 0) or None
    except ValueError:
        return None


@bp.route("/audit")
@auth.role_required("admin")
def audit_log():
    action = (request.args.get("aksi") or "").strip()[:40] or None
    db = runtime.db()
    rows = audit.recent(db, limit=PAGE, action=action, before_id=_key("sebelum"))
    for row in rows:
        try:
            row["detail"] = json.loads(row["detail"] or "{}")
        except ValueError:
            pass
    addresses = [r["actor"][4:] for r in rows if r["actor"].startswith("sms:")]
    addresses += [r["target"] for r in rows if r["action"] == "contact_update" and r["target"]]
    names = inbox_queries.contact_names(db, addresses)
    for row in rows:
        row["sentence"] = labels.sentence(row, names)
    return render_template("admin/audit.html", rows=rows, action=action,
                           actions=sorted(labels.ACTION_NAMES.items(), key=lambda kv: kv[1]),
                           older=rows[-1]["id"] if len(rows) == PAGE else None)


def _staff_page(form=None, error=None, status=200, confirm_admin=False):
    db = runtime.db()
    return render_template("admin/staff.html", users=staff_accounts.all_users(db),
                           roles=staff_accounts.ROLES, kelurahan_list=places.all_kelurahan(),
                           opds=reference.opd_list(),
                           form=form or {}, error=error, confirm_admin=confirm_admin), status


def _check_staff_form(form) -> tuple[str | None, str | None, str | None]:
    """(role, kelurahan, problem): the role has no default, a kelurahan only with that role."""
    role = form.get("role") or ""
    typed = (form.get("kelurahan") or "").strip()
    kelurahan = places.resolve_kelurahan(typed) if typed else None
    if role not in staff_accounts.ROLES:
        return None, kelurahan, STAFF_TEXTS["no_role"]
    if role != "kelurahan" and typed:
        return role, kelurahan, STAFF_TEXTS["kelurahan_only"]
    if typed and not kelurahan:
        return role, None, f"Kelurahan {typed!r} tidak dikenal."
    if role != "opd" and form.get("opd"):
        return role, kelurahan, STAFF_TEXTS["opd_only"]
    return role, kelurahan, None


@bp.route("/staff", methods=["GET", "POST"])
@auth.role_required("admin")
def staff_list():
    if request.method == "GET":
        return _staff_page()
    db, form = runtime.db(), request.form
    username = (form.get("username") or "").strip()
    update = form.get("update") == "1"
    if form.get("active") in ("0", "1") and update:
        return _set_active(db, username, form["active"] == "1")
    role, kelurahan, problem = _check_staff_form(form)
    if problem:
        return _staff_page(form, problem, 400)
    if not update and staff_accounts.by_username(db, username):  # the CLI's words say --update
        return _staff_page(form, STAFF_TEXTS["exists"].format(username=username[:64]), 400)
    if role == "admin" and form.get("confirm_admin") != "1":
        return _staff_page(form, STAFF_TEXTS["confirm_admin"], 400, confirm_admin=True)
    password = form.get("password") or None
    try:
        with transaction(db):
            opd = form.get("opd") or None
            accounts.save_user(db, username, password, role, kelurahan, update=update, opd=opd)
            auth.record("staff_update" if update else "staff_create", username,
                        role=role, kelurahan=kelurahan, opd=opd, password_reset=bool(password))
    except staff_accounts.StaffError as exc:
        return _staff_page(form, str(exc), 400)
    flash(f"Akun {username} disimpan ({labels.ROLE_LABELS[role]}"
          + (f", Kel. {kelurahan}" if kelurahan else "")
          + (f", {form.get('opd')}" if role == "opd" else "") + ").", "info")
    return redirect(url_for("admin.staff_list"))


def _set_active(db, username: str, active: bool):
    try:
        with transaction(db):
            user = staff_accounts.by_username(db, username) or abort(404)
            if user["id"] == auth.current_user()["id"]:
                raise staff_accounts.StaffError("Tidak bisa menonaktifkan akun sendiri.")
            staff_accounts.set_active(db, user["id"], active)
            auth.record("staff_active", username, active=active)
        flash(f"Akun {username} {'diaktifkan' if active else 'dinonaktifkan'}.", "info")
    except staff_accounts.StaffError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.staff_list"))


@bp.route("/contacts")
@auth.role_required("admin")
def contacts():
    search = (request.args.get("cari") or "").strip()[:64]
    rows = inbox_queries.contacts_page(runtime.db(), search, PAGE, _key("sebelum"))
    return render_template("admin/contacts.html", rows=rows, search=search,
                           older=rows[-1]["id"] if len(rows) == PAGE else None,
                           roles=CONTACT_ROLES, kelurahan_list=places.all_kelurahan())


@bp.route("/contacts/impor", methods=["POST"])
@auth.role_required("admin")
def contacts_import():
    """The CLI's import from the browser: same checks, same all-or-nothing, line errors."""
    upload = request.files.get("berkas")
    back = redirect(url_for("admin.contacts"))
    if not upload or not upload.filename:
        flash("Pilih berkas CSV dulu.", "error")
        return back
    data = upload.stream.read(contact_import.MAX_BYTES + 1)
    try:
        parsed = contact_import.parse_csv(data)
    except contact_import.ImportRefused as exc:
        flash(f"Berkas ditolak: {exc}.", "error")
        return back
    skip = request.form.get("lewati") == "1"
    for line, reason in parsed.errors[:50]:
        flash(f"baris {line}: {reason}", "error")
    if parsed.errors and not skip:
        flash(f"{len(parsed.errors)} baris salah; tidak ada yang diimpor. Perbaiki berkasnya, "
              "atau centang 'lewati baris yang salah'.", "error")
        return back
    name = upload.filename.rsplit("/", 1)[-1][:100]
    report = contact_import.import_rows(runtime.db(), parsed.rows,
                                        auth.current_user()["username"], name,
                                        len(parsed.errors))
    flash(f"Diimpor {len(parsed.rows)} kontak: {report['created']} baru, {report['updated']} "
          f"diperbarui, {len(parsed.errors)} baris dilewati"
          + (f"; {len(report['opted_out'])} tetap berhenti berlangganan" if report["opted_out"]
             else "") + ".", "info")
    return back


@bp.route("/contacts/<int:contact_id>", methods=["POST"])
@auth.role_required("admin")
def contact_update(contact_id):
    db = runtime.db()
    row = contact_store.get(db, contact_id) or abort(404)
    role = request.form.get("role") or row["role"]
    typed = (request.form.get("kelurahan") or "").strip()
    kelurahan = places.resolve_kelurahan(typed) if typed else None
    opted_out = request.form.get("opted_out") == "1"
    back = redirect(url_for("admin.contacts", cari=request.form.get("cari") or None))
    if typed and kelurahan is None and role in CONTACT_ROLES:
        flash(f"Kelurahan {typed!r} tidak dikenal.", "error")
        return back
    kelurahan = kelurahan or row["kelurahan"]  # "-" keeps the contact's kelurahan
    try:
        contact_store.check_role(role, kelurahan)
    except ValueError as exc:
        flash(f"Kontak tidak disimpan: {exc}.", "error")
        return back
    actor = auth.current_user()["username"]
    kecamatan = places.kecamatan_of(kelurahan) if kelurahan else row["kecamatan"]
    changes = {field: [row[field], value] for field, value in
               (("role", role), ("kelurahan", kelurahan), ("kecamatan", kecamatan))
               if row[field] != value}
    with transaction(db):
        if changes:
            contact_store.set_role(db, contact_id, role, kelurahan, kecamatan)
        if bool(row["opted_out"]) != opted_out:
            contact_store.set_opt_out(db, contact_id, opted_out, f"staff:{actor}")
            changes["opted_out"] = [bool(row["opted_out"]), opted_out]
        if changes:
            auth.record("contact_update", row["address"], **changes)
    flash("Kontak disimpan." if changes else "Tidak ada perubahan.", "info")
    return back
