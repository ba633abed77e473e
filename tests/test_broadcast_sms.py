"""Village-head broadcasts by SMS: UNDANG → preview → YA/BATAL, authorization, cap, REKAP."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from data import audit, broadcasts, contacts
from data.db import transaction
from handlers import broadcast_commands as broadcast
from handlers import replies, rsvp
from parsers import places

KEPALA = "+6281200000001"
GIRIAN = "Girian Bawah"
MADIDIR = "Madidir Ure"


def send_sms(signed_post, sender: str, body: str, whatsapp: bool = False) -> None:
    prefix = "whatsapp:" if whatsapp else ""
    form = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "1" * 32,
            "From": prefix + sender, "To": prefix + "+15005550006", "Body": body}
    assert signed_post("/webhooks/twilio", form).status_code == 200


def seed(db, kelurahan: str, count: int, first: int, role: str = "warga",
         name: str | None = None) -> list[str]:
    """Contacts through the data layer, numbers +62813<first+n>."""
    rows = [{"address": f"+62813{first + n:08d}", "name": name or f"Warga {first + n}",
             "kelurahan": kelurahan, "kecamatan": places.kecamatan_of(kelurahan), "role": role}
            for n in range(count)]
    with transaction(db):
        contacts.upsert_many(db, rows)
    return [r["address"] for r in rows]


def make_kepala(db, kelurahan: str = GIRIAN, address: str = KEPALA, name: str = "Yohanis"):
    with transaction(db):
        contacts.upsert_many(db, [{"address": address, "name": name, "kelurahan": kelurahan,
                                   "role": "kepala"}])
    return contacts.by_address(db, address)


def opt_out(db, address: str) -> None:
    with transaction(db):
        contacts.set_opt_out(db, contacts.by_address(db, address)["id"], True, "test")


def replies_to(db, address: str) -> list[str]:
    return [r["body"] for r in db.query(
        "SELECT body FROM outbox WHERE to_address = ? AND kind IN ('ack', 'reply') ORDER BY id",
        [address])]


def broadcast_creates(stub) -> list[dict]:
    return [f for f in stub.creates() if f.get("Body", "").startswith("[")]


@pytest.fixture
def village(db):
    """A kepala of Girian Bawah, 5 residents there (1 opted out), 3 in Madidir Ure."""
    kepala = make_kepala(db)
    girian = seed(db, GIRIAN, 6, 1)
    opt_out(db, girian[5])
    madidir = seed(db, MADIDIR, 3, 100)
    return {"kepala": kepala, "girian": girian[:5], "opted_out": girian[5], "madidir": madidir}


def test_kepala_invite_preview_yes_sends_once_to_own_kelurahan(db, village, signed_post,
                                                                run_worker, twilio_stub):
    send_sms(signed_post, KEPALA, "UNDANG Musrenbang Senin 1/12 jam 09.00 di kantor lurah")
    run_worker()
    preview = replies_to(db, KEPALA)[-1]
    assert "Balas YA untuk kirim ke 5 warga, BATAL untuk batal." in preview
    assert replies.fits_one_segment(preview)
    assert broadcast_creates(twilio_stub) == []  # nothing goes out before YA

    send_sms(signed_post, KEPALA, "ya")
    run_worker()
    assert "dikirim ke 5 warga Kel. Girian Bawah" in replies_to(db, KEPALA)[-1]
    sent = broadcast_creates(twilio_stub)
    assert sorted(f["To"] for f in sent) == sorted(village["girian"])
    assert {f["Body"] for f in sent} == {
        "[Lurah Girian Bawah] Musrenbang Senin 1/12 jam 09.00 di kantor lurah "
        "Balas HADIR atau TIDAK."}

    send_sms(signed_post, KEPALA, "YA")  # a second YA sends nothing again
    run_worker()
    assert "Tidak ada undangan yang menunggu" in replies_to(db, KEPALA)[-1]
    assert len(broadcast_creates(twilio_stub)) == 5
    [row] = broadcasts.recent(db)
    assert row["state"] == "done" and row["recipients"] == 5
    assert [a["action"] for a in audit.recent(db, action="broadcast")] == ["broadcast"]


def test_long_invite_preview_is_shortened_to_one_segment(db, village, signed_post, run_worker):
    text = "Musyawarah kelurahan " + "membahas usulan jalan lingkungan dan drainase " * 6
    send_sms(signed_post, KEPALA, "RAPAT " + text)
    run_worker()
    preview = replies_to(db, KEPALA)[-1]
    assert replies.fits_one_segment(preview)
    assert preview.endswith("Balas YA untuk kirim ke 5 warga, BATAL untuk batal.")
    assert "(3 SMS)" in preview  # the broadcast itself is long: the segment count says so


@pytest.mark.parametrize("role, kelurahan", [("warga", GIRIAN), ("staf", GIRIAN),
                                             ("kepala", None)])
def test_undang_from_a_non_kepala_is_refused_and_audited(db, signed_post, run_worker,
                                                         twilio_stub, role, kelurahan):
    seed(db, GIRIAN, 3, 1)
    sender = "+6281299999999"
    with transaction(db):
        contacts.upsert_many(db, [{"address": sender, "kelurahan": kelurahan, "role": role}])
    send_sms(signed_post, sender, "UNDANG rapat besok jam 9")
    run_worker()
    assert "hanya bisa dikirim oleh kepala kelurahan" in replies_to(db, sender)[-1]
    [event] = audit.recent(db, action="security")
    assert event["actor"] == f"sms:{sender}" and event["target"] == "UNDANG"
    assert broadcasts.recent(db) == []
    send_sms(signed_post, sender, "YA")
    run_worker()
    assert broadcast_creates(twilio_stub) == []


def test_kepala_reaches_only_the_kelurahan_bound_to_them(db, village, signed_post, run_worker,
                                                         twilio_stub):
    make_kepala(db, MADIDIR, "+6281200000002", "Pala Maria")
    send_sms(signed_post, "+6281200000002", "UNDANG warga Girian Bawah dan semua kelurahan")
    send_sms(signed_post, "+6281200000002", "YA")
    run_worker()
    sent = broadcast_creates(twilio_stub)
    assert sorted(f["To"] for f in sent) == sorted(village["madidir"])
    assert all(f["Body"].startswith("[Kepala Lingkungan Madidir Ure] ") for f in sent)


def test_role_taken_away_between_undang_and_ya_sends_nothing(db, village, signed_post,
                                                             run_worker, twilio_stub):
    send_sms(signed_post, KEPALA, "UNDANG kerja bakti Sabtu")
    run_worker()
    with transaction(db):
        contacts.set_role(db, village["kepala"]["id"], "warga", None, None)
    send_sms(signed_post, KEPALA, "YA")
    run_worker()
    assert broadcast_creates(twilio_stub) == []
    assert "hanya bisa dikirim" in replies_to(db, KEPALA)[-1]
    assert audit.recent(db, action="security")[0]["target"] == "YA"


def test_batal_cancels_and_ya_after_30_minutes_expires(db, village, signed_post, run_worker,
                                                       twilio_stub):
    send_sms(signed_post, KEPALA, "UNDANG rapat RT")
    send_sms(signed_post, KEPALA, "batal")
    run_worker()
    assert replies_to(db, KEPALA)[-1] == broadcast.text("canceled")

    send_sms(signed_post, KEPALA, "UNDANG rapat RT lagi")
    run_worker()
    # 31 minutes pass: the draft's deadline is behind us when YA arrives.
    past = broadcasts.iso(datetime.now(UTC) - timedelta(minutes=1))
    db.execute("UPDATE broadcasts SET expires_at = ? WHERE state = 'draft'", [past])
    send_sms(signed_post, KEPALA, "YA")
    run_worker()
    assert replies_to(db, KEPALA)[-1] == broadcast.text("expired")
    assert [b["state"] for b in broadcasts.recent(db)] == ["expired", "canceled"]
    assert broadcast_creates(twilio_stub) == []


NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
KEP = {"role": "kepala", "kelurahan": GIRIAN}
DRAFT = {"expires_at": broadcasts.iso(NOW + timedelta(minutes=30)), "kelurahan": GIRIAN}


@pytest.mark.parametrize("draft, contact, sent, now, expected", [
    (None, KEP, 0, NOW, "none"),
    (DRAFT, KEP, 0, NOW, "ok"),
    (DRAFT, KEP, 0, NOW + timedelta(minutes=29, seconds=59), "ok"),
    (DRAFT, KEP, 0, NOW + timedelta(minutes=30, seconds=1), "expired"),
    (DRAFT, KEP, 3, NOW, "cap"),
    (DRAFT, KEP, 2, NOW, "ok"),
    (DRAFT, {"role": "warga", "kelurahan": GIRIAN}, 0, NOW, "refused"),
    (DRAFT, {"role": "kepala", "kelurahan": MADIDIR}, 0, NOW, "refused"),
])
def test_decide_confirm(draft, contact, sent, now, expected):
    assert broadcast.decide_confirm(draft, contact, sent, 3, now) == expected


def confirmed(db, kepala: dict, at: datetime) -> int:
    with transaction(db):
        b = broadcasts.create(db, origin="sms", created_by="test", text="t", body="t",
                              target={"kelurahan": [GIRIAN]}, recipients=1, segments=1,
                              sender_contact_id=kepala["id"], kelurahan=GIRIAN, now=at)
        assert broadcasts.confirm(db, b["id"], at)
    return b["id"]


def test_daily_cap_counts_the_wita_day(db, village):
    kepala = village["kepala"]
    confirmed(db, kepala, datetime(2026, 11, 27, 15, 30, tzinfo=UTC))  # 23:30 WITA, 27th
    confirmed(db, kepala, datetime(2026, 11, 27, 16, 30, tzinfo=UTC))  # 00:30 WITA, 28th
    assert broadcasts.sent_today(db, kepala["id"], NOW) == 1
    assert broadcasts.wita_day_start(NOW) == "2026-11-27T16:00:00.000000Z"


def test_fourth_broadcast_of_the_day_is_refused(db, village, signed_post, run_worker,
                                                twilio_stub):
    now = datetime.now(UTC)
    for _ in range(3):
        confirmed(db, village["kepala"], now)
    send_sms(signed_post, KEPALA, "UNDANG rapat keempat")
    run_worker()
    assert replies_to(db, KEPALA)[-1] == broadcast.text("cap", cap=3)
    assert not [b for b in broadcasts.recent(db) if b["state"] == "draft"]
    assert broadcast_creates(twilio_stub) == []


def test_hadir_tidak_last_answer_wins_and_rekap(db, village, signed_post, run_worker):
    send_sms(signed_post, KEPALA, "UNDANG Musrenbang Senin")
    send_sms(signed_post, KEPALA, "YA")
    run_worker()
    a, b, c, d, _ = village["girian"]
    for sender, answer in [(a, "Hadir pak"), (b, "hadir"), (c, "HADIR"), (d, "tidak bisa")]:
        send_sms(signed_post, sender, answer)
    run_worker()
    send_sms(signed_post, c, "tidak")  # changed their mind: the last answer wins
    run_worker()
    assert replies_to(db, c)[-1].startswith("Terima kasih, jawaban TIDAK")
    [row] = broadcasts.recent(db)
    assert broadcasts.tally(db, row["id"]) == {"HADIR": 2, "TIDAK": 2}

    send_sms(signed_post, KEPALA, "REKAP")
    send_sms(signed_post, a, "REKAP")  # a resident may not see the tally
    send_sms(signed_post, village["madidir"][0], "HADIR")  # no call reached Madidir Ure
    run_worker()
    assert "HADIR 2, TIDAK 2, belum menjawab 1 dari 5 warga" in replies_to(db, KEPALA)[-1]
    assert replies_to(db, a)[-1] == rsvp.text("tally_refused")
    assert replies_to(db, village["madidir"][0])[-1] == rsvp.text("no_call")
    detail = json.loads(audit.recent(db, action="security")[0]["detail"])
    assert detail["reason"] == "REKAP from a non-kepala"


def test_daftar_cannot_move_a_kepala(db, village, signed_post, run_worker):
    send_sms(signed_post, KEPALA, "DAFTAR Yohanis Madidir Ure")
    run_worker()
    assert contacts.by_address(db, KEPALA)["kelurahan"] == GIRIAN
    assert replies_to(db, KEPALA)[-1] == broadcast.text("kepala_bound")
