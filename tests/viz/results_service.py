"""The hand-built results of :mod:`tests.viz.results`, with internal service, advice, risk and time.

:func:`add_service` attaches to a result of :func:`tests.viz.results.build`
(groups, in order: silo, other silo, third, fourth, fifth; called Finance,
Legal, IT, Sales and HR in :func:`with_service`) hand-written
:class:`HandoffAnalytics`, recommendations, key-person risks, monthly
trends and a before / after comparison, built from the models. As in
:mod:`tests.viz.results`, the numbers are set by hand: the tests check how
they are presented, not how they are computed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ona.results import (
    AnalysisResult,
    GroupChange,
    GroupService,
    GroupTrend,
    HandoffAnalytics,
    HandoffPair,
    HandoffSummary,
    KeyPersonRisk,
    Layout,
    LinkChange,
    LinkTrend,
    PairRisk,
    Recommendation,
    TrendPeriod,
    Trends,
    WindowComparison,
    WindowInfo,
)
from tests.viz.results import build, two_silos

SPLIT = datetime(2024, 2, 15, tzinfo=UTC)
MONTHS = ("2024-01", "2024-02", "2024-03")


def _utc(y: int, m: int, d: int = 1) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def _members(result: AnalysisResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in result.people:
        out.setdefault(p.group, []).append(p.person_id)
    return out


def handoffs(names: list[str]) -> HandoffAnalytics:
    """silo <-> third: the dependency (20 handoffs, bounces, no owner); fourth -> fifth, third -> fourth."""
    silo, _other, third, fourth, fifth = names

    def pair(a: str, b: str, n: int, bounces: int = 0, ping: int = 0, no_owner: int = 0, median: float | None = 20.0):
        return HandoffPair(
            from_group=a, to_group=b, handoffs=n, tickets=n - bounces, median_hours=median,
            p90_hours=None if median is None else median * 3, closed=n - 1, open=1, bounces=bounces,
            bounce_rate=bounces / n, ping_pongs=ping, ping_pong_rate=ping / n, no_owner_tickets=no_owner,
        )  # fmt: skip

    def service(g: str, received: int, median: float | None, handed: int) -> GroupService:
        return GroupService(
            group=g, received=received, tickets_received=received, median_hours=median,
            p90_hours=None if median is None else 2 * median, passed_on=received // 2, resolved=received // 3,
            open=received - received // 2 - received // 3, bounces_received=received // 4, handed_out=handed,
            tickets_handed_out=handed, within_group_handoffs=3, opened=handed, external_received=0,
            external_handed_out=0,
        )  # fmt: skip

    return HandoffAnalytics(
        group_by="department",
        summary=HandoffSummary(
            tickets=40, tickets_single_assignee=12, tickets_cross_group=20, tickets_bounced=6, tickets_ping_pong=4,
            tickets_no_owner=3, tickets_resolved=30, tickets_external=0, handoffs=52, within_group_handoffs=20,
            cross_group_handoffs=32, external_handoffs=0, median_hours=22.5, bounce_rate=0.3, no_owner_rate=0.15,
        ),
        pairs=[
            pair(silo, third, 12, bounces=4, ping=3, no_owner=2, median=31.0),
            pair(third, silo, 8, bounces=2, ping=1, no_owner=1, median=12.0),
            pair(third, fourth, 7, median=5.5),
            pair(fourth, fifth, 3, bounces=1, ping=1, median=None),
            pair(fifth, fourth, 2),
        ],
        groups=sorted(
            [service(silo, 8, 12.0, 12), service(third, 12, 31.0, 15), service(fourth, 9, 5.5, 3),
             service(fifth, 3, None, 2)],
            key=lambda g: g.group,
        ),
    )  # fmt: skip


def recommendations(names: list[str], members: dict[str, list[str]]) -> list[Recommendation]:
    """Five recommendations in priority order, about the silo - third link, the other silo, the
    fourth - fifth link and the silo; they name real members of the groups."""
    silo, other, third, fourth, fifth = names
    s, o, t, f, v = (members[n] for n in names)
    link = {"weight": 0.5, "expected": 20.25, "ratio": 0.0247, "handoffs": 20, "carriers": 2}
    return [
        Recommendation(
            priority=1, kind="buddy_pairs", target="weak_link", groups=[silo, third],
            reason=f"{silo} and {third} pass each other 20 tickets yet barely work together otherwise; pair 2 people.",
            figures={**link, "pairs": 2, "common_contacts_1": 3, "common_contacts_2": 1},
            person_ids=[s[2], t[1], s[3], t[6]], roles=[f"buddy in {silo}", f"buddy in {third}"] * 2,
            pairs=[[s[2], t[1]], [s[3], t[6]]],
        ),
        Recommendation(
            priority=2, kind="job_shadowing", target="weak_link", groups=[silo, third],
            reason=f"{silo} and {third} pass each other 20 tickets; the pair who exchange the most should swap a day.",
            figures={"handoffs": 20, "pairs": 1, "pair_handoffs_1": 20},
            person_ids=[s[0], t[0]], roles=[f"job shadowing in {silo}", f"job shadowing in {third}"],
            pairs=[[s[0], t[0]]],
        ),
        Recommendation(
            priority=3, kind="recognize_boundary_spanners", target="silo", groups=[other],
            reason=f"{other} keeps 96% of its collaboration inside; 2 members hold 60%, 40% of the rest.",
            figures={"ei_index": -0.92, "headcount": 6, "share_1": 0.6, "share_2": 0.4},
            person_ids=[o[0], o[1]], roles=[f"boundary spanner in {other}"] * 2,
        ),
        Recommendation(
            priority=4, kind="second_bridge", target="weak_link", groups=[fifth, fourth],
            reason=f"The link {fifth}–{fourth} rests on 1 person; build a second bridge.",
            figures={"weight": 3.0, "current_bridges": 1, "top_bridge_share": 0.75},
            person_ids=[v[2], f[7]], roles=[f"second bridge in {fifth}", f"second bridge in {fourth}"],
            pairs=[[v[2], f[7]]],
        ),
        Recommendation(
            priority=5, kind="buddy_pairs", target="silo", groups=[silo, other],
            reason=f"{silo} keeps most of its collaboration inside; its widest gap is with {other}.",
            figures={"ei_index": -0.97, "pairs": 1, "common_contacts_1": 0},
            person_ids=[s[5], o[4]], roles=[f"buddy in {silo}", f"buddy in {other}"], pairs=[[s[5], o[4]]],
        ),
    ]


def key_people(result: AnalysisResult, names: list[str]) -> list[KeyPersonRisk]:
    """Two departures: the top broker would leave fourth - fifth with no path; the second, a single carrier."""
    _silo, _other, third, fourth, fifth = names
    top = sorted(result.people, key=lambda p: (-p.betweenness, p.person_id))[:2]

    def risk(a: str, b: str, *, no_path: bool = False, single: bool = False) -> PairRisk:
        return PairRisk(source=min(a, b), target=max(a, b), weight=4.0, weight_lost=3.0, share_lost=0.75,
                        carriers_before=2, carriers_after=0 if no_path else 1, no_tie=no_path, no_path=no_path,
                        single_carrier=single)  # fmt: skip

    return [
        KeyPersonRisk(
            rank=1, person_id=top[0].person_id, group=top[0].group, betweenness=top[0].betweenness,
            pairs_affected=2, pairs_no_path=1, pairs_no_tie=1, pairs_single_carrier=1, weight_lost=6.0,
            cross_weight_share=0.2, reachable_pairs_lost=3,
            pairs=[risk(fourth, fifth, no_path=True), risk(third, fourth, single=True)],
            reason=f"If this {top[0].group} member left, 2 group pair(s) would lose collaboration.",
        ),
        KeyPersonRisk(
            rank=2, person_id=top[1].person_id, group=top[1].group, betweenness=top[1].betweenness,
            pairs_affected=1, pairs_no_path=0, pairs_no_tie=0, pairs_single_carrier=1, weight_lost=2.0,
            cross_weight_share=0.05, reachable_pairs_lost=0, pairs=[risk(third, fourth, single=True)],
            reason=f"If this {top[1].group} member left, 1 group pair(s) would lose collaboration.",
        ),
    ]  # fmt: skip


#: E-I index per month of each group (by position); the silo turns inward, the third opens up.
EI = ([-0.8, -0.9, -0.95], [-0.9, -0.9, -0.9], [0.1, 0.2, 0.35], [0.0, None, 0.05], [0.3, 0.3, 0.3])


def trends(names: list[str]) -> Trends:
    periods = [
        TrendPeriod(label=label, start=_utc(2024, m), end=_utc(2024, m + 1), ties=80 + m, total_weight=100.0 + m,
                    active_people=39 - m, handoffs=10 * m)
        for m, label in enumerate(MONTHS, start=1)
    ]  # fmt: skip
    groups = [
        GroupTrend(group=name, ei_index=list(ei), insularity=[None if x is None else round(1 - x, 3) * 4 for x in ei],
                   internal_weight=[10.0, 11.0, 12.0], external_weight=[5.0, 4.0, 3.0], active=[5, 6, 7])
        for name, ei in zip(names, EI)
    ]  # fmt: skip
    silo, _other, third, fourth, fifth = names
    links = [
        LinkTrend(source=min(silo, third), target=max(silo, third), weight=[1.0, 0.5, 0.2], ratio=[0.1, 0.05, 0.02],
                  carriers=[4, 2, 2], handoffs=[5, 7, 8], weak=[True, True, True]),
        LinkTrend(source=min(fourth, fifth), target=max(fourth, fifth), weight=[3.0, 3.0, 3.0], ratio=[1.0, 1.0, 1.0],
                  carriers=[2, 2, 2], handoffs=[1, 1, 0], weak=[False, True, True]),
    ]  # fmt: skip
    return Trends(period="month", group_by="department", periods=periods, groups=groups, links=links)


def comparison(names: list[str]) -> WindowComparison:
    """The silo became more insular after the split, the third group opened up (not significantly),
    the silo - third link weakened and fourth - fifth rests on fewer people."""
    silo, other, third, fourth, fifth = names

    def change(name: str, before: float, after: float, *, z: float = 0.5, more: bool = False,
               silo_before: bool = False, silo_after: bool = False) -> GroupChange:
        return GroupChange(
            group=name, ei_index_before=before, ei_index_after=after, delta_ei_index=round(after - before, 6),
            delta_z=z, insularity_before=2.0, insularity_after=2.5, delta_insularity=0.5, z_before=3.0, z_after=4.0,
            p_value_before=0.01, p_value_after=0.002, silo_before=silo_before, silo_after=silo_after,
            more_insular=more, became_silo=False,
            reasons=[f"more_insular: E-I index fell from {before:.2f} to {after:.2f}"] if more else [],
        )  # fmt: skip

    def link(a: str, b: str, *, weakened: bool = False, fewer: bool = False) -> LinkChange:
        return LinkChange(
            source=min(a, b), target=max(a, b), weight_before=2.0, weight_after=1.0 if weakened else 2.0,
            ratio_before=0.5, ratio_after=0.2 if weakened else 0.5, delta_ratio=-0.3 if weakened else 0.0,
            carriers_before=4, carriers_after=1 if fewer else 4, weak_before=False, weak_after=weakened or fewer,
            fragile_before=False, fragile_after=fewer, weakened=weakened, fewer_carriers=fewer,
            reasons=(["weakened: ratio went from 0.50 to 0.20 (-60%)"] if weakened else [])
            + (["fewer_carriers: 4 people carried the link before, 1 after"] if fewer else []),
        )  # fmt: skip

    return WindowComparison(
        split=SPLIT, group_by="department",
        before=WindowInfo(since=_utc(2024, 1), until=SPLIT, days=45.0, ties=70, total_weight=150.0, active_people=38),
        after=WindowInfo(since=SPLIT, until=_utc(2024, 4), days=46.0, ties=72, total_weight=149.0, active_people=39),
        groups=[
            change(silo, -0.7, -0.95, z=-3.1, more=True, silo_before=True, silo_after=True),
            change(other, -0.9, -0.88, silo_before=True, silo_after=True),
            change(fourth, 0.0, 0.02),
            change(fifth, 0.3, 0.3),
            change(third, 0.1, 0.25, z=1.2),
        ],
        links=[link(silo, third, weakened=True), link(fourth, fifth, fewer=True), link(third, fourth)],
        groups_more_insular=1, links_weakened=1, links_fewer_carriers=1, permutations=200, seed=3,
    )  # fmt: skip


def add_service(result: AnalysisResult) -> AnalysisResult:
    """``result`` with handoffs, recommendations, key people, trends and a comparison."""
    names = [g.group for g in result.groups]
    params = result.parameters.model_copy(update={"period": "month", "split": SPLIT})
    return result.model_copy(
        update={
            "parameters": params,
            "handoffs": handoffs(names),
            "recommendations": recommendations(names, _members(result)),
            "key_people": key_people(result, names),
            "trends": trends(names),
            "comparison": comparison(names),
        }
    )


def with_service() -> tuple[AnalysisResult, Layout]:
    """The two-silos organization (Finance, Legal, IT, Sales, HR) with every internal-service part:
    Finance - IT is the dependency (20 handoffs, 6 bounces), Finance became more insular after
    2024-02-15, five recommendations (the top three: buddy pairs and job shadowing for Finance - IT,
    recognize Legal's boundary spanners), two key people (the first would leave HR - Sales with no path)."""
    result, layout = two_silos()
    return add_service(result), layout


def hostile_with_service() -> tuple[AnalysisResult, Layout]:
    """The same with a silo called ``<script>alert(1)</script>`` and an ``R&D`` group."""
    from tests.viz.results import SCRIPT

    result, layout = build({SCRIPT: 8, "Legal": 6, "R&D": 10, "Sales": 12, "HR": 3})
    return add_service(result), layout
