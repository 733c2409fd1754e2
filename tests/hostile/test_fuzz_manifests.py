"""Random hostile values planted in a rendered deploy folder: check-deploy reports (exit 0 or
1) or refuses the input (exit 2, one located line); it never crashes."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile.test_corpus import CORPUS, run
from tests.hostile.test_fuzz import SNIPPETS, _paths, values


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deploy")
    code, _, err = run("render-deploy", str(CORPUS / "ok-internal-alb.yaml"), "-o", str(out))
    assert (code, err) == (0, "")
    return out / "shop-agent"


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_check_deploy_never_crashes(rendered: Path, tmp_path: Path, data: st.DataObject) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "svc"
    shutil.copytree(rendered, folder)
    files = sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
    target = folder / data.draw(st.sampled_from(files))
    obj: Any = yaml.safe_load(target.read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from([p for p in _paths(obj) if p]))
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = data.draw(values)
    text = yaml.dump(obj, allow_unicode=True, width=2**16)
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(SNIPPETS) + text[at:]
    target.write_text(text, encoding="utf-8")
    code, _, err = run("check-deploy", str(folder.parent), "--no-checkov")
    if code == 2:
        assert re.fullmatch(rf"error: {re.escape(str(folder))}/\S+:\d+: [^\n]+\n", err), err
    else:
        assert (code in (0, 1), err) == (True, "")
