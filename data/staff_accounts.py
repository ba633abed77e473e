"""Staff accounts and login throttling: rows only. Hashing passwords is gateway.accounts' job
(it needs werkzeug, which only gateway/ may import); this module stores the hash it is given."""

from __future__ import annotations

from datetime import datetime, timedelta

from data import clock

ROLES = ("admin", "staf", "kelurahan")
MAX_FAILURES = 5
LOCK_MINUTES = 15


class StaffError(ValueError):
    """A staff account request that cannot be honoured (message in Bahasa Indonesia)."""


def by_username(db, username: str) -> dict | None:
    rows = list(db.query("SELECT * FROM staff_users WHERE username = ?", [username or ""]))
    return rows[0] if rows else None


def get(db, user_id) -> dict | None:
    rows = list(db.query("SELECT * FROM staff_users WHERE id = ?", [user_id]))
    return rows[0] if rows else None


def all_users(db) -> list[dict]:
    return list(db.query(
        "SELECT id, username, role, kelurahan, active, created_at, last_login_at "
        "FROM staff_users ORDER BY username"))


def check_account(username: str, role: str, kelurahan: str | None) -> None:
    """Raise StaffError naming what is wrong with a username, role and kelurahan."""
    if not username or len(username) > 64 or not username.replace(".", "").replace(
            "_", "").replace("-", "").isalnum():
        raise StaffError("Nama pengguna hanya huruf, angka, titik, garis bawah atau tanda hubung.")
    if role not in ROLES:
        raise StaffError(f"Peran harus salah satu dari: {', '.join(ROLES)}.")
    if role == "kelurahan" and not kelurahan:
        raise StaffError("Peran kelurahan wajib memilih kelurahan.")


def write_user(db, username: str, password_hash: str | None, role: str,
               kelurahan: str | None, update: bool = False) -> dict:
    """Create an account, or with update=True reset its hash/role/kelurahan (and reactivate)."""
    check_account(username, role, kelurahan)
    kelurahan = kelurahan if role == "kelurahan" else None
    existing = by_username(db, username)
    now = clock.utcnow()
    if existing and not update:
        raise StaffError(f"Pengguna {username!r} sudah ada (pakai --update untuk mengubah).")
    if existing:
        fields = {"role": role, "kelurahan": kelurahan, "active": 1, "updated_at": now}
        if password_hash is not None:
            fields["password_hash"] = password_hash
        db.table("staff_users").update(existing["id"], fields)
        clear_failures(db, username)
        return get(db, existing["id"])
    if password_hash is None:
        raise StaffError("Kata sandi wajib untuk akun baru.")
    db.execute(
        "INSERT INTO staff_users (username, password_hash, role, kelurahan, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [username, password_hash, role, kelurahan, now, now])
    return by_username(db, username)


def set_active(db, user_id: int, active: bool) -> None:
    db.execute("UPDATE staff_users SET active = ?, updated_at = ? WHERE id = ?",
               [int(active), clock.utcnow(), user_id])


def mark_login(db, user: dict) -> None:
    """A successful login: failures forgotten, last login stamped."""
    clear_failures(db, user["username"])
    db.execute("UPDATE staff_users SET last_login_at = ? WHERE id = ?",
               [clock.utcnow(), user["id"]])


# --- throttling -------------------------------------------------------------------------------

def locked_until(db, username: str, now: datetime | None = None) -> str | None:
    """The end of the current lock for this username, or None."""
    row = db.execute("SELECT locked_until FROM login_attempts WHERE username = ?",
                     [username or ""]).fetchone()
    if row and row[0] and row[0] > clock.iso(clock.now(now)):
        return row[0]
    return None


def count_failure(db, username: str) -> None:
    """One more wrong password; the MAX_FAILURES-th locks the username for LOCK_MINUTES."""
    now = clock.now()
    db.execute(
        "INSERT INTO login_attempts (username, failures, last_failure_at) VALUES (?, 1, ?) "
        "ON CONFLICT (username) DO UPDATE SET failures = failures + 1, "
        "last_failure_at = excluded.last_failure_at", [username or "", clock.iso(now)])
    db.execute(
        "UPDATE login_attempts SET failures = 0, locked_until = ? "
        "WHERE username = ? AND failures >= ?",
        [clock.iso(now + timedelta(minutes=LOCK_MINUTES)), username or "", MAX_FAILURES])


def clear_failures(db, username: str) -> None:
    db.execute("DELETE FROM login_attempts WHERE username = ?", [username])
