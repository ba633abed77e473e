"""CSV export of the current filter, for the Musrenbang proposal table (opens in Excel)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, request, stream_with_context

from data import inbox_queries
from data.addresses import mask_number
from data.clock import wita_today
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox.common import FILTER_KEYS, read_filters, wita
from handlers.replies import CATEGORY_LABELS

bp = Blueprint("export", __name__)
# "jumlah pesan": how many inbound messages the sender's number sent in total (all channels),
# a rough sign of how pressing the need is for that resident.
HEADER = ["nomor tiket", "tanggal", "kelurahan", "kecamatan", "kategori", "usulan", "status",
          "opd tujuan", "jumlah pesan", "nomor pengirim"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value) -> str:
    """Text a spreadsheet will not run: a leading ' before = + - @ tab or CR."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _lines(rows, full_numbers: bool):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # BOM: Excel then reads UTF-8 (kelurahan names, quotes) correctly
    writer.writerow(HEADER)
    for ticket, created, kel, kec, category, text, status, opd, address, count in rows:
        number = address if full_numbers else mask_number(address or "")
        writer.writerow([neutralize(v) for v in (
            ticket, wita(created, "%d/%m/%Y %H:%M"), kel, kec, CATEGORY_LABELS.get(category,
                                                                                   category),
            " ".join((text or "").split()), status, opd, count, number)])
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.route("/inbox/export.csv")
@auth.login_required
def csv_file():
    filters = read_filters(request.args)
    scope = auth.scope_kelurahan()
    full = auth.can_see_numbers()
    db = runtime.db()
    with transaction(db):
        auth.record("export", None, filters={k: filters[k] for k in FILTER_KEYS if k in filters},
                    full_numbers=full)
    rows = inbox_queries.export_rows(db, filters, scope)
    name = f"aspirasi-{wita_today().isoformat()}.csv"
    # content_type, not mimetype: Flask appends its own charset to a mimetype (charset twice)
    return Response(stream_with_context(_lines(rows, full)),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
