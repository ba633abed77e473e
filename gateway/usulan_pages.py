"""Usulan pages: the list, one usulan (its needs, supporters, SIPD-style fields, status),
and the staff decisions on the grouping (confirm, split, merge), each audited.

A `kelurahan` account sees and decides only its own kelurahan's usulan (another one is a 404);
forwarding to an OPD and finishing are the planning office's (admin, staf).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from data import opd_items, reference, usulan, usulan_edits, usulan_queries
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox import labels
from gateway.usulan_forms import read_fields, read_list_filters, read_status
from handlers import grouping, outcomes, queue

bp = Blueprint("usulan", __name__, url_prefix="/usulan")
PAGE_SIZE = 100
PLANNING = ("admin", "staf")
DESK = ("admin", "staf", "kelurahan")
STATUS_LABELS = {"terbuka": "terbuka (dikumpulkan)", "kecamatan": "masuk daftar kecamatan",
                 "diteruskan": "diteruskan ke OPD", "selesai": "selesai", "ditolak": "ditolak",
                 "digabung": "digabung"}
HOW_LABELS = {"pendiri": "pesan pertama", "mirip": "pesan serupa (otomatis)",
              "staf": "dipindah petugas"}
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")


@bp.app_template_filter("usulan_code")
def code_filter(value) -> str:
    return usulan.code(int(value))


@bp.app_template_filter("replace_page")
def replace_page(query: str, page: int) -> str:
    """The same query string on another page (`hal`)."""
    pairs = [(k, v) for k, v in parse_qsl(query) if k != "hal"]
    return urlencode([*pairs, ("hal", page)])


@bp.app_template_filter("rupiah")
def rupiah(value) -> str:
    return "-" if value in (None, "") else "Rp " + f"{int(value):,}".replace(",", ".")


@bp.app_template_filter("tanggal")
def tanggal(moment) -> str:
    """A date as printed on official letters: 30 November 2026."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def desk(rule: str, **options):
    """A route of the usulan desk (admin, staf, kelurahan)."""
    def decorate(view):
        return bp.route(rule, **options)(auth.role_required(*DESK)(view))

    return decorate


def load(code: str) -> dict:
    """The usulan in the user's scope, or 404 (another kelurahan's looks missing)."""
    row = usulan.get(runtime.db(), usulan.id_of(code) or 0)
    scope = auth.scope_kelurahan()
    if row is None or (scope is not None and row["kelurahan"] != scope):
        abort(404)
    return row


def _back(row: dict):
    return redirect(url_for("usulan.show", code=usulan.code(row["id"])))


def _audit(row: dict, action: str, **detail) -> None:
    auth.record(action, usulan.code(row["id"]), **detail)


@desk("/")
def index():
    filters = read_list_filters(request.args)
    db, scope = runtime.db(), auth.scope_kelurahan()
    page = filters.pop("page")
    rows = usulan_queries.ranked(db, filters, scope, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    total = usulan_queries.count(db, filters, scope)
    return render_template("usulan/list.html", rows=rows, total=total, filters=filters,
                           page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           cycles=usulan_queries.cycles(db), labels=STATUS_LABELS)


@desk("/<code>")
def show(code):
    row = load(code)
    if row["status"] == "digabung" and row["merged_into"]:
        flash(f"{usulan.code(row['id'])} sudah digabung ke {usulan.code(row['merged_into'])}.",
              "info")
        return redirect(url_for("usulan.show", code=usulan.code(row["merged_into"])))
    db = runtime.db()
    return render_template(
        "usulan/detail.html", row=row, code=usulan.code(row["id"]),
        members=usulan_queries.members(db, row["id"]),
        supporters=usulan_queries.supporters(db, row["id"]),
        history=_history(db, usulan.code(row["id"])),
        outcomes=usulan.outcomes(db, row["id"]), answers=opd_items.answers(db, usulan_id=row["id"]),
        next_statuses=_allowed(row), opds=reference.opd_list(), labels=STATUS_LABELS,
        how_labels=HOW_LABELS, can_see_numbers=auth.can_see_numbers())


def _history(db, code: str) -> list[dict]:
    """What staff did to this usulan, in sentences (the audit log's words)."""
    rows = usulan_queries.history(db, code)
    for row in rows:
        try:
            row["detail"] = json.loads(row["detail"] or "{}")
        except ValueError:
            row["detail"] = {}
        row["sentence"] = labels.sentence({**row, "target": code}, {})
    return rows


def _allowed(row: dict) -> tuple[str, ...]:
    planning = auth.current_user()["role"] in PLANNING
    return tuple(s for s in usulan_edits.next_statuses(row["status"])
                 if planning or s not in ("diteruskan", "selesai"))


@desk("/<code>/konfirmasi", methods=["POST"])
def confirm(code):
    row, db = load(code), runtime.db()
    with transaction(db):
        changed = usulan_edits.confirm(db, row["id"], auth.current_user()["username"])
        _audit(row, "usulan_confirm", members=row["members"], newly_confirmed=changed)
    flash(f"Pengelompokan dikonfirmasi: {row['members']} tiket dalam usulan ini.", "info")
    return _back(row)


@desk("/<code>/pisah", methods=["POST"])
def split(code):
    row, db = load(code), runtime.db()
    chosen = [int(v) for v in request.form.getlist("aspirasi") if v.isdigit()]
    with transaction(db):
        new = usulan_edits.split(db, row, chosen, lambda a: grouping.terms_of(a))
        if new is not None:
            _audit(row, "usulan_split", moved=len(chosen), new=usulan.code(new["id"]))
            _audit(new, "usulan_split_from", source=usulan.code(row["id"]))
    if new is None:
        flash("Pilih sebagian tiket (bukan semua) untuk dipisahkan.", "error")
        return _back(row)
    flash(f"Tiket terpilih dipisahkan menjadi usulan baru {usulan.code(new['id'])}.", "info")
    return _back(new)


@desk("/<code>/gabung", methods=["POST"])
def merge(code):
    row, db = load(code), runtime.db()
    target = usulan.get(db, usulan.id_of(request.form.get("ke") or "") or 0)
    scope = auth.scope_kelurahan()
    problem = None
    if target is None or target["id"] == row["id"] or (scope and target["kelurahan"] != scope):
        problem = "Kode usulan tujuan tidak ditemukan."
    elif target["kelurahan"] != row["kelurahan"]:
        problem = "Hanya usulan dari kelurahan yang sama yang bisa digabung."
    elif target["status"] not in usulan.OPEN or row["status"] not in usulan.OPEN:
        problem = "Usulan yang sudah selesai, ditolak atau digabung tidak bisa digabung."
    if problem:
        flash(problem, "error")
        return _back(row)
    with transaction(db):
        usulan_edits.merge(db, row, target)
        _audit(row, "usulan_merge", into=usulan.code(target["id"]))
        _audit(target, "usulan_merge_from", source=usulan.code(row["id"]))
    flash(f"{usulan.code(row['id'])} digabung ke {usulan.code(target['id'])}.", "info")
    return _back(target)


@desk("/<code>/data", methods=["POST"])
def fields(code):
    row, db = load(code), runtime.db()
    values, problem = read_fields(request.form, reference.opd_list())
    if problem:
        flash(problem, "error")
        return _back(row)
    with transaction(db):
        changed = usulan_edits.save_fields(db, row["id"], values)
        if changed:
            _audit(row, "usulan_fields", changes={k: list(v) for k, v in changed.items()})
    flash("Data usulan disimpan." if changed else "Tidak ada yang berubah.", "info")
    return _back(row)


@desk("/<code>/status", methods=["POST"])
def status(code):
    row, db = load(code), runtime.db()
    new_status, opd, note, problem = read_status(request.form, _allowed(row),
                                                 reference.opd_list())
    if problem:
        flash(problem, "error")
        return _back(row)
    with transaction(db):
        broadcast_id = outcomes.change_status(db, row, new_status,
                                              auth.current_user()["username"], opd, note)
        _audit(row, "usulan_status", old=row["status"], new=new_status, opd=opd, note=note,
               told=broadcast_id)
    if broadcast_id:
        queue.try_wake(runtime.settings().effective_redis_url, "broadcast", broadcast_id)
        flash(f"Status: {STATUS_LABELS[new_status]}. Pendukung dikabari lewat SMS.", "info")
    else:
        flash(f"Status: {STATUS_LABELS[new_status]}.", "info")
    return _back(row)
