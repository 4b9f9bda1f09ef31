"""A real QGIS window under Xvfb starts with the plugin enabled, shows its
menu, previews the sample in the dialog, and logs no Python errors."""
import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"


def test_plugin_in_real_qgis_window(tmp_path, qgis_window):
    proc = qgis_window(REPO / "tests/qgis/gui_probe.py", ROUTES_PROBE_SAMPLE=str(SAMPLE))
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
