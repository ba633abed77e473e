"""The inbox list: filters and search in the query string, facet counts, 50 a page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from data import inbox_queries
from gateway import auth, runtime
from gateway.inbox.common import query_string, read_filters

bp = Blueprint("inbox", __name__)
PAGE_SIZE = 50
MAX_PAGE = 2000  # deeper than this, narrow the filter instead (OFFSET grows linearly)


@bp.route("/inbox")
@auth.login_required
def index():
    filters = read_filters(request.args)
    try:
        page_number = max(1, min(int(request.args.get("hal", 1)), MAX_PAGE))
    except ValueError:
        page_number = 1
    db = runtime.db()
    scope = auth.scope_kelurahan()
    rows = inbox_queries.page(db, filters, scope, PAGE_SIZE, (page_number - 1) * PAGE_SIZE)
    total, facets = inbox_queries.facets(db, filters, scope)
    facets = dict(facets)  # a cached value: never change it in place
    if scope is not None:
        facets.pop("kelurahan", None)
        facets.pop("kecamatan", None)
    return render_template(
        "inbox/list.html", rows=rows, total=total, facets=facets, filters=filters,
        page=page_number, pages=max(1, -(-total // PAGE_SIZE)), query_string=query_string,
        show_numbers=False, tabs=inbox_queries.tabs(db, scope))
