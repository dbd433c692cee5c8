"""The OpenAI caption writer: structured output into `Caption` through Chat Completions.

Chat Completions `parse` (not the Responses API) keeps it portable to OpenAI-compatible servers named by
OPENAI_BASE_URL. Retries on 429/5xx/connection errors are the SDK's own (`max_retries`, honouring
Retry-After); every failure surfaces as `CaptionRefused` or `CaptionFailed` with the cause, never as an SDK
exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import openai
import pydantic

from dawa_pipeline.settings import load_settings
from dawa_pipeline.training.captions import (
    CAPTION_RULES,
    Caption,
    CaptionContext,
    CaptionFailed,
    CaptionRefused,
    caption_problems,
    normalise_caption,
)

SYSTEM_PROMPT = (
    "You write training captions for a text-to-music model (MusicGen). Each caption describes one rendered "
    "audio file of a music production session, using only the evidence given as JSON: labels for genre, "
    "instruments, synth and drum palette, effects, mood, texture, tempo and key. Do not invent instruments "
    "the evidence does not suggest.\n\nRules: " + CAPTION_RULES
)


class OpenAIWriter:
    """Captions from an OpenAI (or OpenAI-compatible) model; `name` is the model id stamped on items."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        client: openai.OpenAI | None = None,
    ) -> None:
        self.name = model
        if client is None:
            client = openai.OpenAI(api_key=api_key, base_url=base_url)
        self._client = client.with_options(timeout=timeout, max_retries=max_retries)

    @property
    def base_url(self) -> str:
        """The server the captions come from, for provenance."""
        return str(self._client.base_url)

    def write(self, context: CaptionContext) -> Caption:
        messages: list[dict[str, str]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": "Evidence:\n" + json.dumps(context.evidence(), sort_keys=True)},
        ]
        try:
            completion = self._client.chat.completions.parse(
                model=self.name, messages=messages, response_format=Caption
            )
        except openai.LengthFinishReasonError as error:
            raise CaptionFailed(f"{self.name}: output cut off at the length limit") from error
        except openai.ContentFilterFinishReasonError as error:
            raise CaptionRefused(f"{self.name}: output stopped by the content filter") from error
        except openai.APITimeoutError as error:
            raise CaptionFailed(f"{self.name}: request timed out") from error
        except openai.APIStatusError as error:
            raise CaptionFailed(f"{self.name}: API error {error.status_code}: {error.message}") from error
        except openai.APIError as error:
            raise CaptionFailed(f"{self.name}: API error: {error}") from error
        except (pydantic.ValidationError, json.JSONDecodeError) as error:
            raise CaptionFailed(f"{self.name}: output is not a valid caption: {error}") from error
        if not completion.choices:
            raise CaptionFailed(f"{self.name}: response has no choices")
        message = completion.choices[0].message
        if message.refusal:
            raise CaptionRefused(message.refusal)
        if message.parsed is None:
            raise CaptionFailed(f"{self.name}: response has no parsed caption")
        caption = normalise_caption(message.parsed)
        problems = caption_problems(caption, context.forbidden_names, context=context)
        if problems:
            raise CaptionFailed(f"{self.name}: caption breaks the rules: {'; '.join(problems)}")
        return caption


def openai_writer_from_env(environ: Mapping[str, str]) -> OpenAIWriter | None:
    """The OpenAI writer the environment asks for (OPENAI_API_KEY, OPENAI_BASE_URL, DAWA_PROMPT_MODEL), or
    None when no API key is set, meaning the offline writer is used."""
    settings = load_settings(dict(environ))
    if settings.openai_api_key is None:
        return None
    return OpenAIWriter(
        settings.prompt_model, api_key=settings.openai_api_key, base_url=settings.openai_base_url
    )
