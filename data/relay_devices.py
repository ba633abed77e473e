"""Relay phones (SMS Gateway for Android): when each was last heard, its battery and network,
and whether it is silent. Every state change is a conditional UPDATE, so the watcher tells
staff once however often it runs."""

from __future__ import annotations

from datetime import timedelta

from data.clock import iso, parse, utcnow

COLUMNS = ("battery", "charging", "network", "health")


def seen(db, device_id: str, event: str, when: str | None = None,
         health: dict | None = None) -> None:
    """Note that the device spoke (a webhook, or an answer to our request)."""
    when = when or utcnow()
    values = {k: (health or {}).get(k) for k in COLUMNS}
    db.execute(
        "INSERT INTO relay_devices (device_id, first_seen_at, last_seen_at, last_event, battery, "
        "charging, network, health) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO "
        "UPDATE SET last_seen_at = max(last_seen_at, excluded.last_seen_at), "
        "last_event = excluded.last_event, battery = coalesce(excluded.battery, battery), "
        "charging = coalesce(excluded.charging, charging), "
        "network = coalesce(excluded.network, network), "
        "health = coalesce(excluded.health, health)",
        [device_id, when, when, event, *values.values()])


def mark_unreachable(db, when: str | None = None) -> None:
    """Our request could not even connect: auto sends go by Twilio until the phone is heard."""
    db.execute("UPDATE relay_devices SET unreachable_at = ?", [when or utcnow()])


def usable(db, heard_after: str) -> bool:
    """May the phone be tried now? Heard since `heard_after` and since it last failed to
    connect; a phone never heard from yet is tried (its answer is the first news)."""
    row = db.execute(
        "SELECT count(*), sum(last_seen_at >= ? AND (unreachable_at IS NULL "
        "OR unreachable_at < last_seen_at)) FROM relay_devices", [heard_after]).fetchone()
    return row[0] == 0 or bool(row[1])


def need_attention(db, heard_before: str) -> bool:
    """Is there a silence, a return or a replay to handle? (one read, no write lock)"""
    return db.execute(
        "SELECT 1 FROM relay_devices WHERE (state = 'ok' AND last_seen_at < ?) OR "
        "(state = 'silent' AND last_seen_at > silent_since) OR replay_from IS NOT NULL LIMIT 1",
        [heard_before]).fetchone() is not None


def went_silent(db, heard_before: str) -> list[dict]:
    """Devices not heard since `heard_before` that were ok: now silent (each returned once)."""
    found = []
    for device_id, last_seen in db.execute(
            "SELECT device_id, last_seen_at FROM relay_devices WHERE state = 'ok' AND "
            "last_seen_at < ?", [heard_before]).fetchall():
        if db.execute("UPDATE relay_devices SET state = 'silent', silent_since = last_seen_at "
                      "WHERE device_id = ? AND state = 'ok' AND last_seen_at = ?",
                      [device_id, last_seen]).rowcount:
            found.append(get(db, device_id))
    return found


def came_back(db, replay_margin_seconds: float = 0) -> list[dict]:
    """Silent devices heard from again: ok, with a replay of their inbox pending (each once).

    The replay starts a margin before the last message heard, in case that one was cut short.
    """
    found = []
    for device_id, since in db.execute(
            "SELECT device_id, silent_since FROM relay_devices WHERE state = 'silent' AND "
            "last_seen_at > silent_since").fetchall():
        start = iso(parse(since) - timedelta(seconds=replay_margin_seconds))
        if db.execute("UPDATE relay_devices SET state = 'ok', replay_from = ? WHERE "
                      "device_id = ? AND state = 'silent' AND silent_since = ?",
                      [start, device_id, since]).rowcount:
            found.append(get(db, device_id))
    return found


def pending_replays(db) -> list[dict]:
    return list(db.query("SELECT * FROM relay_devices WHERE replay_from IS NOT NULL "
                         "ORDER BY device_id"))


def replay_done(db, device_id: str, replay_from: str) -> None:
    db.execute("UPDATE relay_devices SET replay_from = NULL WHERE device_id = ? AND "
               "replay_from = ?", [device_id, replay_from])


def get(db, device_id: str) -> dict | None:
    rows = list(db.query("SELECT * FROM relay_devices WHERE device_id = ?", [device_id]))
    return rows[0] if rows else None


def states(db, heard_after: str) -> list[dict]:
    """Each device with its state now: silent once not heard since `heard_after`."""
    rows = list(db.query("SELECT * FROM relay_devices ORDER BY device_id"))
    for row in rows:
        if row["state"] == "ok" and row["last_seen_at"] < heard_after:
            row["state"], row["silent_since"] = "silent", row["last_seen_at"]
        elif row["state"] == "silent" and row["last_seen_at"] > (row["silent_since"] or ""):
            row["state"] = "ok"  # heard again; the watcher will say so
    return rows


def silent(db) -> list[dict]:
    """Devices staff were told are silent (the banner on the staff pages)."""
    return list(db.query("SELECT * FROM relay_devices WHERE state = 'silent' "
                         "ORDER BY device_id"))
