"""The loop and flood guard: N automatic replies per number per hour, no robot-to-robot talk,
operator senders never answered and never made contacts; the messages are always kept."""

from __future__ import annotations

import itertools

import pytest

from data import audit
from handlers import flood_guard, replies
from tests.test_inbox_helpers import login, make_staff, post

PATH = "/webhooks/twilio"
ROBOT = "+6281277770000"
_sids = itertools.count(1)


def text(signed_post, body: str, sender: str = ROBOT) -> None:
    sid = f"SM{next(_sids):032x}"
    assert signed_post(PATH, {"MessageSid": sid, "From": sender, "Body": body}).status_code == 200


def test_at_most_n_automatic_replies_an_hour_but_every_message_is_kept(
        monkeypatch, env, run_worker, db, twilio_stub):
    monkeypatch.setenv("ASPIRASI_AUTO_REPLY_PER_HOUR", "3")
    from gateway import create_app
    from tests.conftest import sign

    app = create_app({"TESTING": True})
    guarded = app.test_client()
    texts = ["jalan rusak di kel. girian bawah"] + ["BANTUAN"] * 4  # each gets an answer
    for n, body in enumerate(texts):
        params = {"MessageSid": f"SM{900 + n:032x}", "From": ROBOT, "Body": body}
        guarded.post(PATH, data=params, headers={"X-Twilio-Signature": sign(
            "http://localhost" + PATH, params)})
    run_worker()
    assert db.execute("SELECT count(*) FROM messages WHERE status = 'processed'"
                      ).fetchone()[0] == 5
    assert len(twilio_stub.sent_to(ROBOT)) == 3
    held = audit.recent(db, action="auto_reply_held")
    assert len(held) == 1 and held[0]["target"] == "+62812****000"  # once an hour, masked
    ticket = db.execute("SELECT ticket FROM aspirations ORDER BY id DESC").fetchone()[0]
    make_staff(db, "ani", "staf")
    login(guarded, "ani")
    post(guarded, f"/inbox/{ticket}/balas", {"body": "Petugas akan survei."})
    run_worker()
    assert twilio_stub.sent_to(ROBOT)[-1]["body"] == "Petugas akan survei."  # staff: not counted


ROBOT_TALK = [
    ("BANTUAN", "Re: " + replies.render("help")),  # our reply echoed back
    ("P", "Terima kasih telah menghubungi kami. Ini adalah pesan otomatis."),
    ("CEK", "Mohon tidak membalas pesan ini."),
]


@pytest.mark.parametrize("ours, theirs", ROBOT_TALK)
@pytest.mark.parametrize("seconds, answers", [("20", 1), ("0", 2)])  # 0: the guard is off
def test_two_robots_stop_after_one_round(monkeypatch, env, run_worker, db, twilio_stub, ours,
                                         theirs, seconds, answers):
    monkeypatch.setenv("ASPIRASI_ROBOT_REPLY_SECONDS", seconds)
    from gateway import create_app
    from tests.conftest import sign

    client = create_app({"TESTING": True}).test_client()
    for body in (ours, theirs):
        params = {"MessageSid": f"SM{next(_sids):032x}", "From": ROBOT, "Body": body}
        client.post(PATH, data=params, headers={"X-Twilio-Signature": sign(
            "http://localhost" + PATH, params)})
        run_worker()
    assert len(twilio_stub.sent_to(ROBOT)) == answers  # their robot answered ours: silence
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 2


def test_a_person_answering_quickly_still_gets_an_answer(signed_post, run_worker, twilio_stub):
    text(signed_post, "jalan rusak di kel. girian bawah")
    run_worker()
    text(signed_post, "CEK")
    run_worker()
    assert len(twilio_stub.sent_to(ROBOT)) == 2


@pytest.mark.parametrize("sample, automatic", [
    ("Pesan otomatis: kami sedang di luar jam kerja", True),
    ("AUTO-REPLY  out of office", True),
    ("tolong perbaiki jalan, terima kasih", False),
    ("", False),
])
def test_looks_automatic(sample, automatic):
    assert flood_guard.looks_automatic(sample, "Aspirasi diterima. Tiket A7K2Q") is automatic


@pytest.mark.parametrize("sender", ["TELKOMSEL", "3636"])
def test_operator_senders_make_no_contact(signed_post, run_worker, db, twilio_stub, sender):
    text(signed_post, "Selamat! Anda dapat bonus kuota 10GB. Ketik *363# sekarang", sender)
    run_worker()
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert db.execute("SELECT status FROM messages").fetchone()[0] == "processed"
    assert twilio_stub.creates() == []
    assert db.execute("SELECT count(*) FROM aspirations").fetchone()[0] == 0  # not a citizen
