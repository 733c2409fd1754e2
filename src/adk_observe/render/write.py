"""All-or-nothing output: every file is staged next to its target, then renamed into place.

If anything fails on the way (a rename midway, a full disk, Ctrl-C), the files already replaced
get their previous content back, files that did not exist are removed again, and no hidden temp
file is left. SIGINT and SIGTERM are held while the output is being replaced (a few
milliseconds of renames) and delivered afterwards, so an interrupt never lands between two
renames.

Nothing is destroyed: the rename only ever replaces a regular file (never a symbolic link, a
device, a FIFO, a socket or a folder), only folders this run created are removed on a roll
back, and a folder output is refused (OutputError, exit 2, nothing written) when the folder, a
folder below it or a target is anything else. A single-file output (`write_file`) may also be
`-` (standard output), or a character device, a FIFO, or a link to one (`/dev/stdout`,
`/dev/null`), which is written as a stream, never replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from adk_observe.errors import OutputError, SpecError
from adk_observe.files import kind_of
from adk_observe.render.text import GENERATED_PREFIX
from adk_observe.yamlsource import load_documents, read_text

STREAM_WAIT = 5.0  # seconds a FIFO may take to get its reader before the output is refused
STDOUT, STREAM, FILE = "stdout", "stream", "file"

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


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot write to {path}: {exc.strerror or exc}") from None


def _replaceable(target: Path) -> None:
    """Only a regular file (not a link to one) or nothing may be where a file is renamed."""
    st = _lstat(target)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"{target} is {kind_of(st.st_mode)}: only regular files are replaced; "
            "nothing was written"
        )


def _folders(root: Path, target: Path) -> None:
    """The folders between the output folder and a target are real folders (not links that
    would lead the write elsewhere) or do not exist yet."""
    for folder in target.parents:
        if folder == root or root not in folder.parents:
            break
        st = _lstat(folder)
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise OutputError(
                f"{folder} is {kind_of(st.st_mode)}, not a folder: nothing was written"
            )


def _root(root: Path) -> None:
    if str(root) == "-":
        raise OutputError("- (standard output) takes a single file; this command writes a folder")
    try:
        st = os.stat(root)  # the output folder itself may be a link to a folder
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot write to {root}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{root} is {kind_of(st.st_mode)}, not a folder: nothing was written")


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
        _folders(self.root, target)
        _replaceable(target)
        self.mkdir(target.parent)
        tmp = _hidden_name(target, "new")
        self.staged.append((tmp, target))
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        # mkstemp makes 0600 files; generated artifacts are ordinary readable files.
        os.chmod(tmp, mode)

    def commit(self, remove: Iterable[Path]) -> None:
        for tmp, target in self.staged:
            _replaceable(target)  # again: it may have changed since it was staged
            old = _keep_copy(target) if _lstat(target) is not None else None
            try:
                os.replace(tmp, target)
            except BaseException:
                if old is not None:  # the target was not replaced: its copy is not needed
                    old.unlink(missing_ok=True)
                raise
            self.replaced.append((target, old))
        for target in remove:
            _replaceable(target)
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
    _root(root)
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


def file_target(target: str) -> str:
    """How a single-file output is written: STDOUT, STREAM (a character device or FIFO, or a
    link to one) or FILE (a new name or a regular file, replaced atomically). OutputError for
    anything else: a folder, a link to a file or folder, a dangling link, a socket, a block
    device, an empty name."""
    if target == "-":
        return STDOUT
    if not target:
        raise OutputError("an empty output path (- is standard output)")
    path = Path(target)
    link = _lstat(path)
    if link is None or stat.S_ISREG(link.st_mode):
        return FILE
    try:
        st: os.stat_result | None = os.stat(path)
    except OSError:
        st = None
    if st is not None and _is_stdout(st):
        return STDOUT
    if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        return STREAM
    what = kind_of(link.st_mode)
    if stat.S_ISLNK(link.st_mode):
        what += f" to {'nothing' if st is None else kind_of(st.st_mode)}"
    raise OutputError(
        f"{target} is {what}: not replaced (give a new or regular file, a FIFO, a character "
        "device or - for standard output)"
    )


def _is_stdout(st: os.stat_result) -> bool:
    try:
        out = os.fstat(1)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino)


def write_file(target: str, text: str) -> Path | None:
    """Write one output file as file_target() says; the path when it was written atomically
    (a regular file), None when it was streamed."""
    how = file_target(target)
    if how == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    path = Path(target)
    if how == FILE:
        write_files(path.parent, {path.name: text})
        return path
    _stream(path, text.encode("utf-8"))
    return None


def _stream(path: Path, data: bytes) -> None:
    """Write into a character device or FIFO: opened without creating or truncating anything,
    non-blocking so that a FIFO without a reader is refused (after STREAM_WAIT) instead of
    hanging, and checked again on the open descriptor before a byte is written."""
    flags = os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    waited_until = time.monotonic() + STREAM_WAIT
    while True:
        try:
            fd = os.open(path, flags)
            break
        except OSError as exc:
            if exc.errno == errno.ENXIO and time.monotonic() < waited_until:
                time.sleep(0.05)  # a FIFO whose reader is still starting
                continue
            why = "a FIFO without a reader" if exc.errno == errno.ENXIO else exc.strerror
            raise OutputError(f"cannot write to {path}: {why or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
            raise OutputError(f"{path} changed to {kind_of(mode)} while it was opened: not written")
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise OutputError(f"cannot write to {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


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
