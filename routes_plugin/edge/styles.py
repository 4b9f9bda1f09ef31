"""One style per layer kind: the shipped QML (``routes_plugin/styles/``) plus
its data-driven adjustment (class breaks, a ramp stretched to the peak), for
Processing outputs, GeoPackage default styles and the chapter layouts alike."""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsColorBrewerColorRamp,
    QgsDataDefinedSizeLegend,
    QgsGraduatedSymbolRenderer,
    QgsMarkerSymbol,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsProperty,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSingleBandPseudoColorRenderer,
    QgsSizeScaleTransformer,
    QgsVectorLayer,
)

from .resources import STYLES_DIR

#: custom property naming the shipped style a layer was given (finds the plugin's layers in a project)
STYLE_PROPERTY = "trafficking_routes/style"
#: drawing order on the canvas by style, higher above: surfaces (the opaque choropleth first, then the
#: density, then the hotspot cells, transparent where not significant), then lines, then points
DRAW_ORDER = {
    "regional_risk": 5, "hotspot_density": 10, "hotspot_significance": 15,
    "route_lines": 30, "route_legs": 31, "round_corridors": 35, "flows": 40,
    "route_points": 50, "flow_nodes": 55, "round_changes": 56, "places": 60, "border_crossings": 70,
}
#: styles whose labels name places, the first of them keeping a name the others also label
PLACE_LABELS = ("border_crossings", "places", "round_changes", "flow_nodes")


def style_path(qml_name: str) -> Path:
    return STYLES_DIR / f"{qml_name}.qml"


def apply_style(layer, qml_name: str, adjust=None) -> None:
    """The shipped ``styles/<qml_name>.qml``, then ``adjust(layer)``: the part of a
    style that depends on the data (class breaks, a ramp stretched to the peak)."""
    if layer is None:
        return
    qml = style_path(qml_name)
    if qml.exists():
        layer.loadNamedStyle(str(qml))
    if adjust is not None:
        adjust(layer)
    if qml_name == "border_crossings":
        split_air_crossings(layer)
    layer.setCustomProperty(STYLE_PROPERTY, qml_name)
    # the legend right the first time: the layer tree rebuilds its legend nodes from the new renderer
    layer.triggerRepaint()
    if hasattr(layer, "legendChanged"):
        layer.emitStyleChanged()
        layer.legendChanged.emit()


# ------------------------------------------------------------ data-driven parts
def flow_style(size_field=None, colour_field=None, unit="routes", labels=None):
    """The data-driven part of the flow, node and crossing styles: width classes
    with a legend in routes or cases, or categories by ``colour_field`` for
    flows; a size legend for points."""
    labels = labels or {}

    def adjust(layer):
        values = [v for v in layer.uniqueValues(layer.fields().lookupField(size_field)) if v not in (None, "")] \
            if size_field else []
        values = [float(v) for v in values if str(v) not in ("NULL", "nan")]
        top = max(values, default=1.0)
        symbol = layer.renderer().symbol() if hasattr(layer.renderer(), "symbol") else None
        if symbol is None:
            return
        if isinstance(symbol, QgsMarkerSymbol):
            transformer = QgsSizeScaleTransformer(QgsSizeScaleTransformer.ScaleType.Flannery, 0, top, 2, 12, 0, 0.57)
            prop = QgsProperty.fromField(size_field)
            prop.setTransformer(transformer)
            symbol.setDataDefinedSize(prop)
            legend = QgsDataDefinedSizeLegend()
            legend.setTitle(unit)
            legend.setClasses([QgsDataDefinedSizeLegend.SizeClass(transformer.size(v), f"{v:,}")
                               for v in size_legend_values(top)])
            layer.renderer().setDataDefinedSizeLegend(legend)
        elif colour_field and layer.fields().lookupField(colour_field) >= 0:
            cats = sorted(str(v) for v in layer.uniqueValues(layer.fields().lookupField(colour_field))
                          if v not in (None, "") and str(v) != "NULL")
            ramp = QgsColorBrewerColorRamp("Set1", max(3, min(len(cats), 9)))
            width = QgsProperty.fromExpression(f'coalesce(0.3 + 4.7 * sqrt("{size_field}" / {top}), 0.3)')
            categories = []
            for i, value in enumerate(cats):
                s = symbol.clone()
                s.setColor(ramp.color(i / max(len(cats) - 1, 1)) if len(cats) <= 9 else ramp.color(0))
                s.setDataDefinedWidth(width)
                categories.append(QgsRendererCategory(value, s, labels.get(value, value)))
            layer.setRenderer(QgsCategorizedSymbolRenderer(colour_field, categories))
        elif size_field:
            # rounded, non-overlapping, non-empty classes (core.classes), labels in words
            from ..core.classes import class_label, count_classes

            classes = count_classes(values, 5, max(1, int(min(values, default=1))))
            widths = [0.4 + 4.6 * i / max(len(classes) - 1, 1) for i in range(len(classes))]
            ranges = []
            for (lo, hi), w in zip(classes, widths):
                s = symbol.clone()
                s.setWidth(w)
                ranges.append(QgsRendererRange(lo - 0.5, hi + 0.5 if hi is not None else top + 0.5, s,
                                               class_label(lo, hi, unit)))
            layer.setRenderer(QgsGraduatedSymbolRenderer(size_field, ranges))

    return adjust


def size_legend_values(top: float, count: int = 3) -> list[int]:
    """Round values (1, 2, 5, 10, 20, 50 ...) up to ``top`` for a size legend: the
    largest ``count`` of them, so the legend reads "20, 50, 100", not "20 ... 101"."""
    nice, k = [], 1
    while k <= max(top, 1):
        nice += [v for v in (k, 2 * k, 5 * k) if v <= max(top, 1)]
        k *= 10
    return nice[-count:]


def split_air_crossings(layer) -> None:
    """Border crossings: land-border crossings and the airports of flights as two
    legend entries (a flight never reads as a land crossing), same size legend."""
    from qgis.core import Qgis, QgsSimpleMarkerSymbolLayer
    from qgis.PyQt.QtGui import QColor

    renderer = layer.renderer()
    if layer.fields().lookupField("kind") < 0 or not hasattr(renderer, "symbol") or renderer.symbol() is None:
        return
    land = renderer.symbol().clone()
    air = renderer.symbol().clone()
    for i in range(air.symbolLayerCount()):
        sl = air.symbolLayer(i)
        if isinstance(sl, QgsSimpleMarkerSymbolLayer):
            sl.setShape(Qgis.MarkerShape.Square)
            sl.setColor(QColor("#3a5fa0"))
    expression = "CASE WHEN \"kind\" IN ('airport', 'air_town') THEN 'air' ELSE 'land' END"
    categorized = QgsCategorizedSymbolRenderer(expression, [
        QgsRendererCategory("land", land, "Land-border crossing"),
        QgsRendererCategory("air", air, "Airport or town reached by air (not a land crossing)")])
    if renderer.dataDefinedSizeLegend() is not None:
        categorized.setDataDefinedSizeLegend(QgsDataDefinedSizeLegend(renderer.dataDefinedSizeLegend()))
    layer.setRenderer(categorized)


def stretch_ramp(peak):
    """The shipped density colour ramp is defined on 0..1: stretch it to 0..``peak``."""
    peak = float(peak)

    def adjust(layer):
        renderer = layer.renderer()
        if isinstance(renderer, QgsSingleBandPseudoColorRenderer) and peak > 0:
            function = renderer.shader().rasterShaderFunction()
            items = function.colorRampItemList()
            for item in items:
                item.value *= peak
            function.setColorRampItemList(items)
            function.setMinimumValue(0.0)
            function.setMaximumValue(peak)
            renderer.setClassificationMin(0.0)
            renderer.setClassificationMax(peak)

    return adjust


def collapse_size_legend(layer) -> None:
    """One compact nested-symbol entry for a data-defined size legend (print layouts)."""
    renderer = layer.renderer()
    size_legend = renderer.dataDefinedSizeLegend() if hasattr(renderer, "dataDefinedSizeLegend") else None
    if size_legend is not None:
        size_legend = QgsDataDefinedSizeLegend(size_legend)
        size_legend.setLegendType(QgsDataDefinedSizeLegend.LegendType.LegendCollapsed)
        renderer.setDataDefinedSizeLegend(size_legend)


# ------------------------------------------------------- styling on load
class StyleOnLoad(QgsProcessingLayerPostProcessorInterface):
    """Applies :func:`apply_style` when Processing loads an output layer.

    Processing keeps only a raw pointer to a post-processor, so the Python
    object is held in :attr:`pending` until it has run; the ones that ran are
    released when the next one is made (not during their own call)."""

    pending: set = set()

    def __init__(self, qml_name: str, adjust=None):
        super().__init__()
        self.qml_name, self.adjust, self.done = qml_name, adjust, False
        StyleOnLoad.pending = {p for p in StyleOnLoad.pending if not p.done}
        StyleOnLoad.pending.add(self)

    def postProcessLayer(self, layer, context, feedback):
        apply_style(layer, self.qml_name, self.adjust)
        self.adjust, self.done = None, True   # the adjust closure (and what it holds) goes now
        project = context.project() if context is not None else None
        if project is not None and layer is not None:
            place_in_tree(project, layer)
            one_label_per_place(project)


def style_output(context: QgsProcessingContext, dest_id: str, qml_name: str, adjust=None, name: str = "") -> None:
    """Style the output ``dest_id`` with ``styles/<qml_name>.qml`` (and ``adjust``) when it is loaded,
    give it its place in the drawing order (:data:`DRAW_ORDER`) and, when given, its layer ``name``
    (else the default name of :func:`output_name`)."""
    if dest_id and context.willLoadLayerOnCompletion(dest_id):
        details = context.layerToLoadOnCompletionDetails(dest_id)
        details.setPostProcessor(StyleOnLoad(qml_name, adjust))
        details.layerSortKey = DRAW_ORDER.get(qml_name, 0)
        details.name = name or output_name(qml_name, dest_id) or details.name


def output_name(qml_name: str, dest_id: str = "") -> str:
    """The canvas name of an output that says what it is and at which level ("" = the output's own)."""
    if qml_name == "hotspot_density":
        from qgis.core import QgsRasterLayer

        raster = QgsRasterLayer(dest_id, "density", "gdal") if dest_id else None
        if raster is not None and raster.isValid():
            pixel = raster.rasterUnitsPerPixelX()
            size = f"{pixel / 1000:g} km" if pixel >= 1000 else f"{pixel:g} m"
            return f"Hotspot density — relative, {size} pixels"
        return "Hotspot density — relative"
    return {
        "hotspot_significance": "Hotspots — Getis-Ord Gi* significance",
        "border_crossings": "Border crossings — land, and airports of flights",
        "regional_risk": "Regional risk — chapter regions",
        "round_changes": "Change since the last round — places",
        "round_corridors": "Change since the last round — corridors",
    }.get(qml_name, "")


# ------------------------------------------------------- order and labels on the canvas
def _rank(node):
    layer = node.layer() if hasattr(node, "layer") else None
    return DRAW_ORDER.get(layer.customProperty(STYLE_PROPERTY)) if layer is not None else None


def place_in_tree(project, layer) -> None:
    """Move ``layer`` in its layer-tree group so that, among the plugin's layers,
    surfaces draw below lines and lines below points (:data:`DRAW_ORDER`),
    whichever layer was selected when it was added. The user's other layers keep
    their places."""
    node = project.layerTreeRoot().findLayer(layer.id())
    rank = _rank(node) if node is not None else None
    if rank is None:
        return
    parent = node.parent()
    children = list(parent.children())
    index = children.index(node)
    ranks = [_rank(child) for child in children]
    below = [i for i in range(index + 1, len(children)) if ranks[i] is not None and ranks[i] > rank]
    above = [i for i in range(index) if ranks[i] is not None and ranks[i] < rank]
    target = below[-1] + 1 if below else (above[0] if above else None)
    if target is None:
        return
    clone = node.clone()
    parent.insertChildNode(target, clone)
    parent.removeChildNode(node)


def _norm(expression: str) -> str:
    return f"lower(regexp_replace({expression}, '[^\\\\p{{L}}\\\\p{{N}}]', ''))"


def _norm_py(text) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


#: the label field of each place-labelling style, and the field holding the place name
_LABEL_NAME = {"border_crossings": '"name"', "places": '"place"', "round_changes": '"name"', "flow_nodes": '"name"'}
_BASE_LABEL = "trafficking_routes/label"


def one_label_per_place(project) -> None:
    """One label per place on the canvas: a name labelled by a layer earlier in
    :data:`PLACE_LABELS` (the crossing "Busia (12)", the place "Nairobi") is not
    labelled again by a later one (the place "Busia", the flow node "Nairobi").
    Only visible layers count; run again when visibility changes."""
    root = project.layerTreeRoot()
    layers = {}
    for node in root.findLayers():
        layer = node.layer()
        style = layer.customProperty(STYLE_PROPERTY) if layer is not None else None
        if style in PLACE_LABELS and layer.labeling() is not None and hasattr(layer.labeling(), "settings"):
            layers.setdefault(style, []).append((layer, node.isVisible()))
    taken = set()
    for style in PLACE_LABELS:
        for layer, visible in layers.get(style, []):
            settings = layer.labeling().settings()
            base = layer.customProperty(_BASE_LABEL) or (settings.fieldName if settings.isExpression else
                                                          f'"{settings.fieldName}"')
            layer.setCustomProperty(_BASE_LABEL, base)
            name = _LABEL_NAME[style]
            names = sorted(taken)
            text = base if not names else \
                f"CASE WHEN {_norm(name)} IN ({', '.join(repr(n) for n in names)}) THEN NULL ELSE {base} END"
            if text != (settings.fieldName if settings.isExpression else None):
                settings.fieldName, settings.isExpression = text, True
                layer.setLabeling(type(layer.labeling())(settings))
                layer.triggerRepaint()
        for layer, visible in layers.get(style, []):
            if visible and layer.labelsEnabled():
                field = _LABEL_NAME[style].strip('"')
                index = layer.fields().lookupField(field)
                if index >= 0:
                    taken |= {_norm_py(v) for v in layer.uniqueValues(index) if v not in (None, "")}
    if id(root) not in _WATCHED:
        _WATCHED.add(id(root))
        root.visibilityChanged.connect(lambda *_: one_label_per_place(project))


_WATCHED: set = set()


def load_on_completion(context: QgsProcessingContext, uri: str, name: str, qml_name: str | None,
                       output_name: str = "", provider: str = "ogr") -> None:
    """Ask Processing to load one more layer (e.g. a GeoPackage sub-layer), styled."""
    if provider != "ogr":  # Processing loads layers by source string through OGR: add it to the project now
        layer = QgsVectorLayer(uri, name, provider)
        if not layer.isValid():
            return
        if qml_name:
            apply_style(layer, qml_name)
        context.temporaryLayerStore().addMapLayer(layer)
        uri = layer.id()
    details = QgsProcessingContext.LayerDetails(name, context.project(), output_name)
    if qml_name:
        details.setPostProcessor(StyleOnLoad(qml_name))
        details.layerSortKey = DRAW_ORDER.get(qml_name, 0)
    context.addLayerToLoadOnCompletion(uri, details)


def save_default_styles(gpkg_path: str, styles: dict[str, str]) -> None:
    """Store each layer's shipped QML as its default style inside the GeoPackage,
    so the layers open styled in any QGIS, not only from Processing."""
    for layer_name, qml_name in styles.items():
        qml = style_path(qml_name)
        if not qml.exists():
            continue
        layer = QgsVectorLayer(f"{gpkg_path}|layername={layer_name}", layer_name, "ogr")
        if not layer.isValid():
            continue
        layer.loadNamedStyle(str(qml))
        layer.saveStyleToDatabase(layer_name, "Trafficking Routes default style", True, "")
