"""synthesize(): a synthetic organization's dataset, written to a folder.

Input: a headcount, a seed and event rates. Output: people.csv, emails.csv,
meetings.csv, tickets.csv (the formats of DESIGN.md "Input: a dataset") and
manifest.json, and the :class:`~ona.synth.manifest.SynthManifest` itself.
Each stage draws from its own child of ``numpy.random.SeedSequence(seed)``,
so the same seed gives byte-identical files and ``well_mixed`` keeps the
very same people.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ona.errors import ParameterError
from ona.progress import OnProgress, no_progress
from ona.synth import catalog, csvout
from ona.synth.contacts import build_contacts
from ona.synth.emails import write_emails
from ona.synth.manifest import (
    BadRow,
    CutOffTeamPlant,
    DependencyPlant,
    FragileLinkPlant,
    Planted,
    SiloPlant,
    SynthManifest,
)
from ona.synth.meetings import write_meetings
from ona.synth.org import Org, build_org
from ona.synth.plant import Plan, make_plan
from ona.synth.tickets import write_tickets
from ona.synth.timeline import Period

FILES = ("people.csv", "emails.csv", "meetings.csv", "tickets.csv")


def synthesize(
    out_dir: str | Path,
    *,
    people: int = 400,
    seed: int = 7,
    months: int = 3,
    start: str = "2024-01-01",
    emails_per_person: float = 60,
    meetings_per_person: float = 12,
    ticket_events_per_person: float = 4,
    well_mixed: bool = False,
    bad_rows: bool = True,
    on_progress: OnProgress = no_progress,
) -> SynthManifest:
    """Generate a synthetic organization and its collaboration logs.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder to write to (created if needed; files in it are replaced).
    people : int
        Headcount, at least 60; 14 departments (Engineering, Sales, Customer
        Support large; Legal, Security, Executive small).
    seed : int
        The same seed gives byte-identical files.
    months : int
        Length of the period, from ``start`` (YYYY-MM-DD).
    emails_per_person : float
        Emails each person sends on average (broadcasts come on top).
    meetings_per_person : float
        Ordinary meetings each person attends on average (monthly all-hands on top).
    ticket_events_per_person : float
        Rows of tickets.csv (assignments and resolutions) per person on average.
    well_mixed : bool
        Choose partners with no regard to department and plant nothing.
    bad_rows : bool
        Spoil a handful (< 10) of rows and repeat one message, listed in the
        manifest, so that a demo shows validation.
    on_progress : OnProgress
        Called as ``(stage, done, total)``.

    Returns
    -------
    SynthManifest
        Also written to ``out_dir / "manifest.json"``.

    Raises
    ------
    ParameterError
        On a headcount below 60, a negative rate, a bad date or months < 1.
    """
    for name, value in (
        ("emails_per_person", emails_per_person),
        ("meetings_per_person", meetings_per_person),
        ("ticket_events_per_person", ticket_events_per_person),
    ):
        if value < 0:
            raise ParameterError(name, f"must be >= 0, got {value}")
    period = Period.of(start, months)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    s_org, s_plan, s_contacts, s_emails, s_meetings, s_tickets = np.random.SeedSequence(seed).spawn(6)
    org = build_org(people, np.random.default_rng(s_org))
    plan = make_plan(org, np.random.default_rng(s_plan), well_mixed=well_mixed)
    contacts = build_contacts(org, plan, np.random.default_rng(s_contacts))
    with csvout.CsvSink(out / "people.csv", list(org.people_table().column_names)) as sink:
        sink.write(org.people_table())
    on_progress("people", people, people)

    emails = write_emails(
        out / "emails.csv",
        org,
        contacts,
        plan,
        period,
        round(people * emails_per_person),
        np.random.default_rng(s_emails),
        on_progress,
        bad_rows=bad_rows,
    )
    meetings = write_meetings(
        out / "meetings.csv",
        org,
        contacts,
        plan,
        period,
        meetings_per_person,
        np.random.default_rng(s_meetings),
        on_progress,
        bad_rows=bad_rows,
    )
    tickets = write_tickets(
        out / "tickets.csv",
        org,
        plan,
        period,
        ticket_events_per_person,
        np.random.default_rng(s_tickets),
        on_progress,
        bad_rows=bad_rows,
    )

    manifest = SynthManifest(
        seed=seed,
        parameters={
            "people": people,
            "months": months,
            "start": start,
            # float() so that the CLI (floats) and a Python call (ints) write the same bytes.
            "emails_per_person": float(emails_per_person),
            "meetings_per_person": float(meetings_per_person),
            "ticket_events_per_person": float(ticket_events_per_person),
            "well_mixed": well_mixed,
            "bad_rows": bad_rows,
        },
        company_domain=catalog.COMPANY_DOMAIN,
        departments={
            name: int(size) for name, size in zip(catalog.DEPARTMENT_NAMES, org.dept_size, strict=True)
        },
        teams=len(org.team_names),
        planted=None
        if well_mixed
        else _planted(org, plan, emails.pair_messages, meetings.pair_meetings, tickets.pair_handoffs),
        bad_rows=[
            BadRow(file=b.file, line=b.line, problem=b.problem)
            for b in emails.bad_rows + meetings.bad_rows + tickets.bad_rows
        ],
        duplicate_rows=[BadRow(file=b.file, line=b.line, problem=b.problem) for b in emails.duplicates],
        counts={
            "people": people,
            "emails": emails.rows,
            "broadcasts": emails.broadcasts,
            "emails_with_external": emails.with_external,
            "meetings": meetings.rows,
            "all_hands": meetings.all_hands,
            "meetings_with_external": meetings.with_external,
            "tickets": tickets.tickets,
            "ticket_rows": tickets.rows,
            "ticket_handoffs": tickets.handoffs,
            "external_addresses": sum(hi - lo for lo, hi in org.ext_range.values()),
        },
        files={name: (out / name).stat().st_size for name in FILES},
    )
    (out / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _planted(org: Org, plan: Plan, emails_between: int, meetings_between: int, handoffs: int) -> Planted:
    names = catalog.DEPARTMENT_NAMES
    ids = org.person_ids
    team = plan.cutoff_team
    members = np.flatnonzero(org.team == team)
    return Planted(
        silos=SiloPlant(departments=[names[d] for d in plan.silo_depts]),
        dependency_pair=DependencyPlant(
            departments=[names[d] for d in plan.dependency],
            ticket_handoffs=handoffs,
            emails_between=emails_between,
            meetings_between=meetings_between,
        ),
        fragile_link=FragileLinkPlant(
            departments=[names[d] for d in plan.fragile],
            bridge_person_id=str(ids[plan.bridge]),
            bridge_name=org.names[plan.bridge],
            bridge_department=names[int(org.dept[plan.bridge])],
        ),
        cut_off_team=CutOffTeamPlant(
            department=names[int(org.team_dept[team])],
            team=org.team_names[team],
            member_ids=sorted(str(ids[i]) for i in members),
            single_tie=[str(ids[plan.liaison]), str(ids[plan.counterpart])],
        ),
    )
