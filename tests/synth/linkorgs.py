"""Organizations with planted link problems, the independent truth of the weak-link tests.

:func:`make_link_org` writes ona's canonical CSVs (people.csv, emails.csv,
meetings.csv, tickets.csv; DESIGN.md "Input: a dataset") into a folder and
returns a :class:`LinkOrgTruth` naming what was planted. It shares no code
with :mod:`ona.synth` or :mod:`ona.analysis`: the tests hold ona's rules to
what was generated, not to ona's own idea of it.

The organization (``departments`` departments of 15 to 60 people in teams of
5 to 9, ``weeks`` weeks of email, meetings and ticket handoffs):

- **base level**: a person's partners come from their team (50%), the rest of
  their department (25%) or another department (25%); the other department
  is drawn in proportion to its headcount, the partner in it in proportion
  to activity (lognormal, sd 0.5, so some people are busier than others but
  no one holds a department's outside work). So every pair of departments
  collaborates at the same level per head: no pair is "naturally"
  under-connected. Tickets hop between 1 to 4 assignees, half the hops
  staying in the department, the others going to a department drawn in
  proportion to headcount.
- **silos** (``silos``, 2 by default): their members keep 96% of their picks
  inside (team 55%, department 41%), the others pick them 10 times less
  than their size says; 96% of their ticket hops stay inside and other
  departments' tickets reach them 10 times less: inward both ways. With
  ``silo_from_week=N`` the last silo is one only from week N on; before it
  the department mixes normally.
- **fragile links** (3, between large departments, whose typical link is
  heavier than the median pair's: a link that matters): the pair
  collaborates at the normal level, but every email, meeting and ticket
  handoff between the two goes through one person of the first department
  (``bridges`` of 1), or through one person on each side (2): an exchange
  started on a side with a bridge is the bridge's, one started on the other
  side reaches only the bridge. Both departments' other outside work is
  spread over their members as usual.
- **under-connected links** (3, between departments of 25 or more): the two
  pick each other at 2% of the base affinity, in email, meetings and
  tickets alike.
- **dependencies without relationship** (3): 2% of the base email and
  meeting affinity (exactly 0 for the first pair with
  ``ticket_only_dependency``: tickets are then its only signal), and about
  70 extra tickets that bounce between the two departments, 100 or more
  handoffs, spread over many assignees of both sides.

Silos take part in no planted link; no pair is planted twice. With
``well_mixed=True`` nothing is planted and everyone picks partners (and
ticket assignees) anywhere in the organization in proportion to activity,
regardless of department.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["LinkOrgTruth", "make_link_org", "pair"]

NAMES = (
    "Accounts", "Analytics", "Billing", "Compliance", "Customer Care", "Data Platform",
    "Design", "Facilities", "Field Service", "Human Resources", "IT Operations",
    "Legal", "Logistics", "Marketing", "Procurement", "Sales",
)  # fmt: skip

EMAILS_PER_WEEK = 5.0  # emails a person sends per week, on average
MEETINGS_PER_WEEK = 0.25  # meetings a person organizes per week
TICKETS_PER_PERSON = 3.0  # tickets over the whole period, per head
MIX_NORMAL = (0.50, 0.25, 0.25)  # (team, rest of department, other departments)
MIX_SILO = (0.55, 0.41, 0.04)
SILO_PULL = 0.1  # others' (and tickets') propensity to reach a silo, against its size
LOW_AFFINITY = 0.02  # under-connected and dependency pairs, against the base
TICKET_STAY = 0.5  # share of ticket hops that stay in the department
TICKET_STAY_SILO = 0.96  # in a silo (as its people's picks)
DEPENDENCY_TICKETS = 70  # extra tickets bouncing between a dependency pair
FRAGILE_PAIRS, UNDER_PAIRS, DEPENDENCY_PAIRS = 3, 3, 3


def pair(a: str, b: str) -> tuple[str, str]:
    """An unordered pair of departments as ona lists links: (source, target), source < target."""
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True)
class LinkOrgTruth:
    """What :func:`make_link_org` planted. Pairs are :func:`pair` tuples.

    ``bridges`` maps each fragile pair to the person_ids every exchange
    between the two goes through; ``handoffs`` and ``relationship`` give,
    per planted link, the ticket handoffs and the email + meeting events
    generated between the two departments (measured on the events written).
    """

    folder: Path
    well_mixed: bool
    weeks: int
    start: str
    departments: dict[str, int]
    silos: tuple[str, ...] = ()
    silo_from_week: dict[str, int] = field(default_factory=dict)
    fragile: tuple[tuple[str, str], ...] = ()
    bridges: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    under_connected: tuple[tuple[str, str], ...] = ()
    dependencies: tuple[tuple[str, str], ...] = ()
    ticket_only: tuple[tuple[str, str], ...] = ()
    handoffs: dict[tuple[str, str], int] = field(default_factory=dict)
    relationship: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def weak_pairs(self) -> frozenset[tuple[str, str]]:
        """Every planted link problem (fragile, under-connected, dependency)."""
        return frozenset(self.fragile) | frozenset(self.under_connected) | frozenset(self.dependencies)

    @property
    def stable_silos(self) -> tuple[str, ...]:
        """Silos planted over the whole period."""
        return tuple(s for s in self.silos if s not in self.silo_from_week)


@dataclass(frozen=True)
class _Org:
    """People sorted by department then team; departments and teams are index ranges."""

    names: tuple[str, ...]
    dept: np.ndarray  # per person
    team: np.ndarray  # per person, global team index
    act: np.ndarray  # activity weight per person
    dept_lo: np.ndarray
    dept_hi: np.ndarray
    team_lo: np.ndarray  # per team
    team_hi: np.ndarray
    cum: np.ndarray  # cumulative activity, cum[i] = sum act[:i + 1]

    @property
    def n(self) -> int:
        return int(self.dept.size)

    @property
    def sizes(self) -> np.ndarray:
        return self.dept_hi - self.dept_lo

    def pick(self, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One person per row in index range [lo, hi), in proportion to activity."""
        base = np.where(lo > 0, self.cum[np.maximum(lo - 1, 0)], 0.0)
        span = self.cum[hi - 1] - base
        at = base + rng.random(lo.shape) * span
        return np.minimum(np.searchsorted(self.cum, at, side="right"), hi - 1)


def _build_org(departments: int, rng: np.random.Generator) -> _Org:
    if not 4 <= departments <= len(NAMES):
        raise ValueError(f"departments must be in 4..{len(NAMES)}")
    sizes = rng.integers(15, 61, size=departments)
    names = tuple(sorted(rng.choice(NAMES, size=departments, replace=False).tolist()))
    dept = np.repeat(np.arange(departments), sizes)
    team_sizes: list[int] = []
    team_dept: list[int] = []
    for d, size in enumerate(sizes.tolist()):
        k = max(1, round(size / 7))
        split = np.full(k, size // k) + (np.arange(k) < size % k)  # teams of 5-9 people
        team_sizes += split.tolist()
        team_dept += [d] * k
    team = np.repeat(np.arange(len(team_sizes)), team_sizes)
    act = rng.lognormal(0.0, 0.5, size=dept.size)
    dept_hi = np.cumsum(sizes)
    team_hi = np.cumsum(team_sizes)
    return _Org(
        names=names, dept=dept, team=team, act=act,
        dept_lo=dept_hi - sizes, dept_hi=dept_hi,
        team_lo=team_hi - np.asarray(team_sizes), team_hi=team_hi, cum=np.cumsum(act),
    )  # fmt: skip


@dataclass(frozen=True)
class _Plan:
    """Indices of the plants, and the per-phase matrices they imply.

    Phase 0 is before ``silo_from_week``, phase 1 from it on (identical
    without a late silo). ``affinity[phase, d]``: probabilities of the
    department an outside pick of d goes to; ``hops[phase, d]``: the same for
    a ticket leaving d; ``mix[phase, person]``: (team, department, outside).
    ``bridge_of[a, b]``: a's bridge on the fragile link a-b (a person
    index), -1 when a has none there (:func:`_route`).
    """

    well_mixed: bool
    affinity: np.ndarray
    hops: np.ndarray
    mix: np.ndarray
    stay: np.ndarray
    bridge_of: np.ndarray
    silos: tuple[int, ...]
    late: dict[int, int]
    fragile: tuple[tuple[int, int], ...]
    under: tuple[tuple[int, int], ...]
    dependencies: tuple[tuple[int, int], ...]
    ticket_only: tuple[tuple[int, int], ...]


def _plan(org: _Org, rng: np.random.Generator, *, well_mixed: bool, silos: int,
          silo_from_week: int | None, ticket_only_dependency: bool) -> _Plan:
    k, n = len(org.names), org.n
    sizes = org.sizes.astype(float)
    base = np.tile(sizes, (k, 1))
    if not well_mixed:
        np.fill_diagonal(base, 0.0)
    affinity = np.stack([base.copy(), base.copy()])
    hops = np.stack([base.copy(), base.copy()])
    np.fill_diagonal(hops[0], 0.0)
    np.fill_diagonal(hops[1], 0.0)
    mix = np.tile(np.array((0.0, 0.0, 1.0) if well_mixed else MIX_NORMAL), (2, n, 1))
    stay = np.full((2, k), TICKET_STAY)
    bridge_of = np.full((k, k), -1, dtype=np.int64)
    if well_mixed:
        return _Plan(True, affinity / affinity.sum(-1, keepdims=True), hops / hops.sum(-1, keepdims=True),
                     mix, stay, bridge_of, (), {}, (), (), (), ())  # fmt: skip

    order = rng.permutation(k)
    silo_idx = tuple(int(d) for d in order[:silos])
    late = {silo_idx[-1]: silo_from_week} if silo_from_week is not None and silo_idx else {}
    free = [int(d) for d in order[silos:]]
    taken: set[frozenset[int]] = set()

    def draw(count: int, allowed: list[int]) -> list[tuple[int, int]]:
        got: list[tuple[int, int]] = []
        candidates = [(a, b) for i, a in enumerate(allowed) for b in allowed[i + 1:]]
        for j in rng.permutation(len(candidates)):
            a, b = candidates[j]
            if frozenset((a, b)) in taken:
                continue
            # spread the plants: no department in two pairs of the same kind
            if any(x in (a, b) for p in got for x in p):
                continue
            got.append((a, b))
            taken.add(frozenset((a, b)))
            if len(got) == count:
                return got
        raise ValueError("too few departments for the planted links")

    by_size = sorted(free, key=lambda d: -sizes[d])
    fragile = draw(FRAGILE_PAIRS, by_size[: max(2 * FRAGILE_PAIRS, len(by_size) // 2)])
    under = draw(UNDER_PAIRS, [d for d in free if sizes[d] >= 25])
    dependencies = draw(DEPENDENCY_PAIRS, free)
    ticket_only = dependencies[:1] if ticket_only_dependency else []

    for phase in (0, 1):
        for s in silo_idx:
            if phase == 0 and s in late:
                continue
            affinity[phase][:, s] *= SILO_PULL
            hops[phase][:, s] *= SILO_PULL
            hops[phase][s, :] *= SILO_PULL
            mix[phase][org.dept == s] = MIX_SILO
            stay[phase, s] = TICKET_STAY_SILO
        for a, b in under + dependencies:
            affinity[phase][a, b] *= LOW_AFFINITY
            affinity[phase][b, a] *= LOW_AFFINITY
        for a, b in under:
            hops[phase][a, b] *= LOW_AFFINITY
            hops[phase][b, a] *= LOW_AFFINITY
        for a, b in ticket_only:
            affinity[phase][a, b] = affinity[phase][b, a] = 0.0
    # silo_from_week: before it the late silo mixes normally (phase 0), then is a silo (phase 1)
    for j, (a, b) in enumerate(fragile):
        x = int(org.pick(org.dept_lo[[a]], org.dept_hi[[a]], rng)[0])
        bridge_of[a, b] = x
        if j % 2 == 1:  # every other fragile link rests on one person on each side
            bridge_of[b, a] = int(org.pick(org.dept_lo[[b]], org.dept_hi[[b]], rng)[0])
    hops[:, np.arange(k), np.arange(k)] = 0.0
    return _Plan(
        False, affinity / affinity.sum(-1, keepdims=True), hops / hops.sum(-1, keepdims=True), mix, stay,
        bridge_of, silo_idx, late, tuple(fragile), tuple(under), tuple(dependencies), tuple(ticket_only),
    )  # fmt: skip


def _choose(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row of a (rows, k) probability matrix."""
    return (probs.cumsum(axis=1) < rng.random((probs.shape[0], 1))).sum(axis=1).clip(0, probs.shape[1] - 1)


def _route(org: _Org, plan: _Plan, initiator: np.ndarray, target_dept: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Fragile links: who starts the exchange, and who alone may be reached on the other side.

    Returns the (possibly replaced) initiator and, per row, the one person the
    other side is reduced to (-1: no constraint). An exchange from a to b
    started on a side with a bridge is the bridge's; otherwise, when b has a
    bridge, it reaches only that bridge.
    """
    d = org.dept[initiator]
    own = plan.bridge_of[d, target_dept]
    other = plan.bridge_of[target_dept, d]
    fragile = (own >= 0) | (other >= 0)
    new_initiator = np.where(own >= 0, own, initiator)
    only = np.where(fragile & (own < 0), other, -1)
    return new_initiator, only


def _phase(week: np.ndarray, late_week: int | None) -> np.ndarray:
    return (week >= late_week).astype(np.int64) if late_week is not None else np.zeros_like(week)


def _times(start: np.datetime64, week: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Working-hours instants (Monday-Friday, 08:00-18:00) in the given weeks, in seconds."""
    day = rng.integers(0, 5, size=week.size)
    second = rng.integers(8 * 3600, 18 * 3600, size=week.size)
    return start + (week * 7 + day) * np.timedelta64(1, "D") + second * np.timedelta64(1, "s")


def _iso(t: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(t.astype("datetime64[s]"), unit="s"), "Z")


def _distinct(m: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """Rows of person indices with duplicates (and ``exclude``) set to -1, kept first-come."""
    m = m.copy()
    if exclude is not None:
        m[m == exclude[:, None]] = -1
    for j in range(1, m.shape[1]):
        dup = (m[:, :j] == m[:, j:j + 1]).any(axis=1)
        m[dup, j] = -1
    return m


def _join(addr: np.ndarray, m: np.ndarray) -> np.ndarray:
    """';'-joined addresses of each row's non-negative entries."""
    out = np.full(m.shape[0], "", dtype=object)
    for j in range(m.shape[1]):
        present = m[:, j] >= 0
        sep = np.where(present & (out != ""), ";", "").astype(object)
        out = out + np.where(present, sep + addr[np.maximum(m[:, j], 0)], "").astype(object)
    return out


def _partners(org: _Org, plan: _Plan, who: np.ndarray, phase: np.ndarray, slots: int,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kind (0 team, 1 department, 2 outside), target department and ``slots`` partners per row.

    Also returns the initiator after fragile routing. Partners of the same
    row share the kind and the target department.
    """
    rows = who.size
    kind = _choose(plan.mix[phase, who], rng)
    target = org.dept[who].copy()
    out = kind == 2
    target[out] = _choose(plan.affinity[phase[out], org.dept[who[out]]], rng)
    who, only = _route(org, plan, who, np.where(out, target, org.dept[who]))
    only = np.where(out, only, -1)
    lo = np.where(kind == 0, org.team_lo[org.team[who]], org.dept_lo[target])
    hi = np.where(kind == 0, org.team_hi[org.team[who]], org.dept_hi[target])
    partners = np.stack([org.pick(lo, hi, rng) for _ in range(slots)], axis=1)
    partners = np.where(only[:, None] >= 0, -1, partners)
    partners[:, 0] = np.where(only >= 0, only, partners[:, 0])
    return kind, target, who, partners.reshape(rows, slots)


def _own_team(org: _Org, plan: _Plan, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index ranges of each person's team (the whole organization when well mixed)."""
    if plan.well_mixed:
        return np.zeros_like(who), np.full_like(who, org.n)
    return org.team_lo[org.team[who]], org.team_hi[org.team[who]]


def _emails(org: _Org, plan: _Plan, weeks: int, late_week: int | None, start: np.datetime64,
            rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    counts = rng.poisson(EMAILS_PER_WEEK * weeks * org.act / org.act.mean())
    sender = np.repeat(np.arange(org.n), counts)
    week = rng.integers(0, weeks, size=sender.size)
    phase = _phase(week, late_week)
    kind, _, sender, rcpt = _partners(org, plan, sender, phase, 4, rng)
    k = 1 + rng.binomial(3, 0.25, size=sender.size)
    rcpt[np.arange(4)[None, :] >= k[:, None]] = -1
    # a teammate in copy on some emails to other departments (anyone, when well mixed)
    cc = (kind == 2) & (rng.random(sender.size) < 0.25)
    mate = org.pick(*_own_team(org, plan, sender), rng)
    rcpt[cc, 3] = mate[cc]
    rcpt = _distinct(rcpt, exclude=sender)
    keep = (rcpt >= 0).any(axis=1)
    sender, rcpt, week = sender[keep], rcpt[keep], week[keep]
    t = _times(start, week, rng)
    order = np.argsort(t, kind="stable")
    return pd.DataFrame({"t": t[order], "sender": sender[order]}), rcpt[order], order


def _meetings(org: _Org, plan: _Plan, weeks: int, late_week: int | None, start: np.datetime64,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    counts = rng.poisson(MEETINGS_PER_WEEK * weeks * org.act / org.act.mean())
    organizer = np.repeat(np.arange(org.n), counts)
    week = rng.integers(0, weeks, size=organizer.size)
    phase = _phase(week, late_week)
    kind, target, organizer, guests = _partners(org, plan, organizer, phase, 4, rng)
    invited = rng.binomial(4, 0.35, size=organizer.size).clip(1, 4)
    guests[np.arange(4)[None, :] >= invited[:, None]] = -1
    # a meeting with another department: up to two of the organizer's teammates come too
    # (anyone, when well mixed)
    mates = np.stack([org.pick(*_own_team(org, plan, organizer), rng) for _ in range(2)], axis=1)
    extra = rng.integers(0, 3, size=organizer.size)
    mates[np.arange(2)[None, :] >= extra[:, None]] = -1
    # an organizer standing in as a fragile link's bridge comes alone
    alone = plan.bridge_of[org.dept[organizer], target] == organizer
    mates[alone | (kind != 2)] = -1
    attendees = _distinct(np.concatenate([organizer[:, None], guests, mates], axis=1))
    keep = (attendees >= 0).sum(axis=1) >= 2
    attendees, week = attendees[keep], week[keep]
    t = _times(start, week, rng)
    order = np.argsort(t, kind="stable")
    return attendees[order], t[order]


def _tickets(org: _Org, plan: _Plan, weeks: int, late_week: int | None, start: np.datetime64,
             rng: np.random.Generator) -> pd.DataFrame:
    n_tickets = round(TICKETS_PER_PERSON * org.n)
    first = org.pick(np.zeros(n_tickets, dtype=np.int64), np.full(n_tickets, org.n), rng)
    week = rng.integers(0, weeks, size=n_tickets)
    phase = _phase(week, late_week)
    length = 1 + rng.binomial(3, 0.35, size=n_tickets)
    chain = np.full((n_tickets, 4), -1, dtype=np.int64)
    chain[:, 0] = first
    if plan.well_mixed:  # the next assignee is anyone
        for j in range(1, 4):
            go = length > j
            chain[go, j] = org.pick(np.zeros(go.sum(), dtype=np.int64), np.full(go.sum(), org.n), rng)
    else:
        for j in range(1, 4):
            go = np.flatnonzero(length > j)
            prev = chain[go, j - 1]
            d = org.dept[prev]
            leave = rng.random(go.size) >= plan.stay[phase[go], d]
            target = d.copy()
            target[leave] = _choose(plan.hops[phase[go[leave]], d[leave]], rng)
            nxt = org.pick(org.dept_lo[target], org.dept_hi[target], rng)
            # fragile links: a hop from a to b reaches b's bridge; with no bridge on b, a hop
            # leaves a only from a's bridge (anyone else first hands the ticket to the bridge)
            own = plan.bridge_of[d, target]
            other = plan.bridge_of[target, d]
            cross = target != d
            to_other = cross & (other >= 0)
            nxt[to_other] = other[to_other]
            via_own = cross & (other < 0) & (own >= 0) & (prev != own)
            nxt[via_own] = own[via_own]
            chain[go, j] = nxt
    # dependencies: tickets bouncing between the two departments
    extra = []
    for a, b in plan.dependencies:
        m = DEPENDENCY_TICKETS
        side = rng.integers(0, 2, size=m)
        bounce = 2 + rng.binomial(2, 0.4, size=m)
        depts = np.where((side[:, None] + np.arange(4)[None, :]) % 2 == 0, a, b)
        c = org.pick(org.dept_lo[depts].ravel(), org.dept_hi[depts].ravel(), rng).reshape(m, 4)
        c[np.arange(4)[None, :] >= bounce[:, None]] = -1
        extra.append(c)
        week = np.concatenate([week, rng.integers(0, weeks, size=m)])
    chain = np.concatenate([chain, *extra]) if extra else chain
    t0 = _times(start, week, rng)
    gaps = rng.integers(3600, 2 * 86400, size=chain.shape) * np.timedelta64(1, "s")
    gaps[:, 0] = np.timedelta64(0, "s")
    times = t0[:, None] + gaps.cumsum(axis=1)
    ticket, step = np.nonzero(chain >= 0)
    frame = pd.DataFrame({"ticket": ticket, "step": step, "t": times[ticket, step], "who": chain[ticket, step]})
    return frame.sort_values(["t", "ticket", "step"], kind="stable")


def make_link_org(
    folder: str | Path,
    *,
    seed: int = 11,
    departments: int = 14,
    weeks: int = 13,
    start: str = "2024-01-01",
    silos: int = 2,
    silo_from_week: int | None = None,
    ticket_only_dependency: bool = False,
    well_mixed: bool = False,
) -> LinkOrgTruth:
    """Write an organization with planted link problems and return what was planted.

    Parameters
    ----------
    folder : str or pathlib.Path
        Created if needed; people.csv, emails.csv, meetings.csv and
        tickets.csv are (over)written.
    seed : int
        The same seed (and arguments) gives the same files.
    departments : int
        Number of departments (4 to 16); each has 15 to 60 people.
    weeks : int
        Length of the period from ``start`` (a Monday, YYYY-MM-DD).
    silos : int
        Departments planted as silos.
    silo_from_week : int, optional
        The last silo is a silo only from this week (0-based) on.
    ticket_only_dependency : bool
        The first dependency pair has no email or meeting at all.
    well_mixed : bool
        Plant nothing; partners are drawn regardless of department.

    Returns
    -------
    LinkOrgTruth
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    streams = np.random.SeedSequence(seed).spawn(5)
    s_org, s_plan, s_mail, s_meet, s_tick = (np.random.default_rng(s) for s in streams)
    org = _build_org(departments, s_org)
    plan = _plan(org, s_plan, well_mixed=well_mixed, silos=silos, silo_from_week=silo_from_week,
                 ticket_only_dependency=ticket_only_dependency)  # fmt: skip
    late_week = next(iter(plan.late.values()), None)
    t_start = np.datetime64(start, "s")
    ids = np.array([f"L{i + 1:04d}" for i in range(org.n)], dtype=object)
    addr = np.array([f"l{i + 1:04d}@links.example" for i in range(org.n)], dtype=object)
    names = np.asarray(org.names, dtype=object)
    team_name = names[org.dept] + " " + (org.team - org.team[org.dept_lo[org.dept]] + 1).astype(str).astype(object)
    pd.DataFrame({"person_id": ids, "department": names[org.dept], "email": addr, "team": team_name}).to_csv(
        out / "people.csv", index=False
    )

    mail, rcpt, _ = _emails(org, plan, weeks, late_week, t_start, s_mail)
    pd.DataFrame({
        "timestamp": _iso(mail["t"].to_numpy()),
        "sender": addr[mail["sender"].to_numpy()],
        "recipients": _join(addr, rcpt),
        "message_id": [f"E{i + 1:06d}" for i in range(len(mail))],
    }).to_csv(out / "emails.csv", index=False)  # fmt: skip

    attendees, t = _meetings(org, plan, weeks, late_week, t_start, s_meet)
    pd.DataFrame({
        "meeting_id": [f"M{i + 1:05d}" for i in range(len(t))],
        "start": _iso(t),
        "end": _iso(t + np.where(np.arange(len(t)) % 3 == 0, 60, 30) * np.timedelta64(1, "m")),
        "attendees": _join(addr, attendees),
    }).to_csv(out / "meetings.csv", index=False)  # fmt: skip

    tickets = _tickets(org, plan, weeks, late_week, t_start, s_tick)
    pd.DataFrame({
        "ticket_id": [f"T{i + 1:05d}" for i in tickets["ticket"].to_numpy()],
        "timestamp": _iso(tickets["t"].to_numpy()),
        "assignee": ids[tickets["who"].to_numpy()],
    }).to_csv(out / "tickets.csv", index=False)  # fmt: skip

    def named(p: tuple[int, int]) -> tuple[str, str]:
        return pair(org.names[p[0]], org.names[p[1]])

    planted = [*plan.fragile, *plan.under, *plan.dependencies]
    handoffs = _cross_handoffs(org, tickets)
    relationship = _cross_events(org, mail["sender"].to_numpy(), rcpt, attendees)
    return LinkOrgTruth(
        folder=out,
        well_mixed=well_mixed,
        weeks=weeks,
        start=start,
        departments={name: int(size) for name, size in zip(org.names, org.sizes.tolist(), strict=True)},
        silos=tuple(org.names[s] for s in plan.silos),
        silo_from_week={org.names[s]: w for s, w in plan.late.items()},
        fragile=tuple(named(p) for p in plan.fragile),
        bridges={
            named((a, b)): tuple(str(ids[x]) for x in (plan.bridge_of[a, b], plan.bridge_of[b, a]) if x >= 0)
            for a, b in plan.fragile
        },
        under_connected=tuple(named(p) for p in plan.under),
        dependencies=tuple(named(p) for p in plan.dependencies),
        ticket_only=tuple(named(p) for p in plan.ticket_only),
        handoffs={named(p): int(handoffs[p[0], p[1]]) for p in planted},
        relationship={named(p): int(relationship[p[0], p[1]]) for p in planted},
    )


def _cross_handoffs(org: _Org, tickets: pd.DataFrame) -> np.ndarray:
    """Ticket handoffs between every pair of departments (k x k, symmetric)."""
    k = len(org.names)
    t = tickets.sort_values(["ticket", "step"])
    who = t["who"].to_numpy()
    same = t["ticket"].to_numpy()[1:] == t["ticket"].to_numpy()[:-1]
    a, b = who[:-1][same], who[1:][same]
    moved = a != b
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (org.dept[a[moved]], org.dept[b[moved]]), 1)
    return m + m.T


def _cross_events(org: _Org, sender: np.ndarray, rcpt: np.ndarray, attendees: np.ndarray) -> np.ndarray:
    """Emails and meetings joining every pair of departments (k x k, symmetric; an event counts once per pair)."""
    k = len(org.names)
    m = np.zeros((k, k), dtype=np.int64)
    for people in (np.concatenate([sender[:, None], rcpt], axis=1), attendees):
        present = people >= 0
        depts = np.where(present, org.dept[np.maximum(people, 0)], -1)
        hit = np.zeros((people.shape[0], k), dtype=bool)
        rows = np.repeat(np.arange(people.shape[0]), people.shape[1])[present.ravel()]
        hit[rows, depts.ravel()[present.ravel()]] = True
        m += hit.T.astype(np.int64) @ hit.astype(np.int64)
    np.fill_diagonal(m, 0)
    return m
