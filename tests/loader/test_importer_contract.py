"""An importer is a row of the format table (loader/load.py FORMATS) and a module with
`parse(documents) -> list[Mapped]` (loader/importer.py): a test-only format, registered by its row
alone, is read by every command, and the one validation (loader/validate.py) holds for it with
errors located in its own file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adk_observe import model as m
from adk_observe import sli_kinds
from adk_observe.cli import main
from adk_observe.loader import load
from adk_observe.loader.importer import Mapped, SLOOrigin
from adk_observe.windows import DEFAULT_PERIOD, DEFAULT_WINDOWS
from adk_observe.yamlsource import Document

TOY = "toy/v1"


def parse_toy(docs: list[Document]) -> list[Mapped]:
    """A toy format: `{apiVersion: toy/v1, service: NAME, slos: [{name, objective}]}`, each SLO
    a request success SLI."""
    out = []
    for doc in docs:
        data: dict[str, Any] = doc.data
        slos = tuple(
            m.SLO(
                name=str(item["name"]),
                objective=float(item["objective"]),
                period=DEFAULT_PERIOD,
                sli=m.BuiltinSLI(sli_kinds.SUCCESS),
                alerting=m.SLOAlerting(name=f"Toy{i}BudgetBurn"),
                windows=DEFAULT_WINDOWS,
            )
            for i, item in enumerate(data["slos"])
        )
        spec = m.ServiceSpec(
            name=str(data["service"]),
            source=m.Source(doc.file, doc.line_of(("service",)), "service"),
            slos=slos,
        )
        origins = tuple(
            SLOOrigin(doc, ("slos", i, "name"), ("slos", i, "objective"))
            for i in range(len(slos))
        )
        out.append(Mapped(spec, origins))
    return out


@pytest.fixture
def toy_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole addition: the format's row (its module here is this test module)."""
    row = load.Format(
        "toy", lambda d: d.get("apiVersion") == TOY, __name__, f"a toy spec (apiVersion {TOY})",
        "parse_toy",
    )
    monkeypatch.setattr(load, "FORMATS", (*load.FORMATS, row))


def _spec(tmp_path: Path, slos: str) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(f"apiVersion: {TOY}\nservice: toy-agent\nslos:\n{slos}")
    return path


GOOD = "  - {name: success, objective: 99}\n  - {name: fast, objective: 95}\n"


def test_a_format_without_its_row_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(_spec(tmp_path, GOOD))]) == 2
    assert "unknown spec format" in capsys.readouterr().err


@pytest.mark.usefixtures("toy_format")
def test_the_unknown_format_error_lists_a_registered_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("apiVersion: other/v1\n")
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "unknown spec format: expected apiVersion adk-observe/v1, an OpenSLO v1 document "
        "(apiVersion openslo/v1), a Sloth spec (version prometheus/v1), a Sloth "
        "PrometheusServiceLevel (apiVersion sloth.slok.dev/v1) or a toy spec (apiVersion toy/v1) "
        "(got apiVersion 'other/v1')"
    )


@pytest.mark.usefixtures("toy_format")
def test_a_registered_format_compiles_like_any_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(tmp_path, GOOD)
    assert main(["validate", str(spec)]) == 0
    assert capsys.readouterr().out == f"ok: {spec}: toy-agent (2 SLOs)\n"
    assert main(["compile-rules", str(spec), "-o", str(tmp_path / "out")]) == 0
    rules = (tmp_path / "out" / "toy-agent.rules.yaml").read_text()
    assert "adk-observe-toy-agent-slo-success" in rules
    assert "adk-observe-toy-agent-slo-fast" in rules


@pytest.mark.usefixtures("toy_format")
@pytest.mark.parametrize(
    ("slos", "where", "message"),
    [
        (
            "  - {name: success, objective: 99}\n  - {name: success, objective: 95}\n",
            ":5: slos[1].name: duplicate SLO name 'success' of service 'toy-agent': already used "
            "at ",
            "toy.yaml:4\n",
        ),
        (
            "  - {name: success, objective: 100}\n",
            ":4: slos[0].objective: objective 100.0 must be a percentage between 0 and 100",
            "(exclusive): it leaves no error budget to burn",
        ),
    ],
)
def test_the_one_validation_holds_for_a_registered_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], slos: str, where: str, message: str
) -> None:
    spec = _spec(tmp_path, slos)
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {spec}{where}") and message in err, err
