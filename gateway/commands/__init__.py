"""CLI commands, one module per feature; each exposes COMMANDS, a list of click commands."""
