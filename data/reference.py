"""Planners' lists in data/: the OPD a ticket can be forwarded to, public holidays, and the
phrases that mark a text as an automatic reply."""

from __future__ import annotations

import os

HERE = os.path.dirname(__file__)


def _lines(path: str) -> list[str]:
    """Non-empty lines that are not # comments."""
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def opd_list(path: str | None = None) -> list[str]:
    """The OPD a ticket can be forwarded to, from data/opd.tsv."""
    return _lines(path or os.path.join(HERE, "opd.tsv"))


def holidays(path: str | None = None) -> set[str]:
    """Public holidays (YYYY-MM-DD) from data/holidays.tsv; they are not working days."""
    path = path or os.path.join(HERE, "holidays.tsv")
    if not os.path.exists(path):
        return set()
    return {line.split("\t")[0].strip() for line in _lines(path)}


def auto_reply_markers(path: str | None = None) -> tuple[str, ...]:
    """Lower-case phrases of machine-written texts, from data/auto_reply_markers.tsv."""
    return tuple(line.lower() for line in _lines(
        path or os.path.join(HERE, "auto_reply_markers.tsv")))
