"""The tables of the docs that restate the code are checked against the code.

Each check reads the code's own source of truth (the command-line parser, the exit codes its
commands return, the compiled agent alert pack, the metric catalogue, the Makefile) and returns
the differences as sentences; a test per check asserts there are none, and
`test_a_changed_row_is_caught` proves each check fails when one row of its table is edited.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests import doc_text
from tests.doc_text import ROOT, code_spans, section, table

from adk_observe import conventions
from adk_observe.cli import _parser, exits, main
from adk_observe.promql import number

COMMANDS = "commands.md"
RULES = "rules.md"
INSTRUMENTATION = "instrumentation.md"
EXIT_CODES = {name: value for name, value in vars(exits).items() if name.startswith("EXIT_")}

# --- the facts, read from the code ---------------------------------------------------------------


def verbs() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _resolve(node: ast.expr, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return getattr(names.get(node.value.id), node.attr, None)
    return None


def returned_exits(func: Callable[..., int]) -> set[int]:
    """The exit codes a command's function names (EXIT_*), following the calls it makes into
    other functions of the CLI package."""
    found: set[int] = set()
    seen: set[Callable[..., Any]] = set()

    def visit(fn: Callable[..., Any]) -> None:
        if fn in seen:
            return
        seen.add(fn)
        for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(fn)))):
            name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
            if name in EXIT_CODES:
                found.add(EXIT_CODES[name])
            if isinstance(node, ast.Call):
                target = _resolve(node.func, fn.__globals__)
                if inspect.isfunction(target) and target.__module__.startswith("adk_observe.cli"):
                    visit(target)

    visit(func)
    return found


def verb_exits() -> dict[str, set[int]]:
    """Per command: the codes its code returns, and 2 (every command exits 2 on bad input:
    argparse's usage errors and every AdkObserveError, caught in main())."""
    return {
        name: returned_exits(p.get_default("func")) | {exits.EXIT_BAD_INPUT}
        for name, p in verbs().items()
    }


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)
    ]


def usage(verb: str, parser: argparse.ArgumentParser) -> str:
    """The usage line the docs show: positionals first, `[...]` around what is optional."""
    parts = [f"adk-observe {verb}"]
    for a in parser._actions:
        if not a.option_strings:
            parts.append(f"{a.metavar}{'...' if a.nargs in ('+', '*') else ''}")
    for a in _options(parser):
        shown = a.option_strings[0]
        if a.choices:
            shown += " " + "|".join(str(c) for c in a.choices)
        elif a.nargs != 0:
            shown += f" {a.metavar or a.dest.upper()}{'...' if a.nargs in ('+', '*') else ''}"
        parts.append(shown if a.required else f"[{shown}]")
    return " ".join(parts)


def agent_pack_defaults(tmp_path: Path) -> list[tuple[str, str, str]]:
    """(alert, for, severity) of the agent alert pack as `compile-rules` writes it for a spec
    that leaves `spec.alerts` at its defaults."""
    spec = tmp_path / "defaults.yaml"
    spec.write_text(
        "apiVersion: adk-observe/v1\nkind: AgentService\nmetadata: {name: svc}\n"
        "spec:\n  slos: [{name: success, objective: 99, sli: {builtin: success}}]\n"
    )
    assert main(["compile-rules", str(spec), "-o", str(tmp_path / "out")]) == 0
    rules = yaml.safe_load((tmp_path / "out" / "svc.rules.yaml").read_text())
    group = next(g for g in rules["groups"] if g["name"] == conventions.group_agent_pack("svc"))
    return [
        (r["alert"], r.get("for", "none"), r["labels"][conventions.LABEL_SEVERITY])
        for r in group["rules"]
    ]


def make_targets() -> set[str]:
    """Every rule of the Makefile (`name:` at the start of a line; not `name :=`)."""
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", makefile, flags=re.M))


# --- the checks: doc text + facts -> differences -------------------------------------------------


def _difference(what: str, documented: Iterable[Any], actual: Iterable[Any]) -> list[str]:
    documented, actual = set(documented), set(actual)
    out = [f"{what}: {x} is documented but not in the code" for x in sorted(documented - actual)]
    out += [f"{what}: {x} is in the code but not documented" for x in sorted(actual - documented)]
    return out


def exit_code_problems(doc: str) -> list[str]:
    rows = table(section(doc, "Exit codes"), "exit", "meaning").rows
    return _difference("exit code", (int(r[0]) for r in rows), EXIT_CODES.values())


def command_problems(doc: str) -> list[str]:
    problems = _difference(
        "command",
        (
            h.removeprefix("`adk-observe ").removesuffix("`")
            for level, h in doc_text.headings(doc)
            if level == 2 and h.startswith("`adk-observe ")
        ),
        verbs(),
    )
    exit_by_verb = verb_exits()
    for verb, parser in verbs().items():
        title = f"`adk-observe {verb}`"
        if (2, title) not in doc_text.headings(doc):
            continue
        body = section(doc, title)
        code = doc_text.blocks("", "adk-observe ", body)
        expected = usage(verb, parser)
        if not code or code[0].splitlines()[0] != expected:
            problems.append(f"{verb}: the usage line should read: {expected}")
        options = {o for a in _options(parser) for o in a.option_strings}
        rows = [] if not options else table(body, "option", "meaning").rows
        shown = {s.split()[0] for r in rows for s in code_spans(r[0]) if s.startswith("-")}
        problems += _difference(f"{verb} option", shown, options)
        for action in _options(parser):
            row = next((r for r in rows if f"`{action.option_strings[0]}" in r[0]), None)
            for choice in action.choices or ():
                if row is not None and f"`{choice}`" not in row[1]:  # each choice explained
                    problems.append(f"{verb} {action.option_strings[0]}: {choice} not explained")
        line = re.search(r"^Exit codes:(.*?)(?:\n\n|\Z)", body, flags=re.S | re.M)
        documented = (
            {int(n) for n in re.findall(r"(?:^|,)\s+(\d+)\b", line.group(1))} if line else set()
        )
        problems += _difference(f"{verb} exit", documented, exit_by_verb[verb])
    return problems


def top_level_problems(doc: str) -> list[str]:
    return [
        f"adk-observe {o} is not documented"
        for a in _options(_parser())
        for o in a.option_strings
        if f"`adk-observe {o}`" not in doc
    ]


def make_target_problems(doc: str) -> list[str]:
    rows = table(section(doc, "Make targets"), "target", "what it does").rows
    shown = {s.removeprefix("make ") for r in rows for s in code_spans(r[0])}
    return _difference("make target", shown, make_targets())


def demo_flag_problems(doc: str) -> list[str]:
    """docs/demo.md's flag table against `python -m adk_observe.demo`'s parser (numbers: the
    default too)."""
    from adk_observe.demo.run import _parser as demo_parser

    t = table(doc, "flag", "default", "meaning")
    actions = {o: a for a in _options(demo_parser()) for o in a.option_strings}
    shown = {s: r for r in t.rows for s in code_spans(r[0])}
    problems = _difference("demo flag", shown, actions)
    for option, action in actions.items():
        row = shown.get(option)
        numeric = isinstance(action.default, float)
        if row is not None and numeric and number(action.default) not in row[1].split(", "):
            problems.append(f"demo {option}: default {number(action.default)}, not {row[1]}")
    return problems


def alert_pack_problems(doc: str, alerts: list[tuple[str, str, str]]) -> list[str]:
    t = table(section(doc, "The agent alert pack"), "alert", "expression (defaults)")
    rows = {code_spans(r[0])[0]: r for r in t.rows}
    problems = _difference("agent-pack alert", rows, (a[0] for a in alerts))
    for name, for_, severity in alerts:
        row = rows.get(name)
        if row is not None and (row[t.column("for")], row[t.column("severity")]) != (
            for_,
            severity,
        ):
            problems.append(f"{name}: for {for_}, severity {severity} in the code, not {row[2:]}")
    return problems


def _metric_cells(metric: conventions.MetricDef) -> tuple[str, list[str]]:
    kind = " ".join([str(metric.type), *(number(b) for b in metric.buckets)])
    return kind, list(metric.labels)


def catalogue_problems(doc: str) -> list[str]:
    t = table(section(doc, "Metric catalogue"), "metric", "type", "labels")
    rows = {r[0]: r for r in t.rows}
    problems = _difference("metric", rows, (m.name for m in conventions.CATALOGUE))
    for metric in conventions.CATALOGUE:
        row = rows.get(metric.name)
        if row is None:
            continue
        kind, labels = _metric_cells(metric)
        shown_labels = re.sub(r"\([^)]*\)", "", row[2]).replace(" ", "").split(",")
        if row[1] != kind:
            problems.append(f"{metric.name}: type {kind!r} in the code, {row[1]!r} documented")
        if shown_labels != labels:
            problems.append(
                f"{metric.name}: labels {labels} in the code, {shown_labels} documented"
            )
        shown_help = row[3] if len(row) > 3 else ""
        if shown_help != metric.help:  # the description is the metric's HELP text
            problems.append(f"{metric.name}: help {metric.help!r} coded, {shown_help!r} shown")
    return problems


# --- the tests -----------------------------------------------------------------------------------


def test_the_exit_code_table_is_the_code_s() -> None:
    assert exit_code_problems(doc_text.text(COMMANDS)) == []


def test_every_command_its_usage_options_and_exit_codes_are_documented() -> None:
    assert command_problems(doc_text.text(COMMANDS)) == []


def test_the_top_level_options_are_documented() -> None:
    assert top_level_problems(doc_text.text(COMMANDS)) == []


def test_every_make_target_is_documented() -> None:
    assert make_target_problems(doc_text.text(COMMANDS)) == []


def test_the_alert_pack_table_is_the_compiled_pack(tmp_path: Path) -> None:
    alerts = agent_pack_defaults(tmp_path)
    assert len(alerts) >= 8
    assert alert_pack_problems(doc_text.text(RULES), alerts) == []


def test_the_metric_catalogue_table_is_the_catalogue() -> None:
    assert catalogue_problems(doc_text.text(INSTRUMENTATION)) == []


def test_the_demo_flag_table_is_the_demo_s() -> None:
    assert demo_flag_problems(doc_text.text("demo.md")) == []


def test_exits_are_read_from_the_code() -> None:
    # By hand from cli/: gate returns all five; compile-rules only success (and bad input).
    assert verb_exits()["gate"] == {0, 1, 2, 3, 4}
    assert verb_exits()["compile-rules"] == {0, 2}
    assert verb_exits()["canary-check"] == {0, 1, 2, 3, 4}


def _edit(doc: str, old: str, new: str) -> str:
    assert old in doc, old
    return doc.replace(old, new, 1)


# Each case edits one row (or line) of a checked table as a stale doc would have it.
EDITS = [
    ("exit codes", COMMANDS, "| 4 | inconclusive", "| 5 | inconclusive", exit_code_problems),
    ("an option row", COMMANDS, "| `--no-checkov` |", "| `--skip-checkov` |", command_problems),
    (
        "a usage line",
        COMMANDS,
        "adk-observe render-deploy SPEC... -o",
        "adk-observe render-deploy SPEC -o",
        command_problems,
    ),
    (
        "a choice",
        COMMANDS,
        "`html` (one self-contained",
        "`htm` (one self-contained",
        command_problems,
    ),
    (
        "a command's exit codes",
        COMMANDS,
        "or a measurement in Error (a query Prometheus rejects), ",
        "",
        command_problems,
    ),
    ("a demo default", "demo.md", "| `--rate` | 5 |", "| `--rate` | 10 |", demo_flag_problems),
    (
        "a make target",
        COMMANDS,
        "| `make check-gen` |",
        "| `make check-generated` |",
        make_target_problems,
    ),
    (
        "a metric's labels",
        INSTRUMENTATION,
        "| adk_agent_tool_calls_total | counter | agent_id, tool, status |",
        "| adk_agent_tool_calls_total | counter | agent_id, tool |",
        catalogue_problems,
    ),
    (
        "a metric's description",
        INSTRUMENTATION,
        "| Duration of LLM calls. |",
        "| How long LLM calls took. |",
        catalogue_problems,
    ),
    (
        "a metric's buckets",
        INSTRUMENTATION,
        "histogram 0.05 0.1 0.25 0.5 1 2 5 |",
        "histogram 0.05 0.1 0.25 0.5 1 2 5 10 |",
        catalogue_problems,
    ),
]


@pytest.mark.parametrize(
    ("doc", "old", "new", "check"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS]
)
def test_a_changed_row_is_caught(
    doc: str, old: str, new: str, check: Callable[[str], list[str]]
) -> None:
    text = doc_text.text(doc)
    assert check(text) == []
    assert check(_edit(text, old, new)) != []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "| 5m | warning |\n| `ADKContainerRestarting`",
            "| 5m | critical |\n| `ADKContainerRestarting`",
        ),
        ("| `ADKContainerOOMKilled` |", "| `ADKContainerOOMKiller` |"),
    ],
    ids=["a severity", "an alert name"],
)
def test_a_changed_alert_row_is_caught(tmp_path: Path, old: str, new: str) -> None:
    alerts = agent_pack_defaults(tmp_path)
    assert alert_pack_problems(_edit(doc_text.text(RULES), old, new), alerts) != []
