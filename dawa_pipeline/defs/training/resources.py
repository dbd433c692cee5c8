"""The caption writer as a resource: OpenAI when an API key is configured, else the offline writer."""

import dagster as dg

from dawa_pipeline.defs.env import env_or
from dawa_pipeline.llm.openai_writer import OpenAIWriter
from dawa_pipeline.settings import DEFAULT_PROMPT_MODEL
from dawa_pipeline.training.captions import PromptWriter
from dawa_pipeline.training.offline_writer import OfflineWriter


class PromptWriterResource(dg.ConfigurableResource):
    """Which caption writer runs: OpenAI when `api_key` is set (OPENAI_API_KEY; model DAWA_PROMPT_MODEL,
    server OPENAI_BASE_URL), else the deterministic offline writer. `offline: true` forces the offline one."""

    offline: bool = False
    api_key: str | None = None
    base_url: str | None = None
    model: str = DEFAULT_PROMPT_MODEL

    @classmethod
    def from_env(cls) -> "PromptWriterResource":
        """Settings the environment gives, by name (`dg.EnvVar`), so the UI never shows the key itself."""
        return cls(
            api_key=env_or("OPENAI_API_KEY"),
            base_url=env_or("OPENAI_BASE_URL"),
            model=env_or("DAWA_PROMPT_MODEL", DEFAULT_PROMPT_MODEL),
        )

    def writer(self) -> PromptWriter:
        if self.offline or not self.api_key:
            return OfflineWriter()
        return OpenAIWriter(self.model, api_key=self.api_key, base_url=self.base_url)
