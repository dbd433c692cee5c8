"""Adapters to language-model services (OpenAI and compatible servers) behind the caption writers."""
