"""POST /webhooks/twilio and /webhooks/twilio/status with real Twilio payloads, signed."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.conformance import listed
from tests.conftest import AUTH_TOKEN, sign

PATH = "/webhooks/twilio"
BASE = "http://localhost"


def post_raw(client, path, raw_body, content_type="application/x-www-form-urlencoded",
             signature=None, token=AUTH_TOKEN, base=BASE, headers=None):
    """POST the exact raw body Twilio sent, signed over its decoded params."""
    params = MultiDict(parse_qsl(raw_body, keep_blank_values=True))
    all_headers = {"Content-Type": content_type}
    if signature is None:
        signature = sign(base + path, params, token)
    if signature:
        all_headers["X-Twilio-Signature"] = signature
    all_headers.update(headers or {})
    return client.post(path, data=raw_body.encode(), headers=all_headers)


def stored(db):
    return list(db.query("SELECT * FROM messages ORDER BY id"))


PAYLOADS = [c for c in listed("inbound_payloads")
            if c["id"] not in ("in-sms-bad-signature", "in-sms-missing-signature",
                               "in-sms-no-params")]


@pytest.mark.parametrize("case", PAYLOADS, ids=lambda c: c["id"])
def test_real_payload_is_captured_verbatim(client, db, case):
    response = post_raw(client, PATH, case["raw_body"])
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Response/>" in response.data
    rows = stored(db)
    assert len(rows) == 1
    row = rows[0]
    params = MultiDict(parse_qsl(case["raw_body"], keep_blank_values=True))
    assert row["provider_sid"] == params["MessageSid"]
    assert row["body"] == (params.get("Body") or "")
    assert json.loads(row["raw"]) == [list(p) for p in params.items(multi=True)]
    assert row["channel"] == ("whatsapp" if params["From"].startswith("whatsapp:") else "sms")
    media = json.loads(row["media"])
    present = [params[k] for k in params if k.startswith("MediaUrl")]
    assert [m["url"] for m in media] == present[: int(params.get("NumMedia") or 0)]
    for field, column in (("ProfileName", "profile_name"), ("WaId", "wa_id"),
                          ("Latitude", "latitude"), ("Longitude", "longitude"),
                          ("Label", "location_label"), ("ButtonText", "button_text")):
        assert row[column] == params.get(field)


def test_whatsapp_sender_becomes_e164_contact_address(client, db):
    case = next(c for c in listed("inbound_payloads") if c["id"] == "in-wa-location")
    post_raw(client, PATH, case["raw_body"])
    row = stored(db)[0]
    assert (row["channel"], row["address"]) == ("whatsapp", "+31612345678")
    assert row["location_address"].startswith("Evert van de Beekstraat")


@pytest.mark.parametrize("sender, address", [
    ("081234567890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("+62 812-3456-7890", "+6281234567890"),
    ("whatsapp:+6281234567890", "+6281234567890"),
    ("whatsapp:US.1234", "US.1234"),
])
def test_sender_numbers_are_normalised(signed_post, db, sender, address):
    response = signed_post(PATH, {"MessageSid": "SM" + "c" * 32, "From": sender, "Body": "x"})
    assert response.status_code == 200
    assert stored(db)[0]["address"] == address


@pytest.mark.parametrize("case_id, header", [
    ("in-sms-bad-signature", "invalidsig"),
    ("in-sms-missing-signature", ""),
])
def test_bad_or_missing_signature_is_403_and_stores_nothing(client, db, case_id, header):
    case = next(c for c in listed("inbound_payloads") if c["id"] == case_id)
    response = post_raw(client, PATH, case["raw_body"], signature=header)
    assert response.status_code == 403
    assert stored(db) == []


def test_signature_for_another_token_is_403(client, db):
    case = listed("inbound_payloads")[0]
    assert post_raw(client, PATH, case["raw_body"], token="other").status_code == 403


def test_signature_over_changed_params_is_403(client, db):
    params = {"MessageSid": "SM" + "a" * 32, "From": "+6281234567890", "Body": "asli"}
    signature = sign(BASE + PATH, params)
    response = client.post(PATH, data={**params, "Body": "diubah"},
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_query_string_is_signed_raw(client, db):
    raw = "MessageSid=SM" + "d" * 32 + "&From=%2B6281234567890&Body=halo"
    path = PATH + "?tenant=a%27b&x=%C3%B1"
    response = post_raw(client, path, raw)
    assert response.status_code == 200
    assert len(stored(db)) == 1


def test_json_body_without_body_hash_is_403_not_500(client, db):
    body = json.dumps({"MessageSid": "SM" + "e" * 32, "From": "+6281234567890"})
    response = client.post(PATH, data=body, headers={
        "Content-Type": "application/json", "X-Twilio-Signature": sign(BASE + PATH, {})})
    assert response.status_code == 403


def test_signed_request_without_fields_is_400(client, db):
    response = post_raw(client, PATH, " ")
    assert response.status_code == 400
    assert response.data.decode().count("\n") == 1
    assert "MessageSid" in response.data.decode()


@pytest.mark.parametrize("params", [
    {"From": "+6281234567890", "Body": "x"},
    {"MessageSid": "SM" + "a" * 32, "Body": "x"},
    {"MessageSid": "SM<script>", "From": "+6281234567890"},
    {"MessageSid": "SM" + "a" * 200, "From": "+6281234567890"},
    {"MessageSid": "SM" + "a" * 32, "From": "+62" + "1" * 200},
])
def test_missing_or_malformed_fields_are_400(signed_post, db, params):
    response = signed_post(PATH, params)
    assert response.status_code == 400
    assert stored(db) == []


def test_body_over_64_kb_is_413(signed_post, db):
    params = {"MessageSid": "SM" + "a" * 32, "From": "+6281234567890", "Body": "a" * 70000}
    assert signed_post(PATH, params).status_code == 413
    assert stored(db) == []


def test_long_but_allowed_body_is_kept_whole(signed_post, db):
    text = "jalan rusak " * 1000
    params = {"MessageSid": "SM" + "a" * 32, "From": "+6281234567890", "Body": text}
    assert signed_post(PATH, params).status_code == 200
    assert stored(db)[0]["body"] == text


def test_duplicate_message_sid_stores_one(client, db):
    case = next(c for c in listed("inbound_payloads") if c["id"] == "in-sms-duplicate-retry")
    for _ in range(case.get("deliveries", 2)):
        assert post_raw(client, PATH, case["raw_body"]).status_code == 200
    assert len(stored(db)) == 1


def test_behind_a_proxy_the_public_url_is_signed(monkeypatch, settings, db):
    """Twilio calls https://aspirasi.example.id; the app listens on http://127.0.0.1:5000."""
    monkeypatch.setenv("ASPIRASI_PUBLIC_URL", "https://aspirasi.example.id")
    from gateway import create_app

    client = create_app({"TESTING": True}).test_client()
    params = {"MessageSid": "SM" + "f" * 32, "From": "+6281234567890", "Body": "halo"}
    public = sign("https://aspirasi.example.id" + PATH, params)
    local = sign("http://localhost" + PATH, params)
    assert client.post(PATH, data=params, headers={"X-Twilio-Signature": local}).status_code == 403
    assert client.post(PATH, data=params,
                       headers={"X-Twilio-Signature": public}).status_code == 200


def test_without_auth_token_unsigned_posts_are_accepted(monkeypatch, settings):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID")
    from gateway import create_app

    client = create_app({"TESTING": True}).test_client()
    response = client.post(PATH, data={"MessageSid": "SM" + "1" * 32, "From": "+628123456789"})
    assert response.status_code == 200


def test_redis_down_still_answers_200_and_keeps_the_message(monkeypatch, settings):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    from data.db import open_db
    from gateway import create_app

    client = create_app({"TESTING": True}).test_client()
    params = {"MessageSid": "SM" + "2" * 32, "From": "+6281234567890", "Body": "jln rusak"}
    sig = sign(BASE + PATH, params)
    assert client.post(PATH, data=params, headers={"X-Twilio-Signature": sig}).status_code == 200
    rows = list(open_db(settings.db_path).query("SELECT status FROM messages"))
    assert rows == [{"status": "captured"}]
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["redis"] == "down" and health.json["status"] == "degraded"


def test_healthz_is_503_when_sqlite_is_not_writable(tmp_path, monkeypatch, settings):
    from gateway import create_app

    app = create_app({"TESTING": True})
    import os

    os.chmod(os.path.dirname(settings.db_path), 0o500)
    os.chmod(settings.db_path, 0o400)
    from data.db import close_all

    close_all()
    try:
        if os.geteuid() == 0:
            # root ignores file modes: make the database itself unusable instead
            with open(settings.db_path, "r+b") as handle:
                handle.write(b"not a database at all" * 10)
            for suffix in ("-wal", "-shm"):
                if os.path.exists(settings.db_path + suffix):
                    os.remove(settings.db_path + suffix)
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json["db"] == "down"
    finally:
        os.chmod(os.path.dirname(settings.db_path), 0o700)
        os.chmod(settings.db_path, 0o600)


FORM_CASES = [  # raw form text → what parse_qsl(keep_blank_values, errors="replace") gives
    ("Body=jln+rusak+dkt+pasar&From=%2B6281234", [("Body", "jln rusak dkt pasar"),
                                                 ("From", "+6281234")]),
    ("a=1&&b=&c", [("a", "1"), ("b", ""), ("c", "")]),
    ("Body=%E2%82%AC%FF&x=%zz%2", [("Body", "€\ufffd"), ("x", "%zz%2")]),
    ("k%2Bey=a=b&k=1&k=2", [("k+ey", "a=b"), ("k", "1"), ("k", "2")]),
    ("", []),
]


@pytest.mark.parametrize("text, expected", FORM_CASES)
def test_parse_form_table(text, expected):
    from gateway.webhooks import parse_form

    assert parse_form(text) == expected == parse_qsl(text, keep_blank_values=True,
                                                     errors="replace")


@given(st.text(alphabet="ab=&+%2B0FfzC3\u20ac\ufffd ", max_size=40))
@examples(max_examples=500, deadline=None)
def test_parse_form_is_parse_qsl(text):
    from gateway.webhooks import parse_form

    assert parse_form(text) == parse_qsl(text, keep_blank_values=True, errors="replace")


@pytest.mark.parametrize("path", ["/webhooks/twilio", "/webhooks/smsgate"])
def test_machine_routes_open_no_cookie_session(app, path):
    """Twilio and the relay phone carry no staff cookie: none is read or set."""
    from flask import request

    with app.test_request_context(path, method="POST", headers={"Cookie": "session=abc"}):
        assert app.session_interface.is_null_session(
            app.session_interface.open_session(app, request))
    with app.test_request_context("/inbox", headers={"Cookie": "session=abc"}):
        assert not app.session_interface.is_null_session(
            app.session_interface.open_session(app, request))


def test_a_webhook_answer_sets_no_cookie(signed_post, db):
    response = signed_post("/webhooks/twilio", {"MessageSid": "SM" + "c" * 32,
                                                "From": "+6281234567001", "Body": "halo"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("method", ["GET", "PUT", "HEAD"])
def test_webhook_paths_take_only_post(client, method):
    for path in (PATH, PATH + "/status"):
        response = client.open(path, method=method)
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST"


def test_a_content_length_that_is_not_a_number_is_400(client, db):
    response = client.post(PATH, data=b"MessageSid=SM1", environ_overrides={
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": "12x"})
    assert response.status_code == 400
    assert stored(db) == []
