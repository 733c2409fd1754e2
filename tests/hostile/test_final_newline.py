"""A final newline in a value that a pattern checks (`team\\n`, `faq.example.com\\n`).

Python's `re.match` with a pattern ending in `$` accepts one newline at the end of the text, so
a label name, a host, an image or an environment variable name checked that way passed with it
and reached the output: Prometheus refuses the rule file, Kubernetes the manifest. Every such
check is a `fullmatch` now; each case below is one located line and exit 2, nothing written.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.hostile.test_corpus import run

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = yaml.safe_load((ROOT / "examples" / "deploy-rolling-nginx.yaml").read_text())


def _set(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]  # type: ignore[index]
    doc[path[-1]] = value  # type: ignore[index]


def _rename(doc: dict[str, Any], path: tuple[str, ...], key: str) -> None:
    for part in path:
        doc = doc[part]
    doc[key + "\n"] = doc.pop(key)


CASES = [
    # (command, how the spec is changed, the key path the error names)
    ("compile-rules", lambda d: _set(d, ("metadata", "labels"), {"team\n": "x"}), "labels"),
    ("compile-rules", lambda d: _set(d, ("spec", "slos", 0, "labels"), {"tier\n": "x"}), "labels"),
    ("render-deploy", lambda d: _rename(d, ("spec", "deploy", "config"), "MODEL_NAME"), "config"),
    (
        "render-deploy",
        lambda d: _set(d, ("spec", "deploy", "ingress", "host"), "faq.example.com\n"),
        "host",
    ),
    (
        "render-deploy",
        lambda d: _set(d, ("spec", "deploy", "image"), d["spec"]["deploy"]["image"] + "\n"),
        "image",
    ),
    (
        "render-deploy",
        lambda d: _set(d, ("spec", "deploy", "secrets", 0, "name"), "faq-agent-api-keys\n"),
        "name",
    ),
]


@pytest.mark.parametrize(("command", "change", "key"), CASES)
def test_a_final_newline_is_refused_where_it_is_written(
    tmp_path: Path, command: str, change: Any, key: str
) -> None:
    doc = copy.deepcopy(DEPLOY)
    change(doc)
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    out = tmp_path / "out"
    code, _, err = run(command, str(spec), "-o", str(out))
    assert code == 2, (code, err)
    assert len(err.splitlines()) == 1 and f"{spec}:" in err and key in err, err
    assert not out.exists()
