"""Make the plugin importable exactly as QGIS does: as the package
``trafficking_routes`` from a plugins folder. The checkout itself is never put
on sys.path (its ``processing/`` would shadow QGIS's ``processing``)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INSTALL_NAME = "trafficking_routes"
PLUGINS_DIR = Path(os.environ.get("ROUTES_TEST_PLUGINS_DIR", REPO / "build" / "test-plugins"))


def _link_plugin() -> Path:
    PLUGINS_DIR.mkdir(parents=True, exist_ok=True)
    link = PLUGINS_DIR / INSTALL_NAME
    if not link.exists():
        try:
            link.symlink_to(REPO, target_is_directory=True)
        except FileExistsError:  # another worker made it
            pass
    return PLUGINS_DIR


if str(REPO) in sys.path:  # pytest's rootdir insertion would shadow QGIS's processing
    sys.path.remove(str(REPO))
sys.path.insert(0, str(_link_plugin()))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED_DATA = REPO.parent / "shared" / "data"
TEST_DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public HTCDS / CTDC files beside the checkout (skip where absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def world_map() -> Path:
    """QGIS's world_map.gpkg, found through QGIS (QgsApplication.pkgDataPath()) as the
    plugin's edge finds it, in a subprocess so that core tests need no QGIS application."""
    import subprocess

    code = ("from qgis.core import QgsApplication\n"
            "app = QgsApplication([], False)\n"
            "print(QgsApplication.pkgDataPath())\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("QGIS's Python bindings are not available")
    path = Path(out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "") / "resources" / "data" / "world_map.gpkg"
    if out.returncode != 0 or not path.is_file():
        pytest.skip("QGIS's world_map.gpkg is not installed")
    return path
