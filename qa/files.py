"""File primitives shared by the modules that write to disk: content hashes
and crash-safe writes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file in the same directory, fsync it and
    rename it into place: readers see the old file or the new one, never a part."""
    fd, temporary = _new_temporary_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _new_temporary_file(path: Path) -> tuple[int, str]:
    """A new, empty ``.<name>.<random>.tmp`` beside ``path``, created with mode
    0o666 less the umask, as any tool creates files (``tempfile.mkstemp``
    makes them 0600: an index that no other user, such as the account that
    serves the app, could read)."""
    while True:
        temporary = str(path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), temporary
        except FileExistsError:
            continue


@dataclass(frozen=True)
class HeldFile:
    """A file hashed through an open handle that is kept open. ``path``
    (``/dev/fd/N``) names that same file even after a build has replaced its
    name in the directory, so a library that only takes a path (onnxruntime)
    reads exactly the bytes that were checked, without a copy in memory."""

    handle: BinaryIO
    sha256: str

    @property
    def path(self) -> str:
        return f"/dev/fd/{self.handle.fileno()}"

    def read_bytes(self) -> bytes:
        self.handle.seek(0)
        return self.handle.read()


def hold_file(path: Path, chunk: int = 1 << 20) -> HeldFile:
    """Open ``path``, hash it through the handle, and keep the handle."""
    handle = open(path, "rb")  # noqa: SIM115 - held open on purpose, closed when the HeldFile goes
    digest = hashlib.sha256()
    try:
        while block := handle.read(chunk):
            digest.update(block)
    except BaseException:
        handle.close()
        raise
    return HeldFile(handle, digest.hexdigest())


def as_bytes(data: bytes | HeldFile) -> bytes:
    return data.read_bytes() if isinstance(data, HeldFile) else data
