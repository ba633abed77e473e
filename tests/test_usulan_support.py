"""DUKUNG <kode> and CEK: a sender supports an usulan once, by its code or a ticket's, and
every reply says how many citizens support it. Concurrent and replayed DUKUNG count once."""

from __future__ import annotations

import threading

import pytest

from data import messages, usulan
from data.db import open_db
from handlers import inbound
from tests.chat import PATH, Chat, form

FIRST, SECOND, FAN = "+6281300000031", "+6281300000032", "+6281300000033"


@pytest.fixture
def chat(signed_post, run_worker, db):
    chat = Chat(signed_post, run_worker, db)
    chat.say("lampu jalan mati dkt gereja kel. Girian Bawah", sender=FIRST)
    chat.say("lampu jalan dekat gereja so mati, girian bawah", sender=SECOND)
    return chat


def test_dukung_counts_once_and_says_how_many(chat, db):
    title = usulan.get(db, 1)["title"]
    assert chat.say("DUKUNG U-0001", sender=FAN) == [
        f"Terima kasih, dukungan Anda untuk usulan U-0001 ({title}) dicatat. Usulan ini kini "
        "didukung 3 warga."]
    assert chat.say("dukung u1", sender=FAN) == [
        f"Dukungan Anda untuk usulan U-0001 ({title}) sudah tercatat sebelumnya. Usulan ini "
        "didukung 3 warga."]
    ticket = chat.tickets()[0]["ticket"]
    assert chat.say(f"DUKUNG {ticket}", sender=FIRST)[0].startswith(
        "Dukungan Anda untuk usulan U-0001")  # the first sender already counts
    assert usulan.get(db, 1)["supporters"] == 3
    assert "Didukung 3 warga." in chat.say("CEK U-0001", sender=FAN)[0]
    own = chat.say(f"CEK {ticket}", sender=FIRST)[0]
    assert own.startswith(f"Tiket {ticket}: menunggu diperiksa petugas sejak ") and \
        "usulan U-0001 didukung 3 warga." in own


def test_support_in_a_sentence_and_a_bare_code(chat, db):
    title = usulan.get(db, 1)["title"]
    assert chat.say("sy jg dukung usulan U-0001 pak", sender=FAN) == [
        f"Terima kasih, dukungan Anda untuk usulan U-0001 ({title}) dicatat. Usulan ini kini "
        "didukung 3 warga."]
    answer = chat.say("U-0001", sender=FAN)[0]  # only the code: what it is, how to support it
    assert answer.startswith("Usulan U-0001 (") and "Didukung 3 warga." in answer
    assert len(chat.tickets()) == 2  # neither became a ticket


def test_cek_from_a_supporter_without_tickets_lists_what_they_support(chat, db):
    assert chat.say("cek", sender=FAN)[0].startswith("Anda tidak punya tiket yang masih "
                                                    "diproses. Kirim usulan")
    chat.say("DUKUNG U-0001", sender=FAN)
    assert chat.say("cek", sender=FAN) == [
        "Anda tidak punya tiket yang masih diproses. Usulan yang Anda dukung: U-0001 3 warga. "
        "Rincian: balas CEK U-0001"]


def test_unknown_codes_and_a_bare_dukung_get_guidance(chat):
    assert chat.say("DUKUNG U-0999", sender=FAN)[0].startswith("Kode U-0999 tidak ditemukan.")
    # an usulan code is not a ticket: no "5 huruf/angka" hint for it
    assert chat.say("cek u-999", sender=FAN) == [
        "Usulan U-0999 tidak ditemukan. Periksa kodenya di SMS yang Anda terima, mis. "
        "CEK U-0123. Balas CEK saja untuk daftar tiket Anda."]
    assert chat.say("dukung", sender=FAN)[0].startswith("Untuk mendukung usulan warga, kirim "
                                                        "DUKUNG lalu kodenya")
    # "dukung ..." with words is a need, not a command
    assert chat.say("dukung pembangunan talud di kel. Lirang", sender=FAN)[0].startswith(
        "Aspirasi diterima: tiket")


def test_concurrent_and_replayed_dukung_count_once(chat, db, signed_post, settings):
    fields = [form(f"DUKUNG U-000{1}", FAN) for _ in range(6)]
    posts = [*fields, *fields]  # every message twice: Twilio retries, the relay resends
    threads = [threading.Thread(target=signed_post, args=(PATH, f)) for f in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = messages.pending_ids(db, 100)
    assert len(ids) == 6  # a MessageSid is stored once

    def drain():  # each worker thread takes every message: real SQLite locking decides
        inbound.process_batch(open_db(settings.db_path), settings, ids)

    workers = [threading.Thread(target=drain) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    replies = [body for f in fields for body in chat.replies_of(f["MessageSid"])]
    assert len(replies) == 6
    assert sum("dicatat. Usulan ini kini didukung 3 warga." in r for r in replies) == 1
    assert sum("sudah tercatat sebelumnya" in r for r in replies) == 5
    assert usulan.get(db, 1)["supporters"] == 3
    assert db.execute("SELECT count(*) FROM usulan_supporters WHERE usulan_id = 1").fetchone()[0] \
        == 3
