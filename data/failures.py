"""Failed work, so no failure is silent: messages that could not be processed and outbox rows
that could not be sent; counted for /healthz, listed for admins, requeued on request.

An outbox row is requeued only when no provider ever took it (no provider sid: a callback's
`failed`/`undelivered` was sent once already) and its error is not the recipient's
(`recipient_codes`, e.g. opted out). A requeued row keeps its `uncertain` mark, so a row whose
last attempt may have reached Twilio is looked up there before it is sent again.
"""

from __future__ import annotations

from data.clock import utcnow

PAGE = 50


def _outbox_clause(recipient_codes: tuple[str, ...]) -> tuple[str, list]:
    marks = ",".join("?" for _ in recipient_codes) or "''"
    return (f"status = 'failed' AND provider_sid IS NULL AND coalesce(error_code, '') NOT IN "
            f"({marks})", list(recipient_codes))


def counts(db, since: str, recipient_codes: tuple[str, ...]) -> dict[str, int]:
    """Failed messages and outbox rows (all; requeueable; since `since` on our side)."""
    ours, params = _outbox_clause(recipient_codes)
    row = db.execute(
        "SELECT (SELECT count(*) FROM messages WHERE status = 'failed'), "
        "(SELECT count(*) FROM outbox WHERE status = 'failed'), "
        f"(SELECT count(*) FROM outbox WHERE {ours}), "
        "(SELECT count(*) FROM messages WHERE status = 'failed' AND received_at >= ?) + "
        f"(SELECT count(*) FROM outbox WHERE {ours} AND updated_at >= ?)",
        [*params, since, *params, since]).fetchone()
    return {"messages": row[0], "outbox": row[1], "outbox_requeueable": row[2], "recent": row[3]}


def failed_messages(db, limit: int = PAGE, offset: int = 0) -> list[dict]:
    return list(db.query(
        "SELECT id, channel, address, substr(body, 1, 200) AS body, attempts, error, "
        "received_at FROM messages WHERE status = 'failed' ORDER BY id DESC LIMIT ? OFFSET ?",
        [limit, offset]))


def failed_outbox(db, recipient_codes: tuple[str, ...], limit: int = PAGE,
                  offset: int = 0) -> list[dict]:
    """Failed rows, newest first, each with `requeueable`."""
    ours, params = _outbox_clause(recipient_codes)
    return list(db.query(
        f"SELECT id, kind, channel, to_address, substr(body, 1, 200) AS body, attempts, "
        f"error_code, error_message, broadcast_id, updated_at, ({ours}) AS requeueable "
        "FROM outbox WHERE status = 'failed' ORDER BY updated_at DESC, id DESC LIMIT ? "
        "OFFSET ?", [*params, limit, offset]))


def _narrowed(where: list[str], params: list, ids: list[int] | None, since: str | None,
              stamp: str) -> str:
    """The WHERE clause, narrowed to some ids and to rows whose `stamp` is since `since`."""
    if ids is not None:
        where.append(f"id IN ({','.join('?' for _ in ids) or 'NULL'})")
        params.extend(ids)
    if since:
        where.append(f"{stamp} >= ?")
        params.append(since)
    return " AND ".join(where)


def requeue_messages(db, ids: list[int] | None = None, since: str | None = None) -> int:
    """Failed messages back to `captured` with a fresh count of attempts (error kept until
    they are processed)."""
    params: list = []
    where = _narrowed(["status = 'failed'"], params, ids, since, "received_at")
    return db.execute(f"UPDATE messages SET status = 'captured', attempts = 0 WHERE {where}",
                      params).rowcount


def requeue_outbox(db, recipient_codes: tuple[str, ...], ids: list[int] | None = None,
                   since: str | None = None) -> int:
    """Requeueable failed rows back to `queued`, due now, with a fresh count of attempts."""
    ours, params = _outbox_clause(recipient_codes)
    where = _narrowed([ours], params, ids, since, "updated_at")
    now = utcnow()
    return db.execute(
        "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?, updated_at = ? "
        f"WHERE {where}", [now, now, *params]).rowcount
