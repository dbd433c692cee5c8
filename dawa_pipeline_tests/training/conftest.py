"""Fixtures for the dataset tests: real items (synthesised audio, offline captions), a zip built of them."""

from __future__ import annotations

import pytest
from training_factory import dataset_item, dataset_zip

from dawa_pipeline.training.dataset import DatasetItem


@pytest.fixture(scope="module")
def items() -> list[DatasetItem]:
    return [dataset_item(f"item-{i}", seconds=5.0 + i * 0.5) for i in range(6)]


@pytest.fixture(scope="module")
def built(items: list[DatasetItem]) -> bytes:
    return dataset_zip(items, valid_fraction=0.3)
