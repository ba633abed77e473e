"""The send path: the real twilio client over one kept-alive connection, errors as before,
sends recorded in groups without ever sending a message twice."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from data import outbox
from handlers import outbound
from handlers.transports import SendError, TwilioTransport

BODY = "Terima kasih, aspirasi Anda diterima."


def queued(db, n: int, start: int = 0) -> list[dict]:
    for i in range(start, start + n):
        outbox.add(db, outbox.reply_key(i + 1, 0), "ack", "sms", f"+6281200000{i:03d}", BODY)
    return outbox.claim_due(db, n)


def test_one_thread_sends_over_one_kept_alive_connection(settings, db, twilio_stub):
    transport = TwilioTransport(settings)
    for row in queued(db, 5):
        assert transport.send(row).sid.startswith("SM")
    assert len(twilio_stub.messages) == 5
    assert twilio_stub.connections == 1


def test_a_proxy_in_the_environment_carries_the_requests(monkeypatch, settings, db, twilio_stub):
    """The API host does not resolve: the message only arrives if the proxy (the stub) is used."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", twilio_stub.url)
    monkeypatch.setenv("http_proxy", twilio_stub.url)
    row = queued(db, 1)[0]
    TwilioTransport(at(settings, "http://api.twilio.invalid")).send(row)
    assert [m["to"] for m in twilio_stub.messages] == [row["to_address"]]


def at(settings, url: str):
    return dataclasses.replace(settings, twilio_api_url=url)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_is_a_certain_network_error_and_a_hang_an_uncertain_timeout(settings, db,
                                                                              twilio_stub):
    first, second = queued(db, 2)
    with pytest.raises(SendError) as refused:
        TwilioTransport(at(settings, f"http://127.0.0.1:{closed_port()}")).send(first)
    assert (refused.value.code, refused.value.retryable, refused.value.uncertain) == \
        ("network", True, False)
    twilio_stub.push("hang")
    with pytest.raises(SendError) as hung:
        TwilioTransport(settings).send(second)
    assert (hung.value.code, hung.value.retryable, hung.value.uncertain) == \
        ("timeout", True, True)


def test_a_status_callback_before_the_send_is_recorded_is_applied_then(db):
    row = queued(db, 1)[0]
    assert outbox.apply_status(db, "SMearly", "delivered", None, "{}") is None
    outbox.mark_sent_many(db, [(row["id"], "twilio", "SMearly", "sent")])
    assert outbox.get(db, row["id"])["status"] == "delivered"


def test_sends_not_yet_recorded_when_the_worker_dies_are_adopted_not_resent(settings, db,
                                                                            twilio_stub):
    """The worker sends a group, then dies before writing it (Marks never flushed): the rows
    come back as uncertain and the lookup at Twilio finds each message."""
    transport = TwilioTransport(settings)
    lost = outbound.Marks(settings)
    for row in queued(db, 3):
        assert outbound.send_row(db, settings, transport, row, lost) == "sent"
    assert {r["status"] for r in db.query("SELECT status FROM outbox")} == {"sending"}
    assert outbox.recover_stale(db, -1) == 3
    assert outbound.drain(settings) == 3
    rows = list(db.query("SELECT status, provider_sid FROM outbox ORDER BY id"))
    assert [r["status"] for r in rows] == ["sent"] * 3
    assert sorted(r["provider_sid"] for r in rows) == sorted(m["sid"] for m in twilio_stub.messages)
    assert len(twilio_stub.messages) == 3
