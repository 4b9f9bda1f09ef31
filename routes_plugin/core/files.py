"""Files written whole or not at all, touching nothing else in their folder.

Every file the plugin writes into a user's folder (chapter PDFs and PNGs, the
report, tables) is completed under a temporary name beside its final path
and then moved into place with :func:`os.replace` (atomic on one file
system). A failure, a cancel or a killed process leaves the previous file as
it was; nothing else in the folder is read, listed or removed.

    with atomic_file(folder / "chapter_coast_en.pdf") as tmp:
        exporter.exportToPdf(str(tmp), settings)     # any writer that takes a path

The temporary name keeps the final suffix (writers that choose the format by
extension, e.g. ``QgsLayoutExporter.exportToImage``, still work) and starts
with a dot: ``.chapter_coast_en.part-1a2b3c4d.pdf``.

On Windows a file that another program holds open (a PDF viewer) cannot be
replaced: the new file is then removed and :class:`FileWriteError` says to
close that program; the old file stays. QGIS-free.
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterator

#: errno values that mean "no room": a full disk, a quota, a file-size limit (ulimit -f)
NO_SPACE = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
#: words in library messages (GDAL, SQLite, Qt) that mean the same
NO_SPACE_WORDS = ("no space left", "disk is full", "file too large", "database or disk is full", "quota")


class FileWriteError(OSError):
    """A file could not be written; its message names the file and says the old one is intact."""

    def __str__(self):
        return self.strerror or super().__str__()


def no_space(exc: BaseException) -> bool:
    """True when ``exc`` says the disk (or the file-size limit, or a quota) is full."""
    if isinstance(exc, OSError) and exc.errno in NO_SPACE:
        return True
    text = str(exc).lower()
    return any(w in text for w in NO_SPACE_WORDS)


#: below this many free bytes a failed write is blamed on a full disk
LOW_SPACE = 8 << 20


def space_problem(path) -> str | None:
    """Why writing beside ``path`` may have failed for want of room, in words, or
    None: a (nearly) full disk, or this process's file-size limit (``ulimit -f``).
    For libraries whose error says only "Failed to commit transaction"."""
    folder = Path(path).parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and free < LOW_SPACE:
        return f"the disk is full ({free // 1024:,} KB free in {folder})"
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    except (ImportError, ValueError, OSError):  # Windows has no such limit
        return None
    if soft != resource.RLIM_INFINITY:
        return f"the file reached this process's file-size limit ({soft:,} bytes, ulimit -f)"
    return None


def explain(path, exc: BaseException, previous: str = "was left as it was") -> str:
    """One message for a failed write of ``path``: the reason in words, and what became of the old file."""
    path = Path(path)
    room = space_problem(path)
    if room is not None and (no_space(exc) or isinstance(exc, OSError)):
        reason = room
    elif no_space(exc):
        reason = "the disk is full (or the file would exceed a size limit or quota)"
    elif isinstance(exc, PermissionError):
        reason = "permission denied (read-only, or open in another program)"
    else:
        reason = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).strip()) or type(exc).__name__
    old = f"; the existing {path.name} {previous}" if path.exists() else "; nothing was written"
    return f"Could not write {path}: {reason}{old}."


def temporary_name(path) -> Path:
    """A fresh hidden name beside ``path`` with the same suffix."""
    path = Path(path)
    return path.with_name(f".{path.stem}.part-{secrets.token_hex(4)}{path.suffix}")


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def replace(tmp, path) -> Path:
    """Move the finished ``tmp`` onto ``path`` (:func:`os.replace`); on failure
    remove ``tmp`` and raise :class:`FileWriteError` (the old ``path`` stays)."""
    tmp, path = Path(tmp), Path(path)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        if isinstance(exc, PermissionError) and path.exists():
            raise FileWriteError(exc.errno, f"Could not replace {path}: it is open in another program or "
                                            f"read-only. Close it there and run again; the existing "
                                            f"{path.name} was left as it was.") from None
        raise FileWriteError(exc.errno, explain(path, exc)) from None
    return path


@contextlib.contextmanager
def atomic_file(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends normally the
    file written there replaces ``path``. An exception in the block (or a
    temporary file that was never created) removes it and leaves ``path`` as
    it was. A writer that fails without raising must raise itself, e.g.::

        with atomic_file(pdf) as tmp:
            if exporter.exportToPdf(str(tmp), s) != QgsLayoutExporter.Success:
                raise ChapterError(f"Could not write {pdf}")
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileWriteError(errno.ENOENT, f"Could not write {path}: the folder {folder} does not exist.")
    if path.is_dir():
        raise FileWriteError(errno.EISDIR, f"Could not write {path}: a folder of that name is in the way; "
                                           "nothing was written.")
    tmp = temporary_name(path)
    try:
        yield tmp
    except BaseException:
        _remove(tmp)
        raise
    if not tmp.exists():
        raise FileWriteError(errno.EIO, f"Could not write {path}: the writer produced no file; "
                                        + (f"the existing {path.name} was left as it was." if path.exists()
                                           else "nothing was written."))
    replace(tmp, path)


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (flushed to disk before the
    move); a full disk raises :class:`FileWriteError` naming ``path``."""
    path = Path(path)
    with atomic_file(path) as tmp:
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise FileWriteError(exc.errno, explain(path, exc)) from None
    return path


def atomic_write_text(path, text: str, encoding: str = "utf-8") -> Path:
    """:func:`atomic_write_bytes` of ``text`` encoded."""
    return atomic_write_bytes(path, text.encode(encoding))


def writable_folder(folder) -> Path:
    """Create ``folder`` if needed and check that a file can be written there;
    :class:`~.errors.RoutesError` naming the folder otherwise."""
    import tempfile

    from .errors import RoutesError

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as err:
        raise RoutesError(f"Cannot write to the output folder {folder}: {err.strerror or err}.") from err
    return folder
