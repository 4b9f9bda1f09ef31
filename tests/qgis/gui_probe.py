"""Run inside a real QGIS window: `qgis --nologo --code gui_probe.py`.

Writes $ROUTES_PROBE_OUT/probe.json (plugin state, menu entries, Python
errors seen) and window.png, then quits QGIS."""
import json
import os
import traceback
from pathlib import Path

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface

out = Path(os.environ["ROUTES_PROBE_OUT"])
errors = []


def _log(message, tag, level):
    if level >= Qgis.Warning and ("Python" in tag or "Trafficking" in tag):
        errors.append(f"{tag}: {message}")


QgsApplication.messageLog().messageReceived.connect(_log)
QTimer.singleShot(60000, lambda: QgsApplication.exit(3))  # never hang the test, whatever happens


def _menu_texts():
    for action in iface.pluginMenu().actions():
        if "Trafficking Routes" in action.text().replace("&", ""):
            return [a.text() for a in action.menu().actions()]
    return []


def probe():
    result = {}
    try:
        import qgis.utils

        result["active_plugins"] = list(qgis.utils.active_plugins)
        result["loaded"] = "trafficking_routes" in qgis.utils.plugins
        result["menu"] = _menu_texts()
        provider = QgsApplication.processingRegistry().providerById("routes")
        result["algorithms"] = sorted(a.id() for a in provider.algorithms()) if provider else []
        plugin = qgis.utils.plugins.get("trafficking_routes")
        if plugin is not None:  # open the dialog once, as a user would
            from qgis.PyQt.QtWidgets import QApplication
            from trafficking_routes.routes_plugin.ui.load_dialog import LoadDialog

            dlg = LoadDialog(iface, iface.mainWindow())
            dlg.input.setFilePath(os.environ.get("ROUTES_PROBE_SAMPLE", ""))
            result["preview_ok"] = bool(dlg.preview())
            result["preview_status"] = dlg.status.text()
            dlg.show()
            QApplication.processEvents()
            dlg.grab().save(str(out / "dialog.png"))
            dlg.close()
        iface.mainWindow().grab().save(str(out / "window.png"))
    except Exception:  # the probe reports, the test decides
        result["probe_error"] = traceback.format_exc()
    result["errors"] = errors
    (out / "probe.json").write_text(json.dumps(result, indent=1))
    QgsApplication.exit(0)


QTimer.singleShot(1500, probe)
