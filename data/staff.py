"""Staff accounts, login throttling and the staff's edits to aspirations (corrections, notes)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from data.db import utcnow

ROLES = ("admin", "staf", "kelurahan")
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = None


class StaffError(ValueError):
    """A staff account request that cannot be honoured (message in Bahasa Indonesia)."""


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- accounts ---------------------------------------------------------------------------------

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


def check_account(username: str, password: str | None, role: str, kelurahan: str | None) -> None:
    """Raise StaffError naming what is wrong; password None means 'unchanged'."""
    if not username or len(username) > 64 or not username.replace(".", "").replace(
            "_", "").replace("-", "").isalnum():
        raise StaffError("Nama pengguna hanya huruf, angka, titik, garis bawah atau tanda hubung.")
    if role not in ROLES:
        raise StaffError(f"Peran harus salah satu dari: {', '.join(ROLES)}.")
    if role == "kelurahan" and not kelurahan:
        raise StaffError("Peran kelurahan wajib memilih kelurahan.")
    if password is not None and len(password) < MIN_PASSWORD:
        raise StaffError(f"Kata sandi minimal {MIN_PASSWORD} karakter.")


def save_user(db, username: str, password: str | None, role: str, kelurahan: str | None,
              update: bool = False) -> dict:
    """Create an account, or with update=True reset its password/role/kelurahan."""
    check_account(username, password, role, kelurahan)
    kelurahan = kelurahan if role == "kelurahan" else None
    existing = by_username(db, username)
    now = utcnow()
    if existing and not update:
        raise StaffError(f"Pengguna {username!r} sudah ada (pakai --update untuk mengubah).")
    if existing:
        fields = {"role": role, "kelurahan": kelurahan, "active": 1, "updated_at": now}
        if password is not None:
            fields["password_hash"] = generate_password_hash(password)
        db.table("staff_users").update(existing["id"], fields)
        db.execute("DELETE FROM login_attempts WHERE username = ?", [username])
        return get(db, existing["id"])
    if password is None:
        raise StaffError("Kata sandi wajib untuk akun baru.")
    db.execute(
        "INSERT INTO staff_users (username, password_hash, role, kelurahan, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [username, generate_password_hash(password), role, kelurahan, now, now])
    return by_username(db, username)


def set_active(db, user_id: int, active: bool) -> None:
    db.execute("UPDATE staff_users SET active = ?, updated_at = ? WHERE id = ?",
               [int(active), utcnow(), user_id])


# --- login ------------------------------------------------------------------------------------

def locked_until(db, username: str, now: datetime | None = None) -> str | None:
    """The end of the current lock for this username, or None."""
    now = now or datetime.now(UTC)
    row = db.execute("SELECT locked_until FROM login_attempts WHERE username = ?",
                     [username or ""]).fetchone()
    if row and row[0] and row[0] > _stamp(now):
        return row[0]
    return None


def authenticate(db, username: str, password: str) -> tuple[dict | None, str]:
    """Check a login. Returns (user, outcome): ok | locked | failed."""
    global _DUMMY_HASH
    if locked_until(db, username):
        return None, "locked"
    user = by_username(db, username)
    if user is None or not user["active"]:
        _DUMMY_HASH = _DUMMY_HASH or generate_password_hash("not-a-password")
        check_password_hash(_DUMMY_HASH, password or "")
        good = False
    else:
        good = check_password_hash(user["password_hash"], password or "")
    if good:
        db.execute("DELETE FROM login_attempts WHERE username = ?", [username])
        db.execute("UPDATE staff_users SET last_login_at = ? WHERE id = ?", [utcnow(), user["id"]])
        return user, "ok"
    _count_failure(db, username)
    return None, "locked" if locked_until(db, username) else "failed"


def _count_failure(db, username: str) -> None:
    now = datetime.now(UTC)
    db.execute(
        "INSERT INTO login_attempts (username, failures, last_failure_at) VALUES (?, 1, ?) "
        "ON CONFLICT (username) DO UPDATE SET failures = failures + 1, "
        "last_failure_at = excluded.last_failure_at", [username or "", _stamp(now)])
    db.execute(
        "UPDATE login_attempts SET failures = 0, locked_until = ? "
        "WHERE username = ? AND failures >= ?",
        [_stamp(now + timedelta(minutes=LOCK_MINUTES)), username or "", MAX_FAILURES])


# --- staff edits to an aspiration ---------------------------------------------------------------

def opd_list(path: str | None = None) -> list[str]:
    """The OPD a ticket can be forwarded to, from data/opd.tsv (comments start with #)."""
    path = path or os.path.join(os.path.dirname(__file__), "opd.tsv")
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def correct(db, aspiration: dict, field: str, new_value: str | None, actor: str,
            kecamatan: str | None = None) -> bool:
    """Change category or kelurahan (kecamatan follows), keeping who/when/from→to. Changed?"""
    if field not in ("category", "kelurahan") or aspiration[field] == new_value:
        return False
    now = utcnow()
    db.execute(
        "INSERT INTO corrections (aspiration_id, field, old_value, new_value, actor, at) "
        "VALUES (?, ?, ?, ?, ?, ?)", [aspiration["id"], field, aspiration[field], new_value,
                                      actor, now])
    changes = {field: new_value, "updated_at": now}
    if field == "kelurahan":
        changes["kecamatan"] = kecamatan
    db.table("aspirations").update(aspiration["id"], changes)
    return True


def change_status(db, aspiration: dict, new_status: str, actor: str, opd: str | None = None,
                  reason: str | None = None) -> int:
    """Record a status change and update the aspiration; returns the change id."""
    now = utcnow()
    cursor = db.execute(
        "INSERT INTO status_changes (aspiration_id, old_status, new_status, opd, reason, actor, "
        "at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [aspiration["id"], aspiration["status"], new_status, opd, reason, actor, now])
    changes = {"status": new_status, "updated_at": now}
    if new_status == "diteruskan":
        changes["opd"] = opd
    if new_status == "ditolak":
        changes["reject_reason"] = reason
    db.table("aspirations").update(aspiration["id"], changes)
    return cursor.lastrowid


def link_outbox(db, table: str, row_id: int, outbox_id: int) -> None:
    """Remember which outbox row carried a status change or reply (its delivery shows up)."""
    if table not in ("status_changes", "notes"):
        raise ValueError(table)
    db.execute(f"UPDATE {table} SET outbox_id = ? WHERE id = ?", [outbox_id, row_id])


def add_note(db, aspiration_id: int, kind: str, body: str, actor: str) -> int:
    """An internal note (never sent) or the text of a reply to the citizen."""
    if kind not in ("note", "reply"):
        raise ValueError(kind)
    cursor = db.execute(
        "INSERT INTO notes (aspiration_id, kind, body, actor, at) VALUES (?, ?, ?, ?, ?)",
        [aspiration_id, kind, body, actor, utcnow()])
    return cursor.lastrowid


def holidays(path: str | None = None) -> set[str]:
    """Public holidays (YYYY-MM-DD) from data/holidays.tsv; they are not working days."""
    path = path or os.path.join(os.path.dirname(__file__), "holidays.tsv")
    if not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as handle:
        return {line.split("\t")[0].strip() for line in handle
                if line.strip() and not line.startswith("#")}
