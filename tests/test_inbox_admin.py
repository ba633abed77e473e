"""Admin pages: staff accounts, contacts (role, kelurahan, opt-out), audit log; all audited."""

from __future__ import annotations

import pytest

from data import audit, contacts
from data import staff_accounts as staff
from tests.test_inbox_helpers import PASSWORD, login, make_staff, post, seed


@pytest.fixture
def admin(client, db):
    make_staff(db, "kepala-bappeda", "admin")
    login(client, "kepala-bappeda")
    return client


def test_admin_creates_a_kelurahan_account_that_can_log_in(admin, db, app):
    response = post(admin, "/admin/staff", {"username": "lurah-madidir", "role": "kelurahan",
                                            "kelurahan": "Madidir Ure", "password": PASSWORD})
    assert response.status_code == 302
    user = staff.by_username(db, "lurah-madidir")
    assert user["role"] == "kelurahan" and user["kelurahan"] == "Madidir Ure"
    assert user["password_hash"].startswith("scrypt:")
    assert audit.recent(db, action="staff_create")[0]["target"] == "lurah-madidir"
    other = app.test_client()
    assert login(other, "lurah-madidir").status_code == 302


def test_admin_form_refuses_short_password_and_duplicates(admin, db):
    post(admin, "/admin/staff", {"username": "budi", "role": "staf", "password": "pendek"})
    assert staff.by_username(db, "budi") is None
    post(admin, "/admin/staff", {"username": "budi", "role": "staf", "password": PASSWORD})
    html = admin.get(post(admin, "/admin/staff", {
        "username": "budi", "role": "admin", "password": PASSWORD}).headers["Location"]
    ).get_data(as_text=True)
    assert "sudah ada" in html and staff.by_username(db, "budi")["role"] == "staf"


def test_admin_deactivates_an_account_but_not_its_own(admin, db):
    make_staff(db, "budi", "staf")
    post(admin, "/admin/staff", {"username": "budi", "update": "1", "active": "0"})
    assert staff.by_username(db, "budi")["active"] == 0
    post(admin, "/admin/staff", {"username": "kepala-bappeda", "update": "1", "active": "0"})
    assert staff.by_username(db, "kepala-bappeda")["active"] == 1


def test_contacts_search_and_edit_are_audited(admin, db):
    seed(db, "jalan rusak di kelurahan Madidir Ure")
    seed(db, "lampu jalan mati", "+6281300000001")
    html = admin.get("/admin/contacts?cari=0000001").get_data(as_text=True)
    assert "+6281300000001" in html and "+6281234567890" not in html
    contact = contacts.by_address(db, "+6281234567890")
    post(admin, f"/admin/contacts/{contact['id']}",
         {"role": "kepala", "kelurahan": "Madidir Ure", "opted_out": "1"})
    updated = contacts.get(db, contact["id"])
    assert (updated["role"], updated["kelurahan"], updated["kecamatan"], updated["opted_out"]) \
        == ("kepala", "Madidir Ure", "Madidir", 1)
    entry = audit.recent(db, action="contact_update")[0]
    assert entry["actor"] == "kepala-bappeda" and entry["target"] == "+6281234567890"


def test_kepala_must_have_exactly_one_kelurahan(admin, db):
    seed(db, "lampu jalan mati", "+6281300000001")
    contact = contacts.by_address(db, "+6281300000001")
    post(admin, f"/admin/contacts/{contact['id']}", {"role": "kepala", "kelurahan": ""})
    post(admin, f"/admin/contacts/{contact['id']}", {"role": "kepala", "kelurahan": "Atlantis"})
    post(admin, f"/admin/contacts/{contact['id']}", {"role": "raja", "kelurahan": "Madidir Ure"})
    assert contacts.get(db, contact["id"])["role"] == "warga"
    assert audit.recent(db, action="contact_update") == []


def test_audit_page_lists_actions_escaped(admin, db, client):
    login(client, "<script>x</script>", "salah-sandi-1")
    login(client, "kepala-bappeda")
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "login_failed" in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x" not in html
    html = admin.get("/admin/audit?aksi=login_failed").get_data(as_text=True)
    assert "login_failed" in html
