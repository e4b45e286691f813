"""What a running app holds: the store path, one read-only connection per worker thread,
the single writer (only with ``--allow-ingest``) and the limits."""
from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..nlp import DEFAULT_MODEL
from ..store import Store

MAX_BODY = 1_000_000  # bytes of request body (POST /api/extract and /api/ingest)


@dataclass
class AppState:
    """Shared by every request. Readers are per thread: SQLite connections are not shared."""

    db_path: Path
    allow_ingest: bool = False
    token: str | None = None
    max_body: int = MAX_BODY
    model: str = DEFAULT_MODEL
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _nlp_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _readers: list[Store] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.allow_ingest and not self.token:
            raise ConfigError("--allow-ingest needs a token (--token or EVENTDESK_TOKEN) that"
                              " clients send as 'Authorization: Bearer <token>'; none was given",
                              reason="no_token")
        if self.allow_ingest and not self.db_path.exists():
            Store(self.db_path).close()  # create the schema so readers can open it
        Store(self.db_path, readonly=True).close()  # fail now, not on the first request

    def reader(self) -> Store:
        """This thread's read-only store (opened on first use)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.db_path, readonly=True)
            self._local.store = store
            self._readers.append(store)
        return store

    def stream_reader(self) -> Store:
        """A read-only store of its own, for a response streamed across threads; close it."""
        return Store(self.db_path, readonly=True)

    def token_ok(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries the ingest token (constant time)."""
        if not self.token or not header or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header[7:].strip().encode(), self.token.encode())

    def extract(self, source: Any) -> Any:
        """Run the pipeline on one input (one at a time: the spaCy pipeline is shared)."""
        from ..pipeline import extract
        with self._nlp_lock:
            return extract(source, model=self.model)

    def write(self, result: Any, *, identity: str, text_hash: str) -> str:
        """Store one extraction through the single writer connection."""
        with self._write_lock, Store(self.db_path) as store:
            return store.add(result, identity=identity, text_hash=text_hash)

    def close(self) -> None:
        for store in self._readers:
            try:
                store.close()
            except Exception:  # noqa: BLE001 - a connection owned by a finished thread
                pass
        self._readers.clear()
