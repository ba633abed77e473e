"""Staff accounts and login throttling: rows only. Hashing passwords is gateway.accounts' job
(it needs werkzeug, which only gateway/ may import); this module stores the hash it is given."""

from __future__ import annotations

from datetime import datetime, timedelta

from data import clock, reference

# opd: an agency's account; it sees only what was forwarded to its OPD (gateway.opd_desk).
ROLES = ("admin", "staf", "kelurahan", "opd")


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
        "SELECT id, username, role, kelurahan, opd, active, created_at, last_login_at "
        "FROM staff_users ORDER BY username"))


def check_account(username: str, role: str, kelurahan: str | None,
                  opd: str | None = None) -> None:
    """Raise StaffError naming what is wrong with a username, role, kelurahan and OPD."""
    if not username or len(username) > 64 or not username.replace(".", "").replace(
            "_", "").replace("-", "").isalnum():
        raise StaffError("Nama pengguna hanya huruf, angka, titik, garis bawah atau tanda hubung.")
    if role not in ROLES:
        raise StaffError(f"Peran harus salah satu dari: {', '.join(ROLES)}.")
    if role == "kelurahan" and not kelurahan:
        raise StaffError("Peran kelurahan wajib memilih kelurahan.")
    if role == "opd" and opd not in reference.opd_list():
        raise StaffError("Peran opd wajib memilih satu OPD dari daftar (data/opd.tsv).")


def write_user(db, username: str, password_hash: str | None, role: str,
               kelurahan: str | None, update: bool = False, opd: str | None = None) -> dict:
    """Create an account, or with update=True reset its hash/role/kelurahan/OPD (and
    reactivate)."""
    check_account(username, role, kelurahan, opd)
    kelurahan = kelurahan if role == "kelurahan" else None
    opd = opd if role == "opd" else None
    existing = by_username(db, username)
    now = clock.utcnow()
    if existing and not update:
        raise StaffError(f"Pengguna {username!r} sudah ada (pakai --update untuk mengubah).")
    if existing:
        fields = {"role": role, "kelurahan": kelurahan, "opd": opd, "active": 1,
                  "updated_at": now}
        if password_hash is not None:
            fields["password_hash"] = password_hash
        db.table("staff_users").update(existing["id"], fields)
        if password_hash is not None:
            end_sessions(db, existing["id"])  # a reset password ends every old session
        clear_failures(db, username)
        return get(db, existing["id"])
    if password_hash is None:
        raise StaffError("Kata sandi wajib untuk akun baru.")
    db.execute(
        "INSERT INTO staff_users (username, password_hash, role, kelurahan, opd, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [username, password_hash, role, kelurahan, opd, now, now])
    return by_username(db, username)


def set_active(db, user_id: int, active: bool) -> None:
    """Deactivating also ends every session of the account."""
    db.execute("UPDATE staff_users SET active = ?, updated_at = ? WHERE id = ?",
               [int(active), clock.utcnow(), user_id])
    if not active:
        end_sessions(db, user_id)


def set_phone(db, user_id: int, phone: str | None) -> None:
    """The number (+E164) relay alerts go to; None: no alerts by SMS/WhatsApp."""
    db.execute("UPDATE staff_users SET phone = ?, updated_at = ? WHERE id = ?",
               [phone, clock.utcnow(), user_id])


def admins_with_phone(db) -> list[dict]:
    """Active admins who gave a number: they hear about the relay phone going silent."""
    return list(db.query("SELECT id, username, phone FROM staff_users WHERE role = 'admin' "
                         "AND active = 1 AND phone IS NOT NULL ORDER BY id"))


def mark_login(db, user: dict, address: str | None = None) -> None:
    """A successful login: this address's failures for the user forgotten, last login stamped."""
    clear_failures(db, user["username"], address)
    db.execute("UPDATE staff_users SET last_login_at = ? WHERE id = ?",
               [clock.utcnow(), user["id"]])


# --- sessions ---------------------------------------------------------------------------------

def end_sessions(db, user_id: int) -> None:
    """Every session of this user stops working (logout, password reset, deactivation)."""
    db.execute("UPDATE staff_users SET session_version = session_version + 1 WHERE id = ?",
               [user_id])


# --- throttling -------------------------------------------------------------------------------
# By (username, client address), with a growing delay, never a lock anyone can trigger: a
# stranger's wrong passwords slow down the stranger's address, not the account's owner. A
# second row per address ('*') counts every username from it, so cycling through names does not
# escape. While an attempt is throttled no password is checked (no scrypt CPU spent).

ANY_USER = "*"
FREE_FAILURES = 5          # per (username, address) before the first delay
FREE_FAILURES_ADDRESS = 50  # per address, all usernames together
MAX_DELAY = 900            # seconds (15 minutes)
FORGET_AFTER = timedelta(days=1)
MAX_UNKNOWN_ROWS = 1000    # rows for usernames that are no account; the oldest go first


def delay_after(failures: int, free: int) -> float:
    """Seconds the next attempt must wait: 0, then 1, 2, 4 … capped at MAX_DELAY."""
    if failures < free:
        return 0.0
    return float(min(2 ** min(failures - free, 20), MAX_DELAY))


def throttled_for(db, username: str, address: str, now: datetime | None = None) -> float:
    """Seconds until (username, address) may try a password again; 0 = now."""
    moment = clock.now(now)
    rows = db.execute(
        "SELECT blocked_until FROM login_throttle WHERE address = ? AND username IN (?, ?) "
        "AND blocked_until > ?", [address, username or "", ANY_USER, clock.iso(moment)])
    waits = [(clock.parse(r[0]) - moment).total_seconds() for r in rows.fetchall()]
    return max(waits, default=0.0)


def count_failure(db, username: str, address: str, known: bool,
                  now: datetime | None = None) -> None:
    """One more wrong password from this address (inside the caller's transaction)."""
    moment = clock.now(now)
    stamp = clock.iso(moment)
    for name, free in ((username or "", FREE_FAILURES), (ANY_USER, FREE_FAILURES_ADDRESS)):
        db.execute(
            "INSERT INTO login_throttle (username, address, known, failures, last_failure_at) "
            "VALUES (?, ?, ?, 1, ?) ON CONFLICT (username, address) DO UPDATE SET "
            "failures = failures + 1, last_failure_at = excluded.last_failure_at",
            [name, address, int(known or name == ANY_USER), stamp])
        failures = db.execute("SELECT failures FROM login_throttle WHERE username = ? AND "
                              "address = ?", [name, address]).fetchone()[0]
        delay = delay_after(failures, free)
        if delay:
            db.execute("UPDATE login_throttle SET blocked_until = ? WHERE username = ? AND "
                       "address = ?", [clock.iso(moment + timedelta(seconds=delay)), name,
                                       address])
    db.execute("DELETE FROM login_throttle WHERE last_failure_at < ? AND coalesce(blocked_until, "
               "'') < ?", [clock.iso(moment - FORGET_AFTER), stamp])
    if not known:
        db.execute(
            "DELETE FROM login_throttle WHERE known = 0 AND rowid NOT IN (SELECT rowid FROM "
            "login_throttle WHERE known = 0 ORDER BY last_failure_at DESC LIMIT ?)",
            [MAX_UNKNOWN_ROWS])


def clear_failures(db, username: str, address: str | None = None) -> None:
    """A good password: this (username, address) starts afresh (the address row stays)."""
    if address is None:
        db.execute("DELETE FROM login_throttle WHERE username = ?", [username])
    else:
        db.execute("DELETE FROM login_throttle WHERE username = ? AND address = ?",
                   [username, address])
