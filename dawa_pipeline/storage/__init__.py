"""Object storage: the path layout, the backend interface, and the backend the environment asks for."""

from __future__ import annotations

from pathlib import Path

from dawa_pipeline.settings import BUCKET, DEFAULT_RESUMABLE_THRESHOLD, Settings
from dawa_pipeline.storage.backend import (
    InvalidObjectPath,
    ObjectNotFound,
    StorageBackend,
    StorageConfigError,
    StorageError,
    StoredObject,
)
from dawa_pipeline.storage.local import LocalStorage
from dawa_pipeline.storage.supabase import SupabaseStorage

__all__ = [
    "InvalidObjectPath",
    "LocalStorage",
    "ObjectNotFound",
    "StorageBackend",
    "StorageConfigError",
    "StorageError",
    "StoredObject",
    "SupabaseStorage",
    "open_storage",
    "storage_from_settings",
]


def storage_from_settings(settings: Settings) -> StorageBackend:
    """The backend the environment asks for: the local folder under DAWA_HOME, or the dawa-exports bucket
    when DAWA_STORAGE=supabase."""
    return open_storage(
        settings.storage,
        root=settings.storage_dir,
        supabase_url=settings.supabase_url,
        supabase_service_role_key=settings.supabase_service_role_key,
        resumable_threshold=settings.storage_resumable_threshold,
    )


def open_storage(
    kind: str,
    *,
    root: Path,
    supabase_url: str | None = None,
    supabase_service_role_key: str | None = None,
    resumable_threshold: int = DEFAULT_RESUMABLE_THRESHOLD,
) -> StorageBackend:
    """A local folder at `root` (kind "local") or the dawa-exports bucket (kind "supabase"), where objects
    above `resumable_threshold` bytes go up resumably. An unknown kind is refused rather than silently
    falling back to local files."""
    kind = kind.lower()
    if kind == "local":
        return LocalStorage(root)
    if kind != "supabase":
        raise StorageConfigError(f"DAWA_STORAGE={kind!r} is not one of 'local', 'supabase'")
    if not supabase_url or not supabase_service_role_key:
        required = (("SUPABASE_URL", supabase_url), ("SUPABASE_SERVICE_ROLE_KEY", supabase_service_role_key))
        missing = " and ".join(name for name, value in required if not value)
        raise StorageConfigError(f"DAWA_STORAGE=supabase needs {missing} in the environment")
    return SupabaseStorage(
        supabase_url, supabase_service_role_key, BUCKET, resumable_threshold=resumable_threshold
    )
