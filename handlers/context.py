"""What a job needs, built from the environment at run time (nothing at import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from data import clock
from data.db import open_db
from handlers.settings import Settings, load_settings


def settings() -> Settings:
    return load_settings()


def database(s: Settings | None = None):
    return open_db((s or settings()).db_path)


@dataclass
class Inbound:
    """One inbound message being handled: what command handlers read and write."""

    db: object
    settings: Settings
    message: dict
    contact: dict
    parsed: object
    aspiration: dict | None = None  # set when the message became an aspiration
    replies: list[str] = field(default_factory=list)
    after_commit: list = field(default_factory=list)  # callables run once the batch commits
    hold_until: str | None = None  # the first reply waits until then (a burst's ack)

    def reply(self, text: str) -> None:
        self.replies.append(text)

    @property
    def received(self) -> datetime:
        """When the texter sent it: decisions use this, not the time a worker got to it."""
        stamp = self.message.get("received_at")
        return clock.parse(stamp) if stamp else clock.now()
