"""What /healthz reports: each component's state (public) and the counts behind it (admins).

Reads only: no write transaction per request. Components: `db` (ok/down), `redis` (ok/down),
`worker` (ok/stale/unknown: the lanes' heartbeats), `spool` (ok/pending), `failures`
(none/present: failed messages, or sends that failed on our side, in the last 24 hours) and
`relays` ({device: "ok" or "silent since …"}, from RELAY_PROBES). The overall status is `down`
when SQLite cannot be read, `degraded` when any component is not fine, else `ok`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import timedelta

from data import clock, failures, messages, outbox, spool
from data.db import open_db
from handlers import queue, relay
from handlers.transports import RECIPIENT_CODES

log = logging.getLogger(__name__)
RECENT = timedelta(hours=24)
# Extension point for channels with their own devices (an SMS relay phone): each probe takes
# (db, settings) and returns {device name: "ok" | "down" | "silent"}; any not "ok" degrades.
RELAY_PROBES: list[Callable[[object, object], dict[str, str]]] = [relay.probe]
FINE = {"ok", "none"}


def _database(s, components: dict, details: dict) -> None:
    try:
        db = open_db(s.db_path)
        db.execute("SELECT 1 FROM _sqlite_migrations LIMIT 1").fetchone()
        for path in (s.db_path, s.instance_dir):  # asked of the file system: no write
            if not os.access(path, os.W_OK):
                raise PermissionError(path)
    except Exception as exc:
        components["db"] = "down"
        details["db_error"] = type(exc).__name__
        return
    components["db"] = "ok"
    since = clock.iso(clock.now() - RECENT)
    counts = failures.counts(db, since, RECIPIENT_CODES)
    components["failures"] = "present" if counts["recent"] else "none"
    left = spool.pending(db, s.effective_spool_dir)
    components["spool"] = "pending" if left else "ok"
    details.update(failed=counts, spool={"files": len(left), "bytes": sum(left.values()),
                                         "unreadable_lines": spool.unreadable(db)},
                   pending_messages=messages.count_pending(db),
                   outbox=outbox.counts_by_status(db))
    relays: dict[str, str] = {}
    for probe in RELAY_PROBES:
        relays.update(probe(db, s))
    components["relays"] = relays


def _redis(s, components: dict, details: dict) -> None:
    try:
        conn = queue.shared(s.effective_redis_url)
        details["queue_depth"] = queue.depths(conn)
        ages = queue.heartbeat_ages(conn)
    except Exception:
        components.update(redis="down", worker="unknown")
        return
    components["redis"] = "ok"
    details["worker_age_seconds"] = ages
    fresh = all(lane in ages and ages[lane] <= s.heartbeat_stale_seconds
                for lane in ("ingest", "bulk"))
    components["worker"] = "ok" if fresh else "stale"


def report(s) -> tuple[dict, dict]:
    """(components with the overall status, details with the counts)."""
    components: dict = {"db": "down", "redis": "down", "worker": "unknown", "spool": "ok",
                        "failures": "none", "relays": {}}
    details: dict = {}
    _database(s, components, details)
    _redis(s, components, details)
    states = [v for k, v in components.items() if k != "relays"]
    states += list(components["relays"].values())
    if components["db"] != "ok":
        components["status"] = "down"
    else:
        components["status"] = "ok" if all(v in FINE for v in states) else "degraded"
    return components, details
