"""Reading the README and docs/*.md as the tests need them: code blocks, sections, tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def doc_files() -> list[Path]:
    """The README first, then every page under docs/."""
    return [README, *sorted(DOCS.glob("*.md"))]


def text(name: str) -> str:
    """`README.md` or a page of docs/ by file name (`commands.md`)."""
    path = README if name == README.name else DOCS / name
    return path.read_text(encoding="utf-8")


def blocks(lang: str, first_line: str = "", source: str | None = None) -> list[str]:
    """Fenced code blocks of `lang` (in `source`, or in every doc) that start with `first_line`."""
    texts = [source] if source is not None else [p.read_text() for p in doc_files()]
    return [
        b
        for t in texts
        for b in re.findall(rf"^```{lang}\n(.*?)^```", t, flags=re.S | re.M)
        if b.startswith(first_line)
    ]


def block(lang: str, first_line: str, source: str | None = None) -> str:
    found = blocks(lang, first_line, source)
    assert len(found) == 1, f"{len(found)} ```{lang} blocks start with {first_line!r} (want 1)"
    return found[0]


def headings(source: str) -> list[tuple[int, str]]:
    """(level, title) of every Markdown heading outside code blocks."""
    out: list[tuple[int, str]] = []
    fenced = False
    for line in source.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"(#+) (.*)", line)):
            out.append((len(m.group(1)), m.group(2).strip()))
    return out


def section(source: str, title: str) -> str:
    """The body under the heading `title`, up to the next heading of the same or a higher level."""
    lines = source.splitlines()
    fenced = False
    start = level = None
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"(#+) (.*)", line)
        if m is None:
            continue
        if start is None and m.group(2).strip() == title:
            start, level = i + 1, len(m.group(1))
        elif start is not None and level is not None and len(m.group(1)) <= level:
            return "\n".join(lines[start:i])
    assert start is not None, f"no heading {title!r}"
    return "\n".join(lines[start:])


def anchor(title: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> int:
        return self.header.index(name)


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return tuple(c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner))


def tables(source: str) -> list[Table]:
    """Every Markdown table of `source` (header, then rows; the |---| line dropped)."""
    found: list[Table] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1].strip()):
            header = _cells(lines[i])
            j = i + 2
            rows = []
            while j < len(lines) and lines[j].startswith("|"):
                rows.append(_cells(lines[j]))
                j += 1
            found.append(Table(header, tuple(rows)))
            i = j
        else:
            i += 1
    return found


def table(source: str, *header: str) -> Table:
    """The one table of `source` whose header starts with these cells."""
    found = [t for t in tables(source) if t.header[: len(header)] == header]
    assert len(found) == 1, f"{len(found)} tables with the header {header} (want 1)"
    return found[0]


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)
