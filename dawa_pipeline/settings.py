"""Settings read from the environment, in one place, so every layer agrees on where state lives."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Supabase recommends resumable uploads above 6 MB, and its TUS chunks are 6 MB.
DEFAULT_RESUMABLE_THRESHOLD = 6 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """What the environment says about where DAWA keeps its state and which services it uses."""

    home: Path
    database_url: str | None
    storage: str
    supabase_url: str | None
    supabase_service_role_key: str | None
    openai_api_key: str | None
    openai_base_url: str | None
    prompt_model: str
    # Supabase objects above this many bytes go up as resumable (TUS) uploads, below it in one request.
    storage_resumable_threshold: int = DEFAULT_RESUMABLE_THRESHOLD

    @property
    def pg_dir(self) -> Path:
        return self.home / "pg"

    @property
    def storage_dir(self) -> Path:
        return self.home / "storage"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


DEFAULT_PROMPT_MODEL = "gpt-4.1-mini"
BUCKET = "dawa-exports"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("DAWA_HOME") or Path.cwd() / ".dawa").expanduser().resolve()
    return Settings(
        home=home,
        database_url=env.get("DAWA_DATABASE_URL") or None,
        storage=(env.get("DAWA_STORAGE") or "local").lower(),
        supabase_url=env.get("SUPABASE_URL") or None,
        supabase_service_role_key=env.get("SUPABASE_SERVICE_ROLE_KEY") or None,
        openai_api_key=env.get("OPENAI_API_KEY") or None,
        openai_base_url=env.get("OPENAI_BASE_URL") or None,
        prompt_model=env.get("DAWA_PROMPT_MODEL") or DEFAULT_PROMPT_MODEL,
        storage_resumable_threshold=_byte_count(
            env, "DAWA_STORAGE_RESUMABLE_THRESHOLD", DEFAULT_RESUMABLE_THRESHOLD
        ),
    )


def _byte_count(env: Mapping[str, str], name: str, default: int) -> int:
    """A non-negative whole number of bytes from `name`, or `default` when unset; anything else is refused
    with the variable's name rather than guessed at."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name}={raw!r} is not a whole number of bytes (e.g. 6291456 for 6 MiB)")
    return int(raw)
