"""The regional chapter map: one function that fills a layout map item with the
routes touching a region, at place level, styled and labelled for print.

Public API (reused by the report driver)::

    maps = RegionMaps.prepare(project, points, legs, region_of_point, threshold, language)
    result = add_region_map(layout, QRectF(x, y, w, h), maps, region, base_layers=[...])
    result.map_item, result.legend_layers, result.notes

or :func:`fill_region_map` on a map item that is already in the layout (the
chapter template's ``map_main``). What is drawn is worked out by
:mod:`map_data` (QGIS-free); this module turns it into styled memory layers:

- density of the route stops in the frame (only when there are enough of
  them), grid fitted to the frame, pixel size from the frame's width;
- land legs (solid, width by routes, arrowhead along the line), flights
  (dashed arcs, never border crossings), sea legs (dotted);
- legs leaving the frame end in an arrow at the frame edge labelled
  "to Saudi Arabia (24)";
- route places as graduated circles coloured by main role, transit places
  and land-border crossings labelled with their counts, the largest towns of
  the gazetteer labelled; QGIS's labelling engine keeps labels apart and off
  the symbols (one label per place).

Classes are the same in every chapter (:func:`map_data.count_classes` over the
national counts), rounded, in the chapter's language.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsColorRampLegendNodeSettings,
    QgsColorRampShader,
    QgsDataDefinedSizeLegend,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsGradientColorRamp,
    QgsGraduatedSymbolRenderer,
    QgsLabelObstacleSettings,
    QgsLayoutItemLabel,
    QgsLayoutItemMap,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLineSymbol,
    QgsMarkerLineSymbolLayer,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsProperty,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRectangle,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSimpleLineSymbolLayer,
    QgsSimpleMarkerSymbolLayer,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
    QgsCoordinateReferenceSystem,
)
from qgis.PyQt.QtCore import QMetaType, QRectF
from qgis.PyQt.QtGui import QColor, QFont

from ..core import countries as _countries
from ..core import texts
from . import map_data as md

#: colours by main role of a place, and of the leg kinds
ROLE_COLOURS = {md.ROLE_ORIGIN: "#1f78b4", md.ROLE_TRANSIT: "#ff7f00", md.ROLE_DESTINATION: "#a50f15"}
LAND_COLOUR, AIR_COLOUR, SEA_COLOUR = "#7a0019", "#3a5fa0", "#1b7f79"
FLOW_WIDTHS = (0.5, 1.1, 1.9, 2.9, 4.0)      # mm, by class
PLACE_SIZES = (2.6, 4.0, 5.8, 8.0, 10.5)     # mm, by class
CROSSING_COLOUR = "#6a3d9a"
#: fewest route stops in the frame, and distinct places, for a density surface
DENSITY_MIN_POINTS, DENSITY_MIN_PLACES = 60, 12
DENSITY_PIXELS_ACROSS = 300
DISCLAIMER_ID = "disclaimer"
#: smallest frame (metres across): a small region is shown with its surroundings
MIN_FRAME_M = 260_000


# ------------------------------------------------------------------ prepared ---

@dataclass
class RegionMaps:
    """Everything the chapter maps of one language share: the route data, the
    national classes (so chapters compare), neighbours, towns, country names."""
    project: object
    points: object            # GeoDataFrame of route_points (EPSG:4326)
    legs: object | None       # GeoDataFrame of route_legs or None (rebuilt from points)
    region_of_point: object   # Series: region name of each point (NaN outside)
    threshold: int
    language: str
    flow_classes: list = field(default_factory=list)
    place_classes: list = field(default_factory=list)
    neighbours: set = field(default_factory=set)
    countries: object = None
    towns: object = None
    country_names: dict = field(default_factory=dict)
    home: str = field(default_factory=lambda: _countries.pack().home_country)
    group: object = None
    tmpdir: str = ""
    log: list = field(default_factory=list)

    @classmethod
    def prepare(cls, project, points, legs, region_of_point, threshold: int, language: str,
                world_map: str | None = None, group=None) -> "RegionMaps":
        import pandas as pd

        from ..core.crossings import load_countries
        from ..core.gazetteer import DATA_DIR

        world_map = world_map or str(Path(_pkg_data()) / "resources" / "data" / "world_map.gpkg")
        self = cls(project, points.to_crs("EPSG:4326"), None if legs is None else legs.to_crs("EPSG:4326"),
                   region_of_point, int(threshold), language, group=group)
        self.countries = load_countries(world_map)
        self.neighbours = md.land_neighbours_geonames() or md.land_neighbours(self.countries)
        places = pd.read_csv(DATA_DIR / "places.csv.gz", keep_default_na=False,
                             usecols=["kind", "name", "lat", "lon", "population", "country", "region"])
        self.towns = md.gazetteer_towns(places)
        codes = set(self.points["country"].dropna().astype(str))
        if self.legs is not None:
            codes |= set(self.legs["from_country"].dropna().astype(str)) | set(self.legs["to_country"].dropna().astype(str))
        self.country_names = {c: md.country_name(c, language) for c in codes}
        home = region_of_point.notna()
        if home.any():
            self.home = str(self.points.loc[home, "country"].mode().iloc[0])
        flows, place_counts = md.national_counts(self.points, self.legs)
        lowest = max(1, self.threshold)
        self.flow_classes = md.count_classes(flows, 4, lowest)
        self.place_classes = md.count_classes(place_counts, 4, lowest)
        self.tmpdir = tempfile.mkdtemp(prefix="routes-chapter-maps-")
        return self

    def text(self, key, **values):
        return texts.text(key, self.language, **values)


def _pkg_data():
    from qgis.core import QgsApplication

    return QgsApplication.pkgDataPath()


@dataclass
class RegionMapResult:
    map_item: QgsLayoutItemMap
    legend_layers: list          # the data layers for a legend, top first
    layers: list                 # every layer drawn, top first
    notes: list                  # sentences for the log / page (suppression, density left out)
    data: dict


# ------------------------------------------------------------------ layers ---

_QTYPES = {"int": QMetaType.Type.LongLong, "float": QMetaType.Type.Double, "str": QMetaType.Type.QString}


def frame_to_layer(frame, name: str, geometry: str, crs) -> QgsVectorLayer:
    """A memory layer holding the GeoDataFrame ``frame`` (geometry type
    ``Point`` / ``LineString``) in ``crs`` (a QgsCoordinateReferenceSystem)."""
    import pandas as pd
    import shapely

    layer = QgsVectorLayer(f"{geometry}?crs={crs.authid() or 'EPSG:4326'}", name, "memory")
    if not crs.authid():
        layer.setCrs(crs)
    fields = QgsFields()
    cols = [c for c in frame.columns if c != frame.geometry.name]
    kinds = {}
    for c in cols:
        dt = frame[c].dtype
        kinds[c] = "int" if pd.api.types.is_integer_dtype(dt) or pd.api.types.is_bool_dtype(dt) else \
            ("float" if pd.api.types.is_float_dtype(dt) else "str")
        fields.append(QgsField(c, _QTYPES[kinds[c]]))
    layer.dataProvider().addAttributes(list(fields))
    layer.updateFields()
    feats = []
    for row, geom in zip(frame[cols].itertuples(index=False, name=None), frame.geometry.values):
        f = QgsFeature(layer.fields())
        values = []
        for c, v in zip(cols, row):
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                values.append(None)
            elif kinds[c] == "int":
                values.append(int(v))
            elif kinds[c] == "float":
                values.append(float(v))
            else:
                values.append(str(v))
        f.setAttributes(values)
        if geom is not None and not geom.is_empty:
            g = QgsGeometry()
            g.fromWkb(shapely.to_wkb(geom))
            f.setGeometry(g)
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    layer.updateExtents()
    return layer


def _format(size: float, colour: str = "#202020", bold: bool = False, italic: bool = False,
            buffer: float = 0.8) -> QgsTextFormat:
    fmt = QgsTextFormat()
    font = QFont("DejaVu Sans")
    font.setBold(bold)
    font.setItalic(italic)
    fmt.setFont(font)
    fmt.setSize(size)
    fmt.setSizeUnit(QgsUnitTypes.RenderPoints)
    fmt.setColor(QColor(colour))
    buf = QgsTextBufferSettings()
    buf.setEnabled(buffer > 0)
    buf.setSize(buffer)
    buf.setColor(QColor(255, 255, 255, 230))
    fmt.setBuffer(buf)
    return fmt


def _labels(layer, expression: str, fmt: QgsTextFormat, priority: int, point: bool = True,
            distance: float = 1.2, obstacle_factor: float = 1.0, is_expression: bool = True) -> None:
    s = QgsPalLayerSettings()
    s.fieldName = expression
    s.isExpression = is_expression
    s.setFormat(fmt)
    s.priority = priority
    s.displayAll = False
    if point:
        s.placement = Qgis.LabelPlacement.OrderedPositionsAroundPoint
        s.dist = distance
        s.distUnits = QgsUnitTypes.RenderMillimeters
    else:
        s.placement = Qgis.LabelPlacement.Line
    obstacle = QgsLabelObstacleSettings()
    obstacle.setIsObstacle(True)
    obstacle.setFactor(obstacle_factor)
    s.setObstacleSettings(obstacle)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(s))
    layer.setLabelsEnabled(True)


def _obstacle_only(layer, factor: float = 0.6) -> None:
    """The layer's features keep labels off (no labels of its own)."""
    s = QgsPalLayerSettings()
    s.drawLabels = False
    s.fieldName = "''"
    s.isExpression = True
    s.placement = Qgis.LabelPlacement.Line
    obstacle = QgsLabelObstacleSettings()
    obstacle.setIsObstacle(True)
    obstacle.setFactor(factor)
    s.setObstacleSettings(obstacle)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(s))
    layer.setLabelsEnabled(True)


def _class_case(field: str, classes, values) -> str:
    """CASE expression: the value of ``values`` for the class of ``field``."""
    parts = []
    for (lo, hi), v in zip(classes, values):
        cond = f'"{field}" >= {lo}' + (f' AND "{field}" <= {hi}' if hi is not None else "")
        parts.append(f"WHEN {cond} THEN {v}")
    return "CASE " + " ".join(parts) + f" ELSE {values[0]} END"


def _arrow_line(colour: str, width: float, pen=None) -> QgsLineSymbol:
    """A line with an arrowhead halfway along it; for a line ending at the frame
    edge (direction 'out') the arrowhead sits on the edge instead."""
    from qgis.PyQt.QtCore import Qt

    line = QgsSimpleLineSymbolLayer(QColor(colour), width)
    line.setWidthUnit(QgsUnitTypes.RenderMillimeters)
    line.setPenCapStyle(Qt.PenCapStyle.FlatCap)
    if pen is not None:
        line.setPenStyle(pen)
    symbol = QgsLineSymbol()
    symbol.changeSymbolLayer(0, line)
    head = QgsSimpleMarkerSymbolLayer(Qgis.MarkerShape.ArrowHeadFilled, 3.0)
    head.setColor(QColor(colour))
    head.setStrokeColor(QColor(255, 255, 255))
    head.setStrokeWidth(0.2)
    head.setSizeUnit(QgsUnitTypes.RenderMillimeters)
    marker_line = QgsMarkerLineSymbolLayer(True)
    marker_line.setPlacements(Qgis.MarkerLinePlacement.CentralPoint)
    marker_line.setSubSymbol(_marker(head))
    # a line leaving the frame: its arrowhead on the frame edge (the legend shows the central one)
    marker_line.setDataDefinedProperty(QgsSymbolLayer.Property.Placement, QgsProperty.fromExpression(
        "CASE WHEN \"direction\" = 'out' THEN 'lastvertex' ELSE 'centerpoint' END"))
    symbol.appendSymbolLayer(marker_line)
    return symbol


def _set_widths(symbol: QgsLineSymbol, width: float) -> None:
    """Line width ``width`` and arrowheads in proportion to it."""
    symbol.symbolLayer(0).setWidth(width)
    for i in range(1, symbol.symbolLayerCount()):
        sub = symbol.symbolLayer(i).subSymbol()
        if sub is not None:
            sub.setSize(2.4 + 1.5 * width)


def style_land_flows(layer, maps: RegionMaps) -> None:
    """Graduated width by routes (the national classes), arrowheads, legend in words."""
    unit, more = maps.text("unit_routes"), maps.text("or_more")
    ranges = []
    for i, (lo, hi) in enumerate(maps.flow_classes):
        s = _arrow_line(LAND_COLOUR, FLOW_WIDTHS[i])
        _set_widths(s, FLOW_WIDTHS[i])
        ranges.append(QgsRendererRange(lo - 0.5, (hi + 0.5) if hi is not None else 1e12, s,
                                       md.class_label(lo, hi, unit, more)))
    renderer = QgsGraduatedSymbolRenderer("routes", ranges)
    renderer.setGraduatedMethod(QgsGraduatedSymbolRenderer.GraduatedColor)
    layer.setRenderer(renderer)
    _obstacle_only(layer, 0.4)


def style_other_flows(layer, maps: RegionMaps, colour: str, pen) -> None:
    """Flights / sea legs: one legend entry, widths by the same classes."""
    symbol = _arrow_line(colour, FLOW_WIDTHS[1], pen)
    widths = FLOW_WIDTHS[:len(maps.flow_classes)]
    symbol.symbolLayer(0).setDataDefinedProperty(
        QgsSymbolLayer.Property.StrokeWidth, QgsProperty.fromExpression(_class_case("routes", maps.flow_classes, widths)))
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    _obstacle_only(layer, 0.4)


def _marker(symbol_layer) -> QgsMarkerSymbol:
    """A marker symbol made of ``symbol_layer`` (ownership passes to the symbol)."""
    symbol = QgsMarkerSymbol()
    symbol.changeSymbolLayer(0, symbol_layer)
    return symbol


def _circle(colour: str, size: float = 4.0) -> QgsMarkerSymbol:
    m = QgsSimpleMarkerSymbolLayer(Qgis.MarkerShape.Circle, size)
    m.setColor(QColor(colour))
    m.setStrokeColor(QColor(255, 255, 255))
    m.setStrokeWidth(0.35)
    return _marker(m)


def style_places(layer, maps: RegionMaps) -> None:
    """Circles coloured by main role, size by routes (national classes), and a
    size legend in words; labels: names, transit places with their counts."""
    sizes = PLACE_SIZES[:len(maps.place_classes)]
    size = QgsProperty.fromExpression(_class_case("routes", maps.place_classes, sizes))
    cats = []
    for role in (md.ROLE_ORIGIN, md.ROLE_TRANSIT, md.ROLE_DESTINATION):
        s = _circle(ROLE_COLOURS[role])
        s.setOpacity(0.9)
        s.setDataDefinedSize(size)
        cats.append(QgsRendererCategory(role, s, maps.text(f"role_{role}")))
    renderer = QgsCategorizedSymbolRenderer("role", cats)
    legend = QgsDataDefinedSizeLegend()
    legend.setLegendType(QgsDataDefinedSizeLegend.LegendSeparated)
    legend.setTitle(maps.text("size_routes_title"))
    unit, more = maps.text("unit_routes"), maps.text("or_more")
    legend.setClasses([QgsDataDefinedSizeLegend.SizeClass(sz, md.class_label(lo, hi, unit, more))
                       for (lo, hi), sz in zip(maps.place_classes, sizes)])
    legend.setSymbol(_circle("#9e9e9e"))
    renderer.setDataDefinedSizeLegend(legend)
    renderer.setOrderBy(_order_by_routes())  # small circles drawn over large ones
    renderer.setOrderByEnabled(True)
    layer.setRenderer(renderer)
    _labels(layer, "label", _format(7.5, bold=True), 8, is_expression=False)


def _order_by_routes():
    from qgis.core import QgsFeatureRequest

    return QgsFeatureRequest.OrderBy([QgsFeatureRequest.OrderByClause('"routes"', False)])


def style_crossings(layer, maps: RegionMaps) -> None:
    m = QgsSimpleMarkerSymbolLayer(Qgis.MarkerShape.Diamond, 4.2)
    m.setColor(QColor(CROSSING_COLOUR))
    m.setStrokeColor(QColor(255, 255, 255))
    m.setStrokeWidth(0.4)
    layer.setRenderer(QgsSingleSymbolRenderer(_marker(m)))
    _labels(layer, "label", _format(7.5, CROSSING_COLOUR, bold=True), 9, is_expression=False)


def style_towns(layer, maps: RegionMaps) -> None:
    m = QgsSimpleMarkerSymbolLayer(Qgis.MarkerShape.Square, 1.2)
    m.setColor(QColor("#4d4d4d"))
    m.setStrokeStyle(__import__("qgis.PyQt.QtCore", fromlist=["Qt"]).Qt.PenStyle.NoPen)
    layer.setRenderer(QgsSingleSymbolRenderer(_marker(m)))
    _labels(layer, "name", _format(6.5, "#3a3a3a", italic=True), 4, distance=0.8, is_expression=False)
    # larger towns first
    pal = layer.labeling().settings()
    pal.dataDefinedProperties().setProperty(QgsPalLayerSettings.Property.Priority,
                                            QgsProperty.fromExpression('6 - min(5, "rank" / 2)'))
    layer.setLabeling(QgsVectorLayerSimpleLabeling(pal))


def style_edge_labels(layer, maps: RegionMaps) -> None:
    """Invisible points at the frame edge carrying "to Saudi Arabia (24)"."""
    m = QgsSimpleMarkerSymbolLayer(Qgis.MarkerShape.Circle, 0.1)
    m.setColor(QColor(0, 0, 0, 0))
    m.setStrokeColor(QColor(0, 0, 0, 0))
    layer.setRenderer(QgsSingleSymbolRenderer(_marker(m)))
    _labels(layer, "label", _format(7.0, "#202020", bold=True), 10, distance=1.5, is_expression=False)


def style_density(layer: QgsRasterLayer, maps: RegionMaps) -> None:
    """Relative density 0–1 as a transparent-to-red ramp; legend 'low – high'."""
    ramp = QgsGradientColorRamp(QColor(255, 255, 204, 0), QColor(227, 26, 28, 200))
    shader_fn = QgsColorRampShader(0.0, 1.0, ramp, QgsColorRampShader.Interpolated)
    shader_fn.setColorRampItemList([
        QgsColorRampShader.ColorRampItem(0.0, QColor(255, 255, 204, 0), maps.text("low")),
        QgsColorRampShader.ColorRampItem(0.35, QColor(254, 204, 92, 120), ""),
        QgsColorRampShader.ColorRampItem(1.0, QColor(227, 26, 28, 190), maps.text("high"))])
    settings = QgsColorRampLegendNodeSettings()
    settings.setMinimumLabel(maps.text("low"))
    settings.setMaximumLabel(maps.text("high"))
    shader_fn.setLegendSettings(settings)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_fn)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(0.0)
    renderer.setClassificationMax(1.0)
    layer.setRenderer(renderer)


# ------------------------------------------------------------------ density ---

def density_layer(maps: RegionMaps, frame, crs: QgsCoordinateReferenceSystem, frame_width_mm: float, name: str):
    """Relative density (0–1) of the route stops in the frame, on a grid fitted
    to the frame (about one pixel per half millimetre of the printed frame), in
    the chapter's CRS; None (and the reason) when there are too few stops."""
    import numpy as np

    from ..core.density import kernel_density, write_geotiff

    pts = maps.points.to_crs(crs.toWkt())
    inside = pts.geometry.within(__import__("shapely").geometry.box(*frame))
    pts = pts[inside & pts.geometry.notna()]
    n, places = len(pts), pts.geometry.apply(lambda g: (round(g.x), round(g.y))).nunique() if len(pts) else 0
    if n < DENSITY_MIN_POINTS or places < DENSITY_MIN_PLACES:
        return None, maps.text("density_left_out", n=n, places=places)
    width = frame[2] - frame[0]
    pixels = min(DENSITY_PIXELS_ACROSS, max(100, int(frame_width_mm * 2)))
    pixel = width / pixels
    radius = width / 14.0
    array, grid = kernel_density(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy(), radius=radius,
                                 pixel_size=pixel, extent=frame)
    peak = float(array.max()) or 1.0
    path = str(Path(maps.tmpdir) / f"density_{abs(hash((frame, name))) % 10**8}.tif")
    write_geotiff(path, (array / peak).astype(np.float32), grid, crs.toWkt(), nodata=None)
    layer = QgsRasterLayer(path, name)
    style_density(layer, maps)
    return layer, None


# ------------------------------------------------------------------ the map ---

def chapter_crs(maps: RegionMaps, region: str) -> QgsCoordinateReferenceSystem:
    """WGS 84 / UTM zone of the region's route stops (else the home country's
    stops): metres, little distortion over a region."""
    pts = maps.points[maps.region_of_point == region]
    if not len(pts):
        pts = maps.points[maps.points["country"] == maps.home]
    if not len(pts):
        pts = maps.points
    x, y = float(pts.geometry.x.median()), float(pts.geometry.y.median())
    zone = min(60, max(1, int((x + 180) // 6) + 1))
    return QgsCoordinateReferenceSystem(f"EPSG:{(32600 if y >= 0 else 32700) + zone}")


def _edge_text(maps, row) -> str:
    """"to Saudi Arabia (24)", or for several far ends leaving at the same place
    "by air to" followed by one "Saudi Arabia (35)" line each."""
    key = {("out", md.AIR): "edge_out_air", ("in", md.AIR): "edge_in_air", ("out", md.SEA): "edge_out_sea",
           ("in", md.SEA): "edge_in_sea", ("out", md.LAND): "edge_out", ("in", md.LAND): "edge_in"}
    members = [m.split("\t") for m in str(row.get("members") or "").split("|") if m]
    members = [(texts.region_name(n, maps.language), int(r)) for n, r in members] or \
        [(row["country_name"], int(row["routes"]))]
    k = key[(row["direction"], row["mode"])]
    if len(members) == 1:
        return maps.text(k, place=members[0][0], n=members[0][1])
    return "\n".join([maps.text(k + "_head"), *(f"{n} ({r})" for n, r in members)])


def fill_region_map(map_item: QgsLayoutItemMap, maps: RegionMaps, region: str, extent: QgsRectangle,
                    crs: QgsCoordinateReferenceSystem, base_layers=(), add_layer=None) -> RegionMapResult:
    """Draw ``region``'s routes in ``map_item`` (already in a layout) over
    ``extent`` (in ``crs``; grown to the item's shape). ``base_layers`` go under
    the data (countries, regions, the tinted region); ``add_layer(layer)``
    registers each new layer in the project (default: added without showing in
    the layer tree)."""
    from qgis.PyQt.QtCore import Qt

    add_layer = add_layer or (lambda layer: maps.project.addMapLayer(layer, False))
    map_item.setCrs(crs)
    extent = QgsRectangle(extent)
    if max(extent.width(), extent.height()) < MIN_FRAME_M:  # a city: show where its routes lead nearby
        c = extent.center()
        extent = QgsRectangle(c.x() - MIN_FRAME_M / 2, c.y() - MIN_FRAME_M / 2, c.x() + MIN_FRAME_M / 2,
                              c.y() + MIN_FRAME_M / 2)
    _zoom(map_item, extent)
    e = map_item.extent()
    frame = (e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum())
    ids = md.region_route_ids(maps.points, maps.region_of_point, region)
    region_names = {maps.home: maps.country_names.get(maps.home, maps.home)}
    data = md.chapter_map_data(maps.legs, maps.points, ids, frame, crs.toWkt(), maps.threshold, maps.neighbours,
                               maps.countries, {**maps.country_names, **region_names}, maps.towns, maps.language,
                               home=maps.home, region=region)
    notes = []
    layers = []
    edge = data["edge_labels"]
    if len(edge):
        edge = edge.assign(label=[_edge_text(maps, r) for _, r in edge.iterrows()])
        lay = frame_to_layer(edge, maps.text("layer_edge_labels"), "Point", crs)
        style_edge_labels(lay, maps)
        layers.append(("edge", lay))
    if len(data["crossings"]):
        lay = frame_to_layer(data["crossings"][["name", "countries", "routes", "label", "geometry"]],
                             maps.text("layer_crossings_place"), "Point", crs)
        style_crossings(lay, maps)
        layers.append(("crossings", lay))
    if len(data["places"]):
        lay = frame_to_layer(data["places"], maps.text("layer_places"), "Point", crs)
        style_places(lay, maps)
        layers.append(("places", lay))
    if len(data["towns"]):
        lay = frame_to_layer(data["towns"], maps.text("layer_towns"), "Point", crs)
        style_towns(lay, maps)
        layers.append(("towns", lay))
    flows = data["flows"]
    for mode, key, style in ((md.AIR, "layer_flights", lambda lay: style_other_flows(lay, maps, AIR_COLOUR, Qt.PenStyle.DashLine)),
                             (md.SEA, "layer_sea", lambda lay: style_other_flows(lay, maps, SEA_COLOUR, Qt.PenStyle.DotLine)),
                             (md.LAND, "layer_land_flows", lambda lay: style_land_flows(lay, maps))):
        part = flows[flows["mode"] == mode]
        if len(part):
            lay = frame_to_layer(part.drop(columns=["country"]), maps.text(key), "LineString", crs)
            style(lay)
            layers.append((mode, lay))
    density, why = density_layer(maps, frame, crs, map_item.rect().width(), maps.text("layer_density_region"))
    if density is not None:
        density.setOpacity(0.85)
        layers.append(("density", density))
    elif why:
        notes.append(why)
    suppressed = sum(int(data[k].attrs.get("suppressed", 0)) for k in ("flows", "places", "crossings"))
    maps.items_withheld = getattr(maps, "items_withheld", 0) + suppressed  # for the chapters' disclosure log
    log = list(notes)
    if suppressed and maps.threshold > 0:
        log.append(maps.text("suppressed_items", n=suppressed, t=maps.threshold))
    for _, lay in layers:
        add_layer(lay)
    drawn = [lay for _, lay in layers]
    map_item.setLayers([*drawn, *base_layers])
    map_item.setKeepLayerSet(True)
    settings = map_item.mapSettings(map_item.extent(), map_item.rect().size(), 96, False).labelingEngineSettings()
    settings.setFlag(Qgis.LabelingFlag.UsePartialCandidates, False)
    settings.setFlag(Qgis.LabelingFlag.UseAllLabels, False)
    map_item.setLabelMargin(__import__("qgis.core", fromlist=["QgsLayoutMeasurement"]).QgsLayoutMeasurement(1.5))
    legend_order = {"places": 0, "crossings": 1, md.LAND: 2, md.AIR: 3, md.SEA: 4, "towns": 5, "density": 6}
    legend_layers = [lay for key, lay in sorted(layers, key=lambda kl: legend_order.get(kl[0], 99)) if key != "edge"]
    maps.log.extend(f"{region}: {n}" for n in log)
    return RegionMapResult(map_item, legend_layers, drawn, notes, data)


def _zoom(map_item, extent: QgsRectangle) -> None:
    ratio = map_item.rect().width() / max(map_item.rect().height(), 1e-9)
    w, h = extent.width(), extent.height()
    w, h = max(w, h * ratio), max(h, w / ratio)
    c = extent.center()
    map_item.setExtent(QgsRectangle(c.x() - w / 2, c.y() - h / 2, c.x() + w / 2, c.y() + h / 2))


def region_extent(maps: RegionMaps, region_layer, crs) -> QgsRectangle:
    """The region's polygon extent in ``crs``, grown by 8 %."""
    from qgis.core import QgsCoordinateTransform

    extent = QgsRectangle()
    extent.setMinimal()
    for feature in region_layer.getFeatures():
        extent.combineExtentWith(feature.geometry().boundingBox())
    extent = QgsCoordinateTransform(region_layer.crs(), crs, maps.project).transformBoundingBox(extent)
    extent.grow(0.08 * max(extent.width(), extent.height()))
    return extent


def add_disclaimer(layout, rect: QRectF, language: str, ident: str = DISCLAIMER_ID) -> QgsLayoutItemLabel:
    """The boundary disclaimer (UN/OCHA wording) in ``language``, in ``rect`` (mm)."""
    item = layout.itemById(ident)
    if item is None:
        item = QgsLayoutItemLabel(layout)
        item.setId(ident)
        layout.addLayoutItem(item)
        item.attemptMove(QgsLayoutPoint(rect.x(), rect.y()))
        item.attemptResize(QgsLayoutSize(rect.width(), rect.height()))
        fmt = QgsTextFormat()
        fmt.setFont(QFont("DejaVu Sans"))
        fmt.setSize(6.5)
        fmt.setColor(QColor("#505050"))
        item.setTextFormat(fmt)
    from qgis.PyQt.QtCore import Qt

    item.setHAlign(Qt.AlignmentFlag.AlignLeft)
    item.setVAlign(Qt.AlignmentFlag.AlignTop)
    item.setText(texts.text("disclaimer", language))
    return item


def add_region_map(layout, rect: QRectF, maps: RegionMaps, region: str, base_layers=(), region_layer=None,
                   disclaimer: bool = True) -> RegionMapResult:
    """A new map item at ``rect`` (mm) showing ``region`` (see :func:`fill_region_map`),
    with the boundary disclaimer under it. ``region_layer``: the region's polygon
    (a filtered layer) the map is zoomed to; else the region's route stops."""
    item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(item)
    item.attemptMove(QgsLayoutPoint(rect.x(), rect.y()))
    item.attemptResize(QgsLayoutSize(rect.width(), rect.height()))
    item.setFrameEnabled(True)
    crs = chapter_crs(maps, region)
    if region_layer is not None:
        extent = region_extent(maps, region_layer, crs)
    else:
        pts = maps.points[maps.region_of_point == region].to_crs(crs.toWkt())
        b = pts.total_bounds
        extent = QgsRectangle(*b)
        extent.grow(0.15 * max(extent.width(), extent.height(), 20000))
    result = fill_region_map(item, maps, region, extent, crs, base_layers)
    if disclaimer:
        add_disclaimer(layout, QRectF(rect.x(), rect.y() + rect.height() + 0.8, rect.width(), 4),
                       maps.language, f"{DISCLAIMER_ID}_{id(item)}")
    return result


# ------------------------------------------------------------ destinations ---

#: circle sizes (mm) of the destinations inset, by the national place classes
INSET_SIZES = (1.6, 2.4, 3.3, 4.3, 5.4)
INSET_LABELS = 6


def style_destinations(layer, maps: RegionMaps) -> None:
    """Circles by routes (the national classes, small), labelled "Saudi Arabia 24" for the largest."""
    sizes = INSET_SIZES[:len(maps.place_classes)]
    symbol = _circle(ROLE_COLOURS[md.ROLE_DESTINATION])
    symbol.setOpacity(0.85)
    symbol.setDataDefinedSize(QgsProperty.fromExpression(_class_case("routes", maps.place_classes, sizes)))
    renderer = QgsSingleSymbolRenderer(symbol)
    layer.setRenderer(renderer)
    _labels(layer, "label", _format(5.5, bold=True, buffer=0.6), 6, distance=0.5, is_expression=False)
    pal = layer.labeling().settings()
    pal.autoWrapLength = 18   # "United Arab / Emirates (24)": two short lines fit between the circles
    # the largest destinations are labelled first (the rows come largest first)
    pal.dataDefinedProperties().setProperty(QgsPalLayerSettings.Property.Priority,
                                            QgsProperty.fromExpression('10 - min(9, "rank")'))
    layer.setLabeling(QgsVectorLayerSimpleLabeling(pal))


def add_destinations_inset(layout, rect: QRectF, maps: RegionMaps, region: str, base_layers=(), add_layer=None,
                           ident: str = "map_destinations"):
    """A small map at ``rect`` (mm) of where ``region``'s routes lead abroad: one
    circle per destination country (as the chapter table counts them) sized by routes (suppressed below the
    threshold), the largest labelled, the home country and its region tinted
    (``base_layers``), with a title line above the map. None (nothing added)
    when no publishable route of the region ends abroad."""
    from qgis.PyQt.QtCore import Qt

    ids = md.region_route_ids(maps.points, maps.region_of_point, region)
    dest = md.destinations_abroad(maps.points, ids, maps.home, maps.threshold, maps.countries, maps.country_names)
    if dest.attrs.get("suppressed") and maps.threshold > 0:
        maps.log.append(f"{region}: " + maps.text("suppressed_items", n=dest.attrs["suppressed"], t=maps.threshold))
    if not len(dest):
        return None
    dest = dest.assign(label=[f"{n} ({r})" if i < INSET_LABELS else None
                              for i, (n, r) in enumerate(zip(dest["name"], dest["routes"]))],
                       rank=range(len(dest)))
    wgs = QgsCoordinateReferenceSystem("EPSG:4326")
    layer = frame_to_layer(dest, maps.text("layer_destinations_abroad"), "Point", wgs)
    style_destinations(layer, maps)
    add = add_layer or (lambda lay: maps.project.addMapLayer(lay, False))
    add(layer)
    drawn = [layer]
    own = maps.points[maps.region_of_point == region]
    if len(own):  # thin arcs from the region to each destination
        import geopandas as gpd
        import numpy as np

        own = own.to_crs("EPSG:4326")
        x0, y0 = float(own.geometry.x.median()), float(own.geometry.y.median())
        arcs = md.flow_lines(np.full(len(dest), x0), np.full(len(dest), y0), dest.geometry.x.to_numpy(),
                             dest.geometry.y.to_numpy(), "curved", 0.15)
        arc_layer = frame_to_layer(gpd.GeoDataFrame({"routes": dest["routes"].to_numpy()}, geometry=list(arcs),
                                                    crs="EPSG:4326"), maps.text("layer_destinations_abroad"), "LineString", wgs)
        line = QgsLineSymbol.createSimple({"line_color": "165,15,21,150", "line_width": "0.25"})
        arc_layer.setRenderer(QgsSingleSymbolRenderer(line))
        add(arc_layer)
        drawn.append(arc_layer)
    title = QgsLayoutItemLabel(layout)
    title.setId(f"{ident}_title")
    layout.addLayoutItem(title)
    title.attemptMove(QgsLayoutPoint(rect.x(), rect.y()))
    title.attemptResize(QgsLayoutSize(rect.width(), 4.2))
    title.setTextFormat(_format(7.0, bold=True, buffer=0))
    title.setText(maps.text("inset_destinations"))
    title.setVAlign(Qt.AlignmentFlag.AlignBottom)
    item = QgsLayoutItemMap(layout)
    item.setId(ident)
    layout.addLayoutItem(item)
    item.attemptMove(QgsLayoutPoint(rect.x(), rect.y() + 4.7))
    item.attemptResize(QgsLayoutSize(rect.width(), rect.height() - 4.7))
    item.setFrameEnabled(True)
    item.setCrs(wgs)
    item.setLayers([*drawn, *base_layers])
    item.setKeepLayerSet(True)
    # the home country and every destination, with room for the circles and labels
    extent = QgsRectangle()
    extent.setMinimal()
    for f in layer.getFeatures():
        extent.combineExtentWith(f.geometry().boundingBox())
    home = maps.countries.loc[maps.home].bounds if maps.countries is not None and maps.home in maps.countries.index \
        else None
    if home is not None:
        extent.combineExtentWith(QgsRectangle(*home))
    pad = max(extent.width(), extent.height(), 10.0) * 0.12  # more room above: labels sit above their circles
    extent = QgsRectangle(extent.xMinimum() - pad, extent.yMinimum() - pad, extent.xMaximum() + pad,
                          extent.yMaximum() + 1.6 * pad)
    _zoom(item, extent)
    return item


# ------------------------------------------------------------------ inputs ---

def read_legs(legs_layer, points_layer):
    """route_legs as a GeoDataFrame: ``legs_layer``, else the ``route_legs``
    layer of the GeoPackage holding ``points_layer``, else None (the maps then
    rebuild the legs from the route points)."""
    from qgis.core import QgsProviderRegistry

    from ..edge.frames import layer_to_frame

    if legs_layer is None and points_layer is not None and points_layer.providerType() == "ogr":
        parts = QgsProviderRegistry.instance().decodeUri("ogr", points_layer.source())
        if parts.get("path"):
            candidate = QgsVectorLayer(f"{parts['path']}|layername=route_legs", "route_legs", "ogr")
            if candidate.isValid() and candidate.fields().lookupField("from_country") >= 0:
                legs_layer = candidate
    if legs_layer is None:
        return None
    frame = layer_to_frame(legs_layer)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    return frame


def regions_of_points(points, regions, name_field: str, by_polygons: bool):
    """Region name of every route point, as the regional summary assigns it."""
    from ..core.summary import assign_regions

    if by_polygons:
        return assign_regions(points.to_crs(regions.crs), regions, name_field)
    return assign_regions(points)
