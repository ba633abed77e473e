"""Login, lockout, CSRF, roles and headers on every staff route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data import audit
from data import staff_accounts as staff
from tests.test_inbox_helpers import (
    ADMIN_ONLY,
    DOWNLOADS,
    PAGES,
    POSTS,
    csrf,
    login,
    make_staff,
    post,
    seed,
)


@pytest.fixture
def ticket(db):
    return seed(db, "jalan rusak di kelurahan Madidir Ure")["ticket"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_anonymous_to_login(client, ticket, path):
    response = client.get(path.format(t=ticket))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", DOWNLOADS)
def test_downloads_refuse_anonymous(client, ticket, path):
    response = client.get(path)
    assert response.status_code == 401
    assert b"nomor tiket" not in response.data


@pytest.mark.parametrize("path", POSTS)
def test_posts_refuse_anonymous_even_with_a_valid_token(client, db, ticket, path):
    before = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    response = post(client, path.format(t=ticket), {"status": "diverifikasi", "body": "x"})
    assert response.status_code == 401
    assert db.execute("SELECT count(*) FROM status_changes").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


@pytest.mark.parametrize("role, kelurahan", [("staf", None), ("kelurahan", "Madidir Ure")])
@pytest.mark.parametrize("path", ADMIN_ONLY)
def test_admin_pages_forbidden_to_other_roles(client, db, ticket, role, kelurahan, path):
    make_staff(db, "petugas", role, kelurahan)
    login(client, "petugas")
    assert client.get(path).status_code == 403
    target = "/admin/staff" if path == "/admin/staff" else "/admin/contacts/1"
    assert post(client, target, {"username": "baru", "role": "kepala", "password": "x" * 10,
                                 "kelurahan": "Madidir Ure"}).status_code == 403
    assert staff.by_username(db, "baru") is None
    assert db.execute("SELECT role FROM contacts WHERE id = 1").fetchone()[0] == "warga"


def test_login_then_pages_open_and_root_redirects(client, db, ticket):
    make_staff(db, "ani", "admin")
    response = login(client, "ani")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    for path in PAGES + DOWNLOADS:
        assert client.get(path.format(t=ticket)).status_code == 200, path
    assert client.get("/").headers["Location"].endswith("/inbox")
    assert [r["action"] for r in audit.recent(db, action="login")] == ["login"]


def test_login_keeps_only_local_next(client, db):
    make_staff(db, "ani", "staf")
    for target, expected in [("/dashboard", "/dashboard"), ("//evil.example/x", "/inbox"),
                             ("https://evil.example/", "/inbox"), ("/\\evil.example", "/inbox")]:
        client.post("/logout", data={"csrf_token": csrf(client)})
        response = client.post("/login", query_string={"next": target}, data={
            "username": "ani", "password": "kata-sandi-uji", "csrf_token": csrf(client)})
        assert response.headers["Location"] == expected


def test_wrong_password_is_refused_and_audited(client, db):
    make_staff(db, "ani", "staf")
    response = login(client, "ani", "salah-sandi")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302
    assert audit.recent(db, action="login_failed")[0]["target"] == "ani"


def test_wrong_passwords_slow_down_that_address_across_apps(client, db, settings):
    make_staff(db, "ani", "staf")
    for _ in range(staff.FREE_FAILURES):
        assert login(client, "ani", "salah-sandi").status_code == 401
    response = login(client, "ani")  # the right password, but this address must wait
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert "Coba lagi dalam 1 detik" in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302
    from gateway import create_app

    other = create_app({"TESTING": True}).test_client()  # another process would see the same
    assert login(other, "ani").status_code == 429
    later = datetime.now(UTC) + timedelta(seconds=1.5)
    assert staff.throttled_for(db, "ani", "127.0.0.1") > 0
    assert staff.throttled_for(db, "ani", "127.0.0.1", now=later) == 0


def test_the_delay_grows_with_each_failure_and_is_capped():
    delays = [staff.delay_after(n, 5) for n in range(3, 20)]
    assert delays[:3] == [0, 0, 1] and delays[3:6] == [2, 4, 8]
    assert max(delays) == staff.MAX_DELAY and delays == sorted(delays)


def test_deactivated_account_cannot_log_in_and_loses_its_session(client, db):
    user = make_staff(db, "ani", "staf")
    login(client, "ani")
    assert client.get("/inbox").status_code == 200
    staff.set_active(db, user["id"], False)
    assert client.get("/inbox").status_code == 302
    assert login(client, "ani").status_code == 401


@pytest.mark.parametrize("path", ["/login", "/logout"])
def test_post_without_csrf_token_is_refused(client, db, path):
    make_staff(db, "ani", "staf")
    csrf(client)
    response = client.post(path, data={"username": "ani", "password": "kata-sandi-uji"})
    assert response.status_code == 400
    response = client.post(path, data={"username": "ani", "password": "kata-sandi-uji",
                                       "csrf_token": "tebakan"})
    assert response.status_code == 400


def test_staff_action_without_csrf_token_changes_nothing(client, db, ticket):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    response = client.post(f"/inbox/{ticket}/status", data={"status": "diverifikasi"})
    assert response.status_code == 400
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "baru"


def test_logout_needs_post_and_ends_the_session(client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    assert client.get("/logout").status_code == 405
    response = post(client, "/logout")
    assert response.status_code == 302
    assert client.get("/inbox").status_code == 302
    assert audit.recent(db, action="logout")[0]["actor"] == "ani"


def test_session_cookie_flags_and_security_headers(client, db):
    make_staff(db, "ani", "staf")
    response = login(client, "ani")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/inbox")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_secure_cookie_when_served_over_https(env, monkeypatch):
    monkeypatch.setenv("ASPIRASI_PUBLIC_URL", "https://aspirasi.bitungkota.go.id")
    from gateway import create_app

    app = create_app({"TESTING": True})
    client = app.test_client()
    response = client.get("/login")
    assert "Secure" in response.headers["Set-Cookie"]


def test_pages_use_no_external_urls(client, db, ticket):
    make_staff(db, "ani", "admin")
    login(client, "ani")
    for path in PAGES:
        html = client.get(path.format(t=ticket)).get_data(as_text=True)
        assert "http://" not in html and "https://" not in html.replace(
            "https://www.openstreetmap.org/", ""), path
        assert "style=" not in html  # the CSP forbids inline styles


def test_staff_errors_are_explained_in_indonesian(client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    missing = client.get("/inbox/ZZZZZ")
    assert missing.status_code == 404
    assert "Halaman atau tiket tidak ditemukan" in missing.get_data(as_text=True)
    forbidden = client.get("/admin/audit")
    assert forbidden.status_code == 403 and "tidak berhak" in forbidden.get_data(as_text=True)
    stale = client.post("/inbox/ZZZZZ/catatan", data={"csrf_token": "lama"})
    assert stale.status_code == 400 and "Formulir kedaluwarsa" in stale.get_data(as_text=True)
