"""The inbox list: masking, order, filters, search, facets, paging, kelurahan scope, escaping."""

from __future__ import annotations

import re

import pytest

from data import aspiration_edits as staff
from data.db import transaction
from tests.test_inbox_helpers import login, make_staff, post, seed

TEXTS = [
    ("jalan rusak di kelurahan Madidir Ure", "+6281234567890"),
    ("lampu jalan mati di Girian Bawah", "+6281300000001"),
    ("bantuan modal usaha nelayan di Manembo-nembo", "+6281300000002"),
    ("wisata pantai kotor di Batu Lubang", "+6281300000003"),
    ("Jalán rusák parah di Madidir Ure", "+6281300000004"),
]


@pytest.fixture
def rows(db):
    return [seed(db, text, address) for text, address in TEXTS]


@pytest.fixture
def staf(client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    return client


def tickets_in(html: str) -> list[str]:
    return re.findall(r'class="ticket" href="/inbox/([A-Z0-9]{5})"', html)


def test_list_is_newest_first_with_masked_numbers(staf, rows):
    html = staf.get("/inbox").get_data(as_text=True)
    assert tickets_in(html) == [r["ticket"] for r in reversed(rows)]
    assert "+62812****890" in html
    assert "+6281234567890" not in html
    assert "Madidir Ure" in html and "Infrastruktur" in html


def test_filters_combine_and_show_facet_counts(staf, rows):
    html = staf.get("/inbox?category=infrastruktur&kelurahan=Madidir+Ure").get_data(as_text=True)
    expected = [r["ticket"] for r in rows
                if r["category"] == "infrastruktur" and r["kelurahan"] == "Madidir Ure"]
    assert rows[0]["ticket"] in expected and rows[1]["ticket"] not in expected
    assert sorted(tickets_in(html)) == sorted(expected)
    html = staf.get("/inbox").get_data(as_text=True)
    facet = re.search(r'category=infrastruktur">Infrastruktur</a>\s*<span class="muted">(\d+)',
                      html)
    assert facet and int(facet.group(1)) == sum(r["category"] == "infrastruktur" for r in rows)
    assert int(facet.group(1)) >= 2
    assert 'href="/inbox?kelurahan=Madidir+Ure"' in html  # bookmarkable filter links


def test_status_channel_and_date_filters(staf, db, rows):
    with transaction(db):
        staff.change_status(db, rows[1], "diverifikasi", "ani")
    html = staf.get("/inbox?status=diverifikasi").get_data(as_text=True)
    assert tickets_in(html) == [rows[1]["ticket"]]
    assert tickets_in(staf.get("/inbox?channel=whatsapp").get_data(as_text=True)) == []
    day = rows[0]["created_at"][:10]
    assert len(tickets_in(staf.get(f"/inbox?dari=2000-01-01&sampai={day}")
                          .get_data(as_text=True))) >= 1
    assert tickets_in(staf.get("/inbox?sampai=2000-01-01").get_data(as_text=True)) == []
    assert staf.get("/inbox?dari=bukan-tanggal&status=ngawur").status_code == 200


def test_search_folds_case_and_diacritics(staf, rows):
    html = staf.get("/inbox?q=JALAN+rusak").get_data(as_text=True)
    assert sorted(tickets_in(html)) == sorted([rows[0]["ticket"], rows[4]["ticket"]])
    html = staf.get("/inbox?q=rusák").get_data(as_text=True)
    assert rows[0]["ticket"] in tickets_in(html)
    html = staf.get(f"/inbox?q={rows[2]['ticket']}").get_data(as_text=True)
    assert tickets_in(html) == [rows[2]["ticket"]]


@pytest.mark.parametrize("query", ['"', "*", "AND(", 'jalan" OR "', "NEAR(jalan", "-", "^"])
def test_search_syntax_cannot_break_the_page(staf, rows, query):
    response = staf.get("/inbox", query_string={"q": query})
    assert response.status_code == 200


def test_search_keeps_other_filters(staf, rows):
    html = staf.get("/inbox?q=jalan&kelurahan=Girian+Bawah").get_data(as_text=True)
    assert tickets_in(html) == [rows[1]["ticket"]]


def test_keyset_paging_fifty_a_page(staf, db):
    for n in range(53):
        seed(db, f"usulan nomor {n} jalan rusak berlubang", f"+628130000{n:04d}")
    first_html = staf.get("/inbox?category=infrastruktur").get_data(as_text=True)
    first = tickets_in(first_html)
    older = re.search(r'id="page-older" href="([^"]+)"', first_html).group(1)
    assert "sebelum=" in older and "category=infrastruktur" in older and "OFFSET" not in older
    second_html = staf.get(older.replace("&amp;", "&")).get_data(as_text=True)
    second = tickets_in(second_html)
    assert len(first) == 50 and len(second) == 3 and not set(first) & set(second)
    assert 'id="page-older"' not in second_html  # the end
    newer = re.search(r'id="page-newer" href="([^"]+)"', second_html).group(1)
    back = tickets_in(staf.get(newer.replace("&amp;", "&")).get_data(as_text=True))
    assert back == first  # the page before, exactly
    assert 'id="page-newer"' not in first_html


def test_kelurahan_account_sees_only_its_kelurahan(client, db, rows):
    make_staff(db, "lurah", "kelurahan", "Madidir Ure")
    login(client, "lurah")
    html = client.get("/inbox").get_data(as_text=True)
    assert sorted(tickets_in(html)) == sorted([rows[0]["ticket"], rows[4]["ticket"]])
    # asking for another kelurahan in the URL does not widen the scope
    assert tickets_in(client.get("/inbox?kelurahan=Girian+Bawah").get_data(as_text=True)) == []
    assert client.get(f"/inbox/{rows[1]['ticket']}").status_code == 404
    for action in ("status", "catatan", "balas", "koreksi"):
        response = post(client, f"/inbox/{rows[1]['ticket']}/{action}",
                        {"status": "diverifikasi", "body": "x", "category": "ekonomi"})
        assert response.status_code == 404
    assert db.execute("SELECT count(*) FROM status_changes").fetchone()[0] == 0
    csv_text = client.get("/inbox/export.csv").get_data(as_text=True)
    assert rows[0]["ticket"] in csv_text and rows[1]["ticket"] not in csv_text
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Girian Bawah" not in dashboard


def test_message_text_is_escaped(staf, db):
    row = seed(db, '<script>alert(1)</script><img src=x onerror=alert(2)> jalan rusak')
    html = staf.get("/inbox").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    detail = staf.get(f"/inbox/{row['ticket']}").get_data(as_text=True)
    assert "<script>alert(1)" not in detail and "&lt;img src=x" in detail


def test_counts_stay_exact_after_changes(staf, db, rows):
    def total_and_verified():
        html = staf.get("/inbox").get_data(as_text=True)
        total = int(re.search(r'class="muted">([\d.]+) aspirasi', html).group(1))
        verified = re.search(r'status=diverifikasi">diverifikasi</a>\s*<span class="muted">(\d+)',
                             html)
        return total, int(verified.group(1)) if verified else 0

    assert total_and_verified() == (5, 0)
    with transaction(db):
        staff.change_status(db, rows[0], "diverifikasi", "ani")
    assert total_and_verified() == (5, 1)
    seed(db, "drainase tersumbat di Girian Bawah", "+6281300000077")
    assert total_and_verified() == (6, 1)
    with transaction(db):
        staff.correct(db, rows[1], "category", "ekonomi", "ani")
    html = staf.get("/inbox?category=ekonomi").get_data(as_text=True)
    assert rows[1]["ticket"] in tickets_in(html)
    assert re.search(r'class="muted">(\d+) aspirasi', html).group(1) == str(
        sum(r["category"] == "ekonomi" for r in rows) + 1)
