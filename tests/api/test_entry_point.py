"""`ona serve` starts the service through `api.main.serve`, the documented entry point.

The CLI builds the settings from its options and hands them to
``api.main.serve``; importing :mod:`api.main` builds no app (``api.main.app``,
for ``uvicorn api.main:app``, is built from the environment on first use).
The real server is exercised end to end by tests/api/test_server.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import api.main
from api.settings import Settings
from ona.cli import app

runner = CliRunner()


def test_ona_serve_calls_the_entry_point_with_its_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Settings | None, dict[str, Any]]] = []

    def fake_serve(settings: Settings | None = None, **where: Any) -> None:
        calls.append((settings, where))

    monkeypatch.setattr(api.main, "serve", fake_serve)
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("uvicorn was started without api.main.serve"))
    store = tmp_path / "s.duckdb"
    r = runner.invoke(
        app, ["serve", "--store", str(store), "--port", "8123", "--max-upload-mb", "2", "--log-level", "warning"]
    )
    assert r.exit_code == 0, r.output
    assert len(calls) == 1
    settings, where = calls[0]
    assert isinstance(settings, Settings)
    assert settings.store == store
    assert settings.max_upload_bytes == 2 * 1024 * 1024
    assert where == {"host": "127.0.0.1", "port": 8123, "log_level": "warning"}


def test_ona_serve_refuses_a_bad_setting_before_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[object] = []
    monkeypatch.setattr(api.main, "serve", lambda *a, **k: called.append(a))
    monkeypatch.setenv("ONA_SESSION_HOURS", "not a number")
    r = runner.invoke(app, ["serve", "--store", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2
    assert "invalid setting" in r.output
    assert called == []


def test_importing_api_main_builds_no_app_and_app_is_built_on_first_use(tmp_path: Path) -> None:
    code = (
        "import api.main as m\n"
        "assert 'app' not in vars(m), 'an app was built at import'\n"
        "a = m.app\n"
        "assert m.app is a and a.title == 'ona'\n"
        "assert '/api/v1/health' in a.openapi()['paths']\n"
        "print(a.state.settings.store)\n"
    )
    store = tmp_path / "env.duckdb"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, check=False, env={"ONA_STORE": str(store), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(store)
