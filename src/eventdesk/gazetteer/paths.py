"""Where the gazetteer file lives: the user cache folder, or ``$EVENTDESK_CACHE``."""
from __future__ import annotations

import os
from pathlib import Path

GAZETTEER_VERSION = 1  # bump when the schema or the build rules change


def cache_dir() -> Path:
    """``$EVENTDESK_CACHE``, else ``$XDG_CACHE_HOME/eventdesk``, else ``~/.cache/eventdesk``."""
    explicit = os.environ.get("EVENTDESK_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "eventdesk"


def gazetteer_path(directory: Path | None = None) -> Path:
    """The SQLite gazetteer file for this version, in ``directory`` or the cache folder."""
    return (directory or cache_dir()) / f"gazetteer-v{GAZETTEER_VERSION}.sqlite"


def info_path(path: Path) -> Path:
    """The JSON side file with build time and duration (kept out of the hashed SQLite file)."""
    return path.with_suffix(".json")
