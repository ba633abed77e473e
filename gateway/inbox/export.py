"""Exports of the current filter that people open: XLSX (the main one: real cells, Indonesian
column names, a sheet "Usulan Musrenbang") and CSV (";" by default for Indonesian Excel,
"?sep=," for commas). Questions never appear; numbers are masked unless the role may see them.
"""

from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, Response, abort, request, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from data import clock, inbox_queries, usulan, usulan_queries
from data.addresses import national
from data.clock import to_wita, wita_today
from data.db import transaction
from gateway import auth, runtime, usulan_sheet
from gateway.inbox.common import FILTER_KEYS, read_filters
from gateway.inbox.labels import FILTER_LABELS
from handlers.replies import CATEGORY_LABELS

bp = Blueprint("export", __name__)
COLUMNS = dict(zip(inbox_queries.EXPORT_COLUMNS, range(len(inbox_queries.EXPORT_COLUMNS)),
                   strict=True))
# Sheet 1, one row per aspiration. "Jumlah pesan": inbound messages from the sender's number
# in total (all channels), a rough sign of how pressing the need is for them.
# "Kode usulan", "Pendukung usulan": the usulan the need is in (gateway.usulan_pages) and its
# distinct supporters.
HEADER = ["Nomor tiket", "Tanggal (WITA)", "Kelurahan", "Kecamatan", "Kategori", "Isi aspirasi",
          "Status", "OPD tujuan", "Ditugaskan ke", "Jumlah pesan", "Nama pengirim",
          "Nomor pengirim", "Kode usulan", "Pendukung usulan"]
WIDTHS = {"A": 12, "B": 17, "C": 18, "D": 14, "E": 14, "F": 60, "G": 13, "H": 30, "I": 14,
          "J": 12, "K": 22, "L": 16, "M": 12, "N": 10}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XLSX XML
SEPARATORS = {";": ";", ",": ","}


def neutralize(value) -> str:
    """CSV text a spreadsheet will not run: a leading ' before = + - @ tab or CR."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _record(filters: dict, kind: str, full: bool) -> None:
    db = runtime.db()
    with transaction(db):
        auth.record("export", None, format=kind, full_numbers=full,
                    filters={k: filters[k] for k in FILTER_KEYS if k in filters})


def _rows(filters: dict):
    return inbox_queries.export_rows(runtime.db(), filters, auth.scope_kelurahan())


def _number(address: str | None, full: bool) -> str:
    return national(address, masked=not full)


def _filters() -> dict:
    filters = read_filters(request.args)
    if filters.get("errors"):  # a file of everything would look like the filtered one
        abort(Response("Ekspor tidak dibuat: " + " ".join(filters["errors"]), 400,
                       mimetype="text/plain"))
    if filters.get("saya"):
        filters["assigned_to"] = auth.current_user()["id"]
    return filters


# --- CSV ----------------------------------------------------------------------------------------

def _lines(rows, full: bool, sep: str):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep)
    buffer.write("\ufeff")  # BOM: Excel then reads UTF-8 (kelurahan names, quotes) correctly
    writer.writerow(HEADER)
    c = COLUMNS
    for row in rows:
        writer.writerow([neutralize(v) for v in (
            row[c["ticket"]], to_wita(row[c["created_at"]]).strftime("%d/%m/%Y %H:%M"),
            row[c["kelurahan"]], row[c["kecamatan"]],
            CATEGORY_LABELS.get(row[c["category"]], row[c["category"]]),
            " ".join((row[c["text"]] or "").split()), row[c["status"]], row[c["opd"]],
            row[c["assignee"]], row[c["messages"]], row[c["contact_name"]])]
            + [_number(row[c["address"]], full)]  # 0812-…: text in Excel, no apostrophe
            + _usulan_cells(row))
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.route("/inbox/export.csv")
@auth.login_required
def csv_file():
    sep = SEPARATORS.get(request.args.get("sep") or ";", ";")
    filters, full = _filters(), auth.can_see_numbers()
    _record(filters, "csv", full)
    name = f"aspirasi-{wita_today().isoformat()}.csv"
    # content_type, not mimetype: Flask appends its own charset to a mimetype (charset twice)
    return Response(stream_with_context(_lines(_rows(filters), full, sep)),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- XLSX ---------------------------------------------------------------------------------------

def _text(sheet, value):
    """A string cell that stays text: openpyxl would store '=…' as a formula."""
    if value is None:
        return None
    text = ILLEGAL.sub("", str(value))
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def sheet_title(filters: dict) -> str:
    """The main sheet is named after the filter ("Infrastruktur · Girian Bawah")."""
    parts = [CATEGORY_LABELS.get(filters.get("category"), ""), filters.get("kelurahan") or
             filters.get("kecamatan") or "", filters.get("status") or ""]
    title = " · ".join(p for p in parts if p and p != "-") or "Aspirasi"
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


def _header(sheet, names: list[str]):
    bold = Font(bold=True)
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


def _usulan_cells(row) -> list:
    usulan_id = row[COLUMNS["usulan_id"]]
    return [usulan.code(usulan_id) if usulan_id else None, row[COLUMNS["supporters"]]]


def workbook(rows, filters: dict, full: bool, actor: str, proposals: list[dict]) -> bytes:
    """The XLSX file: the filtered aspirations, the ranked Usulan Musrenbang, and what was
    exported (filter, time, who)."""
    book = Workbook(write_only=True)
    main = book.create_sheet(sheet_title(filters))
    main.freeze_panes = "A2"
    for letter, width in WIDTHS.items():
        main.column_dimensions[letter].width = width
    _header(main, HEADER)
    usulan_sheet.fill(book.create_sheet(usulan_sheet.TITLE), proposals, _header, _text)
    c, count = COLUMNS, 0
    for row in rows:
        count += 1
        when = to_wita(row[c["created_at"]]).replace(tzinfo=None, microsecond=0)
        stamp = WriteOnlyCell(main, value=when)
        stamp.number_format = "DD/MM/YYYY HH:MM"
        category = CATEGORY_LABELS.get(row[c["category"]], row[c["category"]])
        text = " ".join((row[c["text"]] or "").split())
        main.append([row[c["ticket"]], stamp, row[c["kelurahan"]], row[c["kecamatan"]],
                     category, _text(main, text), row[c["status"]], row[c["opd"]],
                     row[c["assignee"]], row[c["messages"]], _text(main, row[c["contact_name"]]),
                     _number(row[c["address"]], full), *_usulan_cells(row)])
    info = book.create_sheet("Keterangan")
    wrap = Alignment(wrap_text=True)
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 22, 70
    shown = "; ".join(f"{FILTER_LABELS.get(k, k)}: {filters[k]}" for k in FILTER_KEYS
                      if filters.get(k)) or "semua aspirasi"
    for label, value in (
            ("Diunduh", clock.now().astimezone(clock.WITA).strftime("%d/%m/%Y %H:%M WITA")),
            ("Oleh", actor), ("Saringan", shown), ("Jumlah aspirasi", count),
            ("Nomor pengirim", "lengkap" if full else "disamarkan (peran Anda)"),
            ("Jumlah usulan", len(proposals)),
            ("Catatan", "Pertanyaan warga tidak termasuk. Lembar \"Usulan Musrenbang\": usulan "
                        "dengan kelurahan/kecamatan/kategori saringan ini (siklus: "
                        f"{filters.get('siklus') or 'semua'}), berurutan seperti daftar "
                        "prioritas; datanya diisi petugas di halaman usulan atau tiket.")):
        cell = WriteOnlyCell(info, value=ILLEGAL.sub("", value) if isinstance(value, str)
                             else value)
        cell.data_type = "s" if isinstance(value, str) else cell.data_type
        cell.alignment = wrap
        info.append([label, cell])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@bp.route("/inbox/export.xlsx")
@auth.login_required
def xlsx_file():
    filters, full = _filters(), auth.can_see_numbers()
    _record(filters, "xlsx", full)
    try:  # ?siklus=2027: one Musrenbang cycle on the usulan sheet
        cycle = int(request.args.get("siklus") or 0)
    except ValueError:
        cycle = 0
    cycle = cycle if 2000 <= cycle <= 2099 else None
    chosen = usulan_sheet.filters(filters, cycle, request.args.get("daftar"))
    proposals = usulan_queries.export_rows(runtime.db(), chosen, auth.scope_kelurahan())
    data = workbook(_rows(filters), {**filters, "siklus": cycle}, full,
                    auth.current_user()["username"], proposals)
    name = f"aspirasi-{wita_today().isoformat()}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
