"""Load the plugin the way QGIS does: metadata.txt checked against the running
QGIS, ``classFactory(iface)``, ``initGui()`` (which calls ``initProcessing()``)."""
from __future__ import annotations

import configparser
import importlib

import pytest

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL_NAME = "trafficking_routes"


def _version_int(text: str) -> int:
    parts = [int(p) for p in (text.split(".") + ["0", "0"])[:3]]
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


@pytest.fixture(scope="session")
def metadata() -> configparser.SectionProxy:
    cp = configparser.ConfigParser()
    cp.read(REPO / "metadata.txt", encoding="utf-8")
    return cp["general"]


@pytest.fixture(scope="session")
def plugin(qgis_app, qgis_processing, metadata):
    """The plugin instance, loaded and initialised as QGIS loads it."""
    from qgis.core import Qgis
    from qgis.utils import iface

    running = Qgis.QGIS_VERSION_INT
    assert _version_int(metadata["qgisMinimumVersion"]) <= running <= _version_int(metadata["qgisMaximumVersion"]) + 99
    package = importlib.import_module(INSTALL_NAME)
    instance = package.classFactory(iface)
    instance.initGui()
    yield instance
    instance.unload()


@pytest.fixture(scope="session")
def sample_export():
    return REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"


@pytest.fixture(autouse=True)
def _clear_project_after_test(qgis_app):
    """Layouts and layers a test adds to the project are removed before the
    next test (see also qgis_disable_exit in pytest.ini)."""
    yield
    import gc

    from qgis.core import QgsProject

    QgsProject.instance().clear()
    gc.collect()  # free what the test's layers left in reference cycles while QGIS is alive
