"""Resource settings from the environment as Dagster config."""

import os
from typing import Any

import dagster as dg


def env_or(name: str, default: Any = None) -> Any:
    """`dg.EnvVar(name)` when the environment sets it (resolved at launch, shown by name in the UI, secrets
    never printed), else `default`."""
    return dg.EnvVar(name) if os.environ.get(name) else default
