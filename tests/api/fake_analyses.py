"""Fake analyses for the job runner's tests; they run in its child process.

Each is a module-level function (Jobs pickles it to the child), bound to a
folder with :func:`functools.partial`; the folder is how a test and a child
talk: the child writes marks (``started``, the order of the seeds it ran)
and waits for files the test writes (``release``). :class:`Marks` is the
test's side.
"""

from __future__ import annotations

import functools
import os
import signal
import time
from pathlib import Path
from typing import Any

from ona.analysis.pipeline import analyze_dataset
from ona.errors import EmptyGraphError
from ona.params import AnalysisParams
from ona.store import Store


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never came"
        time.sleep(0.01)


def _append(path: Path, text: str) -> None:
    with path.open("a") as fh:
        fh.write(text + "\n")


def _touch(path: Path) -> None:
    path.write_text("")


class Marks:
    """A test's side of a folder shared with the fakes: wait for marks, release the gate."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def bind(self, fake: Any) -> Any:
        """The fake bound to this folder (what Jobs takes as ``analysis``)."""
        return functools.partial(fake, str(self.folder))

    def wait(self, name: str = "started", timeout: float = 30) -> None:
        _wait_for(self.folder / name, timeout)

    def clear(self, name: str = "started") -> None:
        (self.folder / name).unlink(missing_ok=True)

    def release(self) -> None:
        _touch(self.folder / "release")

    def lines(self, name: str = "order") -> list[str]:
        path = self.folder / name
        return path.read_text().split() if path.exists() else []

    @property
    def order(self) -> list[int]:
        return [int(x) for x in self.lines("order")]


def counting(folder: str, st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    """The real analysis; marks ``overlap`` if another one was running at the same time."""
    marks = Path(folder)
    try:
        fd = os.open(marks / "active", os.O_CREAT | os.O_EXCL)
        os.close(fd)
    except FileExistsError:
        _touch(marks / "overlap")
    _append(marks / "order", str(params.seed))
    try:
        return analyze_dataset(st, ds, params, on_progress=on_progress)
    finally:
        (marks / "active").unlink(missing_ok=True)


def fails_after_groups(folder: str, st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    on_progress("groups", 1, 4)
    _wait_for(Path(folder) / "release")
    raise EmptyGraphError("no collaboration tie in this dataset: nothing to analyze")


def broken(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    raise ZeroDivisionError("division by zero")


def crashes(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    """Dies as the out-of-memory killer would kill it: no answer, no cleanup."""
    on_progress("groups", 1, 4)
    os.kill(os.getpid(), signal.SIGKILL)


def many_stages(folder: str, st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    for i in range(10_000):
        on_progress(f"stage {i}", i, 10_000)
        _touch(Path(folder) / "started")
        time.sleep(0.01)
    raise AssertionError("not stopped")


def one_long_stage(folder: str, st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    """A stage that reports nothing for a long time; marks ``ended`` if it is not killed."""
    on_progress("significance", 2, 6)
    _append(Path(folder) / "stages", "significance")
    _touch(Path(folder) / "started")
    time.sleep(60)
    _touch(Path(folder) / "ended")
    on_progress("communities", 3, 6)


def gate(folder: str, st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    """Records its seed, reports a stage, waits for ``release``, then reports the next stage and fails."""
    _append(Path(folder) / "order", str(params.seed))
    on_progress("groups", 1, 2)
    _touch(Path(folder) / "started")
    _wait_for(Path(folder) / "release")
    on_progress("links", 2, 2)
    raise EmptyGraphError("fake analysis: no result needed")


def gate_then_quick(folder: str, st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    """Seed 0 waits at the gate; any other seed fails at once with 'quick fake analysis'."""
    if params.seed == 0:
        return gate(folder, st, ds, params, on_progress=on_progress)
    on_progress("groups", 1, 2)
    raise EmptyGraphError("quick fake analysis")


def done_then_waits(folder: str, st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    """The real analysis, then a wait at the gate before it answers."""
    result = analyze_dataset(st, ds, params, on_progress=on_progress)
    _touch(Path(folder) / "started")
    _wait_for(Path(folder) / "release")
    return result
