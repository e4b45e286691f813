"""Errors eventdesk raises. Each carries a stable ``reason`` code for failure records.

Messages say what was expected, what came in, and what to do.
"""
from __future__ import annotations


class EventdeskError(Exception):
    """Base class. ``reason`` is a stable, machine-readable code."""

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.reason


class InputError(EventdeskError):
    """An article that cannot be read: empty, binary, too large, malformed."""

    reason = "bad_input"


class ConfigError(EventdeskError):
    """A wrong option or a missing resource the user can install."""

    reason = "config"


class ModelNotFound(ConfigError):
    """The requested spaCy pipeline is not installed."""

    reason = "model_not_found"


class StorageError(EventdeskError):
    """The store cannot be opened or written."""

    reason = "storage"
