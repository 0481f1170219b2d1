"""The columns of ona's tables: names, kinds and meanings, declared once.

Each table of :mod:`ona.tables` is a tuple of :class:`Column`; the frames,
the CSV / Parquet / XLSX files, the API's ``?format=csv|parquet`` answers and
the README's column lists all come from these declarations, so the names are
stable (extend, never rename, like the result JSON's keys).

How a result's nested values become cells (the ``kind`` of a column):

- ``str``, ``int``, ``float``, ``bool``: the field itself; ``int?`` and
  ``bool?`` may be missing (pandas ``Int64`` / ``boolean``), floats may be
  NaN where the result holds null;
- ``list``: a list of names, ids or numbers joined by ``"; "``, missing
  when the list is empty;
- ``lines``: a list of sentences (reasons) joined by a line break, missing
  when empty;
- ``json``: a mapping whose keys vary (members per group, figures of a
  recommendation) or a list of objects, as JSON text;
- ``datetime``: a UTC timestamp.

A mapping with fixed keys is spread over one column per key
(``channel_email``, ``brokerage_liaison``, ``holds_without_ticket``) and
an interval ``[low, high]`` over ``..._low`` / ``..._high``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ona.graph.model import CHANNELS

Kind = Literal["str", "int", "int?", "float", "bool", "bool?", "list", "lines", "json", "datetime"]

#: pandas dtype of each kind.
DTYPES: dict[str, str] = {
    "str": "str", "list": "str", "lines": "str", "json": "str",
    "int": "int64", "int?": "Int64", "float": "float64", "bool": "bool", "bool?": "boolean",
    "datetime": "datetime64[us, UTC]",
}  # fmt: skip

#: Separator of ``list`` cells and of ``lines`` cells.
LIST_SEP = "; "
LINES_SEP = "\n"


@dataclass(frozen=True)
class Column:
    """One column: its name, kind and meaning, and where its value comes from.

    ``field`` is the result's field (the column's name unless given); ``key``
    picks one key of a mapping field, or one end (0, 1) of an interval.
    """

    name: str
    kind: Kind
    doc: str
    field: str | None = None
    key: str | int | None = None

    @property
    def source(self) -> str:
        return self.field or self.name

    @property
    def dtype(self) -> str:
        return DTYPES[self.kind]


def _spread(prefix: str, field: str, keys: tuple[str, ...], kind: Kind, doc: str) -> tuple[Column, ...]:
    return tuple(Column(f"{prefix}_{k}", kind, doc.format(key=k), field=field, key=k) for k in keys)


def _interval(field: str, doc: str) -> tuple[Column, ...]:
    return (Column(f"{field}_low", "float", f"{doc}: low end", field=field, key=0),
            Column(f"{field}_high", "float", f"{doc}: high end", field=field, key=1))  # fmt: skip


_HOLDS = "whether the flag still holds with the {key} channel left out (missing: not tested)"
_LINK_FLAGS = ("under_connected", "fragile", "dependency_without_relationship")
_BROKERAGE = ("coordinator", "gatekeeper", "representative", "consultant", "liaison")

GROUPS = (
    Column("group", "str", "the group (a department unless group_by says otherwise)"),
    Column("headcount", "int", "members in people, including inactive ones"),
    Column("active", "int", "members with at least one tie"),
    Column("internal_weight", "float", "I_d: weight of ties with both ends in the group"),
    Column("external_weight", "float", "E_d: weight of ties with exactly one end in the group"),
    Column("internal_ties", "int", "i_d: ties with both ends in the group"),
    Column("external_ties", "int", "e_d: ties with exactly one end in the group"),
    Column("ei_index", "float", "(E_d - I_d) / (E_d + I_d), in [-1, 1]; missing without ties"),
    Column("ei_index_ties", "float", "(e_d - i_d) / (e_d + i_d); missing without ties"),
    Column("volume", "float", "vol(d) = 2 I_d + E_d"),
    Column("internal_share", "float", "2 I_d / vol(d)"),
    Column("expected_internal_share", "float", "vol(d) / 2W under degree-preserving mixing"),
    Column("insularity", "float", "internal_share / expected_internal_share"),
    Column("conductance", "float", "E_d / min(vol(d), 2W - vol(d))"),
    Column("z", "float", "permutation z-score of I_d (label shuffles, sizes kept)"),
    Column("p_value", "float", "one-sided permutation p-value, Benjamini-Hochberg adjusted"),
    Column("p_value_raw", "float", "the same p-value before adjustment"),
    Column("external_reach", "int", "other groups this group has at least one tie with"),
    Column("effective_partners", "float", "inverse Simpson index of E_d over partner groups"),
    Column("external_carriers", "int", "members with at least one tie outside the group"),
    Column("external_top2_share", "float", "share of E_d held by the two members with most outside weight"),
    Column("community_split", "json", 'members per Leiden community, e.g. {"2": 57}'),
    Column("silo", "bool", "flagged as a silo"),
    Column("silo_reasons", "lines", "why it is flagged, one reason per line"),
    *_interval("ei_interval", "bootstrap interval of ei_index over resampled weeks"),
    Column("stability", "float", "share of week resamples giving the same silo verdict"),
    Column("tentative", "bool", "a silo whose stability is below stable_share"),
    *_spread("holds_without", "holds_without", CHANNELS, "bool?", "for a silo: " + _HOLDS),
    Column("supported_by", "list", "for a silo: the channels on which alone it holds"),
)  # fmt: skip

LINKS = (
    Column("source", "str", "one group of the pair (source < target)"),
    Column("target", "str", "the other group"),
    Column("weight", "float", "W_ab: sum of cross weights"),
    Column("ties", "int", "ties between the two groups"),
    Column("expected", "float", "vol(a) vol(b) / 2W"),
    Column("ratio", "float", "weight / expected; missing when expected is 0"),
    *_spread("channel", "channels", CHANNELS, "float", "W_ab on the {key} channel, before coefficients"),
    Column("handoffs", "int", "ticket handoffs between the two groups (both directions)"),
    Column("carriers", "list", "people holding the ties, most weight first (analyst only)"),
    Column("source_carriers", "int", "distinct carriers in source"),
    Column("target_carriers", "int", "distinct carriers in target"),
    Column("bridge_people", "list", "people whose removal would most reduce W_ab (up to 3; analyst only)"),
    Column("bridge_shares", "list", "share of W_ab lost if each bridge person left (aligned with bridge_people)"),
    Column("weak", "bool", "a weak link (under-connected, fragile or a dependency without relationship)"),
    Column("under_connected", "bool", "collaboration well below what the groups' volumes predict"),
    Column("fragile", "bool", "the link rests on one or two people"),
    Column("dependency_without_relationship", "bool", "ticket handoffs without matching collaboration"),
    Column("weak_reasons", "lines", "why it is weak, one reason per line"),
    Column("z", "float", "permutation z-score of W_ab (negative: below chance)"),
    Column("p_value", "float", "one-sided (under-connection) permutation p-value, adjusted"),
    Column("dependency_p_value", "float", "permutation p-value of the relationship weight, adjusted"),
    Column("explained_by", "str", '"silo: <group>" when only that silo explains the under-connection'),
    Column("judged", "bool", "enough ties to judge the link"),
    Column("fragile_p_value", "float", "permutation p-value of the carriers' concentration, adjusted"),
    *_interval("ratio_interval", "bootstrap interval of ratio over resampled weeks"),
    Column("stability", "float", "share of week resamples giving the same weak verdict"),
    *_spread("flag_stability", "flag_stability", _LINK_FLAGS, "float",
             "share of the resamples in which {key} holds (missing when it does not)"),
    Column("tentative", "bool", "a weak link whose stability is below stable_share"),
    *_spread("holds_without", "holds_without", CHANNELS, "bool?", "for a weak link: " + _HOLDS),
    Column("supported_by", "list", "for a weak link: the channels on which alone it is weak"),
)  # fmt: skip

PEOPLE = (
    Column("person_id", "str", "the person"),
    Column("group", "str", "their group"),
    Column("community", "int?", "their Leiden community (missing for isolates)"),
    Column("active", "bool", "at least one tie"),
    Column("degree", "int", "ties"),
    Column("strength", "float", "sum of tie weights"),
    Column("external_share", "float", "share of strength on ties outside the own group"),
    Column("role", "str", "resident, linker, wanderer or inactive"),
    Column("betweenness", "float", "normalized weighted betweenness in [0, 1]"),
    Column("constraint", "float", "Burt's constraint; missing for isolates"),
    Column("effective_size", "float", "Burt's effective size; missing for isolates"),
    Column("articulation_point", "bool", "removing the person disconnects the graph"),
    Column("bridge_edges", "int", "ties of the person whose removal disconnects the graph"),
    *_spread("brokerage", "brokerage", _BROKERAGE, "int", "Gould-Fernandez {key} brokerage count"),
    Column("depended_on_by", "list", "group pairs 'A | B' whose link rests on the person"),
)  # fmt: skip

COMMUNITIES = (
    Column("community", "int", "Leiden community id"),
    Column("size", "int", "members"),
    Column("main_group", "str", "the group most of its members belong to"),
    Column("main_group_share", "float", "share of its members in main_group"),
    Column("groups", "json", 'members per group, e.g. {"Finance": 12, "IT": 3}'),
)  # fmt: skip

HANDOFFS = (
    Column("from_group", "str", "the group handing tickets on"),
    Column("to_group", "str", "the group receiving them"),
    Column("handoffs", "int", "handoffs from a member of from_group to a member of to_group"),
    Column("tickets", "int", "distinct tickets with at least one such handoff"),
    Column("median_hours", "float", "median time a ticket stays with to_group (closed stays)"),
    Column("p90_hours", "float", "90th percentile of the same stays"),
    Column("closed", "int", "stays ended by a handoff onwards or a resolution"),
    Column("open", "int", "stays still open"),
    Column("bounces", "int", "handoffs bringing a ticket back to to_group"),
    Column("bounce_rate", "float", "bounces / handoffs"),
    Column("ping_pongs", "int", "handoffs sending a ticket straight back"),
    Column("ping_pong_rate", "float", "ping_pongs / handoffs"),
    Column("no_owner_tickets", "int", "of the tickets, those passing through three or more groups"),
    Column("group_handoffs", "int", "of the handoffs, those only an assignment-group change records"),
)  # fmt: skip

_VIEWER_NULL = " (missing in a viewer's table where it would count what was left out)"
HANDOFF_GROUPS = (
    Column("group", "str", "the group"),
    Column("received", "int", "handoffs received from members of other groups"),
    Column("tickets_received", "int?", "distinct tickets received" + _VIEWER_NULL),
    Column("median_hours", "float", "median time to pass a received ticket on or resolve it"),
    Column("p90_hours", "float", "90th percentile of the same stays"),
    Column("passed_on", "int?", "received stays ended by a handoff outside the group" + _VIEWER_NULL),
    Column("resolved", "int?", "received stays ended by a resolved status" + _VIEWER_NULL),
    Column("open", "int?", "received stays not ended yet" + _VIEWER_NULL),
    Column("bounces_received", "int?", "received handoffs bringing back a ticket held before" + _VIEWER_NULL),
    Column("handed_out", "int", "handoffs to members of other groups"),
    Column("tickets_handed_out", "int?", "distinct tickets handed to other groups" + _VIEWER_NULL),
    Column("within_group_handoffs", "int", "handoffs between two members of the group"),
    Column("opened", "int", "tickets whose first assignee is in the group"),
    Column("external_received", "int", "handoffs received from external assignees"),
    Column("external_handed_out", "int", "handoffs to external assignees"),
)  # fmt: skip

RECOMMENDATIONS = (
    Column("priority", "int", "1 = do first"),
    Column("kind", "str", "second_bridge, buddy_pairs, job_shadowing or recognize_boundary_spanners"),
    Column("target", "str", "silo or weak_link"),
    Column("groups", "list", "the silo, or the two groups of the link"),
    Column("reason", "str", "a sentence with the figures; it names no person"),
    Column("figures", "json", "the figures behind it"),
    Column("people", "int", "number of people concerned (in a viewer's table: the roles listed)"),
    Column("person_ids", "list", "the people concerned (analyst only)"),
    Column("roles", "list", "the role of each person concerned"),
    Column("pairs", "json", "person_id pairs to introduce or pair up (analyst only)"),
)  # fmt: skip

KEY_PEOPLE = (
    Column("rank", "int", "1 = most collaboration at risk"),
    Column("person_id", "str", "the person"),
    Column("group", "str", "their group"),
    Column("betweenness", "float", "normalized weighted betweenness"),
    Column("pairs_affected", "int", "group pairs whose link the person carries"),
    Column("pairs_no_path", "int", "pairs that could no longer reach each other"),
    Column("pairs_no_tie", "int", "pairs left with no direct tie"),
    Column("pairs_single_carrier", "int", "pairs left resting on one person"),
    Column("weight_lost", "float", "cross-group weight the person holds"),
    Column("cross_weight_share", "float", "weight_lost / all cross-group weight"),
    Column("reachable_pairs_lost", "int", "pairs of other active people who could no longer reach each other"),
    Column("reason", "str", "the risk in a sentence"),
    Column("pairs", "json", "per affected group pair: weight, weight_lost, share_lost, carriers before and after, "
           "no_tie, no_path, single_carrier"),
)  # fmt: skip

_PERIOD = (
    Column("period", "str", "'2024-03' (month) or '2024-W09' (ISO week)"),
    Column("start", "datetime", "start of the period (UTC)"),
    Column("end", "datetime", "end of the period, excluded (UTC)"),
)  # fmt: skip

TRENDS = (
    *_PERIOD,
    Column("group", "str", "the group"),
    Column("ei_index", "float", "E-I index in the period; missing without ties"),
    Column("insularity", "float", "insularity in the period; missing without ties"),
    Column("internal_weight", "float", "I_d in the period"),
    Column("external_weight", "float", "E_d in the period"),
    Column("active", "int", "members with a tie in the period"),
)  # fmt: skip

TREND_LINKS = (
    *_PERIOD,
    Column("source", "str", "one group of the pair"),
    Column("target", "str", "the other group"),
    Column("weight", "float", "W_ab in the period"),
    Column("ratio", "float", "weight / expected in the period"),
    Column("carriers", "int", "distinct people holding the ties in the period"),
    Column("handoffs", "int", "ticket handoffs in the period"),
    Column("weak", "bool", "weak in the period"),
)  # fmt: skip

TREND_PERIODS = (
    *_PERIOD,
    Column("ties", "int?", "ties in the period" + _VIEWER_NULL),
    Column("total_weight", "float", "total weight in the period"),
    Column("active_people", "int", "people with a tie in the period"),
    Column("handoffs", "int?", "internal ticket handoffs in the period" + _VIEWER_NULL),
)  # fmt: skip

VALIDATION = (
    Column("file", "str", "the dataset file"),
    Column("format", "str", "csv, parquet or jsonl"),
    Column("rows_read", "int", "rows read"),
    Column("accepted", "int", "rows loaded"),
    Column("rejected", "int", "rows rejected, all counted"),
    Column("rejects_kept", "int", "rejected rows listed with line and reason"),
    Column("duplicates", "int", "rows dropped as duplicates (same message_id)"),
)  # fmt: skip

REJECTED = (
    Column("file", "str", "the dataset file"),
    Column("line", "int", "1-based line (the header is line 1); row number for Parquet"),
    Column("reason", "str", "why the row was not loaded"),
)  # fmt: skip

#: Every table, by name, in the order the files and sheets are written.
TABLES: dict[str, tuple[Column, ...]] = {
    "groups": GROUPS,
    "links": LINKS,
    "people": PEOPLE,
    "communities": COMMUNITIES,
    "handoffs": HANDOFFS,
    "handoff_groups": HANDOFF_GROUPS,
    "recommendations": RECOMMENDATIONS,
    "key_people": KEY_PEOPLE,
    "trends": TRENDS,
    "trend_links": TREND_LINKS,
    "trend_periods": TREND_PERIODS,
    "validation": VALIDATION,
    "rejected": REJECTED,
}

#: One line per table: what a row is.
ROWS: dict[str, str] = {
    "groups": "one row per group (silo metrics)",
    "links": "one row per pair of groups (source < target)",
    "people": "one row per person (analyst only: empty in the viewer's tables)",
    "communities": "one row per Leiden community",
    "handoffs": "one row per ordered pair of groups with ticket handoffs (the internal service)",
    "handoff_groups": "one row per group with ticket activity: the service it gives and receives",
    "recommendations": "one row per recommendation, first things first",
    "key_people": "one row per top broker: what if they leave (analyst only: empty in the viewer's tables)",
    "trends": "one row per group and period (when the analysis has a period)",
    "trend_links": "one row per pair of groups and period",
    "trend_periods": "one row per period: the organization's totals",
    "validation": "one row per dataset file: rows read, accepted, rejected",
    "rejected": "one row per rejected input row listed in the result (the first ones)",
}
