"""Usulan at the desk: the ranked list, confirm/split/merge (audited), the SIPD fields, the
kelurahan scope, and the supporters' outcome SMS: one each, once, opt-outs left out."""

from __future__ import annotations

import re

import pytest

from data import contacts, usulan
from data.db import transaction
from handlers import grouping
from tests import test_inbox_list
from tests.test_inbox_helpers import login, make_staff, post, seed

staf = test_inbox_list.staf  # the fixture: a client logged in as a `staf` account

NEEDS = [  # (text, sender, kelurahan)
    ("jln rusak parah dkt pasar", "+6281300000001", "Madidir Ure"),
    ("jalan di depan pasar so ancor", "+6281300000002", "Madidir Ure"),
    ("jalang dkt pasar rusak berat", "+6281300000003", "Madidir Ure"),
    ("lampu jalan mati", "+6281300000004", "Madidir Ure"),
    ("jln rusak parah dkt pasar", "+6281300000005", "Girian Bawah"),
]


@pytest.fixture
def needs(db, settings):
    rows = []
    for text, sender, kelurahan in NEEDS:
        row = seed(db, f"{text} di kel. {kelurahan}", sender)
        with transaction(db):
            grouping.sync(db, settings, db["aspirations"].get(row["id"]))
        rows.append(db["aspirations"].get(row["id"]))
    return rows


def codes_in(html: str) -> list[str]:
    return re.findall(r'class="ticket" href="/usulan/(U-\d{4})"', html)


def test_list_is_ranked_by_priority_then_supporters(staf, needs, db):
    html = staf.get("/usulan/?kelurahan=Madidir+Ure").get_data(as_text=True)
    assert codes_in(html) == ["U-0001", "U-0002"]  # 3 supporters before 1
    assert usulan.get(db, 1)["supporters"] == 3
    post(staf, "/usulan/U-0002/data", {"title": "Lampu jalan Madidir Ure", "priority": "1",
                                       "cycle": str(usulan.get(db, 2)["cycle"])})
    html = staf.get("/usulan/?kelurahan=Madidir+Ure").get_data(as_text=True)
    assert codes_in(html) == ["U-0002", "U-0001"]


def test_the_usulan_search_understands_spelling_and_codes(staf, needs):
    """As the inbox's search: every spelling the parser knows, in any need of the usulan."""
    def found(q):
        return sorted(codes_in(staf.get(f"/usulan/?q={q}").get_data(as_text=True)))

    assert found("jalang") == ["U-0001", "U-0002", "U-0003"]  # titles say "jln", "lampu jalan"
    assert found("jln+rusak") == ["U-0001", "U-0003"]
    assert found("U-0002") == found("u2") == ["U-0002"]
    assert found("lampu") == ["U-0002"] and found("%25") == []


def test_confirm_split_and_merge_are_audited(staf, needs, db):
    post(staf, "/usulan/U-0001/konfirmasi")
    assert usulan.get(db, 1)["unconfirmed"] == 0
    post(staf, "/usulan/U-0001/pisah", {"aspirasi": str(needs[2]["id"])})
    new = usulan.of_aspiration(db, needs[2]["id"])
    assert new["id"] == 4 and new["supporters"] == 1 and usulan.get(db, 1)["supporters"] == 2
    post(staf, "/usulan/U-0004/gabung", {"ke": "u-1"})
    assert usulan.get(db, 4)["status"] == "digabung" and usulan.get(db, 1)["supporters"] == 3
    assert staf.get("/usulan/U-0004").headers["Location"].endswith("/usulan/U-0001")
    actions = [r["action"] for r in db.query(
        "SELECT action FROM audit_log WHERE target IN ('U-0001', 'U-0004') ORDER BY id")]
    assert actions == ["usulan_confirm", "usulan_split", "usulan_split_from", "usulan_merge",
                       "usulan_merge_from"]
    html = staf.get("/usulan/U-0001").get_data(as_text=True)
    assert "ani memisahkan 1 tiket dari U-0001 menjadi usulan baru U-0004" in html
    assert "ani menggabungkan U-0004 ke U-0001" in html
    refused = post(staf, "/usulan/U-0001/gabung", {"ke": "U-0003"}, follow_redirects=True)
    assert "kelurahan yang sama" in refused.get_data(as_text=True)  # U-0003: Girian Bawah


def test_fields_are_checked(staf, needs, db):
    bad = post(staf, "/usulan/U-0001/data", {"title": "Jalan", "cost": "satu juta",
                                             "cycle": "2026"}, follow_redirects=True)
    assert "harus angka" in bad.get_data(as_text=True)
    post(staf, "/usulan/U-0001/data", {"title": "Perbaikan jalan pasar", "location": "Jl. Pasar",
                                       "volume": "150", "unit": "m", "cost": "Rp 250.000.000",
                                       "opd": "Dinas PUPR", "priority": "2", "cycle": "2027"})
    row = usulan.get(db, 1)
    assert (row["title"], row["volume"], row["cost"], row["opd"], row["priority"],
            row["cycle"]) == ("Perbaikan jalan pasar", 150.0, 250000000, "Dinas PUPR", 2, 2027)


def test_a_kelurahan_account_sees_only_its_own(client, needs, db):
    make_staff(db, "lurah-gb", "kelurahan", "Girian Bawah")
    login(client, "lurah-gb")
    assert client.get("/usulan/U-0003").status_code == 200
    for path in ("/usulan/U-0001", "/musrenbang/prioritas?kelurahan=Madidir+Ure&daftar="
                 "kecamatan&kecamatan=Madidir"):
        assert client.get(path).status_code == 404, path
    assert post(client, "/usulan/U-0001/konfirmasi").status_code == 404
    html = client.get("/usulan/").get_data(as_text=True)
    assert codes_in(html) == ["U-0003"]
    html = client.get("/musrenbang/prioritas?kelurahan=Madidir+Ure").get_data(as_text=True)
    assert codes_in(html) == ["U-0003"]  # its own list, whatever was asked


@pytest.mark.parametrize("path, code", [
    ("/usulan/U-9999", 404), ("/hadir/999", 404), ("/hadir/999/cetak", 404),
    ("/musrenbang/prioritas/cetak?daftar=kecamatan", 404), ("/opd/", 403),
    ("/jawaban-opd/", 403)])
def test_errors_on_the_forum_pages_are_in_bahasa_indonesia(client, db, path, code):
    make_staff(db, "lurah-gb", "kelurahan", "Girian Bawah")
    login(client, "lurah-gb")
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert f"Kode {code}." in html and "requested URL" not in html and "permission" not in html


def test_a_print_without_a_list_says_what_to_choose(staf):
    response = staf.get("/musrenbang/prioritas/cetak?daftar=kecamatan")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Pilih kelurahan atau kecamatan dan siklus." in html and "Bad Request" not in html


def test_the_usulan_status_form_preselects_nothing_that_texts_supporters(staf, needs, db):
    """A plain "Simpan status" must not move the usulan on and text every supporter."""
    for forward_after in (True, False):  # terbuka offers kecamatan first; diteruskan: selesai
        html = staf.get("/usulan/U-0001").get_data(as_text=True)
        select = html.split('<select name="status">')[1].split("</select>")[0]
        assert select.startswith('<option value="" selected>— pilih status —</option>')
        assert select.count("selected") == 1
        refused = post(staf, "/usulan/U-0001/status", {"status": ""}, follow_redirects=True)
        assert "Pilih status baru." in refused.get_data(as_text=True)
        if forward_after:
            post(staf, "/usulan/U-0001/status", {"status": "diteruskan", "opd": "Dinas PUPR"})
    assert usulan.get(db, 1)["status"] == "diteruskan"
    assert db.execute("SELECT count(*) FROM broadcasts").fetchone()[0] == 0


def test_supporters_hear_the_outcome_once(staf, needs, db, run_worker, twilio_stub):
    with transaction(db):
        contacts.set_opt_out(db, needs[2]["contact_id"], True, "sms")  # said BERHENTI
    post(staf, "/usulan/U-0001/status", {"status": "kecamatan"})
    post(staf, "/usulan/U-0001/status", {"status": "kecamatan"})  # a second click
    run_worker()
    sent = [c for c in twilio_stub.creates() if c["Body"].startswith("Kabar usulan U-0001")]
    assert sorted(c["To"] for c in sent) == ["+6281300000001", "+6281300000002"]
    assert "masuk daftar Musrenbang kecamatan" in sent[0]["Body"]
    post(staf, "/usulan/U-0001/status", {"status": "diteruskan", "opd": "Dinas PUPR"})
    post(staf, "/usulan/U-0001/status", {"status": "selesai", "note": "diaspal 150 m"})
    post(staf, "/usulan/U-0001/status", {"status": "selesai", "note": "lagi"})
    run_worker()
    done = [c for c in twilio_stub.creates() if "dinyatakan selesai" in c["Body"]]
    assert sorted(c["To"] for c in done) == ["+6281300000001", "+6281300000002"]
    assert done[0]["Body"].endswith("selesai oleh Dinas PUPR. Terima kasih atas dukungan Anda.")
    assert [o["outcome"] for o in usulan.outcomes(db, 1)] == ["kecamatan", "selesai"]


def test_a_staff_correction_moves_the_need_to_its_usulan(staf, needs, db):
    post(staf, f"/inbox/{needs[1]['ticket']}/koreksi", {"kind": "pertanyaan"})
    assert usulan.of_aspiration(db, needs[1]["id"]) is None  # a question is in no usulan
    assert usulan.get(db, 1)["supporters"] == 2
    post(staf, f"/inbox/{needs[0]['ticket']}/koreksi", {"kelurahan": "Girian Bawah"})
    moved = usulan.of_aspiration(db, needs[0]["id"])
    assert moved["id"] == 3 and moved["supporters"] == 2  # joined the same need there
    assert usulan.get(db, 1)["supporters"] == 1


def test_a_bulk_category_change_moves_the_needs_out_of_their_usulan(staf, needs, db):
    """The desk's bulk action is a correction too: an usulan never holds another category."""
    post(staf, "/inbox/massal", {"aksi": "category", "category": "ekonomi", "langkah": "kirim",
                                 "tiket": [needs[0]["ticket"], needs[1]["ticket"]]})
    moved = [usulan.of_aspiration(db, n["id"]) for n in needs[:2]]
    assert [m["category"] for m in moved] == ["ekonomi", "ekonomi"]
    assert moved[0]["id"] == moved[1]["id"] != 1 and moved[0]["supporters"] == 2
    assert usulan.get(db, 1)["supporters"] == 1


def test_daftar_hadir_lists_the_recipients_and_their_answers(client, staf, db):
    from data import broadcasts

    with transaction(db):
        for n, kelurahan in enumerate(["Girian Bawah"] * 3 + ["Lirang"]):
            db.execute("INSERT INTO contacts (address, name, kelurahan, first_seen, last_seen) "
                       "VALUES (?, ?, ?, '2026-11-01', '2026-11-01')",
                       [f"+6281500000{n:03d}", f"Warga {n}", kelurahan])
        call = broadcasts.create(db, origin="sms", created_by="sms:+62", text="Rapat Senin",
                                 body="[Lurah Girian Bawah] Rapat Senin", kelurahan="Girian Bawah",
                                 target={"kelurahan": ["Girian Bawah"]}, recipients=3, segments=1)
        broadcasts.confirm(db, call["id"])
        broadcasts.plan(db, call["id"])
        broadcasts.record_response(db, call["id"], 2, "HADIR", None, "2026-11-30T01:00:00.000Z")
        broadcasts.record_response(db, call["id"], 3, "TIDAK", None, "2026-11-30T02:00:00.000Z")
    html = staf.get(f"/hadir/{call['id']}").get_data(as_text=True)
    assert "HADIR 1</strong>, TIDAK 1, belum menjawab 1" in html
    rows = re.findall(r"<td>(Warga \d)</td>", html)
    assert rows == ["Warga 1", "Warga 0", "Warga 2"]  # HADIR, no answer, TIDAK; Lirang not sent
    make_staff(db, "lurah-lirang", "kelurahan", "Lirang")
    other = client.application.test_client()
    login(other, "lurah-lirang")
    assert other.get(f"/hadir/{call['id']}").status_code == 404
    assert other.get(f"/hadir/{call['id']}/cetak").status_code == 404
