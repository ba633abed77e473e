"""The worker imports spooled webhooks into SQLite (data.spool says why they were spooled).

Called by the reconciler every few seconds. Chunks of CHUNK lines, one transaction each with
the file's progress, so a 60-second outage's worth of webhooks never holds the write lock for
long. A line that cannot be read or applied is counted (`bad`), logged and skipped, never
retried forever. Inbound messages are stored once by MessageSid; status reports only ever move
an outbox row forward: importing a line twice changes nothing.
"""

from __future__ import annotations

import logging

from data import messages, spool
from data.db import transaction
from data.messages import InboundRecord
from handlers import outbound

log = logging.getLogger(__name__)
CHUNK = 500


def apply(db, entry: dict) -> None:
    """One spooled webhook into SQLite (inside the caller's transaction)."""
    kind, data = entry["kind"], entry["data"]
    if kind == "inbound":
        messages.insert(db, InboundRecord.from_dict(data))
    elif kind == "status":
        outbound.apply_status(db, data["sid"], data["state"], data.get("error_code"),
                              data["raw"], data.get("to"))
    else:
        raise ValueError(f"unknown spool entry kind {kind!r}")


def import_file(db, folder: str, name: str) -> tuple[int, int]:
    """Import what is new in one file. Returns (messages/reports applied, bad lines)."""
    lines = spool.read_from(folder, name, spool.offset(db, name))
    applied = bad = 0
    for start in range(0, len(lines), CHUNK):
        chunk = lines[start:start + CHUNK]
        with transaction(db):
            done = failed = 0
            for entry, _end in chunk:
                try:
                    if entry is None:
                        raise ValueError("unreadable line")
                    with db.atomic():
                        apply(db, entry)
                    done += 1
                except Exception as exc:  # one bad line must not block the file
                    log.error("spool %s: skipped a line (%s: %s)", name, type(exc).__name__, exc)
                    failed += 1
            spool.record_progress(db, name, chunk[-1][1], done, failed)
        applied, bad = applied + done, bad + failed
    return applied, bad


def import_spool(db, s) -> int:
    """Import every spool file; delete old imported ones. Returns entries applied."""
    folder = s.effective_spool_dir
    applied = 0
    for name in spool.files(folder):
        done, _bad = import_file(db, folder, name)
        applied += done
    if applied:
        log.warning("imported %s spooled webhook(s) into SQLite", applied)
    spool.prune(db, folder)
    return applied
