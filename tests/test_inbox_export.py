"""CSV export for Musrenbang: BOM, Indonesian columns, current filter, masking, no formulas."""

from __future__ import annotations

import csv
import io

from data import audit
from tests.test_inbox_helpers import login, make_staff, seed


def read_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_columns_filter_and_full_numbers_for_staf(client, db):
    first = seed(db, "jalan rusak di kelurahan Madidir Ure")
    seed(db, "jalan rusak di kelurahan Madidir Ure lagi")  # same sender: 2 messages
    other = seed(db, "bantuan modal usaha nelayan di Manembo-nembo", "+6281300000002")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    response = client.get("/inbox/export.csv?kelurahan=Madidir+Ure")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["nomor tiket", "tanggal", "kelurahan", "kecamatan", "kategori", "usulan",
                       "status", "opd tujuan", "jumlah pesan", "nomor pengirim"]
    assert len(rows) == 3 and other["ticket"] not in {r[0] for r in rows}
    mine = next(r for r in rows if r[0] == first["ticket"])
    assert mine[2:5] == ["Madidir Ure", "Madidir", "Infrastruktur"]
    assert mine[8] == "2" and mine[9] == "'+6281234567890"
    entry = audit.recent(db, action="export")[0]
    assert entry["actor"] == "ani" and "Madidir Ure" in entry["detail"]


def test_export_masks_numbers_for_kelurahan_accounts(client, db):
    seed(db, "jalan rusak di kelurahan Madidir Ure")
    make_staff(db, "lurah", "kelurahan", "Madidir Ure")
    login(client, "lurah")
    rows = read_csv(client.get("/inbox/export.csv"))
    assert rows[1][9] == "'+62812****890"
    assert "+6281234567890" not in client.get("/inbox/export.csv").get_data(as_text=True)


def test_export_neutralizes_formulas_from_citizens(client, db):
    seed(db, '=HYPERLINK("http://evil.example","klik")')
    seed(db, "@SUM(1+1)", "+6281300000009")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    rows = read_csv(client.get("/inbox/export.csv"))
    texts = {r[5] for r in rows[1:]}
    assert texts == {"'=HYPERLINK(\"http://evil.example\",\"klik\")", "'@SUM(1+1)"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
