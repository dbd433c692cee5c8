"""Object storage: the path layout, the backend interface, and the backend the environment asks for."""

from __future__ import annotations

from dawa_pipeline.settings import BUCKET, Settings
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
    "storage_from_settings",
]


def storage_from_settings(settings: Settings) -> StorageBackend:
    """The local folder under DAWA_HOME, or the dawa-exports bucket when DAWA_STORAGE=supabase.

    An unknown DAWA_STORAGE value is refused rather than silently falling back to local files.
    """
    if settings.storage == "local":
        return LocalStorage(settings.storage_dir)
    if settings.storage != "supabase":
        raise StorageConfigError(f"DAWA_STORAGE={settings.storage!r} is not one of 'local', 'supabase'")
    url, key = settings.supabase_url, settings.supabase_service_role_key
    if not url or not key:
        required = (("SUPABASE_URL", url), ("SUPABASE_SERVICE_ROLE_KEY", key))
        missing = " and ".join(name for name, value in required if not value)
        raise StorageConfigError(f"DAWA_STORAGE=supabase needs {missing} in the environment")
    return SupabaseStorage(url, key, BUCKET, resumable_threshold=settings.storage_resumable_threshold)
