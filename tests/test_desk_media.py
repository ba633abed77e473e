"""Media kept locally: downloaded by the worker (Twilio basic auth, allow-list, caps, retries),
served by the gateway to staff in scope, thumbnails and a player; the ack never waits."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from data.db import transaction
from tests.conftest import ACCOUNT_SID
from tests.test_inbox_helpers import login, make_staff

OGG = b"OggS" + b"\x00" * 200


def jpeg(size=(800, 600), color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def whatsapp(signed_post, n: int, body: str, media: list[tuple[str, str]]):
    form = {"MessageSid": f"SM{n:032x}", "AccountSid": ACCOUNT_SID,
            "From": "whatsapp:+6281234567890", "To": "whatsapp:+14155238886", "Body": body,
            "NumMedia": str(len(media))}
    for i, (url, kind) in enumerate(media):
        form[f"MediaUrl{i}"], form[f"MediaContentType{i}"] = url, kind
    assert signed_post("/webhooks/twilio", form).status_code == 200


@pytest.fixture
def staf(client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    return client


def items(db):
    return list(db.query("SELECT * FROM media_items ORDER BY id"))


def test_a_photo_is_downloaded_with_basic_auth_and_served_with_a_thumbnail(
        staf, db, signed_post, run_worker, twilio_stub, settings):
    url = twilio_stub.add_media("1", "image/jpeg", jpeg())
    whatsapp(signed_post, 1, "got mampet di Madidir Ure", [(url, "image/jpeg")])
    run_worker()
    (item,) = items(db)
    assert item["status"] == "stored" and item["url"] == url and item["thumb_path"]
    fetches = [r for r in twilio_stub.requests if r["method"] == "GET"]
    assert fetches[0]["auth_user"] == ACCOUNT_SID  # Twilio's media URL: basic auth sent
    assert fetches[1]["path"].startswith("/s3/")  # the redirect to storage is followed
    ticket = db.execute("SELECT ticket FROM aspirations").fetchone()[0]
    page = staf.get(f"/inbox/{ticket}").get_data(as_text=True)
    thumb_url = f"/inbox/{ticket}/media/{item['id']}/kecil"
    assert f'src="{thumb_url}"' in page and "api.twilio.com" not in page
    full = staf.get(f"/inbox/{ticket}/media/{item['id']}")
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.get_data() == jpeg()
    small = staf.get(thumb_url)
    assert small.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(small.get_data())).size) <= 320
    assert "sandbox" in full.headers["Content-Security-Policy"]


def test_a_voice_note_gets_a_player_and_the_inbox_says_what_it_is(staf, db, signed_post,
                                                                  run_worker, twilio_stub):
    url = twilio_stub.add_media("2", "audio/ogg", OGG)
    whatsapp(signed_post, 2, "", [(url, "audio/ogg")])
    run_worker()
    (item,) = items(db)
    ticket = db.execute("SELECT ticket FROM aspirations").fetchone()[0]
    page = staf.get(f"/inbox/{ticket}").get_data(as_text=True)
    assert f'<audio controls preload="metadata" src="/inbox/{ticket}/media/{item["id"]}">' in page
    response = staf.get(f"/inbox/{ticket}/media/{item['id']}")
    assert response.mimetype == "audio/ogg" and response.get_data() == OGG
    listing = staf.get("/inbox").get_data(as_text=True)
    assert "🎤 pesan suara" in listing and "(pesan suara)" not in listing


def test_types_outside_the_allow_list_sizes_and_counts_are_refused(
        monkeypatch, env, staf, db, signed_post, run_worker, twilio_stub):
    big = twilio_stub.add_media("3", "image/jpeg", jpeg((2000, 2000)) + b"\x00" * 300_000)
    page = twilio_stub.add_media("4", "text/html", b"<script>alert(1)</script>")
    third = twilio_stub.add_media("5", "image/jpeg", jpeg())
    monkeypatch.setenv("ASPIRASI_MEDIA_MAX_MB", "0.2")
    monkeypatch.setenv("ASPIRASI_MEDIA_MAX_COUNT", "2")
    whatsapp(signed_post, 3, "jalan rusak", [(big, "image/jpeg"), (page, "text/html"),
                                            (third, "image/jpeg")])
    run_worker()
    statuses = [(i["status"], i["error"]) for i in items(db)]
    assert statuses[0] == ("refused", "lebih dari 0.2 MB")
    assert statuses[1] == ("refused", "jenis text/html tidak disimpan")
    assert statuses[2][0] == "refused" and "lebih dari 2 lampiran" in statuses[2][1]
    ticket = db.execute("SELECT ticket FROM aspirations").fetchone()[0]
    html = staf.get(f"/inbox/{ticket}").get_data(as_text=True)
    assert "tidak tersimpan" in html and big in html  # the original URL is kept for staff
    assert staf.get(f"/inbox/{ticket}/media/{items(db)[1]['id']}").status_code == 404


def test_a_failed_download_retries_later_and_never_holds_the_ack(
        staf, db, signed_post, run_worker, twilio_stub):
    url = twilio_stub.add_media("6", "image/jpeg", jpeg())
    twilio_stub.offline = True  # the media host cannot be reached
    whatsapp(signed_post, 6, "jembatan putus", [(url, "image/jpeg")])
    run_worker()
    assert any("tiket" in m["Body"].lower() for m in twilio_stub.creates())  # the ack went
    (item,) = items(db)
    assert item["status"] == "pending" and item["attempts"] == 1 and item["error"]
    twilio_stub.offline = False
    with transaction(db):  # the backoff has passed
        db.execute("UPDATE media_items SET next_attempt_at = '2000-01-01T00:00:00.000000Z'")
    run_worker()
    assert items(db)[0]["status"] == "stored"


def test_media_is_served_only_to_staff_in_scope(client, db, signed_post, run_worker,
                                                twilio_stub):
    url = twilio_stub.add_media("7", "image/jpeg", jpeg())
    whatsapp(signed_post, 7, "got mampet di kelurahan Madidir Ure", [(url, "image/jpeg")])
    run_worker()
    ticket, = db.execute("SELECT ticket FROM aspirations").fetchone()
    path = f"/inbox/{ticket}/media/{items(db)[0]['id']}"
    assert client.get(path).status_code in (302, 401)
    make_staff(db, "lurah-lain", "kelurahan", "Girian Bawah")
    login(client, "lurah-lain")
    assert client.get(path).status_code == 404
    make_staff(db, "lurah", "kelurahan", "Madidir Ure")
    login(client, "lurah")
    assert client.get(path).status_code == 200
