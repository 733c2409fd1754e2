"""All-or-nothing output: every file is staged next to its target, then renamed into place.

If anything fails on the way (a rename midway, a full disk, Ctrl-C), the files already replaced
get their previous content back, files that did not exist are removed again, and no hidden temp
file is left. SIGINT and SIGTERM are held while the output is being replaced (a few
milliseconds of renames) and delivered afterwards, so an interrupt never lands between two
renames.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from adk_observe.errors import OutputError, SpecError
from adk_observe.render.text import GENERATED_PREFIX
from adk_observe.yamlsource import load_documents, read_text

_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def _signals_held() -> Iterator[None]:
    """Block SIGINT/SIGTERM in this (main) thread; pending ones arrive when the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _hidden_name(target: Path, kind: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{kind}.", dir=target.parent)
    os.close(fd)
    return Path(name)


def _keep_copy(target: Path) -> Path:
    """A hard link to the current file (the target itself stays in place until replaced)."""
    backup = _hidden_name(target, "old")
    try:
        backup.unlink()
        os.link(target, backup)
    except OSError:  # a filesystem without hard links: a copy does as well
        shutil.copy2(target, backup)
    return backup


class _Transaction:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.new_dirs: list[Path] = []
        self.staged: list[tuple[Path, Path]] = []  # (temp file, target)
        self.replaced: list[tuple[Path, Path | None]] = []  # (target, its old content)
        self.removed: list[tuple[Path, Path]] = []  # (target, its old content)

    def mkdir(self, path: Path) -> None:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for p in reversed(missing):
            p.mkdir()
            self.new_dirs.append(p)

    def stage(self, target: Path, text: str, mode: int) -> None:
        self.mkdir(target.parent)
        tmp = _hidden_name(target, "new")
        self.staged.append((tmp, target))
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        # mkstemp makes 0600 files; generated artifacts are ordinary readable files.
        os.chmod(tmp, mode)

    def commit(self, remove: Iterable[Path]) -> None:
        for tmp, target in self.staged:
            old = _keep_copy(target) if target.is_file() else None
            try:
                os.replace(tmp, target)
            except BaseException:
                if old is not None:  # the target was not replaced: its copy is not needed
                    old.unlink(missing_ok=True)
                raise
            self.replaced.append((target, old))
        for target in remove:
            old = _keep_copy(target)
            self.removed.append((target, old))
            target.unlink()

    def finish(self) -> None:
        for _, old in (*self.replaced, *self.removed):
            if old is not None:
                old.unlink(missing_ok=True)

    def roll_back(self) -> None:
        for target, kept in reversed(self.removed):
            os.replace(kept, target)
        for target, old in reversed(self.replaced):
            if old is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(old, target)
        for tmp, _ in self.staged:
            tmp.unlink(missing_ok=True)
        for path in reversed(self.new_dirs):
            with contextlib.suppress(OSError):  # something else was put there: leave it
                path.rmdir()


def write_files(
    out_dir: str | Path, files: Mapping[str, str], remove: Iterable[str] = ()
) -> list[Path]:
    """Write `files` (relative path -> text) under `out_dir` and delete `remove` (relative
    paths of files this tool wrote before), all or nothing; returns the paths written."""
    root = Path(out_dir)
    mode = 0o666 & ~_umask()  # read once: reading it means setting it, which is process-wide
    tx = _Transaction(root)
    with _signals_held():
        try:
            tx.mkdir(root)
            for rel in sorted(files):
                tx.stage(root / rel, files[rel], mode)
            tx.commit(root / rel for rel in sorted(remove))
        except BaseException as exc:
            tx.roll_back()
            if isinstance(exc, OSError):
                raise OutputError(f"cannot write to {root}: {exc}") from None
            raise
        tx.finish()
    return [target for _, target in tx.staged]


def _generated(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.readline().startswith(GENERATED_PREFIX)
    except (OSError, UnicodeDecodeError):
        return False


def generated_leftovers(folder: Path, listing: str, keep: Iterable[str]) -> list[str]:
    """Files of `folder` that an earlier run wrote and this run does not: listed in the
    earlier run's `listing` (a kustomization.yaml we generated), still carrying our header,
    plain names inside `folder`, and not in `keep`. Anything else is never touched."""
    index = folder / listing
    if not index.is_file() or not _generated(index):
        return []
    try:
        docs = load_documents(str(index), read_text(index), allow_empty=True)
    except SpecError:
        return []  # not a listing we can trust: remove nothing
    data = docs[0].data if docs else None
    listed = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        return []
    kept = set(keep)
    return sorted(
        name
        for name in {str(item) for item in listed}
        if name not in kept
        and Path(name).name == name
        and not name.startswith(".")
        and (folder / name).is_file()
        and not (folder / name).is_symlink()
        and _generated(folder / name)
    )
