"""A real QGIS window under Xvfb starts with the plugin enabled, shows its
menu, previews the sample in the dialog, and logs no Python errors."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is installed by make setup")
def test_plugin_in_real_qgis_window(tmp_path):
    home = tmp_path / "home"
    ini = home / ".local/share/QGIS/QGIS3/profiles/default/QGIS/QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\ntrafficking_routes=true\n[qgis]\ncheckVersion=false\nshowTips322=false\n")
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "trafficking_routes").symlink_to(REPO, target_is_directory=True)
    site = subprocess.run([str(REPO / ".venv/bin/python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "QGIS_OPTS", "QGIS_CUSTOM_CONFIG_PATH", "QGIS_OPTIONS_PATH")}
    env.update(HOME=str(home), QGIS_PLUGINPATH=str(plugins), PYTHONPATH=site, ROUTES_PROBE_OUT=str(tmp_path),
               ROUTES_PROBE_SAMPLE=str(SAMPLE), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x900x24", "qgis", "--nologo", "--noversioncheck",
                           "--code", str(REPO / "tests/qgis/gui_probe.py")],
                          env=env, capture_output=True, text=True, timeout=240)
    report = tmp_path / "probe.json"
    assert report.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads(report.read_text())
    assert "probe_error" not in result, result["probe_error"]
    assert result["loaded"] and "trafficking_routes" in result["active_plugins"]
    assert any("Load tracker export" in t for t in result["menu"])
    assert "routes:loadtrackerexport" in result["algorithms"]
    assert result["preview_ok"], result.get("preview_status")
    assert result["errors"] == []
    assert (tmp_path / "window.png").stat().st_size > 10_000
    shots = REPO / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for png in ("window.png", "dialog.png"):
        shutil.copy(tmp_path / png, shots / png)
