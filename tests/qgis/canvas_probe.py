"""Run inside a real QGIS window: `qgis --nologo --code canvas_probe.py`.

Runs the provider's algorithms on the sample the way the toolbox does
(``processing.runAndLoadResults``: Processing's own loading, styling and
ordering of the outputs) — or, with ROUTES_PROBE_MODEL=1, the shipped model —
then writes $ROUTES_PROBE_OUT/canvas.json: the layer tree (top first) with each
layer's name, kind, labelling and the legend nodes the layer tree shows right
after loading (no refresh), and canvas.png, the map canvas. Then quits QGIS."""
import json
import os
import traceback
from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsLayerTreeLayer, QgsProject, QgsRectangle
from qgis.PyQt.QtCore import QEventLoop, Qt, QTimer
from qgis.utils import iface

out = Path(os.environ["ROUTES_PROBE_OUT"])
sample = os.environ["ROUTES_PROBE_SAMPLE"]
rounds = Path(os.environ.get("ROUTES_PROBE_ROUNDS", ""))
model = os.environ.get("ROUTES_PROBE_MODEL") == "1"
errors = []


def _log(message, tag, level):
    if level >= Qgis.Warning and ("Python" in tag or "Trafficking" in tag):
        errors.append(f"{tag}: {message}")


QgsApplication.messageLog().messageReceived.connect(_log)
QTimer.singleShot(int(os.environ.get("ROUTES_PROBE_TIMEOUT", "400")) * 1000, lambda: QgsApplication.exit(3))


def _wait(ms):
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _legend(model, node):
    """Text of every legend node the layer tree shows for ``node`` (ramps: their labels and range)."""
    from qgis.core import QgsColorRampLegendNode

    found = []
    for legend_node in model.layerLegendNodes(node, True):
        if isinstance(legend_node, QgsColorRampLegendNode):
            s = legend_node.settings()
            found.append({"ramp": True, "min_label": s.minimumLabel(), "max_label": s.maximumLabel()})
        else:
            found.append(str(legend_node.data(Qt.ItemDataRole.DisplayRole) or ""))
    return found


def _tree():
    model = iface.layerTreeView().layerTreeModel()
    rows = []
    for node in QgsProject.instance().layerTreeRoot().findLayers():  # depth first, top first
        layer = node.layer()
        if not isinstance(node, QgsLayerTreeLayer) or layer is None:
            continue
        row = {"name": layer.name(), "type": "raster" if layer.type() == Qgis.LayerType.Raster else "vector",
               "group": node.parent().name() if node.parent() is not QgsProject.instance().layerTreeRoot() else "",
               "visible": node.isVisible(), "legend": _legend(model, node)}
        if layer.type() == Qgis.LayerType.Vector:
            row["geometry"] = {0: "point", 1: "line", 2: "polygon"}.get(int(layer.geometryType().value)
                                                                        if hasattr(layer.geometryType(), "value")
                                                                        else int(layer.geometryType()), "none")
            row["features"] = layer.featureCount()
            row["labels"] = bool(layer.labelsEnabled() and layer.labeling() is not None)
            if row["labels"]:
                settings = layer.labeling().settings()
                row["label_field"] = settings.fieldName if settings.drawLabels else ""
        else:
            renderer = layer.renderer()
            row["range"] = [renderer.classificationMin(), renderer.classificationMax()] \
                if hasattr(renderer, "classificationMin") else None
            stats = layer.dataProvider().bandStatistics(1)
            row["peak"] = stats.maximumValue
        rows.append(row)
    return rows


def _canvas_labels():
    """The label texts the canvas's last render placed (to find a place labelled twice)."""
    results = iface.mapCanvas().labelingResults()
    if results is None:
        return []
    names = {lid: lay.name() for lid, lay in QgsProject.instance().mapLayers().items()}
    return [[lab.labelText, names.get(lab.layerID, "")] for lab in results.allLabels() if not lab.isUnplaced]


def _run_algorithms(processing, work):
    gpkg = str(work / "routes.gpkg")
    processing.runAndLoadResults("routes:loadtrackerexport", {"INPUT": sample, "OUTPUT": gpkg})
    points, legs, lines = (f"{gpkg}|layername={n}" for n in ("route_points", "route_legs", "route_lines"))
    processing.runAndLoadResults("routes:hotspotdensity", {"INPUT": points, "OUTPUT": str(work / "density.tif")})
    processing.runAndLoadResults("routes:hotspotsignificance", {"INPUT": points, "PERMUTATIONS": 99,
                                                                 "OUTPUT": "TEMPORARY_OUTPUT"})
    processing.runAndLoadResults("routes:flowaggregation", {"INPUT": lines, "LEVEL": 2, "OUTPUT": "TEMPORARY_OUTPUT",
                                                            "NODES": "TEMPORARY_OUTPUT"})
    processing.runAndLoadResults("routes:flowaggregation", {"INPUT": lines, "LEVEL": 0, "OUTPUT": "TEMPORARY_OUTPUT",
                                                            "NODES": "TEMPORARY_OUTPUT"})
    processing.runAndLoadResults("routes:bordercrossings", {"INPUT": legs, "OUTPUT": "TEMPORARY_OUTPUT"})
    processing.runAndLoadResults("routes:regionalsummary", {"INPUT": points, "OUTPUT": "TEMPORARY_OUTPUT",
                                                            "OUTPUT_POLYGONS": "TEMPORARY_OUTPUT"})
    if rounds.is_dir():
        from trafficking_routes.routes_plugin.core.loader import load_export

        for year in ("2019", "2020"):
            load_export(str(rounds / f"round_{year}.csv"), output=str(work / f"round_{year}.gpkg"))
        processing.runAndLoadResults("routes:comparerounds", {
            "BEFORE": f"{work / 'round_2019.gpkg'}|layername=route_lines",
            "AFTER": f"{work / 'round_2020.gpkg'}|layername=route_lines", "LEVEL": 2,
            "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_CORRIDORS": "TEMPORARY_OUTPUT"})


def _run_model(processing, work):
    repo = Path(sample).parents[3]
    processing.runAndLoadResults("routes:export_to_chapters", {
        "EXPORT": sample, "OVERRIDES": str(repo / "routes_plugin/data/sample/overrides.csv"),
        "SUPPRESS_BELOW": 5, "DPI": 72,
        "load:Route layers (GeoPackage)": str(work / "routes.gpkg"),
        "density:Hotspot density": str(work / "hotspot_density.tif"),
        "flows:Flows": str(work / "flows.gpkg"), "flows:Flow nodes": str(work / "flow_nodes.gpkg"),
        "crossings:Border crossings": str(work / "border_crossings.gpkg"),
        "summary:Regional summary": str(work / "regional_summary.gpkg"),
        "summary:Regional risk": str(work / "regional_risk.gpkg"),
        "chapters_en:Chapters (English)": str(work / "chapters"),
        "chapters_sw:Chapters (Kiswahili)": str(work / "chapters"), "report:Report": str(work)})


def probe():
    result = {}
    try:
        from qgis import processing

        work = out / "work"
        work.mkdir(exist_ok=True)
        (_run_model if model else _run_algorithms)(processing, work)
        result["tree"] = _tree()   # right after loading, before anything is refreshed
        from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform

        canvas = iface.mapCanvas()
        from qgis.PyQt.QtWidgets import QDockWidget

        for dock in iface.mainWindow().findChildren(QDockWidget):  # the canvas as large as the screen allows
            if dock.objectName() != "Layers":
                dock.hide()
        iface.mainWindow().setGeometry(0, 0, 1600, 1100)
        _wait(1000)
        crs = QgsCoordinateReferenceSystem("EPSG:32737")
        QgsProject.instance().setCrs(crs)
        canvas.setDestinationCrs(crs)
        to_canvas = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), crs, QgsProject.instance())
        canvas.setExtent(to_canvas.transformBoundingBox(QgsRectangle(33.5, -5.0, 42.5, 5.5)))  # Kenya
        canvas.refresh()
        for _ in range(60):
            _wait(500)
            if not canvas.isDrawing():
                break
        _wait(500)
        result["canvas_labels"] = _canvas_labels()
        canvas.grab().save(str(out / "canvas.png"))
        iface.mainWindow().grab().save(str(out / "canvas_window.png"))
    except Exception:  # the probe reports, the test decides
        result["probe_error"] = traceback.format_exc()
    result["errors"] = errors
    (out / "canvas.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    QgsProject.instance().clear()  # QGIS 3.40 can crash at exit while removing layers from the tree view
    _wait(200)
    QgsApplication.exit(0)


QTimer.singleShot(1500, probe)
