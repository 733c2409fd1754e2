"""Hostile text in runbooks: an SLO description (free text from the spec) and the spec's
selector (inside the alerts' PromQL) end up in Markdown that a wiki or GitHub renders. The
description stays text (no HTML, no link or image of its own); PromQL with backticks cannot
close its code block."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.hostile.test_corpus import run

SPEC = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {{name: shop}}
spec:
  selector: 'job="shop",note="``` # fake heading"'
  slos:
    - name: ok
      objective: 99
      description: {description}
      sli: {{builtin: success}}
"""


def _descriptions() -> list[tuple[str, str]]:
    """(description as YAML, text that must not appear in the rendered Markdown)."""
    return [
        ('"<script>alert(1)</script>"', "<script>"),
        ('"<img src=x onerror=alert(1)>"', "<img"),
        ('"[click me](javascript:alert(1))"', "[click me]("),
        ('"![tracker](https://evil.example.com/t.png)"', "![tracker]"),
        ('"&lt;b&gt; already escaped"', "&lt;b&gt; already"),  # & is escaped once more
        ('"line one\\n# not a heading\\n<!-- comment -->"', "\n# not a heading"),
    ]


@pytest.mark.parametrize(("description", "forbidden"), _descriptions())
def test_spec_text_stays_text_in_every_runbook(
    description: str, forbidden: str, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(description=description), encoding="utf-8")
    code, _, err = run("runbooks", str(spec), "-o", str(tmp_path / "o"))
    assert code == 0, err
    files = sorted((tmp_path / "o" / "shop").glob("*.md"))
    assert files
    for path in files:
        text = path.read_text()
        assert forbidden not in text, path.name
        assert "<!--" not in text.split("-->", 1)[1]  # only the generated-by comment


def test_promql_with_backticks_cannot_close_its_code_block(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(description="ok"), encoding="utf-8")
    code, _, err = run("runbooks", str(spec), "-o", str(tmp_path / "o"))
    assert code == 0, err
    text = (tmp_path / "o" / "shop" / "adk-agent-high-error-rate.md").read_text()
    # The expression holds a run of three backticks, so its block is fenced with four.
    assert "\n````promql\n" in text
    before, _, after = text.partition("``` # fake heading")
    assert after, "the selector is in the alert's expression"
    assert before.count("````") == 1 and after.count("````") == 1  # inside the one block
