"""Analyses in the store: one job record per analysis, and its result.

A record goes ``queued -> running -> done`` (``save_result``) or ``failed``
(``update_analysis(status="failed", error=...)``, or ``fail_interrupted``
when the server restarts), or ``cancelled`` (asked to stop by a user, from
queued or at a stage boundary of a running analysis). done, failed and
cancelled are final. The result is kept as the JSON text of
:class:`ona.results.AnalysisResult`, byte for byte as it was written.

Every function takes a DuckDB connection (one cursor of the store) as first
argument; :class:`ona.store.Store` owns the connection and the locking.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from ona.errors import NotFoundError
from ona.params import AnalysisParams
from ona.store.datasets import dataset_key
from ona.store.models import STATUSES, AnalysisInfo
from ona.store.schema import first_row, transaction

_COLUMNS = "analysis_id, dataset_id, status, stage, progress, error, parameters, created_at, updated_at"


def _now() -> datetime:
    """Now, as the naive UTC timestamp the TIMESTAMP columns hold."""
    return datetime.now(UTC).replace(tzinfo=None)


def _info(row: tuple[Any, ...]) -> AnalysisInfo:
    analysis_id, dataset_id, status, stage, progress, error, parameters, created, updated = row
    return AnalysisInfo(
        analysis_id=analysis_id,
        dataset_id=dataset_id,
        status=status,
        stage=stage,
        progress=progress,
        error=error,
        parameters=AnalysisParams.model_validate_json(parameters),
        created_at=created.replace(tzinfo=UTC),
        updated_at=updated.replace(tzinfo=UTC),
    )


def create_analysis(
    con: duckdb.DuckDBPyConnection, analysis_id: str, dataset_id: str, params: AnalysisParams
) -> AnalysisInfo:
    """Record a new analysis of ``dataset_id``, status 'queued'."""
    now = _now()
    with transaction(con):
        dataset_key(con, dataset_id)
        con.execute(
            f"INSERT INTO analyses ({_COLUMNS}) VALUES (?, ?, 'queued', NULL, 0.0, NULL, ?, ?, ?)",
            [analysis_id, dataset_id, params.model_dump_json(), now, now],
        )
    return get_analysis(con, analysis_id)


def get_analysis(con: duckdb.DuckDBPyConnection, analysis_id: str) -> AnalysisInfo:
    """One analysis record; NotFoundError if there is none."""
    row = first_row(con, f"SELECT {_COLUMNS} FROM analyses WHERE analysis_id = ?", [analysis_id])
    if row is None:
        raise NotFoundError("analysis", analysis_id)
    return _info(row)


def list_analyses(con: duckdb.DuckDBPyConnection, dataset_id: str | None = None) -> list[AnalysisInfo]:
    """Analyses, oldest first; only those of ``dataset_id`` when given."""
    where, params = ("WHERE dataset_id = ?", [dataset_id]) if dataset_id is not None else ("", [])
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM analyses {where} ORDER BY created_at, analysis_id", params
    ).fetchall()
    return [_info(tuple(r)) for r in rows]


def update_analysis(
    con: duckdb.DuckDBPyConnection,
    analysis_id: str,
    *,
    status: str | None = None,
    stage: str | None = None,
    progress: float | None = None,
    error: str | None = None,
) -> None:
    """Change the given fields of an analysis record (None: leave as is).

    Raises
    ------
    ValueError
        If ``status`` is not one of queued, running, done, failed,
        cancelled or ``progress`` is outside [0, 1].
    NotFoundError
        If there is no such analysis.
    """
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not '{status}'")
    if progress is not None and not 0.0 <= progress <= 1.0:
        raise ValueError(f"progress must be in [0, 1], not {progress}")
    changes = {"status": status, "stage": stage, "progress": progress, "error": error}
    sets = [f"{name} = ?" for name, value in changes.items() if value is not None]
    values = [value for value in changes.values() if value is not None]
    rows = con.execute(
        f"UPDATE analyses SET {', '.join([*sets, 'updated_at = ?'])} WHERE analysis_id = ? RETURNING 1",
        [*values, _now(), analysis_id],
    ).fetchall()
    if not rows:
        raise NotFoundError("analysis", analysis_id)


def save_result(con: duckdb.DuckDBPyConnection, analysis_id: str, result_json: str) -> None:
    """Keep the result of an analysis and mark it done (progress 1)."""
    with transaction(con):
        get_analysis(con, analysis_id)
        con.execute("INSERT OR REPLACE INTO results VALUES (?, ?)", [analysis_id, result_json])
        con.execute(
            "UPDATE analyses SET status = 'done', stage = 'done', progress = 1.0, error = NULL, "
            "updated_at = ? WHERE analysis_id = ?",
            [_now(), analysis_id],
        )


def get_result_json(con: duckdb.DuckDBPyConnection, analysis_id: str) -> str:
    """The result JSON of an analysis; NotFoundError if it has none (yet)."""
    get_analysis(con, analysis_id)
    row = first_row(con, "SELECT result_json FROM results WHERE analysis_id = ?", [analysis_id])
    if row is None:
        raise NotFoundError("result", analysis_id)
    return str(row[0])


def delete_analysis(con: duckdb.DuckDBPyConnection, analysis_id: str) -> None:
    """Delete an analysis record and its result; NotFoundError if there is none."""
    with transaction(con):
        get_analysis(con, analysis_id)
        con.execute("DELETE FROM results WHERE analysis_id = ?", [analysis_id])
        con.execute("DELETE FROM analyses WHERE analysis_id = ?", [analysis_id])


def fail_interrupted(con: duckdb.DuckDBPyConnection, reason: str) -> int:
    """Mark every queued or running analysis failed with ``reason``; return how many."""
    rows = con.execute(
        "UPDATE analyses SET status = 'failed', error = ?, updated_at = ? "
        "WHERE status IN ('queued', 'running') RETURNING 1",
        [reason, _now()],
    ).fetchall()
    return len(rows)
