"""Apply ASPIRASI_RETENTION_DAYS (data.retention) at most once an hour, and audit what it did."""

from __future__ import annotations

import logging

from data import audit, retention
from data.db import transaction

log = logging.getLogger(__name__)
EVERY_SECONDS = 3600
LOCK = "aspirasi:retention"


def apply(db, days: int, actor: str = "sistem") -> dict[str, int]:
    """Remove or mask what is older than `days`; one audit entry when anything changed."""
    counts = retention.run(db, days)
    if any(counts.values()):
        with transaction(db):
            audit.record(db, actor, "retention", f"{days} hari", **counts)
        log.warning("retention (%s days): %s", days, counts)
    return counts


def maybe_run(db, conn, s) -> None:
    """Reconciler hook: nothing unless ASPIRASI_RETENTION_DAYS is set; hourly across workers."""
    if not s.retention_days or not conn.set(LOCK, 1, nx=True, ex=EVERY_SECONDS):
        return
    apply(db, s.retention_days)
