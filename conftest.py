"""Before pytest collects the doctests of a module of ona, its package is imported.

With ``--import-mode=importlib`` (pyproject's addopts), pytest imports a
module given by path, such as ``ona/io/records.py`` for its doctests, under
its own name. If its package was not imported yet, importing the package
first imports the module too, and pytest then runs the module a second time
and puts that copy in ``sys.modules``: the package's code keeps the first
copy, so a test that patches the module patches a copy the code does not
read (``pytest ona/io/records.py tests/io/test_limits.py`` failed so).
With the package imported beforehand, pytest takes the module from
``sys.modules``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

ONA = Path(__file__).resolve().parent / "ona"


def pytest_collect_file(file_path: Path, parent: object) -> None:
    if file_path.suffix == ".py" and ONA in file_path.parents:
        package = ".".join(file_path.parent.relative_to(ONA.parent).parts)
        try:
            importlib.import_module(package)
        except ImportError:  # the doctest collection reports it
            pass
