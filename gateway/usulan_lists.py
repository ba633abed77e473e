"""The Musrenbang priority lists: per kelurahan (every live usulan of the cycle) and per
kecamatan (those its kelurahan forums accepted), ranked (data.usulan_queries.RANK), on screen
and as an A4 print view (gateway/static/print.css: no navigation, full texts, page numbers,
the date, signature lines for the lurah or camat and the forum's secretary)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from data import clock, usulan_queries
from gateway import auth, runtime
from gateway.usulan_forms import list_filters, read_list
from gateway.usulan_pages import STATUS_LABELS
from parsers import places

bp = Blueprint("prioritas", __name__, url_prefix="/musrenbang")
PAGE_SIZE = 100
TITLES = {"kelurahan": "Daftar prioritas usulan Musrenbang Kelurahan {kelurahan}",
          "kecamatan": "Daftar prioritas usulan Musrenbang Kecamatan {kecamatan}"}
# Who signs the printed list: the head of the place and the forum's secretary.
SIGNERS = {"kelurahan": ("Lurah {kelurahan}", "Sekretaris Forum Musrenbang Kelurahan"),
           "kecamatan": ("Camat {kecamatan}", "Sekretaris Forum Musrenbang Kecamatan")}


def _chosen() -> dict | None:
    chosen, problem = read_list(request.args, auth.scope_kelurahan())
    if problem == "forbidden":
        abort(404)
    return None if problem else chosen


def _title(chosen: dict) -> str:
    return TITLES[chosen["kind"]].format(**{k: chosen.get(k) for k in ("kelurahan", "kecamatan")})


@bp.route("/prioritas")
@auth.role_required("admin", "staf", "kelurahan")
def index():
    chosen = _chosen()
    db = runtime.db()
    rows, total, page = [], 0, 1
    if chosen:
        try:
            page = max(1, min(int(request.args.get("hal", 1)), 10000))
        except ValueError:
            page = 1
        filters = list_filters(chosen)
        rows = usulan_queries.ranked(db, filters, auth.scope_kelurahan(), PAGE_SIZE,
                                     (page - 1) * PAGE_SIZE)
        total = usulan_queries.count(db, filters, auth.scope_kelurahan())
    kecamatan = sorted({r["kecamatan"] for r in places.all_kelurahan()})
    return render_template(
        "usulan/priority.html", chosen=chosen, rows=rows, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), title=_title(chosen) if chosen else None,
        kelurahan_list=places.all_kelurahan(), kecamatan_list=kecamatan,
        cycles=usulan_queries.cycles(db) or [clock.wita_today().year], labels=STATUS_LABELS,
        args=request.args)


@bp.route("/prioritas/cetak")
@auth.role_required("admin", "staf", "kelurahan")
def printable():
    chosen = _chosen() or abort(400, description="Pilih kelurahan atau kecamatan dan siklus.")
    rows = usulan_queries.ranked(runtime.db(), list_filters(chosen), auth.scope_kelurahan(),
                                 limit=None, full_text=True)
    place = {k: chosen.get(k) for k in ("kelurahan", "kecamatan")}
    head, secretary = SIGNERS[chosen["kind"]]
    return render_template(
        "usulan/print.html", rows=rows, chosen=chosen, title=_title(chosen),
        printed=clock.now().astimezone(clock.WITA), signers=(head.format(**place), secretary),
        labels=STATUS_LABELS)
