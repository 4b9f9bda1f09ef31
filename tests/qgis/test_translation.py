"""The plugin's own UI ships a Swahili translation (Qt .ts -> .qm)."""
import subprocess
import sys
from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QSettings, QTranslator

REPO = Path(__file__).resolve().parents[2]


def test_every_ui_string_has_a_swahili_translation():
    check = subprocess.run([sys.executable, str(REPO / "scripts" / "i18n.py"), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_swahili_qm_translates_the_menu(qgis_app):
    qm = REPO / "routes_plugin" / "i18n" / "routes_sw.qm"
    assert qm.exists(), "make translations builds it"
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        assert QCoreApplication.translate("RoutesPlugin", "Load tracker export…") == "Pakia data ya njia…"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_plugin_follows_swahili_locale(qgis_app, qgis_iface):
    import importlib

    settings = QSettings()
    old = settings.value("locale/userLocale")
    settings.setValue("locale/userLocale", "sw_KE")
    try:
        plugin = importlib.import_module("trafficking_routes").classFactory(qgis_iface)
        assert plugin.translator is not None
        try:
            module = importlib.import_module("trafficking_routes.routes_plugin.plugin")
            assert module.tr("Load tracker export…") == "Pakia data ya njia…"
        finally:
            QCoreApplication.removeTranslator(plugin.translator)
    finally:
        settings.setValue("locale/userLocale", old or "")
