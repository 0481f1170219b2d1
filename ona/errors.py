"""Typed errors of the ona library.

A bad *row* is data (a :class:`ona.results.Reject` in the validation report);
a bad *file*, a bad parameter or an impossible analysis is an exception from
this module. The faces (CLI, API) turn them into a one-line message or an
HTTP problem; the library never maps them to status codes.
"""

from __future__ import annotations


class OnaError(Exception):
    """Base class of every error ona raises on purpose."""


class DatasetError(OnaError):
    """A dataset file that is unusable as a whole.

    The message is a sentence that names the file (and the line, when one
    line makes the whole file unusable) and the problem, e.g.
    ``"emails.csv: missing required column 'sender'"``.
    """

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.reason = reason
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: {reason}")


class ParameterError(OnaError):
    """An analysis parameter that cannot be used (unknown group_by column, ...)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class EmptyGraphError(OnaError):
    """The collaboration graph has no tie (e.g. an empty time window)."""


class NotFoundError(OnaError):
    """A dataset, analysis or key that does not exist in the store."""

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} '{ident}' not found")
