"""Passwords for staff accounts: hashing and checking (werkzeug's scrypt), kept in gateway/
because only gateway/ may import werkzeug. Rows are data.staff_accounts' job."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from data import staff_accounts
from data.staff_accounts import StaffError

MIN_PASSWORD = 8
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_dummy_hash: str | None = None


def check_password(password: str | None) -> None:
    """Raise StaffError when a new password is too short; None means 'unchanged'."""
    if password is not None and len(password) < MIN_PASSWORD:
        raise StaffError(f"Kata sandi minimal {MIN_PASSWORD} karakter.")


def save_user(db, username: str, password: str | None, role: str, kelurahan: str | None,
              update: bool = False, opd: str | None = None) -> dict:
    """Create an account, or with update=True reset its password/role/kelurahan/OPD."""
    staff_accounts.check_account(username, role, kelurahan, opd)
    check_password(password)
    password_hash = generate_password_hash(password) if password is not None else None
    return staff_accounts.write_user(db, username, password_hash, role, kelurahan, update, opd)


def authenticate(db, username: str, password: str,
                 address: str = "-") -> tuple[dict | None, str, float]:
    """Check a login without writing. Returns (user, outcome, seconds to wait): outcome is
    ok | failed | throttled. A throttled attempt checks no password (no scrypt CPU); an unknown
    username costs as long as a wrong password."""
    global _dummy_hash
    wait = staff_accounts.throttled_for(db, username, address)
    if wait > 0:
        return None, "throttled", wait
    user = staff_accounts.by_username(db, username)
    if user is None or not user["active"]:
        _dummy_hash = _dummy_hash or generate_password_hash("not-a-password")
        check_password_hash(_dummy_hash, password or "")
        return None, "failed", 0.0
    if check_password_hash(user["password_hash"], password or ""):
        return user, "ok", 0.0
    return None, "failed", 0.0


def record_attempt(db, username: str, address: str, user: dict | None, outcome: str) -> None:
    """The attempt's bookkeeping, inside the caller's transaction (throttled ones: none)."""
    if outcome == "ok":
        staff_accounts.mark_login(db, user, address)
    elif outcome == "failed":
        known = staff_accounts.by_username(db, username) is not None
        staff_accounts.count_failure(db, username, address, known)
