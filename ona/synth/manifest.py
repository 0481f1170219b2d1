"""manifest.json: what the generator made and what it planted.

The manifest is the answer key of a synthetic dataset: tests and demos
compare what ``ona analyze`` finds with what was planted. It holds nothing
that varies between runs (no clock time), so the same seed gives the same
bytes.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BadRow(BaseModel):
    """A deliberately bad (or duplicated) row: file, line (header = line 1), problem."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    problem: str


class SiloPlant(BaseModel):
    """Departments that keep almost all collaboration inside (not isolated entirely)."""

    departments: list[str]


class DependencyPlant(BaseModel):
    """Two departments that hand each other many tickets but barely talk.

    ``ticket_handoffs`` counts handoffs between them in tickets.csv;
    ``emails_between`` internal emails from one to someone in the other;
    ``meetings_between`` meetings with people of both.
    """

    departments: list[str]
    ticket_handoffs: int
    emails_between: int
    meetings_between: int


class FragileLinkPlant(BaseModel):
    """A cross-department link that rests on one person of the second department."""

    departments: list[str]
    bridge_person_id: str
    bridge_name: str
    bridge_department: str


class CutOffTeamPlant(BaseModel):
    """A team that only talks to itself, with a single tie to the rest of its department."""

    department: str
    team: str
    member_ids: list[str]
    single_tie: list[str] = Field(description="[team member, outside colleague]")


class Planted(BaseModel):
    """The four planted problems."""

    silos: SiloPlant
    dependency_pair: DependencyPlant
    fragile_link: FragileLinkPlant
    cut_off_team: CutOffTeamPlant


class SynthManifest(BaseModel):
    """Description of a synthetic dataset: parameters, organization, plants, counts.

    ``planted`` is None for a well-mixed organization. ``counts`` holds the
    rows of each file and a few totals; ``files`` the size of each file in bytes.
    """

    generator: str = "ona.synth"
    seed: int
    parameters: dict[str, float | int | str | bool]
    company_domain: str
    departments: dict[str, int]
    teams: int
    planted: Planted | None
    bad_rows: list[BadRow]
    duplicate_rows: list[BadRow]
    counts: dict[str, int]
    files: dict[str, int] = Field(default_factory=dict)

    def to_json(self) -> str:
        """The manifest as indented JSON (stable key order), ending with a newline."""
        return self.model_dump_json(indent=2) + "\n"
