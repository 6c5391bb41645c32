"""Reading the small files a user points the project at (the aliyun CLI config, the emulator's TOML),
bounded: never a device, a FIFO or a directory, never more than a cap, never a hang."""

from __future__ import annotations

import os
import stat

__all__ = ["MAX_FILE_BYTES", "read_small_file"]

MAX_FILE_BYTES = 1 << 20
"""A configuration file larger than this is refused: the ones read here are a few kilobytes."""


def read_small_file(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of the regular file ``path``. Raises ``FileNotFoundError`` when there is none,
    and ``ValueError`` saying why for anything else it cannot read: not a regular file (a FIFO opens
    without waiting for a writer), larger than ``max_bytes``, not UTF-8, unreadable."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(exc.strerror or type(exc).__name__) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ValueError("it is not a regular file")
    with os.fdopen(fd, "rb") as file:
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"it is larger than {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text") from None
