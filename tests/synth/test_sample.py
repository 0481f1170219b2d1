"""The committed sample organization is exactly what its seed generates."""

from __future__ import annotations

from pathlib import Path

import pytest

from ona.synth import FILES, SynthManifest, synthesize

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.mark.skipif(not (SAMPLE / "manifest.json").exists(), reason="no committed sample")
def test_sample_data_regenerates_byte_for_byte(tmp_path: Path) -> None:
    manifest = SynthManifest.model_validate_json((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
    params = dict(manifest.parameters)
    synthesize(tmp_path, seed=manifest.seed, **params)  # type: ignore[arg-type]
    for name in (*FILES, "manifest.json"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), (
            f"sample_data/{name} is stale: regenerate it with `make sample`"
        )
    assert sum(manifest.files.values()) < 4_000_000
    assert manifest.planted is not None
