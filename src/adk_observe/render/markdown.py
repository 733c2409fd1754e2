"""Markdown text of a document given as plain data (the runbooks):

    {"title": str, "sections": [{"heading": str, "blocks": [block, ...]}]}

where a block is `{"text": str}`, `{"list": [str]}`, `{"code": str, "lang": str}` or
`{"table": {"header": [str], "rows": [[str]]}}`. Text from specs (SLO descriptions, names) is
escaped so it stays text: no raw HTML, no link or image syntax of its own, and a code block's
fence is longer than any backtick run inside it.
"""

from __future__ import annotations

import re
from typing import Any

from adk_observe.conventions import generated_note

_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_AUTOLINK = re.compile(r"^<(https?|file)://[^\s<>]+>$")
_MARKUP = re.compile(r"([\\\[\]!])")
_CODE_SPAN = re.compile(r"(`[^`]*`)")


def _escape(words: str) -> str:
    return _MARKUP.sub(r"\\\1", words.translate(_HTML))


def _text(words: str) -> str:
    """One paragraph: an `<url>` autolink as is; elsewhere HTML and link syntax are escaped,
    except inside code spans (which Markdown shows literally)."""
    flat = " ".join(words.split())
    if _AUTOLINK.match(flat):
        return flat
    parts = _CODE_SPAN.split(flat)
    # split() with one group alternates: text, code span, text, ...
    return "".join(p if i % 2 else _escape(p) for i, p in enumerate(parts))


def _cell(words: str) -> str:
    return _text(words).replace("|", "\\|")


def _code(body: str, lang: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def _block(block: dict[str, Any]) -> str:
    if "text" in block:
        return _text(block["text"])
    if "list" in block:
        return "\n".join(f"- {_text(item)}" for item in block["list"])
    if "code" in block:
        return _code(block["code"], block.get("lang", ""))
    table = block["table"]
    lines = ["| " + " | ".join(_cell(h) for h in table["header"]) + " |"]
    lines.append("|" + "---|" * len(table["header"]))
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table["rows"]]
    return "\n".join(lines)


def dump_markdown(doc: dict[str, Any], *, source: str = "") -> str:
    note = generated_note(source).replace("--", "- -")  # "--" would end the comment early
    parts = [f"<!-- {note} -->", f"# {_text(doc['title'])}"]
    for section in doc["sections"]:
        parts.append(f"## {_text(section['heading'])}")
        parts.extend(_block(block) for block in section["blocks"])
    return "\n\n".join(parts) + "\n"
