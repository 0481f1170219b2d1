"""The examples in the docstrings of ona.io run as doctests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["layout", "checks", "prep", "directory", "people", "load", "chats", "ties", "history", "columns"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"ona.io.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
