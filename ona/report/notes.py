"""The consultant's words in the report: a title page, a logo and notes attached to named findings.

Input: a Markdown notes file, a logo image file and the findings the report
numbers. Output: :class:`Notes` (each section's commentary as escaped HTML,
keyed by the finding it attaches to) and a logo as a ``data:`` URI.

The notes file is Markdown whose level-2 headings name a finding by the
report's own numbering:

- ``## Summary``: shown at the top of the executive summary;
- ``## Silo N``: beside the N-th silo of the silo table (silos are numbered
  1, 2, ... in the table's order, the most inward first);
- ``## Link N``: beside the N-th weak or fragile link of the weak-links
  table (numbered in its order, dependencies without a relationship first);
- ``## Recommendation N``: beside the intervention of priority N in
  "What to do" (the number the report prints before it).

A heading may repeat the finding's name after a colon (``## Silo 1: Finance``,
``## Link 2: Finance – IT``): the name must then be the report's, so notes
written for an earlier run cannot land on a different finding. After
``Recommendation N:`` any words may follow. A single ``# Title`` line
before the first section is allowed and ignored. Any other heading, text
before the first section, a finding the report does not show, or a section
given twice is a :class:`NotesError` naming the file, the line and the
heading. Sections are rendered with markdown-it (CommonMark) with raw HTML
off (it shows as text) and images off (a report fetches nothing).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markupsafe import Markup

from ona.errors import OnaError

KINDS = ("summary", "silo", "link", "recommendation")
HEADING = re.compile(r"^(summary|silo|link|recommendation)(?:\s+(\d+))?\s*(?::\s*(.*))?$", re.IGNORECASE)
MAX_LOGO_BYTES = 2_000_000
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
DASHES = re.compile(r"\s*[-‐‑‒–—]+\s*")


class NotesError(OnaError):
    """A notes or logo file the report cannot use; the message names the file, the line and the problem."""

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.reason = reason
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class NoteSection:
    """One section of a notes file: the finding it names (kind, number, optional name) and its Markdown."""

    kind: str  # one of KINDS
    number: int | None  # None for the summary
    name: str  # the words after the colon, "" when none
    heading: str  # the heading as written
    line: int  # 1-based line of the heading
    markdown: str


@dataclass
class Notes:
    """A parsed notes file: its sections in file order."""

    file: str
    sections: list[NoteSection] = field(default_factory=list)

    def attach(self, findings: Mapping[tuple[str, int], str]) -> dict[tuple[str, int | None], Markup]:
        """The commentary of every section as HTML, keyed by ``(kind, number)`` (``("summary", None)``).

        ``findings`` maps each finding the report shows, ``(kind, number)``,
        to its name (a silo's group, a link's "A – B", a recommendation's
        target). Raises :class:`NotesError` for a finding not in it, a name
        that differs from the report's, or a section given twice.
        """
        out: dict[tuple[str, int | None], Markup] = {}
        for s in self.sections:
            key = (s.kind, s.number)
            if key in out:
                raise NotesError(self.file, f"'## {s.heading}' is given twice", s.line)
            if s.kind != "summary":
                shown = findings.get((s.kind, s.number))  # type: ignore[arg-type]
                if shown is None:
                    count = sum(1 for k, _ in findings if k == s.kind)
                    raise NotesError(
                        self.file,
                        f"'## {s.heading}' names no finding of this report: it shows {count} "
                        f"{_plural(s.kind, count)}" + (f" (1 to {count})" if count else ""),
                        s.line,
                    )
                if s.name and s.kind != "recommendation" and _same(s.name) != _same(shown):
                    raise NotesError(
                        self.file,
                        f"'## {s.heading}': {s.kind} {s.number} of this report is '{shown}', not '{s.name}'",
                        s.line,
                    )
            out[key] = render_markdown(s.markdown)
        return out


def read_notes(path: str | Path) -> Notes:
    """Read and split a notes file (UTF-8 Markdown) into its sections; see the module docstring."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotesError(str(path), "no such notes file") from None
    except UnicodeDecodeError:
        raise NotesError(str(path), "is not UTF-8 text") from None
    except OSError as exc:
        raise NotesError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    return parse_notes(text, file=str(path))


def parse_notes(text: str, *, file: str = "notes") -> Notes:
    """Split Markdown text into :class:`NoteSection` by its level-2 headings (code blocks are respected)."""
    lines = text.splitlines()
    tokens = _markdown().parse(text)
    heads: list[tuple[int, int, str, int]] = []  # (first line, end line, text, level), 0-based
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            heads.append((tok.map[0], tok.map[1], tokens[i + 1].content.strip(), int(tok.tag[1])))
    notes = Notes(file)
    sections = [h for h in heads if h[3] == 2]
    start = sections[0][0] if sections else len(lines)
    # before the first section: blank lines and at most one "# Title"
    titles = [h for h in heads if h[0] < start]
    for first, end, words, level in titles:
        if level != 1:
            raise NotesError(file, f"'{'#' * level} {words}': sections are '## ' headings ({_expected()})", first + 1)
    covered = {n for first, end, _, _ in titles for n in range(first, end)}
    for n in range(start):
        if n not in covered and lines[n].strip():
            raise NotesError(file, f"text before the first section: start it with a heading ({_expected()})", n + 1)
    for k, (first, _end, words, _) in enumerate(sections):
        match = HEADING.match(words)
        kind = match.group(1).lower() if match else ""
        number = int(match.group(2)) if match and match.group(2) else None
        if not match or (kind == "summary") != (number is None):
            raise NotesError(file, f"'## {words}' is not a finding of the report ({_expected()})", first + 1)
        stop = sections[k + 1][0] if k + 1 < len(sections) else len(lines)
        body = "\n".join(lines[first + 1 : stop]).strip("\n")
        name = (match.group(3) or "").strip()
        notes.sections.append(NoteSection(kind, number, name, words, first + 1, body))
    return notes


def render_markdown(text: str) -> Markup:
    """Markdown as HTML in which nothing from the text is markup: raw HTML shows as text, no images."""
    return Markup(_markdown().render(text))


def logo_data_uri(path: str | Path) -> str:
    """A PNG, JPEG or SVG file as a ``data:`` URI, so the report embeds it (checked by content, not name)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotesError(str(path), "no such logo file") from None
    except OSError as exc:
        raise NotesError(str(path), f"the logo cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_LOGO_BYTES:
        raise NotesError(str(path), f"the logo is {len(data):,} bytes; at most {MAX_LOGO_BYTES:,} are embedded")
    kind = _image_type(data)
    if kind is None:
        raise NotesError(str(path), "the logo must be a PNG, JPEG or SVG image")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def finding_names(
    silos: Iterable[str], links: Iterable[tuple[str, str]], recommendations: Iterable[tuple[int, str]]
) -> dict[tuple[str, int], str]:
    """The report's numbering: silos and weak links 1, 2, ... in table order; recommendations by priority."""
    out: dict[tuple[str, int], str] = {}
    for i, group in enumerate(silos, start=1):
        out[("silo", i)] = group
    for i, (a, b) in enumerate(links, start=1):
        out[("link", i)] = f"{a} – {b}"
    for priority, title in recommendations:
        out[("recommendation", priority)] = title
    return out


def _image_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in data[:8192]:
        return "image/svg+xml"
    return None


def _same(name: str) -> frozenset[str] | str:
    parts = [p.strip().casefold() for p in DASHES.split(name.strip()) if p.strip()]
    return frozenset(parts) if len(parts) == 2 else " ".join(name.split()).casefold()


def _plural(kind: str, n: int) -> str:
    return {"silo": "silo", "link": "weak link", "recommendation": "recommendation"}[kind] + ("" if n == 1 else "s")


def _expected() -> str:
    return "'## Summary', '## Silo N', '## Link N' or '## Recommendation N'"


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    return md


@dataclass(frozen=True)
class Cover:
    """The report's title page: a title, the client's name and a logo (a ``data:`` URI, see
    :func:`logo_data_uri`); each optional (the title defaults to "Silo report: <dataset>")."""

    title: str | None = None
    client: str | None = None
    logo: str | None = None
