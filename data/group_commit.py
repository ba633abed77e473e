"""Group commit: concurrent webhook threads share one transaction, and so one fsync.

Every capture must be on disk before we answer Twilio 200 (synchronous=FULL), and an fsync
costs far more than the insert. The first thread to arrive leads: it writes every row queued
so far in one transaction, wakes their threads, and hands the lead to a thread still waiting.
Under load a batch holds several messages; alone, a message is written at once as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from data.db import transaction


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

    def run(self, db, work: Callable):
        """Run work(db) inside a transaction shared with other threads; return its result."""
        slot = _Slot(work)
        with self.lock:
            self.waiting.append(slot)
            follow = self.leading
            self.leading = True
        if follow:
            slot.done.wait()
            if slot.lead:  # promoted: our row is still queued, write it (and the others)
                self._lead(db)
        else:
            self._lead(db)
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _lead(self, db) -> None:
        """Write one batch, then pass the lead on (so no request serves others forever)."""
        with self.lock:
            batch, self.waiting = self.waiting, []
        try:
            with transaction(db):
                for slot in batch:
                    slot.result = slot.work(db)
        except BaseException as exc:  # the whole batch rolled back: every caller sees it
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
