"""CLI commands for the staff feature (placeholder until the feature lands)."""

COMMANDS = []
