"""The settings, under the name the web side and earlier callers know (see handlers.settings).

Settings live in handlers.settings so the worker reads them without importing gateway (and so
without Flask); this module only re-exports them.
"""

from handlers.settings import ConfigError, Settings, load_settings, markdown_table

__all__ = ["ConfigError", "Settings", "load_settings", "markdown_table"]
