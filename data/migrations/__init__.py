"""The schema as code: numbered modules mNNNN_name.py, each with up(db), applied in order.

They are registered with sqlite-utils' Migrations under their module names; the order is the
number. Never edit one that has run; add the next number instead.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlite_utils.migrations import Migrations


def _numbered() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if info.name.startswith("m") and info.name[1:5].isdigit())


def _build() -> Migrations:
    migrations = Migrations("aspirasi")
    for name in _numbered():
        module = importlib.import_module(f"{__name__}.{name}")
        migrations(name=name)(module.up)
    return migrations


MIGRATIONS = _build()
