"""core/files.py: files completed under a temporary name, then moved into
place; nothing else in the folder touched; a full disk (ulimit -f) names the
file and keeps the old one; a file that cannot be replaced (Windows: open in
a viewer) gives a clear message."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trafficking_routes.routes_plugin.core import files
from trafficking_routes.routes_plugin.core.files import FileWriteError, atomic_file, atomic_write_bytes

REPO = Path(__file__).resolve().parents[2]
PLUGINS = Path(os.environ.get("ROUTES_TEST_PLUGINS_DIR", REPO / "build" / "test-plugins"))


def listing(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture
def folder(tmp_path):
    """A user's report folder with files of their own."""
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "chapter_coast_en.pdf").write_bytes(b"%PDF old")
    (tmp_path / ".hidden").write_bytes(b"also mine")
    return tmp_path


def test_atomic_file_replaces_only_its_file(folder):
    before = listing(folder)
    target = folder / "chapter_coast_en.pdf"
    with atomic_file(target) as tmp:
        assert tmp.parent == folder and tmp.suffix == ".pdf" and tmp.name.startswith(".chapter_coast_en.part-")
        assert not tmp.exists()
        tmp.write_bytes(b"%PDF new")
        assert target.read_bytes() == b"%PDF old"  # not in place until the block ends
    assert target.read_bytes() == b"%PDF new"
    after = listing(folder)
    assert after.pop("chapter_coast_en.pdf") != before.pop("chapter_coast_en.pdf")
    assert after == before
    atomic_write_bytes(folder / "new.png", b"png")
    assert set(listing(folder)) == {"notes.txt", "chapter_coast_en.pdf", ".hidden", "new.png"}


def test_a_failing_writer_leaves_the_old_file(folder):
    before = listing(folder)
    with pytest.raises(RuntimeError):
        with atomic_file(folder / "chapter_coast_en.pdf") as tmp:
            tmp.write_bytes(b"%PDF half")
            raise RuntimeError("exporter failed")
    with pytest.raises(FileWriteError, match="the writer produced no file; the existing chapter_coast_en.pdf"):
        with atomic_file(folder / "chapter_coast_en.pdf"):
            pass
    with pytest.raises(FileWriteError, match="does not exist"):
        with atomic_file(folder / "no" / "x.pdf"):
            pass
    assert listing(folder) == before


def test_a_file_that_cannot_be_replaced(folder, monkeypatch):
    """What Windows does when a viewer holds the file open: the old file stays, the new one is removed."""
    before = listing(folder)

    def locked(src, dst):
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(files.os, "replace", locked)
    with pytest.raises(FileWriteError, match="it is open in another program or read-only. Close it there"):
        atomic_write_bytes(folder / "chapter_coast_en.pdf", b"%PDF new")
    assert listing(folder) == before


CHILD = """
import resource, signal, sys
sys.path.insert(0, {plugins!r})
from trafficking_routes.routes_plugin.core.files import FileWriteError, atomic_write_bytes
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
try:
    atomic_write_bytes(sys.argv[1], b"x" * 300_000)
except FileWriteError as exc:
    print(exc)
    sys.exit(3)
"""


def test_file_size_limit_names_the_file_and_keeps_the_old_one(folder):
    before = listing(folder)
    target = folder / "chapter_coast_en.pdf"
    done = subprocess.run([sys.executable, "-c", CHILD.format(plugins=str(PLUGINS)), str(target)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == (f"Could not write {target}: the file reached this process's file-size limit "
                                   "(100,000 bytes, ulimit -f); the existing chapter_coast_en.pdf was left as it was.")
    assert listing(folder) == before


def test_no_space_words():
    assert files.no_space(OSError(28, "No space left on device"))
    assert files.no_space(OSError(27, "File too large"))
    assert files.no_space(RuntimeError("sqlite3: database or disk is full"))
    assert not files.no_space(RuntimeError("no such table"))
