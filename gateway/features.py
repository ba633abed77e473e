"""Feature blueprints the app registers: dotted paths to register(app) functions."""

import importlib

FEATURES = [
    "gateway.inbox:register",
    "gateway.broadcasts:register",
    "gateway.musrenbang:register",
]


def register_all(app) -> None:
    for path in FEATURES:
        module, _, name = path.partition(":")
        getattr(importlib.import_module(module), name)(app)
