"""Group commit: concurrent webhook threads share one transaction, and so one fsync.

Every capture must be on disk before we answer Twilio 200 (synchronous=FULL), and an fsync
costs far more than the insert. The first thread to arrive leads: it writes every row queued
so far in one transaction, wakes their threads, and hands the lead to a thread still waiting.
Under load a batch holds several messages; alone, a message is written at once as before.

With a timeout (the webhook's), nobody waits much longer than it: the leader's wait for the
write lock is bounded by data.db.WriteGate, a leader that gets Busy fails every thread still
waiting too (they spool), and a follower that waited `timeout` leaves the queue.

Leaders of different processes (gunicorn's workers) take turns through data.db.HostLock, so
they never sleep in SQLite's busy handler waiting for each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from data.db import Busy, WriteGate, host_lock, transaction


class _Slot:
    __slots__ = ("work", "result", "error", "done", "lead")

    def __init__(self, work: Callable):
        self.work = work
        self.result = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.lead = False


class GroupCommit:
    """Run write callables of many threads in shared transactions on the leader's connection."""

    def __init__(self):
        self.lock = threading.Lock()
        self.waiting: list[_Slot] = []
        self.leading = False

    def run(self, db, work: Callable, timeout: float | None = None,
            gate: WriteGate | None = None):
        """Run work(db) inside a transaction shared with other threads; return its result.

        With timeout and gate: raise Busy instead of waiting much past `timeout`.
        """
        slot = _Slot(work)
        with self.lock:
            self.waiting.append(slot)
            follow = self.leading
            self.leading = True
        if follow:
            if not slot.done.wait(timeout) and self._leave(slot):
                raise Busy("waited too long for the group commit")
            if slot.lead:  # promoted: our row is still queued, write it (and the others)
                self._lead(db, timeout, gate)
        else:
            self._lead(db, timeout, gate)
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _leave(self, slot: _Slot) -> bool:
        """A follower that timed out: leave the queue if no leader took our row yet."""
        with self.lock:
            if slot.done.is_set():
                return False  # answered (or promoted) just now
            if slot in self.waiting:
                self.waiting.remove(slot)
                return True
        slot.done.wait()  # a batch in progress holds our row: its leader is bounded too
        return False

    def _lead(self, db, timeout: float | None, gate: WriteGate | None) -> None:
        """Write one batch, then pass the lead on (so no request serves others forever)."""
        with self.lock:
            batch, self.waiting = self.waiting, []
        bounded = gate is not None and timeout is not None
        try:
            with host_lock(db.path).held(), \
                    gate.bounded(db, timeout) if bounded else transaction(db):
                for slot in batch:
                    slot.result = slot.work(db)
        except BaseException as exc:  # the whole batch rolled back: every caller sees it
            for slot in batch:
                slot.error = exc
            if isinstance(exc, Busy):
                with self.lock:  # the lock is still taken: nobody behind us waits for it
                    batch, self.waiting = batch + self.waiting, []
                for slot in batch:
                    slot.error = exc
        for slot in batch:
            slot.done.set()
        with self.lock:
            if self.waiting:
                heir = self.waiting[0]
                heir.lead = True
                heir.done.set()
            else:
                self.leading = False
