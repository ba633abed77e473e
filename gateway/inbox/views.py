"""The inbox list: filters and search in the query string, facet counts, keyset pages of 50."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from data import inbox_queries, media
from gateway import auth, runtime
from gateway.inbox.bulk import ACTIONS
from gateway.inbox.common import query_string, read_filters
from handlers.replies import CATEGORY_LABELS

bp = Blueprint("inbox", __name__)
PAGE_SIZE = 50
PLACEHOLDER_TEXTS = ("(foto", "(pesan suara", "(video", "(dokumen", "(lampiran", "(lokasi")


def _position(name: str) -> int | None:
    try:
        return int(request.args.get(name) or 0) or None
    except ValueError:
        return None


@bp.route("/inbox")
@auth.login_required
def index():
    filters = read_filters(request.args)
    errors = filters.pop("errors", [])
    db = runtime.db()
    user = auth.current_user()
    scope = auth.scope_kelurahan()
    if filters.get("saya"):
        filters["assigned_to"] = user["id"]
    before = inbox_queries.cursor_of(db, _position("sebelum"))
    after = None if before else inbox_queries.cursor_of(db, _position("sesudah"))
    rows, more = inbox_queries.page(db, filters, scope, PAGE_SIZE, before=before, after=after)
    kinds = media.kinds_for_tickets(db, [r["id"] for r in rows])
    for row in rows:
        row["media"] = kinds.get(row["id"], [])
        row["placeholder"] = (row["text"] or "").startswith(PLACEHOLDER_TEXTS)
    total, facets = inbox_queries.facets(db, filters, scope)
    facets = {name: values for name, values in facets.items() if values}  # never mutate cache
    if scope is not None:
        facets.pop("kelurahan", None)
        facets.pop("kecamatan", None)
    older = rows[-1]["id"] if rows and (more or after) else None
    newer = rows[0]["id"] if rows and (before or (after and more)) else None
    return render_template(
        "inbox/list.html", rows=rows, total=total, errors=errors, facets=facets, filters=filters,
        older=older, newer=newer, first_page=not (before or after),
        query_string=query_string, show_numbers=False,
        tabs=inbox_queries.tabs(db, scope, user["id"]), bulk_actions=ACTIONS,
        staff=_assignees(db, scope), categories=CATEGORY_LABELS)


def _assignees(db, scope: str | None) -> list[dict]:
    from data import staff_accounts

    return [u for u in staff_accounts.all_users(db) if u["active"] and (
        u["role"] != "kelurahan" or scope is None or u["kelurahan"] == scope)]
