"""CLI commands for the contacts feature (placeholder until the feature lands)."""

COMMANDS = []
