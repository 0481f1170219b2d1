"""Pages of list answers: offset / limit, and sort=field or sort=-field.

Sorting orders the rows the library returned by one of their own scalar
fields (no value is computed here); rows without a value (null) come last
in both directions, and ties keep the library's order.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import (
    Annotated,
    Any,
    Generic,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
)

from fastapi import Query
from pydantic import BaseModel, Field

from ona.results import PrivacyNote

T = TypeVar("T", bound=BaseModel)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows to return (at most {MAX_LIMIT})")]

_SCALARS = (str, int, float, bool)


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int = Field(description="rows in the whole list (after filters)")
    offset: int
    limit: int
    sort: str | None = Field(None, description="the sort applied: a field, '-' first for descending")


class ResultPage(Page[T], Generic[T]):
    """One page of a list of an analysis result, with the privacy note of the caller's view."""

    privacy: PrivacyNote


def sortable_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Fields of ``model`` holding one scalar (str, int, float, bool, possibly null)."""
    names = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if get_origin(ann) in (Union, types.UnionType):
            args = tuple(a for a in get_args(ann) if a is not type(None))
            ann = args[0] if len(args) == 1 else None
        if ann in _SCALARS:
            names.append(name)
    return tuple(names)


def sort_type(model: type[BaseModel]) -> Any:
    """A Literal of ``field`` and ``-field`` for every sortable field (documented in OpenAPI)."""
    names = sortable_fields(model)
    return Literal[tuple(v for n in names for v in (n, f"-{n}"))]  # type: ignore[valid-type]


def sort_query(model: type[BaseModel]) -> Any:
    """The annotated type of a route's optional ``sort`` query parameter for rows of ``model``."""
    return Annotated[
        sort_type(model) | None,
        Query(description="sort by this field, ascending; '-field' for descending (nulls last). "
              "Default: the library's order"),
    ]  # fmt: skip


def sort_rows(rows: Sequence[T], sort: str | None) -> list[T]:
    """Rows ordered by ``sort`` ('field' ascending, '-field' descending), nulls last."""
    if not sort:
        return list(rows)
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    present = [r for r in rows if getattr(r, name) is not None]
    missing = [r for r in rows if getattr(r, name) is None]
    present.sort(key=lambda r: getattr(r, name), reverse=descending)
    return present + missing


def window(rows: Sequence[T], offset: int, limit: int) -> list[T]:
    return list(rows[offset : offset + limit])


def page(rows: Sequence[T], *, offset: int, limit: int, sort: str | None = None) -> dict[str, Any]:
    """The fields of a :class:`Page` of ``rows`` (sorted, then windowed)."""
    ordered = sort_rows(rows, sort)
    return {"items": window(ordered, offset, limit), "total": len(ordered), "offset": offset, "limit": limit, "sort": sort}
