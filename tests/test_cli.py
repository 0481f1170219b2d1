"""The CLI is thin: every parameter is an option, errors are one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from ona.cli import app
from ona.params import AnalysisParams
from tests import orgs

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def _options(command: str) -> set[str]:
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    return {opt for p in cmd.params for opt in getattr(p, "opts", [])}


def test_every_parameter_is_an_analyze_option() -> None:
    options = _options("analyze")
    for field in AnalysisParams.model_fields:
        assert f"--{field.replace('_', '-')}" in options, field


def test_every_parameter_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for field in AnalysisParams.model_fields:
        assert f"`{field}`" in readme, f"{field} is not documented in README.md"


def test_analyze_writes_the_result(tmp_path: Path) -> None:
    folder = orgs.two_silos(tmp_path / "org")
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["analyze", str(folder), "--out", str(out), "--seed", "2", "--permutations", "200"])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["parameters"]["seed"] == 2
    assert {g["group"] for g in doc["groups"] if g["silo"]} == {"Audit", "Board"}
    assert "Silos (2 of 4 groups)" in res.output


def test_analyze_viewer_output_has_no_people(tmp_path: Path) -> None:
    folder = orgs.two_silos(tmp_path / "org")
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["analyze", str(folder), "--out", str(out), "--viewer", "--permutations", "100"])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["people"] == [] and doc["privacy"]["audience"] == "viewer"
    assert "p001" not in out.read_text()


def test_missing_dataset_is_one_line_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["analyze", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert "nowhere" in res.output


def test_bad_parameter_names_the_option(tmp_path: Path) -> None:
    folder = orgs.two_silos(tmp_path / "org")
    res = runner.invoke(app, ["analyze", str(folder), "--since", "not a date"])
    assert res.exit_code == 2
    assert "--since" in res.output


def test_validate_lists_rejected_rows(tmp_path: Path) -> None:
    folder = orgs.two_silos(tmp_path / "org")
    emails = folder / "emails.csv"
    lines = emails.read_text().splitlines()
    lines[3] = "2024-13-01T00:00:00,p000,p001,,,bad"
    emails.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["validate", str(folder)])
    assert res.exit_code == 0, res.output
    assert re.search(r"emails\.csv line 4: .*2024-13-01", res.output)


def test_export_writes_gexf_and_graphml(tmp_path: Path) -> None:
    import networkx as nx

    folder = orgs.single_bridge_person(tmp_path / "org")
    for suffix, reader in ((".gexf", nx.read_gexf), (".graphml", nx.read_graphml)):
        out = tmp_path / f"g{suffix}"
        res = runner.invoke(app, ["export", str(folder), "--out", str(out)])
        assert res.exit_code == 0, res.output
        graph = reader(out)
        assert graph.number_of_nodes() == 40
        assert graph.nodes["p020"]["group"] == "Sec"
        # p020 is the only Sec person with Eng ties
        eng_sec = {
            (u, v) for u, v in graph.edges()
            if {graph.nodes[u]["group"], graph.nodes[v]["group"]} == {"Eng", "Sec"}
        }  # fmt: skip
        assert eng_sec and all("p020" in e for e in eng_sec)


#: Every threshold moved into AnalysisParams by issue 11, off its default, plus the
#: windows that use them (trends, before/after), on the sample organization.
REPRODUCE = {
    "permutations": 50, "stability_resamples": 0, "seed": 4,
    "resident_below": 0.3, "wanderer_above": 0.5, "no_owner_groups": 4,
    "broker_share": 0.2, "buddy_pairs": 2, "shadow_pairs": 1, "boundary_spanners": 2,
    "period": "month", "split": "2024-02-12T00:00:00Z",
    "insular_ei_drop": 0.05, "insular_delta_z": 1.5, "weakened_ratio_drop": 0.2, "fewer_carriers_drop": 0.3,
}  # fmt: skip


def _options_of(parameters: dict[str, object]) -> list[str]:
    """The `ona analyze` options that give these parameters (None and False are the defaults)."""
    args: list[str] = []
    for name, value in parameters.items():
        flag = f"--{name.replace('_', '-')}"
        if value is None or value is False:
            continue
        args += [flag] if value is True else [flag, str(value)]
    return args


def test_a_result_is_reproduced_from_its_parameters(tmp_path: Path) -> None:
    """`parameters` is everything that decides the findings: analyzing again with it gives the same JSON."""
    import ona

    sample = ROOT / "sample_data"
    first = tmp_path / "first.json"
    res = runner.invoke(app, ["analyze", str(sample), "--out", str(first), "--quiet", *_options_of(REPRODUCE)])
    assert res.exit_code == 0, res.output
    doc = json.loads(first.read_text())
    parameters = doc["parameters"]
    assert set(parameters) == set(AnalysisParams.model_fields)
    assert {k: parameters[k] for k in REPRODUCE} == REPRODUCE
    assert doc["comparison"] is not None and doc["trends"] is not None

    # the CLI, given the recorded parameters as options
    again = tmp_path / "again.json"
    res = runner.invoke(app, ["analyze", str(sample), "--out", str(again), "--quiet", *_options_of(parameters)])
    assert res.exit_code == 0, res.output
    assert again.read_text() == first.read_text()
    # the library, given the recorded parameters as they are
    recorded = AnalysisParams.model_validate(parameters)
    assert ona.analyze(sample, recorded).to_json() == first.read_text()

    # and the moved thresholds do decide findings here: the defaults give another result
    default = ona.analyze(sample, AnalysisParams(permutations=50, stability_resamples=0, seed=4,
                                                 period="month", split=REPRODUCE["split"]))
    mine = ona.AnalysisResult.model_validate_json(first.read_text())
    assert [p.role for p in default.people] != [p.role for p in mine.people]
    assert default.handoffs.summary.tickets_no_owner > mine.handoffs.summary.tickets_no_owner
    assert default.recommendations != mine.recommendations
