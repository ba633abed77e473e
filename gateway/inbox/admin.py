"""Admin pages: staff accounts, contacts (role, kelurahan, opt-out) and the audit log."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from data import audit, inbox_queries, staff_accounts
from data import contacts as contact_store
from data.contacts import ROLES as CONTACT_ROLES
from data.db import transaction
from gateway import accounts, auth, runtime
from parsers import places

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 50


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("hal", 1)), 10000))
    except ValueError:
        return 1


@bp.route("/audit")
@auth.role_required("admin")
def audit_log():
    action = (request.args.get("aksi") or "").strip()[:40] or None
    page = _page()
    rows = audit.recent(runtime.db(), limit=PAGE, action=action, offset=(page - 1) * PAGE)
    for row in rows:
        try:
            row["detail"] = json.loads(row["detail"] or "{}")
        except ValueError:
            pass
    return render_template("admin/audit.html", rows=rows, action=action, page=page,
                           more=len(rows) == PAGE)


@bp.route("/staff", methods=["GET", "POST"])
@auth.role_required("admin")
def staff_list():
    db = runtime.db()
    if request.method == "POST":
        form = request.form
        username = (form.get("username") or "").strip()
        role = form.get("role") or ""
        kelurahan = places.resolve_kelurahan(form.get("kelurahan")) if role == "kelurahan" \
            else None
        password = form.get("password") or None
        update = form.get("update") == "1"
        try:
            with transaction(db):
                if form.get("active") in ("0", "1") and update:
                    user = staff_accounts.by_username(db, username) or abort(404)
                    if user["id"] == auth.current_user()["id"]:
                        raise staff_accounts.StaffError("Tidak bisa menonaktifkan akun sendiri.")
                    staff_accounts.set_active(db, user["id"], form["active"] == "1")
                    auth.record("staff_active", username, active=form["active"] == "1")
                else:
                    accounts.save_user(db, username, password, role, kelurahan, update=update)
                    auth.record("staff_update" if update else "staff_create", username,
                                role=role, kelurahan=kelurahan, password_reset=bool(password))
            flash(f"Akun {username} disimpan.", "info")
        except staff_accounts.StaffError as exc:
            flash(str(exc), "error")
        return redirect(url_for("admin.staff_list"))
    return render_template("admin/staff.html", users=staff_accounts.all_users(db), roles=staff_accounts.ROLES,
                           kelurahan_list=places.all_kelurahan())


@bp.route("/contacts")
@auth.role_required("admin")
def contacts():
    search = (request.args.get("cari") or "").strip()[:64]
    page = _page()
    rows = inbox_queries.contacts_page(runtime.db(), search, PAGE, (page - 1) * PAGE)
    return render_template("admin/contacts.html", rows=rows, search=search, page=page,
                           more=len(rows) == PAGE, roles=CONTACT_ROLES,
                           kelurahan_list=places.all_kelurahan())


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
