"""The XLSX sheet "Usulan Musrenbang" (in the desk's export, gateway.inbox.export): the
ranked usulan in SIPD-style columns with their distinct supporters, in the order of the
printed priority list (data.usulan_queries.RANK)."""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell

from data import usulan, usulan_queries
from handlers.replies import CATEGORY_LABELS

TITLE = "Usulan Musrenbang"
HEADER = ["Peringkat", "Kode usulan", "Judul usulan", "Lokasi", "Kelurahan", "Kecamatan",
          "Kategori", "Volume", "Satuan", "Perkiraan biaya (Rp)", "OPD", "Prioritas",
          "Jumlah pendukung", "Jumlah tiket", "Status", "Siklus", "Isi aspirasi warga"]
WIDTHS = {"A": 10, "B": 12, "C": 40, "D": 28, "E": 18, "F": 14, "G": 14, "H": 9, "I": 9,
          "J": 18, "K": 26, "L": 10, "M": 12, "N": 10, "O": 14, "P": 8, "Q": 60}
STATUS_WORDS = {"terbuka": "terbuka", "kecamatan": "daftar kecamatan",
                "diteruskan": "diteruskan ke OPD", "selesai": "selesai"}


def filters(inbox_filters: dict, cycle: int | None, kind: str | None = None) -> dict:
    """The desk's filter as usulan filters: place and category carry over (dates do not: an
    usulan gathers needs of many days); the usulan of a kelurahan list (every live one), or
    with kind "kecamatan" of a kecamatan list; one cycle when asked."""
    chosen = {k: inbox_filters[k] for k in ("kelurahan", "kecamatan", "category")
              if inbox_filters.get(k)}
    chosen["statuses"] = usulan_queries.LISTS.get(kind or "", usulan_queries.LISTS["kelurahan"])
    if cycle:
        chosen["cycle"] = cycle
    return chosen


def fill(sheet, rows: list[dict], header, text) -> None:
    """Write the header and one row per usulan (header(sheet, names) and text(sheet, value)
    are the export's own helpers: bold header cells, text cells that never run)."""
    sheet.freeze_panes = "A2"
    for letter, width in WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    header(sheet, HEADER)
    for row in rows:
        cost = WriteOnlyCell(sheet, value=row["cost"])
        cost.number_format = "#,##0"
        sheet.append([
            row["rank"], usulan.code(row["id"]), text(sheet, row["title"]),
            text(sheet, row["location"]), row["kelurahan"], row["kecamatan"],
            CATEGORY_LABELS.get(row["category"], row["category"]), row["volume"],
            text(sheet, row["unit"]), cost, text(sheet, row["opd"]), row["priority"],
            row["supporters"], row["members"],
            STATUS_WORDS.get(row["status"], row["status"]), row["cycle"],
            text(sheet, " ".join((row["first_text"] or "").split()))])
