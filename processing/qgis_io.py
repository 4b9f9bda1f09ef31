"""The QGIS edge of every algorithm: layers in as GeoDataFrames, GeoDataFrames
out to sinks or GeoPackage layers, shipped styles applied on load, and the
check for Python packages QGIS's Python may lack.

Only conversion lives here; all logic is in ``routes_plugin.core``.
"""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

PLUGIN_DIR = Path(__file__).resolve().parents[1]
STYLES_DIR = PLUGIN_DIR / "routes_plugin" / "styles"

#: import name -> pip package name, for the runtime check
RUNTIME_PACKAGES = {
    "numpy": "numpy",
    "pandas": "pandas",
    "geopandas": "geopandas",
    "pyogrio": "pyogrio",
    "shapely": "shapely",
    "scipy": "scipy",
    "openpyxl": "openpyxl",
}


def missing_packages(modules=None) -> list[str]:
    """pip names of the runtime packages that cannot be imported."""
    modules = modules or RUNTIME_PACKAGES
    return [RUNTIME_PACKAGES.get(m, m) for m in modules if importlib.util.find_spec(m) is None]


def pip_command(packages) -> str:
    return "python3 -m pip install --user " + " ".join(packages)


def require(*modules) -> None:
    """Raise a QgsProcessingException naming missing packages and the pip command."""
    missing = missing_packages(modules or None)
    if missing:
        raise QgsProcessingException(
            "This algorithm needs the Python package(s) " + ", ".join(missing)
            + " in QGIS's Python. Install them with: " + pip_command(missing))


# --------------------------------------------------------------------------- in
def source_to_frame(source, feedback=None, fields=None):
    """A QgsFeatureSource (or layer) -> GeoDataFrame with its CRS."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    names = [f.name() for f in source.fields()] if fields is None else list(fields)
    idx = [source.fields().lookupField(n) for n in names]
    total = source.featureCount() or 0
    rows, wkb = [], []
    for i, feat in enumerate(source.getFeatures()):
        if feedback is not None and i % 5000 == 0:
            if feedback.isCanceled():
                raise QgsProcessingException("Cancelled")
            if total > 0:
                feedback.setProgress(min(100.0, 100.0 * i / total))
        attrs = feat.attributes()
        rows.append([_py(attrs[j]) for j in idx])
        geom = feat.geometry()
        wkb.append(bytes(geom.asWkb()) if not geom.isNull() else None)
    df = pd.DataFrame(rows, columns=names)
    geometry = shapely.from_wkb(wkb) if wkb else []
    crs = source.sourceCrs().authid() if hasattr(source, "sourceCrs") else source.crs().authid()
    return gpd.GeoDataFrame(df, geometry=geometry, crs=crs or None)


def _py(value):
    """QVariant NULLs and Qt types -> plain Python."""
    if value is None:
        return None
    if isinstance(value, QVariant) and value.isNull():
        return None
    if hasattr(value, "isNull") and callable(value.isNull) and value.isNull():
        return None
    if hasattr(value, "toPyDateTime"):
        return value.toPyDateTime()
    if hasattr(value, "toPyDate"):
        return value.toPyDate()
    return value


def read_frame(alg, parameters, name, context, feedback=None, columns=None, to_crs=None):
    """A layer parameter as a GeoDataFrame (``columns`` that exist, or all with
    None), in its own CRS or ``to_crs``. A whole file layer (no selection,
    feature limit, filter or subset) is read straight from its file with
    pyogrio, orders of magnitude faster than iterating features; anything
    else goes through the feature source."""
    import pyogrio
    from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProviderRegistry

    value = parameters.get(name)
    whole = not (isinstance(value, QgsProcessingFeatureSourceDefinition)
                 and (value.selectedFeaturesOnly or value.featureLimit != -1
                      or getattr(value, "filterExpression", "")))
    layer = alg.parameterAsVectorLayer(parameters, name, context)
    if whole and layer is not None and layer.providerType() == "ogr" and not layer.subsetString():
        parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
        kwargs = {"layer": parts["layerName"]} if parts.get("layerName") else {}
        have = set(pyogrio.read_info(parts["path"], **kwargs)["fields"])
        wanted = None if columns is None else [c for c in columns if c in have]
        frame = pyogrio.read_dataframe(parts["path"], columns=wanted, **kwargs)
    else:
        source = alg.parameterAsSource(parameters, name, context)
        if source is None:
            raise QgsProcessingException(alg.invalidSourceError(parameters, name))
        wanted = None if columns is None else [c for c in columns if source.fields().lookupField(c) >= 0]
        frame = source_to_frame(source, feedback, wanted)
    if to_crs is not None and frame.crs is not None and frame.crs != to_crs:
        frame = frame.to_crs(to_crs)
    return frame


def check(feedback, progress):
    """Progress (0-100) and cancellation between the steps of an algorithm."""
    if feedback.isCanceled():
        raise QgsProcessingException("Cancelled")
    feedback.setProgress(progress)


def progress_callback(feedback, start, end):
    """A core ``progress(fraction)`` callback mapped onto ``start..end`` percent, cancelling on request."""
    return lambda fraction: check(feedback, start + (end - start) * fraction)


# --------------------------------------------------------------------------- out
def frame_fields(frame) -> QgsFields:
    import pandas as pd

    fields = QgsFields()
    for name in frame.columns:
        if name == getattr(frame, "_geometry_column_name", None):
            continue
        dt = frame[name].dtype
        if pd.api.types.is_bool_dtype(dt):
            qtype = QVariant.Bool
        elif pd.api.types.is_integer_dtype(dt):
            qtype = QVariant.LongLong
        elif pd.api.types.is_float_dtype(dt):
            qtype = QVariant.Double
        else:
            qtype = QVariant.String
        fields.append(QgsField(str(name), qtype))
    return fields


def _wkb_type(frame):
    if not hasattr(frame, "geometry"):
        return QgsWkbTypes.NoGeometry
    types = set(frame.geometry.geom_type.dropna().unique())
    if not types:
        return QgsWkbTypes.NoGeometry if len(frame) else QgsWkbTypes.Point
    multi = any(t.startswith("Multi") for t in types)
    base = {"Point": QgsWkbTypes.Point, "LineString": QgsWkbTypes.LineString,
            "Polygon": QgsWkbTypes.Polygon}[next(iter(types)).replace("Multi", "")]
    return QgsWkbTypes.multiType(base) if multi else base


def frame_to_sink(alg, parameters, context, name, frame, crs, feedback=None, wkb_type=None):
    """Write a (Geo)DataFrame to the feature sink parameter ``name``; returns its dest id."""
    import shapely

    fields = frame_fields(frame)
    wkb_type = _wkb_type(frame) if wkb_type is None else wkb_type
    sink, dest_id = alg.parameterAsSink(parameters, name, context, fields, wkb_type, crs)
    if sink is None:
        raise QgsProcessingException(alg.invalidSinkError(parameters, name))
    geo_col = getattr(frame, "_geometry_column_name", None)
    geoms = shapely.to_wkb(frame.geometry.values) if geo_col else [None] * len(frame)
    values = frame[[f.name() for f in fields]].astype(object).where(frame[[f.name() for f in fields]].notna(), None)
    n = len(frame)
    multi = QgsWkbTypes.isMultiType(wkb_type)
    for i, (row, wkb) in enumerate(zip(values.itertuples(index=False, name=None), geoms)):
        if feedback is not None and i % 5000 == 0:
            if feedback.isCanceled():
                raise QgsProcessingException("Cancelled")
            feedback.setProgress(100.0 * i / max(n, 1))
        feat = QgsFeature(fields)
        feat.setAttributes([_plain(v) for v in row])
        if wkb is not None:
            g = QgsGeometry()
            g.fromWkb(wkb)
            if multi and not g.isMultipart():
                g.convertToMultiType()
            feat.setGeometry(g)
        sink.addFeature(feat, QgsFeatureSink.FastInsert)
    return dest_id


def _plain(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


# --------------------------------------------------------------------------- styles
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


class _StyleOnLoad(QgsProcessingLayerPostProcessorInterface):
    """Applies :func:`apply_style` when Processing loads the output layer."""

    _alive: list = []  # Processing keeps a raw pointer: keep the Python objects alive

    def __init__(self, qml_name: str, adjust=None):
        super().__init__()
        self.qml_name, self.adjust = qml_name, adjust
        _StyleOnLoad._alive.append(self)

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS's name)
        apply_style(layer, self.qml_name, self.adjust)


def style_output(context: QgsProcessingContext, dest_id: str, qml_name: str, adjust=None) -> None:
    """Style the output ``dest_id`` with ``styles/<qml_name>.qml`` (and ``adjust``) when it is loaded."""
    if context.willLoadLayerOnCompletion(dest_id):
        context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(_StyleOnLoad(qml_name, adjust))


def load_on_completion(context: QgsProcessingContext, uri: str, name: str, qml_name: str | None,
                       output_name: str = "", provider: str = "ogr") -> None:
    """Ask Processing to load one more layer (e.g. a GeoPackage sub-layer), styled."""
    if provider != "ogr":  # Processing loads layers by source string through OGR: add it to the project now
        from qgis.core import QgsVectorLayer

        layer = QgsVectorLayer(uri, name, provider)
        if layer.isValid():
            if qml_name:
                apply_style(layer, qml_name)
            context.temporaryLayerStore().addMapLayer(layer)
            uri = layer.id()
        else:
            return
    details = QgsProcessingContext.LayerDetails(name, context.project(), output_name)
    if qml_name:
        details.setPostProcessor(_StyleOnLoad(qml_name))
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


# --------------------------------------------------------------------------- settings
#: the plugin setting (QgsSettings) holding the default of every SUPPRESS_BELOW parameter
SUPPRESS_SETTING = "trafficking_routes/suppress_below"


def suppress_default() -> int:
    """The small-count threshold to offer as SUPPRESS_BELOW's default: the plugin
    setting ``trafficking_routes/suppress_below``, else the shared default (5)."""
    from qgis.core import QgsSettings

    from ..routes_plugin.core.suppression import DEFAULT_THRESHOLD

    try:
        return max(0, int(QgsSettings().value(SUPPRESS_SETTING, DEFAULT_THRESHOLD)))
    except (TypeError, ValueError):
        return DEFAULT_THRESHOLD


def suppress_parameter(effect: str, name: str = "SUPPRESS_BELOW"):
    """The SUPPRESS_BELOW parameter of every algorithm that publishes counts: one
    label, the shared default (plugin setting), 0 turns it off; ``effect`` says
    what this algorithm does with a count below it."""
    from qgis.core import QgsProcessingParameterNumber

    p = QgsProcessingParameterNumber(name, "Suppress counts below", QgsProcessingParameterNumber.Integer,
                                     suppress_default(), minValue=0)
    p.setHelp(f"Small-count rule: {effect} 0 turns suppression off. The default is the plugin setting "
              f"{SUPPRESS_SETTING} (5 unless changed).")
    return p
