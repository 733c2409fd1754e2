"""Hostile output targets for every `-o` (report's file; compile-rules', dashboards' and
render-deploy's folders): nothing is ever destroyed.

`file_targets()` generates what `report -o` may be pointed at (a character device made with
mknod in a temp dir, a FIFO with and without a reader, links to files, folders, devices and
to nothing, /dev/stdout and /proc/self/fd/1, a folder, a socket, `-`, an empty name) and what
each must give: written atomically, streamed, or refused with exit 2 and one line, with the
target exactly as it was (same kind, same device, same content) and no stray temp file.
`folder_targets()` does the same for the folder outputs. (As root, `-o /dev/null` would reach
the machine's real device: device tests use nodes made here.)
"""

from __future__ import annotations

import os
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import in_ci
from tests.hostile.fake_prometheus import FakePrometheus, Reply, api
from tests.hostile.test_corpus import run

from adk_observe.render import write as w

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "support-agent.yaml"
REPORT_START = "Error budgets at "
OLD = "old content\n"

Setup = Callable[[Path], str]  # makes the target under a temp dir, returns the -o value


@dataclass(frozen=True)
class Target:
    name: str
    setup: Setup
    outcome: str  # "file": written atomically, "stream": streamed, "stdout", "refused"
    message: str = ""  # in the refusal's line


def _file(tmp: Path) -> Path:
    path = tmp / "kept.txt"
    path.write_text(OLD)
    return path


def _link(to: Callable[[Path], Path | str]) -> Setup:
    def setup(tmp: Path) -> str:
        link = tmp / "link"
        link.symlink_to(to(tmp))
        return str(link)

    return setup


def _node(tmp: Path) -> Path:
    """A character device: the null device (1, 3), made here, never the machine's /dev/null."""
    path = tmp / "null"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


def _socket(tmp: Path) -> str:
    path = tmp / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return str(path)


def _dir(tmp: Path) -> Path:
    path = tmp / "folder"
    path.mkdir()
    return path


def file_targets() -> Iterator[Target]:
    yield Target("a new file", lambda tmp: str(tmp / "new" / "report.txt"), "file")
    yield Target("a regular file", lambda tmp: str(_file(tmp)), "file")
    yield Target("a character device", lambda tmp: str(_node(tmp)), "stream")
    yield Target("a link to a character device", _link(_node), "stream")
    yield Target("-", lambda tmp: "-", "stdout")
    yield Target("/dev/stdout", lambda tmp: "/dev/stdout", "stdout")
    yield Target("/proc/self/fd/1", lambda tmp: "/proc/self/fd/1", "stdout")
    yield Target("a link to /dev/stdout", _link(lambda tmp: "/dev/stdout"), "stdout")
    yield Target("a link to a file", _link(_file), "refused", "is a symbolic link to a regular")
    yield Target("a link to a folder", _link(_dir), "refused", "is a symbolic link to a folder")
    yield Target(
        "a dangling link",
        _link(lambda tmp: tmp / "nowhere"),
        "refused",
        "is a symbolic link to nothing",
    )
    yield Target("a folder", lambda tmp: str(_dir(tmp)), "refused", "is a folder: not replaced")
    yield Target("a socket", _socket, "refused", "is a socket: not replaced")
    yield Target("an empty name", lambda tmp: "", "refused", "an empty output path")
    yield Target(
        "a file below a file",
        lambda tmp: str(_file(tmp) / "report.txt"),
        "refused",
        "kept.txt/report.txt: Not a directory",
    )


def _prepare(target: Target, tmp: Path) -> tuple[str, dict[str, tuple[int, int, str]]]:
    """The -o value, and the state of the temp dir before the command."""
    if os.geteuid() != 0 and "device" in target.name:
        if in_ci():
            pytest.fail("the device cases need root (mknod), as CI runs")
        pytest.skip("mknod needs root")
    value = target.setup(tmp)
    return value, _state(tmp)


def _state(tmp: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry under tmp: (file type, device number, content of regular files)."""
    out = {}
    for path in sorted(tmp.rglob("*")):
        st = os.lstat(path)
        content = path.read_text() if stat.S_ISREG(st.st_mode) else ""
        out[str(path.relative_to(tmp))] = (stat.S_IFMT(st.st_mode), st.st_rdev, content)
    return out


@pytest.fixture(scope="module")
def empty_prometheus() -> Iterator[str]:
    """A store without any series: every SLO reads `no data`, the report is still written."""
    vector = api({"resultType": "vector", "result": []})
    matrix = api({"resultType": "matrix", "result": []})
    with FakePrometheus(lambda r: Reply(matrix if "query_range" in r.path else vector)) as fake:
        yield fake.url


TARGETS = list(file_targets())


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_report_o_writes_streams_or_refuses_and_never_destroys(
    target: Target, tmp_path: Path, empty_prometheus: str
) -> None:
    value, before = _prepare(target, tmp_path)
    code, out, err = run("report", str(SPEC), "--prometheus", empty_prometheus, "-o", value)
    after = _state(tmp_path)
    if target.outcome == "refused":
        assert (code, out) == (2, "")
        assert err.count("\n") == 1 and err.startswith("error: ") and target.message in err, err
        assert after == before  # nothing replaced, nothing created, no temp file left
        return
    assert (code, err) == (0, "")
    if target.outcome == "file":
        assert out == f"wrote {value}\n"
        assert Path(value).read_text().startswith(REPORT_START)
        assert not stat.S_ISLNK(os.lstat(value).st_mode)
        return
    if target.outcome == "stdout":
        assert out.startswith(REPORT_START)
    else:  # streamed into the device: nothing printed, and the node is still that node
        assert out == ""
    assert after == before  # links stay links, devices stay devices (same major/minor)


def test_report_o_a_character_device_leaves_it_a_character_device(
    tmp_path: Path, empty_prometheus: str
) -> None:
    """The issue's case: `report -o /dev/null` as root replaced the device with a file."""
    node = Path(_prepare(Target("a device", lambda tmp: str(_node(tmp)), "stream"), tmp_path)[0])
    for fmt in ("text", "html", "json"):
        argv = ["report", str(SPEC), "--prometheus", empty_prometheus, "--format", fmt]
        assert run(*argv, "-o", str(node)) == (0, "", "")
        st = os.lstat(node)
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no stray temp file


def test_report_o_a_fifo_streams_to_its_reader(tmp_path: Path, empty_prometheus: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:  # blocks until the writer opens it
            received.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    code, out, err = run("report", str(SPEC), "--prometheus", empty_prometheus, "-o", str(fifo))
    reader.join()
    assert (code, out, err) == (0, "", "")
    assert received[0].decode().startswith(REPORT_START)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_fifo_without_a_reader_is_refused_not_waited_on_forever(
    tmp_path: Path, empty_prometheus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(w, "STREAM_WAIT", 0.3)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, out, err = run("report", str(SPEC), "--prometheus", empty_prometheus, "-o", str(fifo))
    assert (code, out) == (2, "")
    assert err == f"error: cannot write to {fifo}: a FIFO without a reader\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_refused_target_is_refused_before_prometheus_is_asked(tmp_path: Path) -> None:
    answer = api({"resultType": "vector", "result": []})
    with FakePrometheus(lambda _: Reply(answer)) as fake:
        code, _, err = run("report", str(SPEC), "--prometheus", fake.url, "-o", str(tmp_path))
        assert (code, fake.requests) == (2, [])
    assert "is a folder: not replaced" in err


# --- folder outputs -----------------------------------------------------------------------------

FOLDER_COMMANDS = {
    "compile-rules": ("compile-rules", "support-agent.rules.yaml"),
    "dashboards": ("dashboards", "support-agent-overview.json"),
    "render-deploy": ("render-deploy", "support-agent/kustomization.yaml"),
    "alertmanager": ("alertmanager", "alertmanager.yml"),
    "runbooks": ("runbooks", "support-agent/slo-success-budget-burn.md"),
}


def folder_targets() -> Iterator[Target]:
    """(-o value) for the folder outputs; every one is refused with nothing written."""
    yield Target("a character device", lambda tmp: str(_node(tmp)), "refused", "not a folder")
    yield Target("a regular file", lambda tmp: str(_file(tmp)), "refused", "not a folder")
    yield Target("a link to a file", _link(_file), "refused", "not a folder")
    yield Target("-", lambda tmp: "-", "refused", "- (standard output) takes a single file")

    def fifo(tmp: Path) -> str:
        os.mkfifo(tmp / "pipe")
        return str(tmp / "pipe")

    yield Target("a FIFO", fifo, "refused", "is a FIFO, not a folder")


FOLDERS = list(folder_targets())


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
@pytest.mark.parametrize("target", FOLDERS, ids=[t.name for t in FOLDERS])
def test_a_folder_output_that_is_not_a_folder_is_refused(
    command: str, target: Target, tmp_path: Path
) -> None:
    value, before = _prepare(target, tmp_path)
    code, out, err = run(command, str(SPEC), "-o", value)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and target.message in err, err
    assert _state(tmp_path) == before


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
@pytest.mark.parametrize("kind", ["a link to a file outside", "a folder", "a FIFO"])
def test_a_target_inside_the_folder_that_is_not_a_regular_file_is_never_replaced(
    command: str, kind: str, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    target = out_dir / FOLDER_COMMANDS[command][1]
    target.parent.mkdir(parents=True)
    outside = _file(tmp_path)
    if kind == "a folder":
        target.mkdir()
    elif kind == "a FIFO":
        os.mkfifo(target)
    else:
        target.symlink_to(outside)
    before = _state(tmp_path)
    code, out, err = run(command, str(SPEC), "-o", str(out_dir))
    assert (code, out) == (2, "")
    what = kind.removesuffix(" to a file outside").replace("link", "symbolic link")
    refusal = "only regular files are replaced; nothing was written"
    assert err == f"error: {target} is {what}: {refusal}\n"
    assert _state(tmp_path) == before  # the outside file was not written through the link


def test_a_linked_subfolder_does_not_lead_the_write_elsewhere(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    elsewhere = _dir(tmp_path)
    (out_dir / "support-agent").symlink_to(elsewhere)
    before = _state(tmp_path)
    code, out, err = run("render-deploy", str(SPEC), "-o", str(out_dir))
    assert (code, out) == (2, "")
    assert "support-agent is a symbolic link, not a folder: nothing was written" in err
    assert _state(tmp_path) == before


def test_the_output_folder_itself_may_be_a_link_to_a_folder(tmp_path: Path) -> None:
    real = _dir(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(real)
    code, _, err = run("compile-rules", str(SPEC), "-o", str(link))
    assert (code, err) == (0, "")
    assert (real / "support-agent.rules.yaml").is_file() and link.is_symlink()
