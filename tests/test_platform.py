"""Issue 10: the versions metadata.txt admits are the ones tested, the zip is one the official plugin
repository accepts, and the core finds nothing by a platform path."""
from __future__ import annotations

import configparser
import re
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "routes_plugin" / "core"


def _metadata() -> configparser.SectionProxy:
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(REPO / "metadata.txt", encoding="utf-8")
    return meta["general"]


def _version(text: str) -> tuple[int, int]:
    major, minor = re.match(r"(\d+)\.(\d+)", text).groups()
    return int(major), int(minor)


def test_tested_qgis_is_the_minimum_the_metadata_admits():
    from qgis.core import Qgis

    running = _version(Qgis.version())
    minimum = _version(_metadata()["qgisMinimumVersion"])
    assert running >= (3, 40), f"QGIS {Qgis.version()} is not the 3.40 LTR `make setup` installs"
    # CI runs only this QGIS: the metadata must not admit an older, untested series
    assert minimum == running, f"metadata admits {minimum}, CI tests {running}"


def test_package_is_one_the_plugin_repository_accepts(tmp_path):
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "package.py")], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    names = zipfile.ZipFile(REPO / "dist" / "trafficking_routes.zip").namelist()
    assert "trafficking_routes/LICENSE" in names
    assert "GNU GENERAL PUBLIC LICENSE" in (REPO / "LICENSE").read_text()
    assert any(n.endswith("routes_sw.qm") for n in names)
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".ts"))]
    assert not [n for n in names if n.split("/")[1] in ("tests", "bench", "scripts", "docs", ".ci")]
    meta = _metadata()
    for key in ("about", "homepage", "repository", "tracker", "tags", "changelog"):
        assert meta.get(key, "").strip(), key


def test_package_refuses_what_the_repository_would(monkeypatch):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import package
    finally:
        sys.path.remove(str(REPO / "scripts"))
    bad = package.problems(["trafficking_routes/metadata.txt", "trafficking_routes/x/__pycache__/a.pyc"])
    assert any("LICENSE is missing" in b for b in bad)
    assert any("__pycache__" in b for b in bad)
    assert any(".qm" in b for b in bad)


def test_core_names_no_platform_path():
    hits = []
    for path in CORE.rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"/usr/(share|lib)|C:\\\\|/Applications/QGIS", line):
                hits.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not hits, "the core must get QGIS resources from the edge:\n" + "\n".join(hits)
