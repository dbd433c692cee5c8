"""What the storage-watching sensors share: their cursor over listings and the artist folders they scan."""

import json
from dataclasses import dataclass

from dawa_pipeline.settings import load_settings
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import StorageBackend, StoredObject


@dataclass(frozen=True, order=True)
class ListingCursor:
    """High-water mark over (modification time, path) of a storage listing: everything at or before it was
    already seen."""

    updated_at: str = ""
    path: str = ""

    @classmethod
    def parse(cls, raw: str | None) -> "ListingCursor":
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(updated_at=data["updated_at"], path=data["path"])

    def dump(self) -> str:
        return json.dumps({"updated_at": self.updated_at, "path": self.path})

    @classmethod
    def of(cls, obj: StoredObject) -> "ListingCursor":
        return cls(updated_at=obj.updated_at.isoformat(), path=obj.path)


def artist_slugs(backend: StorageBackend) -> list[str]:
    """The artist folders under artists/ (one cheap listing); folders that are not slugs are no artist's."""
    return [name for name in backend.folders(layout.ROOT + "/") if name == layout.slugify(name)]


# The daemon evaluates sensors in a loop of at least 5 s: a minimum interval of exactly 5 s misses every other
# pass (the last tick was 4.9 s ago) and ticks every 10 s. Below the loop time, a sensor ticks on every pass.
EVERY_DAEMON_PASS = 2


def scan_interval_seconds(remote: int = 30, local: int = EVERY_DAEMON_PASS) -> int:
    """How often a sensor lists storage: a local folder is cheap to scan on every pass of the daemon (about
    every 5 s); a remote bucket is asked less often (DAWA_STORAGE=supabase)."""
    return local if load_settings().storage == "local" else remote
