"""Settings read from the environment, in one place, so every layer agrees on where state lives."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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


def load_settings(environ: dict[str, str] | None = None) -> Settings:
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
    )
