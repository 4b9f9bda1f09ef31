"""Load the plugin the way QGIS does: metadata.txt checked against the running
QGIS, ``classFactory(iface)``, ``initGui()`` (which calls ``initProcessing()``)."""
from __future__ import annotations

import configparser
import importlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

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


@pytest.fixture
def qgis_window(tmp_path):
    """Run a probe script in a real QGIS window under Xvfb with a throwaway home and
    the plugin enabled: ``qgis_window(probe, timeout=240, **env)`` -> the finished process.
    The probe writes its findings into $ROUTES_PROBE_OUT (``tmp_path``)."""
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is installed by make setup")

    def run(probe: Path, timeout: int = 240, **extra):
        home = tmp_path / "home"
        ini = home / ".local/share/QGIS/QGIS3/profiles/default/QGIS/QGIS3.ini"
        ini.parent.mkdir(parents=True, exist_ok=True)
        ini.write_text("[PythonPlugins]\ntrafficking_routes=true\n[qgis]\ncheckVersion=false\nshowTips322=false\n")
        plugins = tmp_path / "plugins"
        plugins.mkdir(exist_ok=True)
        if not (plugins / INSTALL_NAME).exists():
            (plugins / INSTALL_NAME).symlink_to(REPO, target_is_directory=True)
        site = subprocess.run([str(REPO / ".venv/bin/python"), "-c",
                               "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        env = {k: v for k, v in os.environ.items()
               if k not in ("QT_QPA_PLATFORM", "QGIS_OPTS", "QGIS_CUSTOM_CONFIG_PATH", "QGIS_OPTIONS_PATH")}
        env.update(HOME=str(home), QGIS_PLUGINPATH=str(plugins), PYTHONPATH=site, ROUTES_PROBE_OUT=str(tmp_path),
                   XDG_RUNTIME_DIR=str(tmp_path / "run"), **extra)
        (tmp_path / "run").mkdir(mode=0o700, exist_ok=True)
        return subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x900x24", "qgis", "--nologo",
                               "--noversioncheck", "--code", str(probe)],
                              env=env, capture_output=True, text=True, timeout=timeout)

    return run
