"""Exports people open: XLSX (real cells, Indonesian columns, Usulan Musrenbang) and CSV (";"
by default, "," on request), the current filter, masking, no formulas, no apostrophes."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl

from data import audit, usulan
from data.db import transaction
from handlers import grouping
from tests.test_inbox_helpers import login, make_staff, post, seed


def read_csv(response, sep: str = ";") -> list[list[str]]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep))


def read_xlsx(response):
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


HEADER = ["Nomor tiket", "Tanggal (WITA)", "Kelurahan", "Kecamatan", "Kategori", "Isi aspirasi",
          "Status", "OPD tujuan", "Ditugaskan ke", "Jumlah pesan", "Nama pengirim",
          "Nomor pengirim", "Kode usulan", "Pendukung usulan"]


def test_csv_uses_semicolons_by_default_and_commas_on_request(client, db):
    first = seed(db, "jalan rusak di kelurahan Madidir Ure")
    seed(db, "jalan rusak di kelurahan Madidir Ure lagi")  # same sender: 2 messages
    other = seed(db, "bantuan modal usaha nelayan di Manembo-nembo", "+6281300000002")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    response = client.get("/inbox/export.csv?kelurahan=Madidir+Ure")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == HEADER
    assert len(rows) == 3 and other["ticket"] not in {r[0] for r in rows}
    mine = next(r for r in rows if r[0] == first["ticket"])
    assert mine[2:5] == ["Madidir Ure", "Madidir", "Infrastruktur"]
    assert mine[9] == "2" and mine[11] == "0812-3456-7890"  # text in Excel, no apostrophe
    commas = read_csv(client.get("/inbox/export.csv?kelurahan=Madidir+Ure&sep=,"), sep=",")
    assert commas == rows
    assert client.get("/inbox/export.csv?sep=%7C").get_data().decode("utf-8-sig").startswith(
        "Nomor tiket;")  # an unknown separator falls back to ";"
    entry = audit.recent(db, action="export")[-1]
    assert entry["actor"] == "ani" and "Madidir Ure" in entry["detail"]


def test_kategori_is_the_same_filter_as_category(client, db):
    seed(db, "jalan rusak di kelurahan Madidir Ure")
    fish = seed(db, "bantuan modal usaha nelayan", "+6281300000002")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    rows = read_csv(client.get("/inbox/export.csv?kategori=ekonomi"))
    assert [r[0] for r in rows[1:]] == [fish["ticket"]]


def test_export_masks_numbers_for_kelurahan_accounts(client, db):
    seed(db, "jalan rusak di kelurahan Madidir Ure")
    make_staff(db, "lurah", "kelurahan", "Madidir Ure")
    login(client, "lurah")
    rows = read_csv(client.get("/inbox/export.csv"))
    assert rows[1][11] == "0812****890"
    assert "81234567890" not in client.get("/inbox/export.csv").get_data(as_text=True)
    book = read_xlsx(client.get("/inbox/export.xlsx"))
    assert book.worksheets[0]["L2"].value == "0812****890"


def test_csv_neutralizes_formulas_from_citizens(client, db):
    seed(db, '=HYPERLINK("http://evil.example","klik")')
    seed(db, "@SUM(1+1)", "+6281300000009")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    rows = read_csv(client.get("/inbox/export.csv"))
    texts = {r[5] for r in rows[1:]}
    assert texts == {"'=HYPERLINK(\"http://evil.example\",\"klik\")", "'@SUM(1+1)"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_xlsx_has_real_cells_indonesian_columns_and_no_formulas(client, db):
    road = seed(db, "jalan rusak di kelurahan Madidir Ure")
    evil = seed(db, '=HYPERLINK("http://evil.example","klik")', "+6281300000009")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    book = read_xlsx(client.get("/inbox/export.xlsx"))
    assert book.sheetnames == ["Aspirasi", "Usulan Musrenbang", "Keterangan"]
    sheet = book["Aspirasi"]
    assert [c.value for c in sheet[1]] == HEADER
    by_ticket = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    row = by_ticket[road["ticket"]]
    assert isinstance(row[1].value, datetime) and row[1].number_format == "DD/MM/YYYY HH:MM"
    assert row[9].value == 1 and isinstance(row[9].value, int)
    assert row[11].value == "0812-3456-7890"
    formula = by_ticket[evil["ticket"]][5]
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")  # text, shown as is
    assert book["Keterangan"]["B4"].value == 2


def test_xlsx_usulan_sheet_ranks_the_usulan_with_their_supporters(client, db, settings):
    road = seed(db, "jalan rusak di kelurahan Madidir Ure")
    again = seed(db, "jln rusak parah kel. madidir ure", "+6281300000008")
    lamp = seed(db, "lampu jalan mati kel. Madidir Ure", "+6281300000007")
    with transaction(db):
        for row in (road, again, lamp):
            grouping.sync(db, settings, db["aspirations"].get(row["id"]))
    make_staff(db, "ani", "staf")
    login(client, "ani")
    response = post(client, f"/inbox/{road['ticket']}/usulan", {
        "title": "Perbaikan jalan lingkungan", "location": "Lingk. III dekat pasar",
        "volume": "120,5", "unit": "m", "cost": "150.000.000", "opd": "Dinas PUPR",
        "priority": "2"})
    assert response.status_code == 302
    book = read_xlsx(client.get("/inbox/export.xlsx?kelurahan=Madidir+Ure"))
    assert book.sheetnames == ["Madidir Ure", "Usulan Musrenbang", "Keterangan"]
    sheet = book["Usulan Musrenbang"]
    assert [c.value for c in sheet[1]] == [
        "Peringkat", "Kode usulan", "Judul usulan", "Lokasi", "Kelurahan", "Kecamatan",
        "Kategori", "Volume", "Satuan", "Perkiraan biaya (Rp)", "OPD", "Prioritas",
        "Jumlah pendukung", "Jumlah tiket", "Status", "Siklus", "Isi aspirasi warga"]
    cycle = usulan.get(db, 1)["cycle"]
    assert [c.value for c in sheet[2]] == [
        1, "U-0001", "Perbaikan jalan lingkungan", "Lingk. III dekat pasar", "Madidir Ure",
        "Madidir", "Infrastruktur", 120.5, "m", 150000000, "Dinas PUPR", 2, 2, 2, "terbuka",
        cycle, "jalan rusak di kelurahan Madidir Ure"]
    assert [c.value for c in sheet[3]][:2] == [2, "U-0002"] and sheet["M3"].value == 1
    assert sheet["J2"].number_format == "#,##0"
    main = {row[0].value: [c.value for c in row] for row in book["Madidir Ure"].iter_rows(
        min_row=2)}
    assert main[again["ticket"]][-2:] == ["U-0001", 2]
    bad = post(client, f"/inbox/{road['ticket']}/usulan", {"cost": "seratus juta"})
    assert bad.status_code == 302
    assert usulan.get(db, 1)["cost"] == 150000000
    assert "usulan_fields" in {e["action"] for e in audit.recent(db)}


def test_xlsx_usulan_fields_typed_by_staff_never_become_formulas(client, db, settings):
    road = seed(db, "jalan rusak di kelurahan Madidir Ure")
    with transaction(db):
        grouping.sync(db, settings, db["aspirations"].get(road["id"]))
    make_staff(db, "ani", "staf")
    login(client, "ani")
    typed = {"title": '=HYPERLINK("http://evil.example","klik")', "location": "=1+1",
             "unit": "=SUM(A1:A9)", "volume": "1"}
    assert post(client, f"/inbox/{road['ticket']}/usulan", typed).status_code == 302
    assert usulan.get(db, 1)["unit"] == "=SUM(A1:A9)"  # kept as typed
    sheet = read_xlsx(client.get("/inbox/export.xlsx?kelurahan=Madidir+Ure"))["Usulan Musrenbang"]
    cells = {c.column_letter: c for c in sheet[2]}
    for letter, value in (("C", typed["title"]), ("D", "=1+1"), ("I", "=SUM(A1:A9)")):
        assert cells[letter].data_type == "s" and cells[letter].value == value  # text, shown as is


def test_an_export_with_a_bad_date_says_so_instead_of_exporting_everything(client, db):
    seed(db, "jalan rusak di kelurahan Madidir Ure")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    for path in ("/inbox/export.csv", "/inbox/export.xlsx"):
        for query in ("dari=31-02-2026", "dari=2026-12-01&sampai=2026-11-01"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            text = response.get_data(as_text=True)
            assert text.startswith("Ekspor tidak dibuat:") and "Jalan" not in text
    assert client.get("/inbox/export.csv?dari=2026-11-01").status_code == 200
