"""The point input of the hotspot algorithms (density and Gi*): parameters,
filtering by role and category, and the projected CRS to compute in."""
from __future__ import annotations

from dataclasses import dataclass

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
)

from ..routes_plugin.core.errors import RoutesError
from ..routes_plugin.edge.frames import point_columns, read_frame

ROLES = ("origin", "transit", "destination", "exploitation")


def add_point_parameters(alg):
    """INPUT, ROLES, CATEGORY_FIELD, CATEGORY_VALUE, WEIGHT_FIELD, TARGET_CRS."""
    p = QgsProcessingParameterFeatureSource("INPUT", "Point layer", [Qgis.ProcessingSourceType.VectorPoint])
    p.setHelp("Points to map, e.g. route_points from Load tracker export (any point layer works).")
    alg.addParameter(p)
    p = QgsProcessingParameterEnum("ROLES", "Only stops with role", ROLES, allowMultiple=True, optional=True)
    p.setHelp("Keep only stops whose 'role' field is one of these (origin, transit, destination, exploitation). "
              "Empty: all points.")
    alg.addParameter(p)
    p = QgsProcessingParameterField("CATEGORY_FIELD", "Category field", None, "INPUT",
                                    Qgis.ProcessingFieldParameterDataType.String, optional=True)
    p.setHelp("With Category value: keep only points whose field (a single value or codes joined by '; ', e.g. "
              "transport_modes) contains that value.")
    alg.addParameter(p)
    p = QgsProcessingParameterString("CATEGORY_VALUE", "Category value", optional=True)
    p.setHelp("The code to keep in Category field, e.g. 'bus' (case-insensitive). Empty: no category filter.")
    alg.addParameter(p)
    p = QgsProcessingParameterField("WEIGHT_FIELD", "Weight from field", None, "INPUT",
                                    Qgis.ProcessingFieldParameterDataType.Numeric, optional=True)
    p.setHelp("Weight of each point, e.g. cases_low or cases_high. Empty: every point weighs 1. Missing values "
              "weigh 0 (as in QGIS's heatmap); negative weights are refused.")
    alg.addParameter(p)
    p = QgsProcessingParameterCrs("TARGET_CRS", "Projected CRS for the computation", optional=True)
    p.setHelp("Distances are measured in this CRS. Empty: the layer's own CRS if it is projected, otherwise the "
              "UTM zone of the points' centre (reported in the log). A geographic CRS is refused.")
    alg.addParameter(p)


def projected_crs(frame, target: QgsCoordinateReferenceSystem, feedback):
    """The CRS to compute in (a pyproj CRS): ``target`` if valid (refused when
    geographic), else the frame's own if projected, else its UTM zone."""
    from pyproj import CRS

    if target.isValid():
        if target.isGeographic():
            raise RoutesError(
                f"{target.authid() or target.description()} is a geographic CRS (degrees): a density or distance "
                "band in degrees is not meaningful. Choose a projected CRS (e.g. a UTM zone) or leave it empty.")
        return CRS.from_wkt(target.toWkt(Qgis.CrsWktVariant.Preferred))
    if frame.crs is None:
        raise RoutesError("The layer has no CRS: set one, or give a projected CRS for the computation.")
    if not frame.crs.is_geographic:
        return frame.crs
    if frame.empty:
        return frame.crs
    crs = frame.estimate_utm_crs()
    feedback.pushInfo(f"The layer is in geographic coordinates ({frame.crs.to_string()}); computing in "
                      f"{crs.name} ({crs.to_string()}), the UTM zone of the points' centre.")
    return crs


def read_points(alg, parameters, context, feedback, project: bool = True):
    """The filtered points projected for computing: ``(frame, crs, weight_field)``;
    with ``project`` False in the layer's own CRS (``crs`` None: the caller
    chooses one, e.g. for a study area)."""
    from ..routes_plugin.core import hotspots

    category = alg.parameterAsString(parameters, "CATEGORY_FIELD", context)
    weight = alg.parameterAsString(parameters, "WEIGHT_FIELD", context) or None
    frame = read_frame(alg, parameters, "INPUT", context, feedback, [c for c in ("role", category, weight) if c])
    # parameterAsEnums gives [0] for an absent optional multiple enum in QGIS 3.22: read it only when set
    given = parameters.get("ROLES") not in (None, "", [])
    roles = [ROLES[i] for i in alg.parameterAsEnums(parameters, "ROLES", context)] if given else []
    frame = hotspots.select_points(frame, roles, category, alg.parameterAsString(parameters, "CATEGORY_VALUE", context))
    import numpy as np
    import shapely

    geoms = np.asarray(frame.geometry.values, dtype=object)
    frame = frame[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]  # no geometry, or an empty one
    if frame.geom_type.str.startswith("Multi").any():
        frame = frame.explode(index_parts=False)
    if frame.empty:
        raise RoutesError("No points to work on: the layer is empty or the role/category filter kept nothing.")
    if frame.crs is None:
        raise RoutesError("The layer has no CRS: set one in the layer's properties.")
    crs = projected_crs(frame, alg.parameterAsCrs(parameters, "TARGET_CRS", context), feedback) if project else None
    feedback.pushInfo(f"{len(frame)} point(s) after filtering.")
    if weight:
        missing = int(frame[weight].isna().sum())
        if missing:
            feedback.pushWarning(f"{missing} point(s) have no {weight}: they weigh 0.")
    if crs is None:
        return frame, None, weight
    return (frame if frame.crs == crs else frame.to_crs(crs)), crs, weight


@dataclass
class PointArrays:
    """Filtered points as arrays in the layer's CRS (``crs``, a pyproj CRS): what the
    density needs, without a GeoDataFrame."""

    x: object
    y: object
    weights: object | None  # float, NaN where missing; None: every point weighs 1
    crs: object

    def __len__(self):
        return len(self.x)

    def transformed(self, crs):
        """``(x, y)`` in ``crs``: the same numbers as GeoPandas' ``to_crs``
        (a pyproj transformer with ``always_xy``)."""
        if crs == self.crs:
            return self.x, self.y
        from pyproj import Transformer

        return Transformer.from_crs(self.crs, crs, always_xy=True).transform(self.x, self.y)

    def lonlat_bounds(self):
        """``(lon_min, lat_min, lon_max, lat_max)`` of the points."""
        from pyproj import CRS

        lon, lat = self.transformed(CRS.from_user_input("EPSG:4326"))
        return (lon.min(), lat.min(), lon.max(), lat.max())


def read_point_arrays(alg, parameters, context, feedback) -> PointArrays:
    """The filtered points (as :func:`read_points` with ``project=False``) as
    :class:`PointArrays`: from the file through GDAL's Arrow interface when the
    layer is a whole file of 2D points, else through :func:`read_points`."""
    import numpy as np

    category = alg.parameterAsString(parameters, "CATEGORY_FIELD", context)
    weight = alg.parameterAsString(parameters, "WEIGHT_FIELD", context) or None
    columns = [c for c in ("role", category, weight) if c]
    found = point_columns(alg, parameters, "INPUT", context, columns)
    if found is None:
        frame, _, weight = read_points(alg, parameters, context, feedback, project=False)
        weights = None
        if weight:
            import pandas as pd

            weights = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float)
        return PointArrays(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), weights, frame.crs)
    x, y, table, crs = found
    given = parameters.get("ROLES") not in (None, "", [])
    roles = [ROLES[i] for i in alg.parameterAsEnums(parameters, "ROLES", context)] if given else []
    value = alg.parameterAsString(parameters, "CATEGORY_VALUE", context)
    if roles or (category and value):
        import pandas as pd

        from ..routes_plugin.core import hotspots

        frame = pd.DataFrame({c: np.ma.filled(a.astype(object) if a.dtype.kind in "biu" else a, np.nan)
                              for c, a in table.items()})
        keep = hotspots.select_points(frame, roles, category, value).index.to_numpy()
        x, y, table = x[keep], y[keep], {c: a[keep] for c, a in table.items()}
    if not len(x):
        raise RoutesError("No points to work on: the layer is empty or the role/category filter kept nothing.")
    if crs is None:
        raise RoutesError("The layer has no CRS: set one in the layer's properties.")
    from pyproj import CRS

    feedback.pushInfo(f"{len(x)} point(s) after filtering.")
    weights = None
    if weight:
        weights = np.ma.filled(table[weight].astype(float), np.nan) if weight in table else np.full(len(x), np.nan)
        missing = int(np.isnan(weights).sum())
        if missing:
            feedback.pushWarning(f"{missing} point(s) have no {weight}: they weigh 0.")
    return PointArrays(x, y, weights, CRS.from_user_input(crs))
