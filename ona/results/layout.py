"""The stored map positions of an analysis: groups, people and the people map's backbone.

Plain data keyed by group name and person_id, computed once per analysis by
:func:`ona.graph.layout.compute_layout` (the algorithms and the thinning rule
are described there) and read by the figures, the report and the API, which
never re-run a layout. Coordinates are in [-1, 1], rounded to 4 decimals.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: How groups and people are placed (the default of :attr:`Layout.algorithm`).
ALGORITHM = "group-anchored fruchterman_reingold"


class Layout(BaseModel):
    """Stored positions of groups and people and the people map's backbone."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(description="seed of igraph's random generator during the layout")
    algorithm: str = Field(ALGORITHM, description="how groups and people were placed (igraph layouts)")
    groups: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="group name -> (x, y) in [-1, 1]"
    )
    people: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="person_id -> (x, y) in [-1, 1]; people without ties on an outer ring"
    )
    edges: list[tuple[str, str, float]] = Field(
        default_factory=list, description="backbone ties (person_id a, person_id b, weight), a < b"
    )
    total_edges: int = Field(0, description="ties in the graph before thinning")
    max_edges: int = Field(20000, description="most ties the backbone keeps")
    backbone_rule: str = Field("", description="how the backbone was thinned, in words")
