"""Signature vectors from seven official Twilio libraries, through our own check."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from gateway.signature import compute, is_valid, signed_url
from tests.conformance import listed

# Unverifiable: the docs snippet does not publish its auth token.
PYTHON_DIFFERS = {"sig-docs-example"}


def form_of(case: dict):
    params = case.get("params") or {}
    if case["kind"] == "form-multivalue":
        pairs = [(k, v) for k, values in params.items() for v in (values if isinstance(
            values, list) else [values])]
        return MultiDict(pairs)
    return params


@pytest.mark.parametrize("case", listed("signature_vectors"), ids=lambda c: c["id"])
def test_signature_vector(case):
    if case["id"] in PYTHON_DIFFERS:
        pytest.skip(case.get("verification_note", "expectation of another library"))
    if case.get("usable") is False:
        pytest.skip("vector not usable: " + case.get("verification_note", ""))
    is_json = case["kind"] == "json"
    result = is_valid(case["auth_token"], case["url"], None if is_json else form_of(case),
                      case.get("body"), is_json, case["x_twilio_signature"])
    assert result is case["expected_valid"]


@pytest.mark.parametrize("signature", ["", "invalidsig", "A" * 28, "=" * 4, "\x00"])
def test_garbage_signature_is_invalid_not_an_error(signature):
    assert is_valid("12345", "https://example.com/x?y=1", {"A": "b"}, None, False,
                    signature) is False


def test_json_body_without_body_hash_is_invalid_not_an_error():
    assert is_valid("12345", "https://example.com/x", None, '{"a": 1}', True, "abc=") is False


@pytest.mark.parametrize("environ, public, expected", [
    ({"RAW_URI": "/webhooks/twilio?tenant=a%27b", "PATH_INFO": "/webhooks/twilio",
      "QUERY_STRING": "tenant=a%27b"}, None, "http://localhost:5000/webhooks/twilio?tenant=a%27b"),
    ({"PATH_INFO": "/webhooks/twilio", "QUERY_STRING": "x=%C3%B1"}, None,
     "http://localhost:5000/webhooks/twilio?x=%C3%B1"),
    ({"PATH_INFO": "/webhooks/twilio", "QUERY_STRING": ""}, "https://aspirasi.example.id",
     "https://aspirasi.example.id/webhooks/twilio"),
    ({"REQUEST_URI": "/webhooks/twilio?a=1%202", "PATH_INFO": "/webhooks/twilio"},
     "https://gw.example.id:8443", "https://gw.example.id:8443/webhooks/twilio?a=1%202"),
])
def test_signed_url_keeps_the_raw_query(environ, public, expected):
    assert signed_url(environ, public, "http", "localhost:5000") == expected


# Our compute() is the webhook's hot path; twilio's RequestValidator is the reference.
FORM_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(pairs=st.lists(st.tuples(FORM_TEXT, FORM_TEXT), max_size=8), url=FORM_TEXT)
@settings(max_examples=300, deadline=None)
def test_compute_is_twilios_signature_for_any_form(pairs, url):
    from twilio.request_validator import RequestValidator

    expected = RequestValidator("tok3n").compute_signature("https://x.id/w" + url,
                                                           MultiDict(pairs))
    assert compute("tok3n", "https://x.id/w" + url, pairs) == expected


@pytest.mark.parametrize("case", [c for c in listed("signature_vectors")
                                  if c["kind"] != "json" and c.get("usable") is not False],
                         ids=lambda c: c["id"])
def test_compute_matches_every_form_vector(case):
    from twilio.request_validator import RequestValidator

    form = form_of(case)
    pairs = list(form.items(multi=True)) if isinstance(form, MultiDict) else list(form.items())
    assert compute(case["auth_token"], case["url"], pairs) == RequestValidator(
        case["auth_token"]).compute_signature(case["url"], form)
