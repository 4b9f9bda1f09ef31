"""The Processing provider ``routes`` ("Trafficking Routes")."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsMessageLog, QgsProcessingModelAlgorithm, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

PLUGIN_DIR = Path(__file__).resolve().parents[1]
ICON = PLUGIN_DIR / "routes_plugin" / "icons" / "routes.svg"
MODELS = PLUGIN_DIR / "routes_plugin" / "models"


def algorithm_classes():
    """Every algorithm of the provider."""
    from .algorithms.border_crossings import BorderCrossings
    from .algorithms.chapter_maps import ChapterMaps
    from .algorithms.export_table import ExportTable
    from .algorithms.flow_aggregation import FlowAggregation
    from .algorithms.hotspot_density import HotspotDensity
    from .algorithms.hotspot_significance import HotspotSignificance
    from .algorithms.load_tracker_export import LoadTrackerExport
    from .algorithms.regional_summary import RegionalSummary

    from .algorithms.disclosure_audit import DisclosureAudit

    return [LoadTrackerExport, HotspotDensity, HotspotSignificance, FlowAggregation, BorderCrossings,
            RegionalSummary, ChapterMaps, ExportTable, DisclosureAudit]


class RoutesProvider(QgsProcessingProvider):
    def id(self):
        return "routes"

    def name(self):
        return "Trafficking Routes"

    def longName(self):  # noqa: N802
        return "Trafficking Routes: route layers, hotspots, flows and regional chapters"

    def icon(self):
        return QIcon(str(ICON))

    def svgIconPath(self):  # noqa: N802
        return str(ICON)

    def loadAlgorithms(self):  # noqa: N802
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
        for path in sorted(MODELS.glob("*.model3")):  # shipped models, e.g. the whole chain
            model = QgsProcessingModelAlgorithm()
            if model.fromFile(str(path)):
                model.setSourceFilePath(str(path))
                self.addAlgorithm(model)
            else:
                QgsMessageLog.logMessage(f"Could not read the model {path}", "Trafficking Routes")
