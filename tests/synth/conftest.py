"""Synthetic datasets shared by the synth tests (generated once per session, small N)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ona.synth import SynthManifest, synthesize

from . import rawdata

PEOPLE = 200
SEED = 3


class Generated:
    """A generated folder, its manifest and its files read as strings."""

    def __init__(self, folder: Path, manifest: SynthManifest) -> None:
        self.folder = folder
        self.manifest = manifest
        self.data: dict[str, pd.DataFrame] = rawdata.read(folder)

    @property
    def dept(self) -> dict[str, str]:
        """person_id -> department."""
        people = self.data["people"]
        return dict(zip(people["person_id"], people["department"], strict=True))


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """200 people, problems planted, clean rows."""
    folder = tmp_path_factory.mktemp("planted")
    return Generated(folder, synthesize(folder, people=PEOPLE, seed=SEED, bad_rows=False))


@pytest.fixture(scope="session")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The same 200 people, well mixed, clean rows."""
    folder = tmp_path_factory.mktemp("mixed")
    return Generated(folder, synthesize(folder, people=PEOPLE, seed=SEED, well_mixed=True, bad_rows=False))


@pytest.fixture(scope="session")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """120 people with the deliberately bad rows."""
    folder = tmp_path_factory.mktemp("spoiled")
    return Generated(folder, synthesize(folder, people=120, seed=5, bad_rows=True))
