"""Layers in as (Geo)DataFrames, (Geo)DataFrames out to feature sinks.

Only conversion lives here; all logic is in ``routes_plugin.core``.
"""
from __future__ import annotations

import math

from qgis.core import (
    Qgis,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingFeatureSourceDefinition,
    QgsProviderRegistry,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QMetaType, QVariant

from ..core.errors import CancelledError, RoutesError
from .gdal import import_pyogrio

#: rows between two progress / cancel checks when converting features
CHUNK = 5000


class LayerError(RoutesError):
    """An input layer or output cannot be opened (message is for the user)."""


def _cancel_check(feedback, i: int, total: int) -> None:
    if feedback is None or i % CHUNK:
        return
    if feedback.isCanceled():
        raise CancelledError("Cancelled.")
    if total > 0:
        feedback.setProgress(min(100.0, 100.0 * i / total))


# --------------------------------------------------------------------------- in
def python_value(value):
    """A QGIS attribute value (QVariant NULL, QDate, QDateTime …) as plain Python."""
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


def source_to_frame(source, feedback=None, fields=None):
    """A QgsFeatureSource (or layer) -> GeoDataFrame with its CRS, feature by feature."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    names = [f.name() for f in source.fields()] if fields is None else list(fields)
    idx = [source.fields().lookupField(n) for n in names]
    total = source.featureCount() or 0
    rows, wkb = [], []
    for i, feat in enumerate(source.getFeatures()):
        _cancel_check(feedback, i, total)
        attrs = feat.attributes()
        rows.append([python_value(attrs[j]) for j in idx])
        geom = feat.geometry()
        wkb.append(bytes(geom.asWkb()) if not geom.isNull() else None)
    df = pd.DataFrame(rows, columns=names)
    geometry = shapely.from_wkb(wkb) if wkb else []
    crs = source.sourceCrs().authid() if hasattr(source, "sourceCrs") else source.crs().authid()
    return gpd.GeoDataFrame(df, geometry=geometry, crs=crs or None)


def _file_of(layer):
    """(path, layer name, OGR where clause) of an OGR file layer whose subset (if any) is a plain
    filter, else None."""
    if layer is None or layer.providerType() != "ogr":
        return None
    subset = layer.subsetString().strip()
    if subset.lower().startswith("select"):
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    return parts["path"], parts.get("layerName") or None, subset or None


def file_to_frame(path, name=None, where=None, columns=None):
    """Layer ``name`` (None: the first) of the file ``path`` as a GeoDataFrame with
    pyogrio, filtered by the OGR ``where`` clause; ``columns`` that exist, or all with None."""
    pyogrio = import_pyogrio()
    kwargs = {"layer": name} if name else {}
    have = set(pyogrio.read_info(path, **kwargs)["fields"])
    wanted = None if columns is None else [c for c in columns if c in have]
    return pyogrio.read_dataframe(path, columns=wanted, where=where, **kwargs)


def layer_to_frame(layer, feedback=None, columns=None, to_crs=None):
    """A whole vector layer as a GeoDataFrame: straight from its file with
    pyogrio when it is a plain OGR file layer (orders of magnitude faster),
    feature by feature otherwise; a layer filter (subset string) is applied as OGR's where clause.
    ``columns`` that exist, or all with None."""
    found = _file_of(layer)
    if found is not None:
        frame = file_to_frame(*found, columns)
    else:
        wanted = None if columns is None else [c for c in columns if layer.fields().lookupField(c) >= 0]
        frame = source_to_frame(layer, feedback, wanted)
    if to_crs is not None and frame.crs is not None and frame.crs != to_crs:
        frame = frame.to_crs(to_crs)
    return frame


def read_frame(alg, parameters, name, context, feedback=None, columns=None, to_crs=None):
    """A layer parameter as a GeoDataFrame (``columns`` that exist, or all with
    None), in its own CRS or ``to_crs``. A whole file layer (no selection,
    feature limit, filter or subset) is read straight from its file with
    pyogrio; anything else goes through the feature source."""
    value = parameters.get(name)
    whole = not (isinstance(value, QgsProcessingFeatureSourceDefinition)
                 and (value.selectedFeaturesOnly or value.featureLimit != -1
                      or getattr(value, "filterExpression", "")))
    layer = alg.parameterAsVectorLayer(parameters, name, context)
    if whole and _file_of(layer) is not None:
        return layer_to_frame(layer, feedback, columns, to_crs)
    source = alg.parameterAsSource(parameters, name, context)
    if source is None:
        raise LayerError(alg.invalidSourceError(parameters, name))
    wanted = None if columns is None else [c for c in columns if source.fields().lookupField(c) >= 0]
    frame = source_to_frame(source, feedback, wanted)
    if to_crs is not None and frame.crs is not None and frame.crs != to_crs:
        frame = frame.to_crs(to_crs)
    return frame


#: the WKB of a 2D point, little-endian: byte order 1, type 1, x, y (21 bytes, packed)
_WKB_POINT = [("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")]


def _whole_file_layer(alg, parameters, name, context):
    """``(path, layer name, where)`` of a layer parameter that is a whole OGR file layer
    (no selection, feature limit or filter; a plain subset string is the where clause), else None."""
    value = parameters.get(name)
    if isinstance(value, QgsProcessingFeatureSourceDefinition) and (
            value.selectedFeaturesOnly or value.featureLimit != -1 or getattr(value, "filterExpression", "")):
        return None
    return _file_of(alg.parameterAsVectorLayer(parameters, name, context))


def point_columns(alg, parameters, name, context, columns=()):
    """The points of a layer parameter as arrays, straight from its file through GDAL's
    Arrow interface (no feature-by-feature loop, no GeoDataFrame):
    ``(x, y, {column: masked array}, crs)`` in the layer's own CRS (``crs`` as
    pyogrio and GeoPandas give it, or None), for the ``columns`` that exist; strings
    as ``str``. Features without a geometry, or with an empty one, are left out.

    None when this fast path does not apply and :func:`read_frame` must be used: not a
    whole OGR file layer, a GDAL older than 3.6, or a geometry that is not a plain
    2D point (multipoints, Z or M, big-endian WKB)."""
    import numpy as np

    found = _whole_file_layer(alg, parameters, name, context)
    if found is None:
        return None
    try:
        from osgeo import ogr
    except ImportError:
        return None
    if not hasattr(ogr.Layer, "GetArrowStreamAsNumPy"):
        return None
    path, layer_name, where = found
    dataset = ogr.Open(path)  # read-only
    if dataset is None:
        return None
    layer = dataset.GetLayerByName(layer_name) if layer_name else dataset.GetLayer(0)
    if layer is None or layer.GetGeomType() == ogr.wkbNone:
        return None
    defn = layer.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    wanted = [c for c in dict.fromkeys(columns) if c in names]
    layer.SetIgnoredFields([n for n in names if n not in wanted])
    if where and layer.SetAttributeFilter(where) != ogr.OGRERR_NONE:
        return None
    geometry_name = layer.GetGeometryColumn() or "wkb_geometry"
    xs, ys, parts = [], [], {c: [] for c in wanted}
    for batch in layer.GetArrowStreamAsNumPy(["INCLUDE_FID=NO"]):  # arrays valid until the next batch: copied
        if geometry_name not in batch:
            return None
        xy = _point_xy(batch[geometry_name])
        if xy is None:
            return None
        xs.append(xy[0])
        ys.append(xy[1])
        for c in wanted:
            parts[c].append(np.ma.array(batch[c], copy=True))
    layer = dataset = None
    x, y = (np.concatenate(v) if v else np.empty(0) for v in (xs, ys))
    keep = ~(np.isnan(x) | np.isnan(y))  # no geometry, or POINT EMPTY (NaN coordinates)
    table = {}
    for c in wanted:
        col = np.ma.concatenate(parts[c])[keep] if parts[c] else np.ma.masked_array(np.empty(0))
        if col.dtype.kind == "S":  # UTF-8 bytes -> str, missing -> NaN (as pyogrio gives them)
            text = np.empty(len(col), dtype=object)
            mask = np.ma.getmaskarray(col)
            text[~mask] = [v.decode("utf-8") for v in col.data[~mask]]
            text[mask] = np.nan
            col = np.ma.masked_array(text, mask)
        elif col.dtype.kind not in "biuf":
            return None  # dates and the like: the general path
        table[c] = col
    return x[keep], y[keep], table, _crs_of(found)


def _point_xy(geoms):
    """``(x, y)`` of a batch of WKB geometries (NaN where there is none), or None
    unless each is a little-endian 2D point. GDAL gives WKB of one length as a
    fixed-size ``V21`` array, others as objects (masked where missing)."""
    import numpy as np

    point = np.dtype(_WKB_POINT)
    if geoms.dtype.kind == "V" and geoms.dtype.itemsize == point.itemsize:
        present = ~np.ma.getmaskarray(geoms)
        parsed = np.ascontiguousarray(np.ma.getdata(geoms)[present]).view(point)
    elif geoms.dtype == object:
        present = ~np.ma.getmaskarray(geoms)
        wkb = np.ma.getdata(geoms)[present]
        if not all(isinstance(g, bytes) and len(g) == point.itemsize for g in wkb):
            return None
        parsed = np.frombuffer(b"".join(wkb), dtype=point)
    else:
        return None
    if not ((parsed["order"] == 1).all() and (parsed["type"] == 1).all()):
        return None
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[present], y[present] = parsed["x"], parsed["y"]
    return x, y


def _crs_of(found):
    """The CRS of a file layer as pyogrio reports it (``EPSG:...`` or WKT), or None."""
    path, layer_name, _ = found
    kwargs = {"layer": layer_name} if layer_name else {}
    return import_pyogrio().read_info(path, **kwargs)["crs"]


# --------------------------------------------------------------------------- out
def frame_fields(frame) -> QgsFields:
    import pandas as pd

    fields = QgsFields()
    for name in frame.columns:
        if name == getattr(frame, "_geometry_column_name", None):
            continue
        dt = frame[name].dtype
        if pd.api.types.is_bool_dtype(dt):
            qtype = QMetaType.Type.Bool
        elif pd.api.types.is_integer_dtype(dt):
            qtype = QMetaType.Type.LongLong
        elif pd.api.types.is_float_dtype(dt):
            qtype = QMetaType.Type.Double
        else:
            qtype = QMetaType.Type.QString
        fields.append(QgsField(str(name), qtype))
    return fields


def wkb_type(frame):
    """The QGIS geometry type of a frame's geometries (NoGeometry for a table)."""
    if not hasattr(frame, "geometry"):
        return Qgis.WkbType.NoGeometry
    types = set(frame.geometry.geom_type.dropna().unique())
    if not types:
        return Qgis.WkbType.NoGeometry if len(frame) else Qgis.WkbType.Point
    multi = any(t.startswith("Multi") for t in types)
    base = {"Point": Qgis.WkbType.Point, "LineString": Qgis.WkbType.LineString,
            "Polygon": Qgis.WkbType.Polygon}[next(iter(types)).replace("Multi", "")]
    return QgsWkbTypes.multiType(base) if multi else base


def qgis_value(v):
    """A frame cell as a QGIS attribute value (NaN and None are NULL, numpy scalars plain)."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def frame_to_sink(alg, parameters, context, name, frame, crs, feedback=None, geometry_type=None,
                  optional=False):
    """Write a (Geo)DataFrame to the feature sink parameter ``name``; returns its
    dest id (None for an ``optional`` output the user did not ask for)."""
    import shapely

    fields = frame_fields(frame)
    geometry_type = wkb_type(frame) if geometry_type is None else geometry_type
    sink, dest_id = alg.parameterAsSink(parameters, name, context, fields, geometry_type, crs)
    if sink is None:
        if optional:
            return None
        raise LayerError(alg.invalidLayerError(parameters, name))
    geo_col = getattr(frame, "_geometry_column_name", None)
    geoms = shapely.to_wkb(frame.geometry.values) if geo_col else [None] * len(frame)
    columns = [f.name() for f in fields]
    values = frame[columns].astype(object).where(frame[columns].notna(), None)
    n = len(frame)
    multi = QgsWkbTypes.isMultiType(geometry_type)
    for i, (row, wkb) in enumerate(zip(values.itertuples(index=False, name=None), geoms)):
        _cancel_check(feedback, i, n)
        feat = QgsFeature(fields)
        feat.setAttributes([qgis_value(v) for v in row])
        if wkb is not None:
            g = QgsGeometry()
            g.fromWkb(wkb)
            if multi and not g.isMultipart():
                g.convertToMultiType()
            feat.setGeometry(g)
        sink.addFeature(feat, QgsFeatureSink.Flag.FastInsert)
    return dest_id
