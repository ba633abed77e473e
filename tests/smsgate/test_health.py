"""The relay phone's health: silence told once, return told once with a replay of its inbox;
/healthz and the staff banner; `aspirasi smsgate register`, `simulate --smsgate`, settings."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from data import clock, staff_accounts
from data.db import transaction
from gateway.cli import main
from handlers.settings import ConfigError, load_settings
from tests.fake_phone import DEVICE_ID, SIGNING_KEY
from tests.test_inbox_helpers import login, make_staff

ADMIN_PHONE = "+6281211112222"


def run_cli(*args):
    """The real `aspirasi` command, in this process (a subprocess costs a second each)."""
    return CliRunner().invoke(main, list(args))


def silence(db, minutes: float = 31) -> None:
    """Time passes with no word from the phone."""
    with transaction(db):
        db.execute("UPDATE relay_devices SET last_seen_at = ?", [clock.later(-minutes * 60)])


def notices(twilio_stub) -> list[str]:
    return [c["Body"] for c in twilio_stub.creates() if c["To"] == ADMIN_PHONE]


def test_silence_is_told_once_and_the_return_once_with_a_replay(relay_url, phone, run_worker,
                                                               db, twilio_stub, client):
    admin = make_staff(db, "ani", "admin")
    make_staff(db, "budi", "admin")  # no number: the banner only
    with transaction(db):
        staff_accounts.set_phone(db, admin["id"], ADMIN_PHONE)
    phone.ping()
    silence(db)
    run_worker()
    run_worker()
    (told,) = notices(twilio_stub)
    assert "tidak terdengar sejak" in told and DEVICE_ID[-6:] in told and len(told) <= 160
    assert "SMS keluar lewat Twilio dulu" in told
    login(client, "budi")
    assert "tidak terdengar sejak" in client.get("/inbox").get_data(as_text=True)
    health = client.get("/healthz").json
    assert health["status"] == "degraded"
    assert list(health["relays"]) == [DEVICE_ID]
    assert health["relays"][DEVICE_ID].startswith("silent since 20")
    # an SMS reaches the phone while the gateway cannot hear it: its webhook is lost
    phone.receive_sms("+6281234567890", "air bersih tidak mengalir di Sagerat", deliver=False)
    phone.ping()  # the phone is back
    run_worker()
    run_worker()
    assert len(notices(twilio_stub)) == 2 and "aktif lagi" in notices(twilio_stub)[1]
    (refresh,) = phone.refreshes
    assert refresh["triggerWebhooks"] is True and refresh["since"].endswith("Z")
    assert db.execute("SELECT body FROM messages").fetchall() == [
        ("air bersih tidak mengalir di Sagerat",)]  # the replay brought it in, once
    (asked,) = phone.messages.values()  # and it was answered through the phone
    assert asked["phoneNumbers"] == ["+6281234567890"]
    assert "tidak terdengar" not in client.get("/inbox").get_data(as_text=True)
    assert client.get("/healthz").json["relays"] == {DEVICE_ID: "ok"}
    run_worker()
    assert len(notices(twilio_stub)) == 2 and len(phone.refreshes) == 1


def test_a_replay_brings_nothing_new_twice(relay_url, phone, run_worker, db):
    phone.receive_sms("+6281234567890", "jalan rusak di Wangurer")
    run_worker()
    silence(db)
    run_worker()
    phone.ping()
    run_worker()
    assert len(phone.refreshes) == 1 and phone.posted.count(("sms:received", 200)) == 2
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert len(phone.messages) == 1


def test_a_phone_that_is_back_but_not_answering_is_asked_again_later(relay_url, phone, db,
                                                                    settings):
    from handlers.relay import watch

    phone.ping()
    silence(db)
    watch(db, None, settings)
    phone.ping()
    phone.offline()
    watch(db, None, settings)
    assert db.execute("SELECT replay_from FROM relay_devices").fetchone()[0] is not None
    phone.online()
    import handlers.relay as relay

    relay._replay_tried.clear()  # the retry interval has passed
    watch(db, None, settings)
    assert len(phone.refreshes) == 1
    assert db.execute("SELECT replay_from FROM relay_devices").fetchone()[0] is None


def test_register_subscribes_the_five_events_once(relay_url, phone):
    first = run_cli("smsgate", "register", "--webhook-url", relay_url)
    assert first.exit_code == 0, first.output
    again = run_cli("smsgate", "register", "--webhook-url", relay_url)
    assert again.exit_code == 0 and again.output.count("sudah terdaftar") == 5
    phone.webhooks.clear()  # relay_url subscribed them directly; now `register` alone
    first = run_cli("smsgate", "register", "--webhook-url", relay_url)
    assert first.output.count("didaftarkan") == 5
    ours = [w for w in phone.webhooks.values() if w["url"] == relay_url]
    assert sorted(w["event"] for w in ours) == ["sms:delivered", "sms:failed", "sms:received",
                                                "sms:sent", "system:ping"]
    assert phone.settings["webhooks"]["internet_required"] is False
    assert phone.settings["ping"]["interval_seconds"] == 300
    assert phone.signing_key == SIGNING_KEY


def test_register_without_a_phone_says_what_is_missing(env, monkeypatch):
    monkeypatch.delenv("SMSGATE_URL")
    result = run_cli("smsgate", "register", "--webhook-url", "https://10.0.0.2/webhooks/smsgate")
    assert result.exit_code != 0 and "SMSGATE_URL" in result.output


def test_simulate_smsgate_goes_the_whole_way(relay_url, phone, live_server, settings):
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "simulate", "--smsgate", "--from", "081234567890",
         "--url", live_server.url, "--timeout", "30", "jln rusak dkt pasar girian"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    from handlers.worker import run

    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        run(settings, burst=True)
        time.sleep(0.2)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "-> 200 (captured)" in out and "infrastruktur" in out and "lewat smsgate" in out
    (asked,) = phone.messages.values()
    assert asked["phoneNumbers"] == ["+6281234567890"]


def test_staff_phone_sets_and_clears_the_alert_number(db):
    make_staff(db, "ani", "admin")
    result = run_cli("staff-phone", "ani", "0812 1111 2222")
    assert result.exit_code == 0, result.output
    assert [a["phone"] for a in staff_accounts.admins_with_phone(db)] == [ADMIN_PHONE]
    assert run_cli("staff-phone", "ani", "--clear").exit_code == 0
    assert staff_accounts.admins_with_phone(db) == []
    assert run_cli("staff-phone", "ani", "halo").exit_code != 0


@pytest.mark.parametrize("environ, variable", [
    ({"SMSGATE_URL": "http://192.168.1.20:8080"}, "SMSGATE_USERNAME"),
    ({"SMSGATE_URL": "192.168.1.20:8080"}, "SMSGATE_URL"),
    ({"SMSGATE_URL": "http://192.168.1.20:8080", "SMSGATE_USERNAME": "sms",
      "SMSGATE_PASSWORD": "x"}, "SMSGATE_SIGNING_KEY"),
    ({"ASPIRASI_SMS_ROUTE": "smsgate"}, "ASPIRASI_SMS_ROUTE"),
    ({"ASPIRASI_SMS_ROUTE": "phone"}, "ASPIRASI_SMS_ROUTE"),
    ({"SMSGATE_SEND_RATE": "0"}, "SMSGATE_SEND_RATE"),
    ({"SMSGATE_SILENCE_MINUTES": "-5"}, "SMSGATE_SILENCE_MINUTES"),
])
def test_relay_settings_name_the_variable(environ, variable):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert caught.value.variable == variable


def test_unset_relay_changes_nothing():
    from handlers.transports import ConsoleTransport, transport_for

    s = load_settings({})
    assert not s.relay_receives and not s.relay_sends and s.sms_route == "auto"
    assert isinstance(transport_for(s), ConsoleTransport)
