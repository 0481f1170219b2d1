"""The README's curl session (tests/api/curl_session.sh), run against a real `ona serve`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ona.io import read_dataset
from tests.api.server import free_port

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("curl_session.sh")


def _documents(text: str) -> list[Any]:
    """The JSON documents jq printed (uvicorn's access log lines in between are skipped)."""
    decoder, docs, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        try:
            doc, i = decoder.raw_decode(text, i)
            docs.append(doc)
        except json.JSONDecodeError:
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline + 1
    return docs


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_curl_session(tmp_path: Path) -> None:
    if not (ROOT / "sample_data" / "people.csv").exists():
        pytest.skip("sample_data/ is not there")
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(free_port()),
        "STORE": str(tmp_path / "ona.duckdb"),
    }
    run = subprocess.run(["bash", str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    docs = _documents(run.stdout)
    upload, status = docs[0], docs[1]
    library = read_dataset(ROOT / "sample_data")  # the same folder read in this process, without the server
    assert upload["people"] == library.tables["people"].num_rows == 400
    assert upload["rejected"] == library.report.rejected_count == 7
    assert status == {"status": "done", "error": None}, run.stderr
    silos = [d for d in docs if "silo_reasons" in d]
    assert silos and all(d["silo_reasons"] for d in silos)
    viewer, refused = docs[-2], docs[-1]
    assert set(viewer["silos"]) == {d["group"] for d in silos if d["headcount"] >= 5}
    assert refused["status"] == 403
