"""Synthetic organizations with planted silo problems, for demos, tests and benchmarks.

``synthesize(out_dir, people=400, seed=7)`` writes people.csv, emails.csv,
meetings.csv, tickets.csv and manifest.json (what was planted: two silo
departments, a dependency pair that barely talks, a fragile link resting on
one person, a cut-off team). See :mod:`ona.synth.generate`.
"""

from ona.synth.generate import FILES, synthesize
from ona.synth.manifest import (
    BadRow,
    CutOffTeamPlant,
    DependencyPlant,
    FragileLinkPlant,
    Planted,
    SiloPlant,
    SynthManifest,
)

__all__ = [
    "FILES",
    "BadRow",
    "CutOffTeamPlant",
    "DependencyPlant",
    "FragileLinkPlant",
    "Planted",
    "SiloPlant",
    "SynthManifest",
    "synthesize",
]
