"""The ground a hotspot map covers, and the projection it is computed in.

Both hotspot maps of a chapter (kernel density and Gi* significance) are made
over one *study area*: by default the home country (or the chapter regions)
given by the QGIS edge as polygons in longitude/latitude, or, for density of
data that is local (all inside the home country's box), the points' own
extent. Everything is computed in a CRS chosen for that area:

- a UTM zone, when the area fits comfortably in one (it reaches no further
  than :data:`UTM_HALF_WIDTH` degrees from the zone's central meridian,
  e.g. a county or a province);
- otherwise a Lambert azimuthal equal-area projection centred on the area's
  bounding-box centre (e.g. Kenya: centred near 37.9 E, 0.2 N), which keeps
  every hexagon and pixel the same ground area and distances true to
  within a fraction of a percent over a country.

No QGIS here: the edge reads the polygons (e.g. QGIS's world_map.gpkg
countries layer found through ``QgsApplication.pkgDataPath()``) and passes
them down.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import LambertAzimuthalEqualAreaConversion

#: Points this close (metres) to the study area count as inside it: country outlines
#: at world-map scale cut off coastal and border towns (Mombasa lies 2 km outside
#: Natural Earth's Kenya).
TOLERANCE = 5000.0
#: The area may reach this far (degrees of longitude) from a UTM zone's central
#: meridian to be computed in that zone (the zone itself is 3 degrees each side).
UTM_HALF_WIDTH = 4.0
LONLAT = "EPSG:4326"


class StudyAreaError(ValueError):
    """A study area nothing can be computed on (message is for the user)."""


@dataclass(frozen=True)
class StudyArea:
    """A study area: its polygon(s) in ``crs`` (``None`` for a plain extent), its
    box in ``crs``, a name for the log, and how it was chosen."""

    name: str
    crs: CRS
    geometry: object | None  # shapely (Multi)Polygon in ``crs``, or None for an extent
    bounds: tuple[float, float, float, float]
    how: str
    tolerance: float = TOLERANCE

    @property
    def reach(self):
        """The polygon grown by ``tolerance``: where points count as inside."""
        if self.geometry is None:
            return None
        if "_reach" not in self.__dict__:
            object.__setattr__(self, "_reach", self.geometry.buffer(self.tolerance) if self.tolerance else self.geometry)
        return self.__dict__["_reach"]

    @property
    def area_km2(self) -> float:
        if self.geometry is not None:
            return self.geometry.area / 1e6
        x0, y0, x1, y1 = self.bounds
        return (x1 - x0) * (y1 - y0) / 1e6

    def describe(self) -> str:
        return (f"Study area: {self.name} ({self.how}; {self.area_km2:,.0f} km²), computed in "
                f"{self.crs.name}.")


def nice_number(value: float, steps=(1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)) -> float:
    """``value`` rounded to the nearest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten."""
    if not value > 0:
        raise StudyAreaError("a size must be positive")
    power = 10.0 ** math.floor(math.log10(value))
    mantissa = value / power
    best = min(steps, key=lambda s: abs(math.log(s / mantissa)))
    return float(best * power)


def choose_crs(lonlat_bounds, name: str = "the study area") -> CRS:
    """The CRS to compute over an area whose box in degrees is ``lonlat_bounds``
    (``lon_min, lat_min, lon_max, lat_max``): its UTM zone when it fits in one,
    else a Lambert azimuthal equal-area projection centred on it."""
    x0, y0, x1, y1 = (float(v) for v in lonlat_bounds)
    if not (np.isfinite([x0, y0, x1, y1]).all() and -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise StudyAreaError(f"the extent of {name} is not a valid longitude/latitude box: {lonlat_bounds}")
    lon, lat = (x0 + x1) / 2, (y0 + y1) / 2
    zone = min(int((lon + 180) // 6) + 1, 60)
    meridian = -183 + 6 * zone
    if max(meridian - x0, x1 - meridian) <= UTM_HALF_WIDTH and -80 <= y0 and y1 <= 84:
        return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)
    lon, lat = round(lon, 2), round(lat, 2)
    where = f"{abs(lon):g}°{'E' if lon >= 0 else 'W'} {abs(lat):g}°{'N' if lat >= 0 else 'S'}"
    return ProjectedCRS(LambertAzimuthalEqualAreaConversion(latitude_natural_origin=lat,
                                                            longitude_natural_origin=lon),
                        name=f"{EQUAL_AREA_NAME} {name} ({where})",
                        geodetic_crs=CRS.from_epsg(4326))


#: The name of every equal-area CRS :func:`choose_crs` makes starts so.
EQUAL_AREA_NAME = "Lambert azimuthal equal-area centred on"


def is_own_equal_area(crs) -> bool:
    """Whether ``crs`` is an equal-area CRS made by :func:`choose_crs` away from the
    poles (no authority has one: no code to look up). A registry's polar LAEA
    (e.g. EPSG:6931) could match one centred on a pole, so those are not counted."""
    if not str(getattr(crs, "name", "")).startswith(EQUAL_AREA_NAME) or crs.to_json_dict().get("id"):
        return False
    centre = crs_centre(crs)
    return centre is not None and abs(centre[1]) < 60


def crs_centre(crs: CRS) -> tuple[float, float] | None:
    """``(lon, lat)`` a CRS from :func:`choose_crs` is centred on (UTM: the central meridian, equator)."""
    params = {p.name.lower(): p.value for p in (crs.coordinate_operation.params if crs.coordinate_operation else [])}
    lon = params.get("longitude of natural origin", params.get("longitude of origin"))
    lat = params.get("latitude of natural origin", params.get("latitude of origin"))
    return None if lon is None or lat is None else (float(lon), float(lat))


def _as_lonlat(polygons: gpd.GeoSeries | gpd.GeoDataFrame) -> gpd.GeoSeries:
    series = polygons.geometry if isinstance(polygons, gpd.GeoDataFrame) else polygons
    if series.crs is None:
        raise StudyAreaError("the study-area polygons have no CRS")
    series = series[series.notna() & ~series.is_empty]
    if series.empty:
        raise StudyAreaError("the study-area layer has no polygon")
    if not series.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise StudyAreaError("the study area must be polygons")
    return series.to_crs(LONLAT)


def _polygonal(geom):
    """The polygons of ``geom`` (lines and points left by an intersection dropped)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    parts = [q for g in parts for q in shapely.get_parts(g)]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def from_polygons(polygons, name: str, how: str, land=None, crs: CRS | None = None) -> StudyArea:
    """A study area from polygons (any CRS): their union, cut to ``land``
    (polygons, e.g. world_map.gpkg's countries, any CRS; None: no cut), in
    ``crs`` or the one :func:`choose_crs` picks for it."""
    area = shapely.make_valid(_as_lonlat(polygons).union_all())
    if land is not None:
        land_ll = _as_lonlat(land)
        near = land_ll[land_ll.intersects(shapely.box(*area.bounds))]
        area = shapely.make_valid(area.intersection(near.union_all())) if len(near) else shapely.Polygon()
    area = _polygonal(area)
    if area.is_empty or area.area == 0:
        raise StudyAreaError(f"{name} has no land area")
    crs = crs or choose_crs(area.bounds, name)
    projected = gpd.GeoSeries([area], crs=LONLAT).to_crs(crs).iloc[0]
    return StudyArea(name, crs, projected, tuple(projected.bounds), how)


def from_extent(lonlat_bounds, name: str, how: str, crs: CRS | None = None) -> StudyArea:
    """A rectangular study area (no polygon) from a box in degrees; its bounds
    in ``crs`` are the box of the projected box's outline."""
    crs = crs or choose_crs(lonlat_bounds, name)
    outline = shapely.box(*lonlat_bounds).segmentize(0.05)
    projected = gpd.GeoSeries([outline], crs=LONLAT).to_crs(crs).iloc[0]
    return StudyArea(name, crs, None, tuple(projected.bounds), how)


def is_local(points_lonlat_bounds, home_lonlat_bounds, margin: float = 0.5, max_share: float = 0.25) -> bool:
    """Whether points with box ``points_lonlat_bounds`` are "local" data: inside
    the home country's box (grown by ``margin`` degrees) and covering at most
    ``max_share`` of it (e.g. one county's data, not the whole country's)."""
    px0, py0, px1, py1 = points_lonlat_bounds
    hx0, hy0, hx1, hy1 = home_lonlat_bounds
    within = px0 >= hx0 - margin and py0 >= hy0 - margin and px1 <= hx1 + margin and py1 <= hy1 + margin
    share = (px1 - px0) * (py1 - py0) / max((hx1 - hx0) * (hy1 - hy0), 1e-12)
    return within and share <= max_share


def inside_xy(x, y, area: StudyArea) -> np.ndarray:
    """:func:`inside` for coordinates ``x, y`` already in the area's CRS."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if area.geometry is None:
        x0, y0, x1, y1 = area.bounds
        return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    prepared = area.reach
    shapely.prepare(prepared)
    return shapely.intersects_xy(prepared, x, y)


def inside(points: gpd.GeoDataFrame, area: StudyArea) -> np.ndarray:
    """Boolean mask of the points (any CRS) that lie in the study area (its
    polygon grown by its tolerance, or its box for an extent)."""
    pts = points.geometry.to_crs(area.crs) if points.crs != area.crs else points.geometry
    if area.geometry is None:
        x0, y0, x1, y1 = area.bounds
        return ((pts.x >= x0) & (pts.x <= x1) & (pts.y >= y0) & (pts.y <= y1)).to_numpy()
    prepared = area.reach
    shapely.prepare(prepared)
    return shapely.intersects(prepared, pts.values)
