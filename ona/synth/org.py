"""The synthetic organization: departments, teams, people and addresses.

Input: a headcount and a seeded :class:`numpy.random.Generator`. Output: an
:class:`Org`, numpy arrays indexed by person. People are ordered by
department, then team, so that a department and a team are contiguous index
ranges (the samplers in :mod:`ona.synth.contacts` rely on it); person_ids are
assigned in a shuffled order so that they do not reveal the department.

Two people are set aside for the planted problems whether or not they are
used (so that ``well_mixed`` keeps the very same people): the Engineering
team placed last in Engineering (the candidate cut-off team) and a Security
member titled "Security Architect" (the candidate bridge).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ona.errors import ParameterError
from ona.synth import catalog
from ona.synth.catalog import DEPARTMENTS, DEPT

MIN_PEOPLE = 60
MIN_TEAM, MAX_TEAM = 3, 12
# Address variants of each person, in this order, at index 3 * person + v.
VARIANTS = 3  # 0: primary lower case, 1: primary Mixed.Case, 2: alias (else primary)
P_ALIAS = 0.15
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "ß": "ss", "'": ""})


@dataclass
class Org:
    """People of the synthetic company as parallel arrays (index = person).

    Attributes
    ----------
    dept, team : numpy.ndarray
        Department (index into :data:`catalog.DEPARTMENTS`) and team of each person.
    dept_start, dept_size, team_start, team_size, team_dept : numpy.ndarray
        Contiguous index ranges of departments and teams.
    activity : numpy.ndarray
        Relative activity of each person (sums to 1): who sends and organizes.
    addresses : pyarrow.StringArray
        ``VARIANTS`` addresses per person (index ``3 * p + v``), then the
        external parties; ``ext_range[kind]`` is the slice of each kind.
    cutoff_team, bridge : int
        The candidate cut-off team (last Engineering team) and bridge person.
    """

    dept: np.ndarray
    team: np.ndarray
    dept_start: np.ndarray
    dept_size: np.ndarray
    team_start: np.ndarray
    team_size: np.ndarray
    team_dept: np.ndarray
    team_names: list[str]
    person_ids: np.ndarray
    names: list[str]
    email_cells: list[str]
    locations: list[str]
    titles: list[str]
    manager: np.ndarray
    activity: np.ndarray
    addresses: pa.StringArray
    ext_range: dict[str, tuple[int, int]]
    cutoff_team: int
    bridge: int

    @property
    def n(self) -> int:
        """Headcount."""
        return int(self.dept.shape[0])

    def head(self, dept: int) -> int:
        """The head of a department (first person of its first team)."""
        return int(self.dept_start[dept])

    def people_table(self) -> pa.Table:
        """people.csv as an Arrow table of strings, sorted by person_id."""
        order = np.argsort(self.person_ids, kind="stable")
        has_manager = self.manager >= 0
        manager_ids = np.where(has_manager, self.person_ids[np.maximum(self.manager, 0)], "")
        columns = {
            "person_id": self.person_ids,
            "name": np.asarray(self.names, dtype=object),
            "email": np.asarray(self.email_cells, dtype=object),
            "department": np.asarray(catalog.DEPARTMENT_NAMES, dtype=object)[self.dept],
            "team": np.asarray(self.team_names, dtype=object)[self.team],
            "manager_id": manager_ids,
            "location": np.asarray(self.locations, dtype=object),
            "title": np.asarray(self.titles, dtype=object),
        }
        return pa.table({k: pa.array(v[order].tolist(), pa.string()) for k, v in columns.items()})


def department_sizes(people: int) -> np.ndarray:
    """Headcount per department: catalog shares, at least ``clip(people // 40, 3, 8)``.

    Examples
    --------
    >>> sizes = department_sizes(400)
    >>> int(sizes.sum()), int(sizes.min())
    (400, 8)
    """
    shares = np.array([d.share for d in DEPARTMENTS])
    min_size = int(np.clip(people // 40, 3, 8))
    sizes = np.maximum(min_size, np.floor(shares * people)).astype(np.int64)
    order = np.argsort(-shares, kind="stable")
    diff, i = people - int(sizes.sum()), 0
    while diff != 0:
        d = order[i % len(order)]
        if diff > 0:
            sizes[d] += 1
            diff -= 1
        elif sizes[d] > min_size:
            sizes[d] -= 1
            diff += 1
        i += 1
    return sizes


def team_sizes(size: int, rng: np.random.Generator) -> list[int]:
    """Split a department into teams of MIN_TEAM..MAX_TEAM people (about 7.5)."""
    lo = max(-(-size // MAX_TEAM), 2 if size >= 8 else 1)
    k = int(np.clip(round(size / 7.5), lo, max(1, size // MIN_TEAM)))
    sizes = [size // k + (1 if j < size % k else 0) for j in range(k)]
    for i, j in rng.integers(k, size=(3 * k, 2)):
        if i != j and sizes[i] > MIN_TEAM and sizes[j] < MAX_TEAM:
            sizes[i] -= 1
            sizes[j] += 1
    return sizes


def _fold(text: str) -> str:
    """ASCII lower-case form of a name for an email local part."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore")
    return "".join(ch for ch in ascii_text.decode().lower() if ch.isalnum())


def _unique(local: str, taken: set[str]) -> str:
    candidate, k = local, 1
    while candidate in taken:
        k += 1
        candidate = f"{local}{k}"
    taken.add(candidate)
    return candidate


def _mixed_case(address: str) -> str:
    local, domain = address.split("@")
    cap = ".".join(part[:1].upper() + part[1:] for part in local.split("."))
    return f"{cap}@{'.'.join(p.capitalize() for p in domain.split('.'))}"


def _teams(sizes: np.ndarray, rng: np.random.Generator) -> tuple[list[int], list[int], list[str], int]:
    """Team sizes, departments and names, the candidate cut-off team last in Engineering."""
    t_size: list[int] = []
    t_dept: list[int] = []
    t_name: list[str] = []
    cutoff = -1
    for d, spec in enumerate(DEPARTMENTS):
        split = team_sizes(int(sizes[d]), rng)
        if d == DEPT["Engineering"] and len(split) > 1:
            # The team closest to 8 people (not the head's team) goes last.
            j = 1 + int(np.argmin([abs(s - 8) for s in split[1:]]))
            split.append(split.pop(j))
            cutoff = len(t_size) + len(split) - 1
        names = [spec.teams[i] for i in rng.permutation(len(spec.teams))]
        for j, s in enumerate(split):
            base = names[j % len(names)]
            suffix = f" {j // len(names) + 1}" if j >= len(names) else ""
            t_size.append(s)
            t_dept.append(d)
            t_name.append(f"{spec.name} {base}{suffix}")
    return t_size, t_dept, t_name, cutoff


def _externals(people: int, rng: np.random.Generator) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """Outside parties' addresses by kind (clients, suppliers, advisers)."""
    per_kind = max(8, people // 25)
    out: list[str] = []
    ranges: dict[str, tuple[int, int]] = {}
    taken: set[str] = set()
    for kind in catalog.EXTERNAL_KINDS:
        orgs = catalog.EXTERNAL_ORGS[kind]
        first = rng.integers(len(catalog.FIRST_NAMES), size=per_kind)
        last = rng.integers(len(catalog.LAST_NAMES), size=per_kind)
        org = rng.integers(len(orgs), size=per_kind)
        start = len(out)
        for f, l_, o in zip(first, last, org, strict=True):
            local = f"{_fold(catalog.FIRST_NAMES[f])}.{_fold(catalog.LAST_NAMES[l_])}"
            out.append(_unique(f"{local}@{orgs[o]}.example", taken))
        ranges[kind] = (start, len(out))
    return out, ranges


def build_org(people: int, rng: np.random.Generator) -> Org:
    """Draw the people of a company of ``people`` employees.

    Parameters
    ----------
    people : int
        Headcount, at least ``MIN_PEOPLE``.
    rng : numpy.random.Generator
        The organization's random stream.

    Returns
    -------
    Org

    Raises
    ------
    ParameterError
        When ``people`` is below ``MIN_PEOPLE``.
    """
    if people < MIN_PEOPLE:
        raise ParameterError(
            "people", f"the synthetic organization needs at least {MIN_PEOPLE} people, got {people}"
        )
    sizes = department_sizes(people)
    t_size, t_dept, t_name, cutoff = _teams(sizes, rng)
    team_size = np.array(t_size, dtype=np.int64)
    team_start = np.concatenate([[0], np.cumsum(team_size)[:-1]])
    team = np.repeat(np.arange(len(t_size)), team_size)
    dept = np.repeat(np.array(t_dept), team_size)
    dept_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    n = people
    idx = np.arange(n)

    lead = team_start[team]
    is_lead = idx == lead
    head = dept_start[dept]
    is_head = idx == head
    ceo = int(dept_start[DEPT["Executive"]])
    manager = np.where(is_head, ceo, np.where(is_lead, head, lead))
    manager[ceo] = -1

    specs = DEPARTMENTS
    member_title = [specs[d].titles[int(rng.integers(len(specs[d].titles)))] for d in dept]
    titles = [
        specs[d].head_title if h else specs[d].lead_title if ld else t
        for d, h, ld, t in zip(dept, is_head, is_lead, member_title, strict=True)
    ]
    sec = DEPT["Security"]
    bridge = int(dept_start[sec] + 1 + rng.integers(sizes[sec] - 1))
    titles[bridge] = "Security Architect"

    loc_w = np.array(catalog.LOCATION_WEIGHTS)
    team_loc = rng.choice(len(loc_w), size=len(t_size), p=loc_w)
    loc = np.where(rng.random(n) < 0.88, team_loc[team], rng.choice(len(loc_w), size=n, p=loc_w))
    loc[is_head | (dept == DEPT["Executive"])] = 0
    locations = [catalog.LOCATIONS[i] for i in loc]

    first = rng.integers(len(catalog.FIRST_NAMES), size=n)
    last = rng.integers(len(catalog.LAST_NAMES), size=n)
    has_alias = rng.random(n) < P_ALIAS
    names, cells, variants = [], [], []
    taken: set[str] = set()
    taken_alias: set[str] = set()
    for f, l_, alias in zip(first, last, has_alias, strict=True):
        fn, ln = catalog.FIRST_NAMES[f], catalog.LAST_NAMES[l_]
        names.append(f"{fn} {ln}")
        primary = f"{_unique(f'{_fold(fn)}.{_fold(ln)}', taken)}@{catalog.COMPANY_DOMAIN}"
        second = (
            f"{_unique(_fold(fn)[:1] + _fold(ln), taken_alias)}@{catalog.ALIAS_DOMAIN}" if alias else None
        )
        cells.append(primary if second is None else f"{primary};{second}")
        variants += [primary, _mixed_case(primary), second or primary]
    ext, ext_range = _externals(people, rng)
    ext_range = {k: (VARIANTS * n + a, VARIANTS * n + b) for k, (a, b) in ext_range.items()}

    width = max(4, len(str(n)))
    person_ids = np.array([f"P{i + 1:0{width}d}" for i in rng.permutation(n)], dtype=object)

    activity = rng.lognormal(0.0, 0.5, size=n) * np.where(is_head, 1.8, np.where(is_lead, 1.4, 1.0))
    return Org(
        dept=dept,
        team=team,
        dept_start=dept_start,
        dept_size=sizes,
        team_start=team_start,
        team_size=team_size,
        team_dept=np.array(t_dept),
        team_names=t_name,
        person_ids=person_ids,
        names=names,
        email_cells=cells,
        locations=locations,
        titles=titles,
        manager=manager,
        activity=activity / activity.sum(),
        addresses=pa.array(variants + ext, pa.string()),
        ext_range=ext_range,
        cutoff_team=cutoff,
        bridge=bridge,
    )
