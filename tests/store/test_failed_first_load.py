"""A failed load leaves the store as it was: no store at all when the run created it.

Through the real CLI (typer's CliRunner, in this process): ``ona analyze
--store NEW`` on a bad folder (a people file without person_id, a missing
folder, Ctrl-C while reading) leaves no file where the store would be; a
store that held a dataset still holds exactly it (same datasets, same rows
in every table, same files); a good load after a bad one works. The files
are listed from the folder (``os.listdir``), the rows read back with
DuckDB's own client, not through ona's Store. ``ona validate`` and ``ona
export`` load into a scratch store, which leaves nothing in ``ONA_TMPDIR``
either way.

The scratch store (:func:`ona.store.scratch_store`) is thrown away after
its run, so its close skips DuckDB's checkpoint: the write-ahead log is
still there after close, and an analysis through it gives the result of
the in-memory one.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import ona.analysis.pipeline as pipeline
from ona.cli import app
from ona.params import AnalysisParams
from ona.store import Store, store_for_load
from tests import orgs

runner = CliRunner()
FAST = ["--permutations", "50", "--stability-resamples", "0"]


def _bad(folder: Path) -> Path:
    """A dataset folder whose people file has no person_id column (the reproduction of the issue)."""
    folder.mkdir(parents=True)
    (folder / "people.csv").write_text("x,y\n", encoding="utf-8")
    return folder


def _analyze(folder: Path, store: Path, tmp: Path, *extra: str) -> tuple[int, str]:
    res = runner.invoke(app, ["analyze", str(folder), "--store", str(store), "--out", str(tmp / "r.json"),
                              "--quiet", *FAST, *extra])
    return res.exit_code, res.output


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _tables(store: Path) -> dict[str, int]:
    """Rows of every table of a closed store file, read with DuckDB itself (read-only)."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
    finally:
        con.close()


def _interrupted(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


#: The Store class the CLI's stores are made of (reached through the function that makes them).
STORE = inspect.unwrap(store_for_load).__globals__["Store"]


# ------------------------------------------------------------------ a new store


def test_a_bad_first_load_leaves_no_store(tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    stores.mkdir()
    code, output = _analyze(_bad(tmp_path / "bad"), stores / "s.duckdb", tmp_path)
    assert code == 1
    assert "missing required column 'person_id'" in output and "Traceback" not in output
    assert _files(stores) == []  # no .duckdb, .wal, .control.sqlite, -wal, -shm, .tmp


def test_a_missing_folder_leaves_no_store(tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    stores.mkdir()
    code, output = _analyze(tmp_path / "nowhere", stores / "s.duckdb", tmp_path)
    assert code == 1 and "nowhere" in output
    assert _files(stores) == []


def test_a_bad_workspace_name_leaves_no_store(tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    stores.mkdir()
    code, output = _analyze(orgs.two_silos(tmp_path / "org"), stores / "s.duckdb", tmp_path, "-w", "no spaces")
    assert code == 1 and "workspace" in output
    assert _files(stores) == []


def test_ctrl_c_during_a_first_load_leaves_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stores = tmp_path / "stores"
    stores.mkdir()
    folder = orgs.two_silos(tmp_path / "org")
    monkeypatch.setattr(STORE, "load_folder", _interrupted)  # Ctrl-C while load_source reads the folder
    code, _ = _analyze(folder, stores / "s.duckdb", tmp_path)
    assert code == 130  # Ctrl-C: typer exits with 128 + SIGINT
    assert _files(stores) == []


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), RuntimeError("Query interrupted"),
                                       duckdb.InterruptException("INTERRUPT Error: Interrupted!")])
def test_ctrl_c_says_interrupted_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     interrupt: BaseException) -> None:
    """Ctrl-C, whether Python sees it or DuckDB reports it from inside a query, ends with one line and 130."""
    stores = tmp_path / "stores"
    stores.mkdir()

    def interrupted(*args: object, **kwargs: object) -> None:
        raise interrupt

    monkeypatch.setattr(STORE, "load_folder", interrupted)
    code, output = _analyze(orgs.two_silos(tmp_path / "org"), stores / "s.duckdb", tmp_path)
    assert (code, output.strip()) == (130, "error: interrupted")
    assert _files(stores) == []


def test_other_runtime_errors_are_not_taken_for_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something else")

    monkeypatch.setattr(STORE, "load_folder", broken)
    res = runner.invoke(app, ["analyze", str(orgs.two_silos(tmp_path / "org")), "--store",
                              str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "r.json"), "--quiet", *FAST])
    assert res.exit_code == 1 and isinstance(res.exception, RuntimeError) and "something else" in str(res.exception)


def test_a_bad_report_leaves_no_store(tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    stores.mkdir()
    res = runner.invoke(app, ["report", str(_bad(tmp_path / "bad")), "--store", str(stores / "s.duckdb"),
                              "--out", str(tmp_path / "r.html"), "--quiet"])
    assert res.exit_code == 1, res.output
    assert _files(stores) == []


def test_a_control_database_made_before_the_store_is_kept(tmp_path: Path) -> None:
    """`ona keys create` may make the control database before any store: a failed load removes only
    what it created."""
    stores = tmp_path / "stores"
    stores.mkdir()
    store = stores / "s.duckdb"
    res = runner.invoke(app, ["keys", "create", "--role", "analyst", "--store", str(store)])
    assert res.exit_code == 0, res.output
    before = _files(stores)
    assert "s.control.sqlite" in before and "s.duckdb" not in before
    code, _ = _analyze(_bad(tmp_path / "bad"), store, tmp_path)
    assert code == 1
    assert _files(stores) == before
    listed = runner.invoke(app, ["keys", "list", "--store", str(store)])
    assert listed.exit_code == 0 and "analyst" in listed.output


def test_a_good_load_after_a_bad_one_works(tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    stores.mkdir()
    store = stores / "s.duckdb"
    assert _analyze(_bad(tmp_path / "bad"), store, tmp_path)[0] == 1
    folder = orgs.two_silos(tmp_path / "org")
    people = len((folder / "people.csv").read_text(encoding="utf-8").splitlines()) - 1  # header
    code, output = _analyze(folder, store, tmp_path)
    assert code == 0, output
    assert _files(stores) == ["s.control.sqlite", "s.duckdb"]
    tables = _tables(store)
    assert tables["datasets"] == 1 and tables["analyses"] == 1 and tables["people"] == people
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["people"] == people


# ------------------------------------------------------------- an existing store


@pytest.fixture
def kept(tmp_path: Path) -> Path:
    """A store holding one dataset and its analysis, loaded by the CLI."""
    stores = tmp_path / "stores"
    stores.mkdir()
    store = stores / "s.duckdb"
    code, output = _analyze(orgs.two_silos(tmp_path / "org"), store, tmp_path)
    assert code == 0, output
    return store


def test_a_bad_load_leaves_an_existing_store_as_it_was(tmp_path: Path, kept: Path) -> None:
    files, tables = _files(kept.parent), _tables(kept)
    assert tables["datasets"] == 1
    code, _ = _analyze(_bad(tmp_path / "bad"), kept, tmp_path)
    assert code == 1
    assert _files(kept.parent) == files
    assert _tables(kept) == tables


def test_ctrl_c_leaves_an_existing_store_as_it_was(tmp_path: Path, kept: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    files, tables = _files(kept.parent), _tables(kept)
    monkeypatch.setattr(STORE, "load_folder", _interrupted)
    code, _ = _analyze(orgs.two_silos(tmp_path / "org2"), kept, tmp_path)
    assert code == 130
    assert _files(kept.parent) == files
    assert _tables(kept) == tables


def test_a_bad_load_under_a_new_workspace_creates_no_workspace(tmp_path: Path, kept: Path) -> None:
    """The workspace a load names is created only once its dataset is saved."""
    with Store(kept) as store:
        before = store.control.workspaces()
    assert before == ["default"]
    assert _analyze(_bad(tmp_path / "bad"), kept, tmp_path, "-w", "finance")[0] == 1
    with Store(kept) as store:
        assert store.control.workspaces() == before
    code, output = _analyze(orgs.two_silos(tmp_path / "org2"), kept, tmp_path, "-w", "finance")
    assert code == 0, output
    with Store(kept) as store:
        assert store.control.workspaces() == ["default", "finance"]
        assert [d.workspace for d in store.list_datasets(workspace="finance")] == ["finance"]


def test_a_good_load_after_a_bad_one_adds_to_an_existing_store(tmp_path: Path, kept: Path) -> None:
    assert _analyze(_bad(tmp_path / "bad"), kept, tmp_path)[0] == 1
    code, output = _analyze(orgs.two_silos(tmp_path / "org2"), kept, tmp_path)
    assert code == 0, output
    tables = _tables(kept)
    assert tables["datasets"] == 2 and tables["analyses"] == 2


# ------------------------------------------------------------- the library's opening


def test_store_for_load_keeps_a_new_store_once_a_dataset_is_saved(tmp_path: Path) -> None:
    """A failure after the load (the analysis) keeps the dataset, as an existing store would."""
    path = tmp_path / "s.duckdb"
    with pytest.raises(RuntimeError), store_for_load(path) as store:
        store.load_folder(orgs.two_silos(tmp_path / "org"))
        raise RuntimeError("the analysis failed")
    assert _tables(path)["datasets"] == 1


def test_store_for_load_removes_a_new_store_left_empty(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with pytest.raises(KeyboardInterrupt), store_for_load(path):
        raise KeyboardInterrupt
    assert _files(tmp_path) == []
    with store_for_load(path) as store:  # no failure: the new store is kept, empty or not
        assert store.created
    assert _files(tmp_path) == ["s.control.sqlite", "s.duckdb"]


def test_a_store_that_fails_to_open_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: str) -> None:
        raise OSError("disk full")

    monkeypatch.setitem(Store.__init__.__globals__, "Control", refuse)  # the Control the constructor calls
    with pytest.raises(OSError, match="disk full"):
        Store(tmp_path / "s.duckdb")
    assert _files(tmp_path) == []


# ------------------------------------------------------------- scratch stores


@pytest.fixture
def on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every scratch store on disk, in a folder of its own (ONA_TMPDIR)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("ONA_TMPDIR", str(scratch))
    # the threshold the pipeline's own scratch_store reads (patched where that function looks it up)
    monkeypatch.setitem(inspect.unwrap(pipeline.scratch_store).__globals__, "SCRATCH_ON_DISK", 0)
    return scratch


def test_validate_and_export_leave_no_scratch_store(tmp_path: Path, on_disk: Path) -> None:
    bad = _bad(tmp_path / "bad")
    assert runner.invoke(app, ["validate", str(bad)]).exit_code == 1
    assert runner.invoke(app, ["export", str(bad), "--out", str(tmp_path / "g.gexf")]).exit_code == 1
    assert _files(on_disk) == []
    good = orgs.two_silos(tmp_path / "org")
    res = runner.invoke(app, ["validate", str(good)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["export", str(good), "--out", str(tmp_path / "g.gexf")])
    assert res.exit_code == 0, res.output
    assert _files(on_disk) == []


def test_a_scratch_store_on_disk_gives_the_in_memory_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = orgs.two_silos(tmp_path / "org")
    params = AnalysisParams(permutations=100, stability_resamples=0, seed=3)
    in_memory = pipeline.analyze(folder, params).to_json()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("ONA_TMPDIR", str(scratch))
    monkeypatch.setitem(inspect.unwrap(pipeline.scratch_store).__globals__, "SCRATCH_ON_DISK", 0)
    seen: list[str] = []
    real = pipeline.analyze_dataset

    def spy(store: Store, *args: object, **kwargs: object):  # noqa: ANN202
        seen.append(store.path)
        return real(store, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "analyze_dataset", spy)
    assert pipeline.analyze(folder, params).to_json() == in_memory
    assert len(seen) == 1 and Path(seen[0]).parent.parent == scratch  # it did run on disk
    assert _files(scratch) == []


def test_analyze_without_store_loads_into_a_scratch_store_on_disk(tmp_path: Path, on_disk: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`ona analyze` without --store: large inputs go to a scratch store on disk (ONA_TMPDIR), removed
    after, with the result of the in-memory run."""
    folder = orgs.two_silos(tmp_path / "org")
    args = ["analyze", str(folder), "--quiet", *FAST]
    monkeypatch.setitem(inspect.unwrap(pipeline.scratch_store).__globals__, "SCRATCH_ON_DISK", 1 << 40)
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "memory.json")])
    assert res.exit_code == 0, res.output
    monkeypatch.setitem(inspect.unwrap(pipeline.scratch_store).__globals__, "SCRATCH_ON_DISK", 0)
    paths: list[str] = []
    real = STORE.load_folder

    def spy(self: Store, *a: object, **k: object):  # noqa: ANN202
        paths.append(self.path)
        return real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(STORE, "load_folder", spy)
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "disk.json")])
    assert res.exit_code == 0, res.output
    assert len(paths) == 1 and Path(paths[0]).parent.parent == on_disk
    assert _files(on_disk) == []
    memory = json.loads((tmp_path / "memory.json").read_text())
    disk = json.loads((tmp_path / "disk.json").read_text())
    assert disk == memory and memory["summary"]["people"] > 0


def test_a_throwaway_store_closes_without_a_checkpoint(tmp_path: Path) -> None:
    """The checkpoint writes the write-ahead log into the database file and removes the log; a throwaway
    store's close leaves the log (the file is deleted next), and loses nothing if it is opened again."""
    folder = orgs.two_silos(tmp_path / "org")
    kept, thrown = tmp_path / "kept.duckdb", tmp_path / "thrown.duckdb"
    with Store(kept) as store:
        store.load_folder(folder)
    with Store(thrown, throwaway=True) as store:
        store.load_folder(folder)
    assert not Path(f"{kept}.wal").exists()
    assert Path(f"{thrown}.wal").exists()
    assert _tables(thrown) == _tables(kept)  # replayed from the log
