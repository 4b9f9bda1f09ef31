"""The Processing provider ``routes`` ("Trafficking Routes")."""
from __future__ import annotations

from qgis.core import QgsMessageLog, QgsProcessingModelAlgorithm, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..routes_plugin.edge.gdal import import_pyogrio
from ..routes_plugin.edge.resources import ICON, MODELS_DIR


def algorithm_classes():
    """Every algorithm of the provider."""
    from .algorithms.border_crossings import BorderCrossings
    from .algorithms.chapter_maps import ChapterMaps
    from .algorithms.compare_rounds import CompareRounds
    from .algorithms.export_table import ExportTable
    from .algorithms.flow_aggregation import FlowAggregation
    from .algorithms.hotspot_density import HotspotDensity
    from .algorithms.hotspot_significance import HotspotSignificance
    from .algorithms.load_tracker_export import LoadTrackerExport
    from .algorithms.regional_summary import RegionalSummary
    from .algorithms.report import Report

    from .algorithms.disclosure_audit import DisclosureAudit

    return [LoadTrackerExport, HotspotDensity, HotspotSignificance, FlowAggregation, BorderCrossings,
            RegionalSummary, ChapterMaps, ExportTable, Report, CompareRounds, DisclosureAudit]


class ShippedModel(QgsProcessingModelAlgorithm):
    """A model shipped in routes_plugin/models/: its id has no spaces (``routes:export_to_chapters``),
    the toolbox shows it as words ("Export to chapters")."""

    def displayName(self):
        return self.name().replace("_", " ").capitalize()

    def createInstance(self):
        model = ShippedModel()
        model.loadVariant(self.toVariant())
        model.setSourceFilePath(self.sourceFilePath())
        return model


class RoutesProvider(QgsProcessingProvider):
    def id(self):
        return "routes"

    def name(self):
        return "Trafficking Routes"

    def longName(self):
        return "Trafficking Routes: route layers, hotspots, flows and regional chapters"

    def icon(self):
        return QIcon(str(ICON))

    def svgIconPath(self):
        return str(ICON)

    def loadAlgorithms(self):
        import_pyogrio()  # here, in QGIS's main thread, so that pyogrio's GDAL error handler is popped
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
        for path in sorted(MODELS_DIR.glob("*.model3")):  # shipped models, e.g. the whole chain
            model = ShippedModel()
            if model.fromFile(str(path)):
                model.setSourceFilePath(str(path))
                self.addAlgorithm(model)
            else:
                QgsMessageLog.logMessage(f"Could not read the model {path}", "Trafficking Routes")
