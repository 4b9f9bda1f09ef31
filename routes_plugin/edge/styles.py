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


def style_output(context: QgsProcessingContext, dest_id: str, qml_name: str, adjust=None) -> None:
    """Style the output ``dest_id`` with ``styles/<qml_name>.qml`` (and ``adjust``) when it is loaded."""
    if dest_id and context.willLoadLayerOnCompletion(dest_id):
        context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(StyleOnLoad(qml_name, adjust))


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
