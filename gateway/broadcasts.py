"""Staff broadcast pages (placeholder until the feature lands)."""


def register(app) -> None:
    """Register the broadcast blueprint on the app."""
