"""The dashboard: counts by category × place and status, weekly chart, overdue `baru`."""

from __future__ import annotations

import re
from datetime import timedelta

from data.clock import parse as parse_utc
from data.db import transaction
from tests.test_inbox_helpers import login, make_staff, seed


def test_dashboard_counts_and_inline_svg(client, db):
    seed(db, "jalan rusak di kelurahan Madidir Ure")
    seed(db, "lampu jalan mati di Girian Bawah", "+6281300000001")
    seed(db, "wisata pantai kotor di Batu Lubang", "+6281300000003")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.count('<svg class="chart"') == 3
    assert "<script" not in html.split("</head>")[1]
    table = html.split('id="place-table"')[1]
    assert "Madidir" in table and "Girian Bawah" in table and "Lembeh Selatan" in table
    total = re.search(r"<tfoot>.*?</tfoot>", table, re.S).group(0)
    assert re.findall(r'class="num">(\d+)<', total) == ["2", "0", "1", "0", "3"]
    assert "Tidak ada aspirasi baru yang melewati 3 hari kerja" in html
    weeks = html.split("Per minggu")[1].split("</svg>")[0]
    values = re.findall(r'class="value"[^>]*>(\d+)<', weeks)
    assert len(values) == 12 and values[-1] == "3" and set(values[:-1]) == {"0"}


def test_old_unanswered_aspirations_are_flagged(client, db):
    old = seed(db, "jalan rusak di kelurahan Madidir Ure")
    fresh = seed(db, "lampu jalan mati di Girian Bawah", "+6281300000001")
    # No data function backdates a row: only the clock makes an aspiration old.
    ten_days_ago = (parse_utc(old["created_at"]) - timedelta(days=10)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    with transaction(db):
        db.execute("UPDATE aspirations SET created_at = ? WHERE id = ?", [ten_days_ago, old["id"]])
    make_staff(db, "ani", "staf")
    login(client, "ani")
    html = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'id="overdue-count">1 aspirasi', html)
    overdue = html.split('id="overdue-count"')[1].split("</table>")[0]
    assert old["ticket"] in overdue and fresh["ticket"] not in overdue
