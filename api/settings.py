"""Service settings: the only configuration the HTTP service reads.

Every field can be set from the environment with the ``ONA_`` prefix
(``ONA_STORE=/srv/ona.duckdb``, ``ONA_MAX_UPLOAD_BYTES=52428800``); ``ona
serve`` passes its options on top. The library itself reads no environment:
it takes :class:`ona.params.AnalysisParams`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of the ona HTTP service."""

    model_config = SettingsConfigDict(env_prefix="ONA_", extra="ignore")

    store: Path = Field(
        Path("ona.duckdb"),
        description="DuckDB store file holding datasets, analyses, results and API keys "
        "(':memory:' for a throw-away store)",
    )
    max_upload_bytes: int = Field(
        200 * 1024 * 1024,
        ge=1024,
        description="largest request body accepted, in bytes (a dataset upload with all its files); "
        "larger requests get 413",
    )
    viewer_min_group_size: int = Field(
        5,
        ge=1,
        description="floor of the minimum group size applied to viewer results, whatever the "
        "analysis' own min_group_size (a smaller group is never shown to a viewer)",
    )
    session_hours: float = Field(
        12.0, gt=0, le=24 * 30, description="a leaders' page sign-in lasts at most this long (absolute expiry)"
    )
    session_idle_minutes: float = Field(
        30.0, gt=0, description="a sign-in ends after this long without a page request (idle expiry)"
    )
    sign_in_attempts: int = Field(
        10, ge=0, description="sign-in attempts allowed per client address per minute (0: no limit); "
        "more get 429 with Retry-After"
    )
    result_cache_size: int = Field(
        32, ge=0, description="finished results kept parsed in memory (results never change once done)"
    )
    upload_report_rejects: int = Field(
        100, ge=0, description="rejected rows included in the upload answer (the rest via /validation)"
    )
    analysis_time_limit: float = Field(
        3600.0,
        gt=0,
        description="seconds an analysis may run; past it, its process is killed (in the middle of a "
        "stage if need be) and it is marked failed",
    )
    # Bounded inputs: the bytes of an upload say little about its cost (a 30 KB
    # Parquet file can hold millions of rows), so rows are capped too. The
    # service's default is far below the library's billion: an upload is
    # validated in the server's memory before it is stored, and 10 million rows is
    # about what the 200 MiB body limit lets through as CSV anyway.
    max_rows_per_file: int = Field(
        10_000_000,
        ge=1,
        description="data rows one uploaded file may hold, counted before it is decoded "
        "(from a Parquet file's footer, by scanning a CSV or JSON Lines file); more: 422 naming the file",
    )
    max_rows_per_upload: int = Field(
        10_000_000, ge=1, description="data rows all the files of one upload may hold together; more: 422"
    )
    max_rejects_per_file: int = Field(
        10_000,
        ge=0,
        description="rejected rows kept with their line and reason per file (the first ones); "
        "every rejected row is still counted",
    )
    upload_rate: int = Field(
        10,
        ge=0,
        description="uploads one key may make per upload_rate_seconds (a burst; then one more every "
        "upload_rate_seconds / upload_rate seconds); more get 429 with Retry-After; 0: no limit",
    )
    upload_rate_seconds: float = Field(600.0, gt=0, description="the window of upload_rate, in seconds")
    max_people: int = Field(
        1_000_000,
        ge=1,
        description="rows an uploaded people file may hold (it is validated whole, not a piece at a time); "
        "more: 422",
    )


@lru_cache
def get_settings() -> Settings:
    """The settings from the environment (read once)."""
    return Settings()  # type: ignore[call-arg]  # values come from the environment
