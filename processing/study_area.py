"""The study area of the hotspot algorithms at the QGIS edge (density and Gi*):
its parameters, the polygons QGIS gives for it (a layer, an extent, or the
country pack's chapter regions from QGIS's world map), the CRS to compute in,
and the density legend in words. The logic is ``routes_plugin/core/study_area.py``
(docs/hotspots.md)."""
from __future__ import annotations

import warnings

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsMapLayerLegend,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsSimpleLegendNode,
)
from qgis.PyQt import sip

from ..routes_plugin.core.errors import RoutesError
from ..routes_plugin.edge.countries import chapter_source
from ..routes_plugin.edge.frames import file_to_frame, read_frame
from ..routes_plugin.edge.resources import world_map_path
from ..routes_plugin.edge.styles import stretch_ramp
from .parameters import country_pack, country_parameter
from .points import PointArrays


def add_study_area_parameters(alg, extent: bool = False):
    """STUDY_AREA (polygons), COUNTRY (the pack giving the default) and, for a raster, EXTENT."""
    p = QgsProcessingParameterFeatureSource("STUDY_AREA", "Study area (polygons)",
                                            [Qgis.ProcessingSourceType.VectorPolygon], optional=True)
    p.setHelp("The ground the map covers, e.g. the chapter regions or one county: only points inside it (or "
              "within 5 km of its outline) are used, the result covers only it (on land), and it is computed in a "
              "CRS chosen for it (its UTM zone, or an equal-area projection centred on it). Empty: the chapter "
              "regions of the country pack (Kenya: the whole country), or, when every point lies within a small "
              "part of that area (local data), the points' extent.")
    alg.addParameter(p)
    if extent:
        p = QgsProcessingParameterExtent("EXTENT", "Extent (instead of a study area)", optional=True)
        p.setHelp("A rectangle to compute the density over, instead of the study area (any CRS).")
        alg.addParameter(p)
    alg.addParameter(country_parameter("the default study area (its chapter regions)"))


def target_crs(alg, parameters, context):
    """The TARGET_CRS parameter as a pyproj CRS, or None (refused when geographic)."""
    from pyproj import CRS

    target = alg.parameterAsCrs(parameters, "TARGET_CRS", context)
    if not target.isValid():
        return None
    if target.isGeographic():
        raise RoutesError(
            f"{target.authid() or target.description()} is a geographic CRS (degrees): a density or distance "
            "band in degrees is not meaningful. Choose a projected CRS (e.g. a UTM zone) or leave it empty.")
    return CRS.from_wkt(target.toWkt(Qgis.CrsWktVariant.Preferred))


def resolve_study_area(alg, parameters, context, points, local_rule: bool = True):
    """``(study_area, local)``: an EXTENT, the STUDY_AREA polygons (cut to land), the
    points' extent for local data (``local`` True; in the layer's CRS when it is
    projected) or the country pack's chapter regions; in TARGET_CRS or a CRS
    chosen for it. ``points``: a GeoDataFrame or :class:`~.points.PointArrays`."""
    from ..routes_plugin.core import study_area as sa

    crs = target_crs(alg, parameters, context)
    if parameters.get("EXTENT") not in (None, ""):
        rect = alg.parameterAsExtent(parameters, "EXTENT", context, QgsCoordinateReferenceSystem("EPSG:4326"))
        box = (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())
        return sa.from_extent(box, "the given extent", "the Extent parameter", crs), False
    land = file_to_frame(str(world_map_path()), "countries", None, [])
    if alg.parameterAsSource(parameters, "STUDY_AREA", context) is not None:
        layer = alg.parameterAsVectorLayer(parameters, "STUDY_AREA", context)
        polygons = read_frame(alg, parameters, "STUDY_AREA", context, None, [])
        name = layer.name() if layer is not None else "the study area"
        return sa.from_polygons(polygons, name, "the Study area layer, on land", land=land, crs=crs), False
    pack = country_pack(alg, parameters, context)
    regions = file_to_frame(*chapter_source(pack), [])
    name = pack.name()
    lonlat = points.lonlat_bounds() if isinstance(points, PointArrays) else points.geometry.to_crs(sa.LONLAT).total_bounds
    if local_rule and sa.is_local(lonlat, regions.to_crs(sa.LONLAT).total_bounds):
        if crs is None and not points.crs.is_geographic:
            crs = points.crs
        return sa.from_extent(lonlat, "the points' extent", f"the data is local, within {name}", crs), True
    return sa.from_polygons(regions, name, f"the chapter regions of the {pack.id} country pack", land=land,
                            crs=crs), False


def crs_text(crs) -> str:
    """``EPSG:32737`` or, for a CRS with no code, its PROJ string. (The study area's own
    equal-area CRS has no code: searching PROJ's database for one takes half a second.)"""
    from ..routes_plugin.core import study_area as sa

    auth = None if sa.is_own_equal_area(crs) else crs.to_authority()
    if auth:
        return f"{auth[0]}:{auth[1]}"
    with warnings.catch_warnings():  # "you will lose information": it is only the result's label
        warnings.simplefilter("ignore", UserWarning)
        return crs.to_proj4()


def qgis_version() -> tuple[int, int, int]:
    """``(major, minor, patch)`` of the QGIS in use (the heatmap to match depends on it)."""
    number = Qgis.versionInt()  # e.g. 34006
    return number // 10000, number // 100 % 100, number % 100


class RampOnlyLegend(QgsMapLayerLegend):
    """A raster legend in words: "relative density" over the colour ramp labelled
    "low" ... "high", instead of the renderer's "Band 1: ... (Gray)" and numbers."""

    TITLE = "relative density"

    def createLayerTreeModelLegendNodes(self, node_layer):  # noqa: N802 (QGIS's name)
        renderer = node_layer.layer().renderer() if node_layer.layer() is not None else None
        if renderer is None:
            return []
        nodes = [QgsSimpleLegendNode(node_layer, self.TITLE)]
        nodes += [n for n in renderer.createLegendNodes(node_layer) if not isinstance(n, QgsSimpleLegendNode)]
        for node in nodes:  # the layer tree model owns and deletes them, not Python
            sip.transferto(node, None)
        return nodes


def density_style(peak):
    """The shipped ramp stretched to ``peak``, and the legend in words."""
    stretch = stretch_ramp(peak)

    def adjust(layer):
        stretch(layer)
        layer.setLegend(RampOnlyLegend())
        layer.emitStyleChanged()

    return adjust
