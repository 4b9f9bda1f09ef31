"""The project's lint passes: flake8 with flake8-qgis and pep8-naming, configured in .flake8
(independent of the Makefile). Every noqa comment names a code the configured lint checks."""
from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _flake8(*args):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=REPO, capture_output=True, text=True)


@pytest.fixture(scope="module")
def version():
    out = _flake8("--version")
    if out.returncode != 0:
        pytest.fail("flake8 is not installed: pip install -r requirements-dev.txt")
    return out.stdout


def test_flake8_with_flake8_qgis_passes(version):
    assert "flake8-qgis" in version and "pep8-naming" in version, version
    out = _flake8(".")
    assert out.returncode == 0, out.stdout + out.stderr


def test_flake8_qgis_is_really_checking(version, tmp_path):
    """The configuration does not switch flake8-qgis off: a Qt5-era import is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("import processing\n\nprocessing.run('native:buffer', {})\n", encoding="utf-8")
    out = _flake8("--config", str(REPO / ".flake8"), str(bad))
    assert "QGS111" in out.stdout, out.stdout


def test_every_noqa_is_read_by_the_configured_lint():
    cp = configparser.ConfigParser()
    cp.read(REPO / ".flake8")
    selected = [s.strip() for s in cp["flake8"]["select"].split(",")]
    files = [p for p in REPO.rglob("*.py") if not {".venv", "build", ".git"} & set(p.relative_to(REPO).parts)]
    unread = []
    for path in files:
        for i, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = re.search(r"#\s*noqa\b(?::\s*([A-Z0-9, ]+))?", line)
            if not m:
                continue
            codes = [c.strip() for c in (m.group(1) or "").split(",") if c.strip()]
            if not codes or not all(any(c.startswith(s) for s in selected) for c in codes):
                unread.append(f"{path.relative_to(REPO)}:{i}: {line.strip()}")
    assert unread == [], unread
