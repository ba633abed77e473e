"""Shared helpers for the staff inbox tests, and tests of the small pure pieces they rely on."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest

import parsers
from data import aspirations, contacts, messages
from data.db import transaction
from data.inbox_queries import fts_query
from gateway import accounts
from gateway.inbox import dashboard, texts, workflow
from gateway.inbox.export import neutralize
from gateway.twilio_payload import inbound_record
from handlers.replies import fits_one_segment

PASSWORD = "kata-sandi-uji"
_sids = itertools.count(1)

# Every staff route: (method, path). {t} is replaced by a ticket.
PAGES = ["/inbox", "/inbox/{t}", "/dashboard", "/admin/audit", "/admin/staff", "/admin/contacts"]
DOWNLOADS = ["/inbox/export.csv"]
POSTS = ["/inbox/{t}/koreksi", "/inbox/{t}/status", "/inbox/{t}/catatan", "/inbox/{t}/balas",
         "/admin/staff", "/admin/contacts/1"]
ADMIN_ONLY = ["/admin/audit", "/admin/staff", "/admin/contacts"]


def make_staff(db, username: str, role: str, kelurahan: str | None = None) -> dict:
    with transaction(db):
        return accounts.save_user(db, username, PASSWORD, role, kelurahan)


def csrf(client) -> str:
    """The session's CSRF token (a page render creates it)."""
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    if token is None:
        client.get("/login")
        with client.session_transaction() as session:
            token = session["csrf_token"]
    return token


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client)})


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(path, data={"csrf_token": csrf(client), **(data or {})}, **kwargs)


def seed(db, text: str, address: str = "+6281234567890", channel: str = "sms",
         extra: list | None = None) -> dict:
    """An aspiration stored through the data layer as the inbound handler would."""
    sid = f"SM{next(_sids):032x}"
    items = [("MessageSid", sid), ("From", address), ("Body", text), *(extra or [])]
    with transaction(db):
        if channel == "whatsapp":
            items[1] = ("From", f"whatsapp:{address}")
        message_id, _ = messages.capture(db, inbound_record(items))
        contact = contacts.touch(db, address, channel)
        message = messages.get(db, message_id)
        row = aspirations.create(db, message, contact["id"], parsers.parse(text), text)
        messages.mark_processed(db, message_id)
    return row


@pytest.mark.parametrize("query", ['"', '*', 'AND(', 'jalan" OR *', 'NEAR(a b)', "'; DROP", ""])
def test_fts_query_quotes_every_word(query):
    out = fts_query(query)
    if out is None:
        return
    skeleton = re.sub(r'"[^"]*"', "", out)  # every word the user typed is inside quotes
    assert set(skeleton.split(" AND ")) == {"({text ticket kelurahan} :  OR words : )"}
    assert "*" not in skeleton and "NEAR" not in skeleton


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+62812", "'+62812"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("jalan", "jalan"),
    (None, ""), (3, "3"),
])
def test_neutralize_formulas(value, expected):
    assert neutralize(value) == expected


OPD = "Dinas Perumahan dan Kawasan Permukiman"


@pytest.mark.parametrize("status", ["diverifikasi", "diteruskan", "selesai"])
def test_status_texts_are_sent_whole(status):
    text = texts.status_text(status, "A7K2Q", opd=OPD)
    assert text == texts.STATUS_TEXTS[status].format(ticket="A7K2Q", opd=OPD)
    assert fits_one_segment(text)


def test_a_long_rejection_reason_is_shortened_and_the_ticket_kept():
    text = texts.status_text("ditolak", "A7K2Q", reason="“Usulan” sudah ada di RKPD — " * 10)
    assert text.startswith('Tiket A7K2Q: usulan belum dapat diproses. Alasan: "Usulan" sudah')
    assert text.endswith("...") and fits_one_segment(text)


def test_workflow_forward_only_except_admin_reopen():
    assert workflow.next_statuses("baru", "staf") == ("diverifikasi", "ditolak")
    assert workflow.check("baru", "selesai", "staf", None, None, []) is not None
    assert workflow.check("diverifikasi", "baru", "admin", None, None, []) is not None
    assert workflow.check("diverifikasi", "diteruskan", "staf", "X", None, ["Bappeda"])
    assert workflow.check("diverifikasi", "diteruskan", "staf", "Bappeda", None,
                          ["Bappeda"]) is None
    assert workflow.check("baru", "ditolak", "staf", None, "  ", []) is not None
    assert workflow.check("ditolak", "diverifikasi", "staf", None, None, []) is not None
    assert workflow.check("ditolak", "diverifikasi", "admin", None, None, []) is None


@pytest.mark.parametrize("received, due", [
    (date(2026, 11, 23), date(2026, 11, 26)),  # Monday → Thursday
    (date(2026, 11, 26), date(2026, 12, 1)),   # Thursday → Tuesday (weekend skipped)
    (date(2026, 11, 28), date(2026, 12, 2)),   # Saturday → Wednesday
    (date(2026, 8, 13), date(2026, 8, 19)),    # Thursday, 17 August holiday skipped
])
def test_due_date_counts_working_days(received, due):
    assert dashboard.due_date(received, {"2026-08-17"}) == due


def test_overdue_cutoff_is_first_day_still_within_promise():
    today = date(2026, 12, 2)  # Wednesday
    cutoff = dashboard.overdue_cutoff(today, set())
    assert dashboard.due_date(cutoff, set()) >= today
    assert dashboard.due_date(cutoff.fromordinal(cutoff.toordinal() - 1), set()) < today
    assert cutoff == date(2026, 11, 27)  # Friday: due Wednesday; Thursday was due Tuesday
