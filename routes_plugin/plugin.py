"""The QGIS plugin: registers the Processing provider and the plugin menu."""
from __future__ import annotations

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QSettings, QTranslator
from qgis.PyQt.QtGui import QAction, QIcon

from ..processing.provider import RoutesProvider
from .edge.dependencies import install_command, missing_packages
from .edge.resources import I18N_DIR, ICON

MENU = "&Trafficking Routes"
LOG_TAG = "Trafficking Routes"


def tr(text: str) -> str:
    return QCoreApplication.translate("RoutesPlugin", text)


class RoutesPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.actions: list[QAction] = []
        self.translator = None
        self.missing = missing_packages()
        self._install_translator()

    # -- translation: the UI follows QGIS's locale (Swahili ships as i18n/routes_sw.qm)
    def _install_translator(self):
        locale = str(QSettings().value("locale/userLocale", QLocale.system().name()) or "")[:2]
        qm = I18N_DIR / f"routes_{locale}.qm"
        if qm.exists():
            self.translator = QTranslator()
            if self.translator.load(str(qm)):
                QCoreApplication.installTranslator(self.translator)

    def initProcessing(self):
        self.provider = RoutesProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()
        icon = QIcon(str(ICON))
        action = QAction(icon, tr("Load tracker export…"), self.iface.mainWindow())
        action.setObjectName("routesLoadTrackerExport")
        action.triggered.connect(self.open_load_dialog)
        self.iface.addPluginToMenu(MENU, action)
        self.actions.append(action)
        settings = QAction(tr("Settings…"), self.iface.mainWindow())
        settings.setObjectName("routesSettings")
        settings.triggered.connect(self.open_settings)
        self.iface.addPluginToMenu(MENU, settings)
        self.actions.append(settings)
        self.warn_missing_packages()

    def warn_missing_packages(self):
        """One message naming the packages QGIS's Python lacks and the pip command; the plugin
        still loads, and the algorithms that need them say so when run."""
        if self.missing:
            msg = tr("Trafficking Routes needs Python packages that QGIS's Python lacks: {0}. Install them with: {1}").format(
                ", ".join(self.missing), install_command(self.missing))
            self.iface.messageBar().pushMessage(LOG_TAG, msg, level=Qgis.MessageLevel.Warning, duration=0)
            QgsMessageLog.logMessage(msg, LOG_TAG, Qgis.MessageLevel.Warning)

    def unload(self):
        for action in self.actions:
            self.iface.removePluginMenu(MENU, action)
        self.actions.clear()
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None

    def open_settings(self):
        from .ui.settings_dialog import SettingsDialog

        SettingsDialog(self.iface.mainWindow()).exec()

    def open_load_dialog(self):
        if self.missing:
            self.iface.messageBar().pushWarning(LOG_TAG, tr("Install the missing packages first: {0}").format(
                install_command(self.missing)))
            return
        from .ui.load_dialog import LoadDialog

        LoadDialog(self.iface, self.iface.mainWindow()).exec()
