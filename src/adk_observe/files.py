"""Reading a file named from outside (a manifest, a token file, a CA bundle) without hanging.

`open()` on a FIFO blocks until a writer appears, and a device can answer forever
(`/dev/zero`). The file is opened non-blocking and checked with `fstat` on the open descriptor
(what is read is what was checked, even if the path is swapped meanwhile); anything but a
regular file, after symlinks, is refused, and at most `limit` + 1 bytes are read (one more
than allowed tells the caller the file is too large).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFileError(OSError):
    """The path exists but is not a regular file (after symlinks); `strerror` says what."""

    def __init__(self, what: str) -> None:
        super().__init__(errno.EINVAL, f"{what}, not a regular file")


def kind_of(mode: int) -> str:
    """What a `st_mode` is, in words: 'a FIFO', 'a regular file'..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def read_regular(path: str | Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the regular file at `path` (OSError otherwise, with the
    reason in `strerror`)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotRegularFileError("a folder") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(kind_of(mode))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
