"""Work in a child process (api.child): values, progress, errors rebuilt as raised, deaths."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from api import child
from api.errors import BadUpload
from ona.errors import DatasetError
from ona.io.limits import RowLimitError


def _progress_then(report: Any, value: int) -> int:
    report("read", 1, 2)
    report("validate", 2, 2)
    return value * 2


def _raise(report: Any, cls: type[BaseException], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    # built here: these exceptions do not survive plain pickling, which is the point of the test
    raise cls(*args, **kwargs)


def _die(report: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_value_and_progress() -> None:
    with child.Child(_progress_then, 21) as proc:
        messages = [m for m in proc.messages() if m is not None]
        assert proc.result() == 42
    assert messages == [("read", 1, 2), ("validate", 2, 2)]
    assert child.run(_progress_then, 1) == 2


@pytest.mark.parametrize(
    ("cls", "args", "kwargs"),
    [
        (DatasetError, ("emails.csv", "timestamp 'x' is not ISO 8601"), {"line": 17}),
        (RowLimitError, ("emails.parquet", "more than 10 rows"), {"limit": "max_rows_per_file"}),
        (BadUpload, ("people", "this file is required"), {}),
    ],
)
def test_ona_and_service_errors_come_back_as_raised(cls: Any, args: Any, kwargs: Any) -> None:
    exc = cls(*args, **kwargs)
    with pytest.raises(cls) as caught:
        child.run(_raise, cls, args, kwargs)
    assert type(caught.value) is type(exc) and str(caught.value) == str(exc)
    assert vars(caught.value) == vars(exc)


def test_other_errors_and_deaths() -> None:
    with pytest.raises(child.ChildError, match=r"^ZeroDivisionError: no way$") as caught:
        child.run(_raise, ZeroDivisionError, ("no way",), {})
    assert not isinstance(caught.value, child.ChildDied)
    with pytest.raises(child.ChildDied, match="killed by signal 9"):
        child.run(_die)
