"""Role `opd`: an agency sees only what was forwarded to it (another OPD's ticket or usulan is a
404 on every route, and so is every page that is not the OPD desk), answers through the
planning office's approval or directly when the admin allows it, sets selesai with a note, and
overdue forwarded items show on the dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from data import aspiration_edits, opd_items, usulan, usulan_edits
from data.clock import iso, now
from data.db import transaction
from gateway import accounts
from handlers import grouping
from tests.test_inbox_helpers import PASSWORD, login, make_staff, post, seed

PUPR, FISH = "Dinas PUPR", "Dinas Perikanan"


def forward(db, settings, text: str, sender: str, opd: str, days_ago: int = 0):
    """A ticket forwarded to `opd`, in an usulan forwarded there too."""
    row = seed(db, text, sender)
    with transaction(db):
        placed = grouping.sync(db, settings, db["aspirations"].get(row["id"]))
        aspiration_edits.change_status(db, row, "diverifikasi", "ani")
        row = db["aspirations"].get(row["id"])
        aspiration_edits.change_status(db, row, "diteruskan", "ani", opd)
        proposal = usulan.get(db, placed.usulan_id)
        usulan_edits.set_status(db, proposal, "diteruskan", opd)
        if days_ago:
            stamp = iso(now() - timedelta(days=days_ago))
            db.execute("UPDATE status_changes SET at = ? WHERE aspiration_id = ?",
                       [stamp, row["id"]])
            db.execute("UPDATE usulan SET forwarded_at = ? WHERE id = ?", [stamp, proposal["id"]])
    return db["aspirations"].get(row["id"]), usulan.get(db, placed.usulan_id)


@pytest.fixture
def items(db, settings):
    mine = forward(db, settings, "jalan rusak parah di kel. Madidir Ure", "+6281300000041", PUPR)
    theirs = forward(db, settings, "nelayan butuh jaring kel. Lirang", "+6281300000042", FISH,
                     days_ago=14)
    return {"mine": mine, "theirs": theirs}


@pytest.fixture
def pupr(client, db):
    with transaction(db):
        accounts.save_user(db, "pupr", PASSWORD, "opd", None, opd=PUPR)
    login(client, "pupr")
    return client


def test_the_opd_role_needs_an_opd_from_the_list(db):
    from data.staff_accounts import StaffError

    with pytest.raises(StaffError, match="OPD"):
        make_staff(db, "x", "opd")


def fill(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:\w+:)?{name}>", str(values.get(name, "1")), path)
    return path


def test_another_opds_items_are_404_on_every_route(app, pupr, items):
    ticket, proposal = items["theirs"]
    values = {"ticket": ticket["ticket"], "code": usulan.code(proposal["id"]), "broadcast_id": 1,
              "answer_id": 1, "decision": "setujui", "contact_id": 1, "filename": "app.css"}
    own = {"opd_desk.index", "auth.login", "auth.logout", "static", "root", "inbox.index"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in own or rule.rule.startswith(("/webhooks", "/healthz")):
            continue
        path = fill(rule, {**values, "code": ticket["ticket"]} if "tiket" in rule.rule else values)
        for method in ("GET", "POST") if "POST" in rule.methods else ("GET",):
            if method not in rule.methods:
                continue
            response = post(pupr, path) if method == "POST" else pupr.get(path)
            assert response.status_code == 404, (method, path, response.status_code)
            checked += 1
    assert checked > 40
    mine, proposal = items["mine"]
    assert pupr.get(f"/opd/tiket/{mine['ticket']}").status_code == 200
    assert pupr.get(f"/opd/usulan/{usulan.code(proposal['id'])}").status_code == 200
    html = pupr.get("/opd/").get_data(as_text=True)
    assert mine["ticket"] in html and ticket["ticket"] not in html
    assert pupr.get("/inbox").headers["Location"].endswith("/opd/")


def test_an_answer_waits_for_approval_then_reaches_the_citizen_once(
        client, app, pupr, items, db, run_worker, twilio_stub):
    mine, _ = items["mine"]
    long = post(pupr, f"/opd/tiket/{mine['ticket']}/jawab", {"body": "x " * 150},
                follow_redirects=True)
    assert "terlalu panjang untuk satu SMS" in long.get_data(as_text=True)
    post(pupr, f"/opd/tiket/{mine['ticket']}/jawab",
         {"body": "Perbaikan dijadwalkan Januari 2027, anggaran sudah ada."})
    run_worker()
    assert twilio_stub.sent_to("+6281300000041") == []  # waits for the planning office
    staff = app.test_client()
    make_staff(db, "ani", "staf")
    login(staff, "ani")
    answer = opd_items.waiting(db)[0]
    assert post(staff, f"/jawaban-opd/{answer['id']}/setujui").status_code == 302
    assert post(staff, f"/jawaban-opd/{answer['id']}/setujui").status_code == 302  # again
    run_worker()
    sent = [m["body"] for m in twilio_stub.sent_to("+6281300000041")]
    assert sent == [f"Jawaban Dinas PUPR untuk tiket {mine['ticket']}: Perbaikan dijadwalkan "
                    "Januari 2027, anggaran sudah ada."]


def test_direct_answers_selesai_and_the_usulan_supporters(client, app, pupr, items, db,
                                                          run_worker, twilio_stub):
    admin = app.test_client()
    make_staff(db, "rina", "admin")
    login(admin, "rina")
    post(admin, "/jawaban-opd/pengaturan", {"opd": PUPR, "langsung": "1"})
    mine, proposal = items["mine"]
    code = usulan.code(proposal["id"])
    post(pupr, f"/opd/usulan/{code}/jawab", {"body": "Masuk rencana kerja 2027."})
    post(pupr, f"/opd/tiket/{mine['ticket']}/selesai", {"note": "sudah diaspal 100 m"})
    run_worker()
    bodies = [m["body"] for m in twilio_stub.sent_to("+6281300000041")]
    assert f"Jawaban Dinas PUPR untuk usulan {code}: Masuk rencana kerja 2027." in bodies
    assert f"Tiket {mine['ticket']}: usulan Anda dinyatakan selesai." in " ".join(bodies)
    assert db["aspirations"].get(mine["id"])["status"] == "selesai"
    note = db.execute("SELECT body FROM notes WHERE aspiration_id = ?", [mine["id"]]).fetchone()
    assert note[0] == "Catatan Dinas PUPR: sudah diaspal 100 m"


def test_overdue_forwarded_items_are_flagged_on_the_dashboard(app, items, db):
    staff = app.test_client()
    make_staff(db, "ani", "staf")
    login(staff, "ani")
    html = staff.get("/dashboard").get_data(as_text=True)
    theirs, proposal = items["theirs"]
    table = html[html.index('id="opd-overdue"'):]
    assert theirs["ticket"] in table and usulan.code(proposal["id"]) in table
    assert items["mine"][0]["ticket"] not in table  # forwarded today
    with transaction(db):
        opd_items.add_answer(db, FISH, "Sedang didata.", "fish", "menunggu",
                             aspiration_id=theirs["id"])
    table = staff.get("/dashboard").get_data(as_text=True)
    table = table[table.index("opd-overdue-count"):]
    assert theirs["ticket"] not in table and usulan.code(proposal["id"]) in table


def test_an_admin_makes_an_opd_account_on_the_staff_page(app, db):
    admin = app.test_client()
    make_staff(db, "rina", "admin")
    login(admin, "rina")
    missing = post(admin, "/admin/staff", {"username": "dinas", "role": "opd",
                                           "password": PASSWORD})
    assert missing.status_code == 400 and "OPD" in missing.get_data(as_text=True)
    post(admin, "/admin/staff", {"username": "dinas", "role": "opd", "opd": FISH,
                                 "password": PASSWORD})
    row = db.execute("SELECT role, opd FROM staff_users WHERE username = 'dinas'").fetchone()
    assert tuple(row) == ("opd", FISH)
    assert "Petugas OPD" in admin.get("/admin/staff").get_data(as_text=True)
