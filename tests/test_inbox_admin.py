"""Admin pages: staff accounts, contacts (role, kelurahan, opt-out), audit log; all audited."""

from __future__ import annotations

import pytest

from data import audit, contacts
from data import staff_accounts as staff
from tests.test_inbox_helpers import PASSWORD, csrf, login, make_staff, post, seed


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
    response = post(admin, "/admin/staff", {"username": "budi", "role": "staf",
                                            "password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "sudah ada" in html
    error = html.split('id="form-error">')[1].split("</p>")[0]
    assert "--update" not in error and "Akun sudah ada: ubah peran/kata sandi" in error  # the form's box
    assert staff.by_username(db, "budi")["role"] == "staf"


def test_the_role_has_no_default_and_errors_keep_what_was_chosen(admin, db):
    page = admin.get("/admin/staff").get_data(as_text=True)
    role_select = page.split('name="role"')[1].split("</select>")[0]
    assert '<option value="" selected disabled>— pilih peran —</option>' in role_select
    assert role_select.count("selected") == 1  # only the placeholder
    # a kelurahan chosen, the role left alone: refused, nothing made, the choice kept
    response = post(admin, "/admin/staff", {"username": "rina", "kelurahan": "Girian Bawah",
                                            "password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Pilih peran" in html
    assert "petugas OPD" in html.split('id="form-error">')[1].split("</p>")[0]
    assert staff.by_username(db, "rina") is None
    assert '<option value="Girian Bawah" selected>' in html and 'value="rina"' in html
    # staf with a kelurahan: the kelurahan is not silently dropped, it is refused
    response = post(admin, "/admin/staff", {"username": "rina", "role": "staf",
                                            "kelurahan": "Girian Bawah", "password": PASSWORD})
    assert response.status_code == 400 and staff.by_username(db, "rina") is None
    assert '<option value="staf" selected>' in response.get_data(as_text=True)
    # the kelurahan role needs its kelurahan
    response = post(admin, "/admin/staff", {"username": "rina", "role": "kelurahan",
                                            "password": PASSWORD})
    assert response.status_code == 400 and "wajib memilih kelurahan" in response.get_data(
        as_text=True)
    post(admin, "/admin/staff", {"username": "rina", "role": "kelurahan",
                                 "kelurahan": "Girian Bawah", "password": PASSWORD})
    assert staff.by_username(db, "rina")["kelurahan"] == "Girian Bawah"


def test_an_admin_account_needs_a_confirmation(admin, db):
    response = post(admin, "/admin/staff", {"username": "dewi", "role": "admin",
                                            "password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="confirm-admin"' in html
    assert staff.by_username(db, "dewi") is None
    assert '<option value="admin" selected>' in html
    post(admin, "/admin/staff", {"username": "dewi", "role": "admin", "password": PASSWORD,
                                 "confirm_admin": "1"})
    assert staff.by_username(db, "dewi")["role"] == "admin"


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


def test_audit_page_reads_as_sentences_escaped(admin, db, client):
    login(client, "<script>x</script>", "salah-sandi-1")
    login(client, "kepala-bappeda")
    row = seed(db, "jalan rusak di kelurahan Madidir Ure")
    post(admin, f"/inbox/{row['ticket']}/status", {"status": "diverifikasi"})
    admin.get(f"/inbox/{row['ticket']}?nomor=1")
    html = admin.get("/admin/audit").get_data(as_text=True)
    body = html.split('id="audit"')[1]
    assert "&lt;script&gt;x&lt;/script&gt; gagal masuk (kata sandi salah)" in body
    assert "<script>x" not in html
    assert f"kepala-bappeda mengubah status {row['ticket']}: baru → diverifikasi" in body
    assert f"kepala-bappeda melihat nomor lengkap pengirim tiket {row['ticket']}" in body
    assert "login_failed" not in body and "view_number" not in body and "{'" not in body
    filtered = admin.get("/admin/audit?aksi=login_failed").get_data(as_text=True)
    assert "gagal masuk" in filtered and "mengubah status" not in filtered.split('id="audit"')[1]


def test_a_village_head_is_named_in_the_audit_log(admin, db):
    from data import audit as audit_log
    from data.db import transaction

    seed(db, "lampu jalan mati", "+6281300000001")
    contact = contacts.by_address(db, "+6281300000001")
    with transaction(db):
        contacts.set_role(db, contact["id"], "kepala", "Girian Bawah", "Girian")
        db.execute("UPDATE contacts SET name = 'Yohanis Lengkong' WHERE id = ?", [contact["id"]])
        audit_log.record(db, "sms:+6281300000001", "security", "UNDANG", reason="bukan kepala")
    body = admin.get("/admin/audit").get_data(as_text=True).split('id="audit"')[1]
    assert "Yohanis Lengkong mencoba perintah UNDANG tanpa hak (bukan kepala)" in body
    assert "+6281300000001" not in body


def test_contacts_upload_on_the_web_is_all_or_nothing_with_line_errors(admin, db):
    import io

    bad = (b"nomor;nama;kelurahan;peran\n081234567890;Yohanis;Girian Bawah;kepala\n"
           b"abc;Maria;Madidir Ure;warga\n081300000002;Budi;Atlantis;\n")
    response = admin.post("/admin/contacts/impor", data={
        "csrf_token": csrf(admin), "berkas": (io.BytesIO(bad), "kontak.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "baris 3: nomor tidak valid" in html and "baris 4: kelurahan &#39;Atlantis&#39;" in html
    assert "tidak ada yang diimpor" in html
    assert contacts.by_address(db, "+6281234567890") is None
    good = b"\xef\xbb\xbfnomor,nama,kelurahan,peran\n081234567890,Yohanis,Girian Bawah,kepala\n"
    html = admin.post("/admin/contacts/impor", data={
        "csrf_token": csrf(admin), "berkas": (io.BytesIO(good), "kontak.csv")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Diimpor 1 kontak: 1 baru" in html
    assert contacts.by_address(db, "+6281234567890")["role"] == "kepala"
    assert audit.recent(db, action="contacts_import")[0]["actor"] == "kepala-bappeda"


def test_a_contacts_upload_with_a_huge_cell_is_refused_with_its_line(admin, db):
    import io

    huge = b"nomor;nama\n081234567890;Budi\n081234567891;" + b"x" * 300_000 + b"\n"
    response = admin.post("/admin/contacts/impor", data={
        "csrf_token": csrf(admin), "berkas": (io.BytesIO(huge), "kontak.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert "Berkas ditolak: baris 3: sel lebih dari 128 KB" in response.get_data(as_text=True)
    assert contacts.by_address(db, "+6281234567890") is None
