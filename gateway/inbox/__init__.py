"""Staff inbox (placeholder until the feature lands)."""


def register(app) -> None:
    """Register the staff blueprints on the app."""
