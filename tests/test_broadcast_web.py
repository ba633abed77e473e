"""Staff broadcasts from the web: roles, preview with cost, one send per double click,
scheduling through the reconciler hook, progress page, opt-outs never counted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from data import audit, broadcasts, contacts
from data.db import transaction
from handlers.reconcile import reconcile
from tests.test_broadcast_sms import GIRIAN, MADIDIR, seed
from tests.test_inbox_helpers import login, make_staff, post


@pytest.fixture
def residents(db):
    girian = seed(db, GIRIAN, 4, 1)
    madidir = seed(db, MADIDIR, 2, 100)
    with transaction(db):
        contacts.set_opt_out(db, contacts.by_address(db, girian[3])["id"], True, "sms")
    return {"girian": girian[:3], "madidir": madidir}


@pytest.fixture
def staf(client, db):
    make_staff(db, "budi", "staf")
    assert login(client, "budi").status_code == 302
    return client


def compose(client, **fields):
    data = {"text": "Musrenbang kota Kamis 4/12 jam 09.00 di aula kantor walikota."}
    data.update(fields)
    return post(client, "/broadcasts/baru", data)


def token_of(page: bytes) -> str:
    return re.search(rb'name="token" value="([^"]+)"', page).group(1).decode()


@pytest.mark.parametrize("role", ["kelurahan", None])
def test_only_admin_and_staf_may_broadcast(client, db, residents, role):
    if role:
        make_staff(db, "lurah1", role, GIRIAN)
        login(client, "lurah1")
    response = compose(client, kelurahan=GIRIAN)
    assert response.status_code in (302, 401, 403)
    assert response.status_code != 302 or "/login" in response.headers["Location"]
    assert client.get("/broadcasts/").status_code in (302, 403)
    assert broadcasts.recent(db) == []


def test_preview_shows_recipients_segments_cost_without_opted_out(staf, db, residents,
                                                                  twilio_stub):
    response = compose(staf, kelurahan=[GIRIAN, MADIDIR])
    assert response.status_code == 302
    page = staf.get(response.headers["Location"]).data.decode()
    assert '<dd id="recipients">5</dd>' in page  # 3 + 2; the opted-out one is not counted
    assert '<dd id="segments">1</dd>' in page
    assert "Rp 2.500" in page and "Kirim ke 5 penerima" in page
    assert twilio_stub.creates() == []  # a preview sends nothing


def test_double_click_sends_one_broadcast(staf, db, residents, run_worker, twilio_stub):
    location = compose(staf, kelurahan=GIRIAN).headers["Location"]
    token = token_of(staf.get(location).data)
    broadcast_id = int(location.rstrip("/").rsplit("/", 1)[1])
    first = post(staf, f"/broadcasts/{broadcast_id}/kirim", {"token": token})
    second = post(staf, f"/broadcasts/{broadcast_id}/kirim", {"token": token})
    assert first.status_code == second.status_code == 302
    run_worker()
    assert sorted(f["To"] for f in twilio_stub.creates()) == residents["girian"]
    assert {f["Body"] for f in twilio_stub.creates()} == {
        "[Musrenbang Bitung] Musrenbang kota Kamis 4/12 jam 09.00 di aula kantor walikota."}
    page = staf.get(location).data.decode()
    assert "sudah dikonfirmasi sebelumnya" in page or "tidak dikirim dua kali" in page
    assert re.search(r'<td class="num">3</td>\s*<td class="num">0</td>', page)  # 3 sent
    [event] = audit.recent(db, action="broadcast")
    assert event["actor"] == "budi" and event["target"] == str(broadcast_id)
    assert broadcasts.get(db, broadcast_id)["state"] == "done"


def test_forged_token_sends_nothing(staf, db, residents, run_worker, twilio_stub):
    location = compose(staf, semua="1").headers["Location"]
    broadcast_id = int(location.rsplit("/", 1)[1])
    post(staf, f"/broadcasts/{broadcast_id}/kirim", {"token": "tebakan"})
    run_worker()
    assert twilio_stub.creates() == []
    assert broadcasts.get(db, broadcast_id)["state"] == "draft"


@pytest.mark.parametrize("fields, message", [
    ({"text": ""}, "tidak boleh kosong"),
    ({}, "Pilih kelurahan"),
    ({"kelurahan": "Kelurahan Antah"}, "Penerima tidak dikenal: Kelurahan Antah"),
    ({"kelurahan": ["Girian Bawah", "Girian Bawahh Antah"]}, "tidak dikenal: Girian Bawahh"),
    ({"semua": "1", "peran": "raja"}, "Penerima tidak dikenal: raja"),
    ({"kecamatan": "Lembeh Tengah"}, "Penerima tidak dikenal: Lembeh Tengah"),
    ({"kecamatan": "Lembeh Selatan"}, "Tidak ada penerima"),
    ({"semua": "1", "jadwal": "2020-01-01T09:00"}, "Jadwal harus"),
    ({"semua": "1", "text": "x" * 700}, "paling banyak"),
])
def test_compose_errors(staf, db, residents, fields, message):
    response = compose(staf, **fields)
    assert response.status_code == 400
    assert message in response.data.decode()
    assert broadcasts.recent(db) == []


def test_scheduled_broadcast_waits_for_its_time(staf, db, residents, redis_conn, settings,
                                                run_worker, twilio_stub):
    when = datetime.now(UTC) + timedelta(hours=8, minutes=5)  # 5 minutes from now, in WITA
    location = compose(staf, kecamatan="Madidir",
                       jadwal=when.strftime("%Y-%m-%dT%H:%M")).headers["Location"]
    broadcast_id = int(location.rsplit("/", 1)[1])
    token = token_of(staf.get(location).data)
    post(staf, f"/broadcasts/{broadcast_id}/kirim", {"token": token})
    run_worker()
    assert twilio_stub.creates() == []
    assert broadcasts.get(db, broadcast_id)["state"] == "confirmed"
    # Its time comes: the reconciler hook kicks it.
    db.execute("UPDATE broadcasts SET scheduled_at = ? WHERE id = ?",
               [broadcasts.iso(datetime.now(UTC) - timedelta(seconds=1)), broadcast_id])
    reconcile(db, redis_conn, settings)
    run_worker()
    assert sorted(f["To"] for f in twilio_stub.creates()) == residents["madidir"]


def test_cancel_a_scheduled_broadcast(staf, db, residents, run_worker, twilio_stub):
    later = (datetime.now(UTC) + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")
    location = compose(staf, semua="1", jadwal=later).headers["Location"]
    broadcast_id = int(location.rsplit("/", 1)[1])
    post(staf, f"/broadcasts/{broadcast_id}/kirim", {"token": token_of(staf.get(location).data)})
    post(staf, f"/broadcasts/{broadcast_id}/batal")
    db.execute("UPDATE broadcasts SET scheduled_at = ?", [broadcasts.iso(datetime.now(UTC))])
    run_worker()
    assert twilio_stub.creates() == []
    assert broadcasts.get(db, broadcast_id)["state"] == "canceled"
    assert audit.recent(db, action="broadcast_cancel")[0]["target"] == str(broadcast_id)


def test_pages_escape_what_came_from_outside(staf, db, residents):
    location = compose(staf, semua="1", text="<script>alert(1)</script> rapat").headers["Location"]
    page = staf.get(location).data.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "&lt;script&gt;" in staf.get("/broadcasts/").data.decode()


@pytest.mark.parametrize("invitation", [True, False])
def test_a_web_invitation_asks_for_answers_and_counts_them(staf, db, residents, run_worker,
                                                          twilio_stub, signed_post, invitation):
    from tests.chat import Chat

    fields = {"kelurahan": GIRIAN, **({"undangan": "1"} if invitation else {})}
    location = compose(staf, **fields).headers["Location"]
    broadcast_id = int(location.rsplit("/", 1)[1])
    post(staf, f"/broadcasts/{broadcast_id}/kirim", {"token": token_of(staf.get(location).data)})
    run_worker()
    hint = " Balas HADIR atau TIDAK."
    assert {f["Body"].endswith(hint) for f in twilio_stub.creates()} == {invitation}
    Chat(signed_post, run_worker, db).say("iya om sy datang", sender=residents["girian"][0])
    expected = {"HADIR": 1 if invitation else 0, "TIDAK": 0}
    assert broadcasts.tally(db, broadcast_id) == expected
    assert ('id="tally"' in staf.get(location).data.decode()) is invitation


def test_an_empty_choice_is_not_an_unknown_audience(staf, db, residents):
    response = compose(staf, kelurahan=["Girian Bawah", ""], peran="")
    assert response.status_code == 302 and len(broadcasts.recent(db)) == 1
