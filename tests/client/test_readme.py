"""The README's client snippet, run as written (only the server's address changed) against a real `ona serve`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.conftest import Served

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]


def readme_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## A Python client\n", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return code


def test_the_readme_snippet_runs_as_written(served: Served) -> None:
    code = readme_snippet()
    assert code.count("http://127.0.0.1:8000") == 1
    code = code.replace("http://127.0.0.1:8000", served.url)
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "ANALYST": served.keys["analyst"]})  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("7 rows rejected\n")  # sample_data's bad rows
    assert "done" in out and "100%" in out
    # the silos of the sample organization (README: What the demo shows), the weakest links, the brokers
    progress_and_silos, weakest, brokers = out.strip().split("\n\n")
    silos = progress_and_silos[progress_and_silos.index("group ") :]
    # the two silos of the sample organization (README: What the demo shows), a header line first
    assert silos.split()[:5] == ["group", "headcount", "ei_index", "insularity", "p_value"]
    assert sorted(line.split()[0] for line in silos.splitlines()[1:]) == ["Finance", "Legal"]
    assert weakest.split()[:4] == ["source", "target", "ratio", "handoffs"] and len(weakest.splitlines()) == 4
    assert brokers.split()[:3] == ["person_id", "group", "betweenness"] and len(brokers.splitlines()) == 6
