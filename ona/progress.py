"""Progress reporting: the library never prints.

Long work calls ``on_progress(stage, done, total)``; the CLI binds it to rich
progress bars and the API to job status. ``total`` is 0 when unknown.
"""

from __future__ import annotations

from typing import Protocol


class OnProgress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...


def no_progress(stage: str, done: int, total: int) -> None:
    """The default callback: report nothing."""
