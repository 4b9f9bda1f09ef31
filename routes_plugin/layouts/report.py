"""The whole report (cover to "About the data") in one language, as one PDF.

One driver fills the page-kind templates in ``layouts/templates/`` (QGIS
layout templates a GIS person can open and edit in the layout designer); the
regional map pages are the chapter maps of :mod:`layouts.chapters`. Items are
found by id (:data:`PAGE_ITEMS`); every page is one layout made from its
template and filled item by item, and the pages are written into one PDF in
order, text kept as text.

Every figure comes from :mod:`layouts.report_figures` (already under the
small-count rule), every printed word from :mod:`core.texts` /
:func:`core.categories.label` / :func:`core.names.country_name`.
"""
from __future__ import annotations

import datetime
from html import escape as html_escape
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataDefinedSizeLegend,
    QgsFillSymbol,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLayoutTableColumn,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPrintLayout,
    QgsReadWriteContext,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QFile, QIODevice, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QFont
from qgis.PyQt.QtXml import QDomDocument

from ..core import categories as cat
from ..core import countries as _countries
from ..core import texts
from ..core.names import country_name
from ..core.publication import disclosure_log, disclosure_statement
from . import charts
from . import chapters
from .report_figures import CHART_FIELDS, OTHER, ReportFigures, cases_range, land_neighbours

DEFAULT_HOME = _countries.pack().home_country   #: the default pack's home country

TEMPLATES = Path(__file__).with_name("templates")
#: page kind -> the item ids its template must hold
PAGE_ITEMS = {
    "cover": ("title", "subtitle", "period", "made", "cover_note", "disclaimer"),
    "contents": ("title", "contents_table", "footer"),
    "map_page": ("title", "map_main", "legend", "side_title", "side_table", "side_text", "scalebar", "disclaimer",
                 "source_note", "footer"),
    "charts_page": ("title", "text", "chart_1", "chart_2", "chart_3", "chart_4", "chart_5", "chart_6", "note",
                    "footer"),
    "table_page": ("title", "intro", "table_title", "table_1", "chart_1", "chart_2", "note", "footer"),
    "wide_table_page": ("title", "intro", "table_title", "table_1", "chart_1", "chart_2", "note", "footer"),
    "about": ("title", "body_left", "body_right", "footer"),
}
ROW_MM = 4.7        #: height of a one-line table row at the templates' 7.5 pt (with margins)
WORLD_CRS = "EPSG:4326"


class ReportError(Exception):
    """The report cannot be made (message is for the user)."""


# ------------------------------------------------------------------ templates ---

def read_page_template(kind: str, folder=None) -> QDomDocument:
    """The template of a page kind, checked for its items (clear error otherwise)."""
    path = Path(folder or TEMPLATES) / f"{kind}.qpt"
    f = QFile(str(path))
    if not path.is_file() or not f.open(QIODevice.ReadOnly):
        raise ReportError(f"The report page template {path} does not exist or cannot be read.")
    doc = QDomDocument()
    ok = doc.setContent(f)
    f.close()
    if not ok or doc.documentElement().tagName() != "Layout":
        raise ReportError(f"{path} is not a QGIS print layout template (.qpt).")
    text = doc.toString()
    missing = [i for i in PAGE_ITEMS[kind] if f'id="{i}"' not in text]
    if missing:
        raise ReportError(f"The report page template {path} lacks the item(s) {', '.join(missing)}.")
    return doc


def _item(layout, ident):
    item = layout.itemById(ident)
    if item is None:
        raise ReportError(f"The page template '{layout.name()}' lacks the item '{ident}'.")
    return item


def _set_text(layout, ident, value: str, html: bool = False) -> None:
    """Set a label's text; plain text is escaped (the templates' labels allow HTML
    formatting, where "<5" would be read as a tag)."""
    _item(layout, ident).setText(value if html else html_escape(str(value), quote=False))


def _html(sections) -> str:
    """[(heading, [paragraph, ...]), ...] as label HTML: bold headings, a blank line between sections."""
    out = []
    for heading, paragraphs in sections:
        if out:
            out.append("<p>&nbsp;</p>")
        if heading:
            out.append(f"<p><b>{html_escape(heading, quote=False)}</b></p>")
        out += [f"<p>{html_escape(p, quote=False)}</p>" for p in paragraphs if p]
    return "".join(out)


def _hide(layout, *idents) -> None:
    for ident in idents:
        item = layout.itemById(ident)
        if item is not None:
            item.setVisibility(False)


def _fill_table(layout, ident, headings, rows, note_ident=None, language="en", widths=None) -> int:
    """Fill the text table whose frame is ``ident``; rows beyond what the frame
    holds are left out (largest first, so the least frequent go) and the note says so.
    Columns get widths that fit the frame (``widths`` in mm, else the first column
    takes what the count columns leave) and long cells wrap."""
    from qgis.core import QgsLayoutTable

    frame = _item(layout, ident)
    table = frame.multiFrame()
    width, height = frame.rect().width(), frame.rect().height()
    capacity = max(1, int((height - ROW_MM - 1) // ROW_MM))
    shown = rows[:capacity]
    n = len(headings)
    usable = width - n * 2 * table.cellMargin() - 0.3  # the frame is as wide as the template's columns
    if widths is None:
        if n == 1:
            widths = [usable]
        elif n == 2:
            widths = [usable - 20, 20]
        else:
            first = max(34.0, usable * 0.26)
            widths = [first] + [(usable - first) / (n - 1)] * (n - 1)
    columns = []
    for i, head in enumerate(headings):
        c = QgsLayoutTableColumn()
        c.setHeading(str(head))
        c.setWidth(float(widths[i]))
        if i > 0 and all(_numeric_cell(r[i]) for r in shown if i < len(r)):
            c.setHAlignment(Qt.AlignmentFlag.AlignRight)
        columns.append(c)
    table.setColumns(columns)
    table.setWrapBehavior(QgsLayoutTable.WrapText)
    for getter, setter in ((table.contentTextFormat, table.setContentTextFormat),
                           (table.headerTextFormat, table.setHeaderTextFormat)):
        f = getter()
        f.setAllowHtmlFormatting(False)  # "<5" is a cell value, not a tag
        setter(f)
    table.setContents([[str(v) for v in row] for row in shown])
    if len(rows) > capacity and note_ident:
        _set_text(layout, note_ident, texts.text("table_more", language, k=capacity, total=len(rows)))
    return len(shown)


def _numeric_cell(v) -> bool:
    text = str(v).strip()
    return text in ("", "–") or text.startswith("<") or text.replace("–", "").replace("+", "").isdigit()


def _picture(layout, ident, svg: Path | None) -> None:
    item = _item(layout, ident)
    if svg is None:
        item.setVisibility(False)
        return
    item.setPicturePath(str(svg), QgsLayoutItemPicture.FormatSVG)
    item.refreshPicture()


# ------------------------------------------------------------------ labels ---

def _num(v) -> str:
    return str(int(round(float(v))))


def _count(v, threshold: int, language: str) -> str:
    """A count, or ``<N`` where the small-count rule blanked it."""
    if v is None or pd.isna(v):
        return texts.text("cell_withheld", language, n=threshold)
    return _num(v)


def item_label(fld: str, code, name, language: str, threshold: int, home: str = DEFAULT_HOME) -> str:
    """A chart or table item in ``language``."""
    if code == OTHER:
        return texts.text("other_fewer", language, n=threshold)
    if fld in ("destination_country", "country"):
        return country_name(code, language, fallback=name)
    if fld == "transit_point":
        text = str(name)
        if text.endswith(")") and " (" in text:
            place, iso = text[:-1].rsplit(" (", 1)
            return place if iso == home else f"{place} ({country_name(iso, language, fallback=iso)})"
        return text
    if fld in cat.VOCABULARIES:
        return cat.label(fld, code, language)
    return str(name)


def chart_items(table: pd.DataFrame, fld: str, language: str, threshold: int, home: str = DEFAULT_HOME):
    if table is None or table.empty:
        return []
    rows = table[table["routes"].notna()]
    return [(item_label(fld, c, n, language, threshold, home), int(r), c == OTHER)
            for c, n, r in zip(rows["code"], rows["name"], rows["routes"])]


# ------------------------------------------------------------------ generated text ---

def region_text(rf, language: str, threshold: int, home: str = DEFAULT_HOME) -> str:
    """What the numbers of one region show, in sentences from :data:`texts.REPORT_TEXTS`.
    Nothing is said of a count the small-count rule withholds, and "most" only of a majority."""
    tt = lambda key, **v: texts.text(key, language, **v)  # noqa: E731
    region = texts.region_name(rf.region, language)
    row = rf.row
    routes = row["routes_any"]
    if pd.notna(routes) and int(routes) == 0:
        return tt("rt_none", region=region)
    if pd.isna(routes):
        return tt("rt_few", n=threshold, region=region)

    def c(v):
        return tt("rt_withheld", n=threshold) if pd.isna(v) else _num(v)

    out = [tt("rt_touch", routes=_num(routes), region=region, origin=c(row["routes_origin"]),
             transit=c(row["routes_transit"]), end=c(row["routes_end"]))]
    cases = cases_range(row["cases_low_any"], row["cases_high_any"])
    if cases:
        out.append(tt("rt_cases", cases=cases))
    n_origin = row["routes_origin"]
    origins = rf.origins
    if origins is not None and len(origins) and pd.notna(n_origin) and n_origin > 0:
        top = origins[origins["code"] != OTHER].head(1)
        if len(top) and pd.notna(top["routes"].iloc[0]):
            k = int(top["routes"].iloc[0])
            key = "rt_origin_most" if k > n_origin / 2 else "rt_origin_top"
            out.append(tt(key, region=region, place=top["name"].iloc[0], k=k, n=_num(n_origin)))
    for fld, one, many in (("destination_country", "rt_dest_one", "rt_dest"),
                           ("transit_point", "rt_transit_one", "rt_transit")):
        items = [(lb, n) for lb, n, o in chart_items(rf.charts.get(fld), fld, language, threshold, home) if not o][:3]
        if items:
            listed = texts.join_items([f"{lb} ({n})" for lb, n in items], language)
            out.append(tt(one if len(items) == 1 else many, items=listed))
    modes = [(lb, n) for lb, n, o in chart_items(rf.charts.get("transport_modes"), "transport_modes", language,
                                                  threshold, home) if not o]
    if modes:
        lb, k = modes[0]
        out.append(tt("rt_mode_most" if k > routes / 2 else "rt_mode_top", item=lb.lower(), k=k, n=_num(routes)))
    for fld, key in (("exploitation_types", "rt_exploit"), ("recruitment_methods", "rt_recruit")):
        items = [(lb, n) for lb, n, o in chart_items(rf.charts.get(fld), fld, language, threshold, home) if not o]
        if items:
            lb, k = items[0]
            out.append(tt(key, item=lb.lower(), k=k))  # category names are common nouns
    return " ".join(out)


# ------------------------------------------------------------------ layers ---

def _text_format(size=7.5, bold=False, colour="#222222") -> QgsTextFormat:
    f = QgsTextFormat()
    font = QFont(charts.FONT)
    font.setBold(bold)
    f.setFont(font)
    f.setSize(size)
    f.setSizeUnit(QgsUnitTypes.RenderPoints)
    f.setColor(QColor(colour))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor(255, 255, 255, 220))
    f.setBuffer(buffer)
    return f


def _label(layer: QgsVectorLayer, expression: str, size=7.5, placement=None) -> None:
    s = QgsPalLayerSettings()
    s.fieldName = expression
    s.isExpression = True
    s.setFormat(_text_format(size))
    if placement is not None:
        s.placement = placement
    layer.setLabeling(QgsVectorLayerSimpleLabeling(s))
    layer.setLabelsEnabled(True)


def _fill(layer, fill, outline, width):
    layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"color": fill, "outline_color": outline, "outline_width": str(width)})))
    return layer


def _size_points(layer: QgsVectorLayer, field_name: str, unit: str, colour: str) -> None:
    """Circles sized by ``field_name`` (Flannery), one collapsed size legend."""
    from ..edge.styles import flow_style

    symbol = QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "outline_color": "#ffffff",
                                           "outline_width": "0.3"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    flow_style(size_field=field_name, unit=unit)(layer)
    legend = QgsDataDefinedSizeLegend(layer.renderer().dataDefinedSizeLegend())
    legend.setLegendType(QgsDataDefinedSizeLegend.LegendCollapsed)
    legend.setTitle(unit)
    layer.renderer().setDataDefinedSizeLegend(legend)


def _flow_lines(layer: QgsVectorLayer, unit: str, dashed: bool = False) -> None:
    from ..edge.styles import apply_style, flow_style

    apply_style(layer, "flows", flow_style(size_field="routes", unit=unit))
    if dashed:
        renderer = layer.renderer()

        def dash(symbol):
            symbol = symbol.clone()
            for i in range(symbol.symbolLayerCount()):
                if hasattr(symbol.symbolLayer(i), "setPenStyle"):
                    symbol.symbolLayer(i).setPenStyle(Qt.PenStyle.DashLine)
            return symbol

        if hasattr(renderer, "ranges"):
            for i, r in enumerate(renderer.ranges()):
                renderer.updateRangeSymbol(i, dash(r.symbol()))
        elif hasattr(renderer, "symbol") and renderer.symbol() is not None:
            renderer.setSymbol(dash(renderer.symbol()))


@dataclass
class ReportInputs:
    """What the report is made of (frames from the route layers; QGIS layers for the maps)."""
    points: pd.DataFrame
    legs: pd.DataFrame | None
    lines: pd.DataFrame | None
    summary: object
    figures: ReportFigures
    regions: QgsVectorLayer
    name_field: str
    chapter_data: dict = field(default_factory=dict)   #: key -> layer for the chapter maps (chapters.DATA_LAYERS)
    crossings: QgsVectorLayer | None = None
    source: str = ""
    network: str = ""
    home: str = DEFAULT_HOME
    organisations: int | None = None
    previous: pd.DataFrame | None = None     #: route points or lines of the previous round
    previous_year: str | None = None
    world_map: str = ""                      #: QGIS's world_map.gpkg (found through QGIS when empty)
    #: what the inputs withheld: disclosure entries or logs (the summary's; the flows' and crossings' logs)
    disclosure: list = field(default_factory=list)
    duplicates: int | None = None            #: reports counted once (duplicates across organisations)


# ------------------------------------------------------------------ pages ---

@dataclass
class Page:
    kind: str                      #: page kind (template) or "chapter_map"
    fill: Callable                 #: fill(layout) -> None
    entry: str | None = None       #: a contents line starting at this page
    level: int = 0                 #: 0 chapter, 1 sub-entry (a region)
    region: str | None = None


class Report:
    """The report in one language: :meth:`pages` then :meth:`export`."""

    def __init__(self, project, inputs: ReportInputs, language: str, workdir: Path, template_dir=None,
                 chapter_template=None, date: str | None = None):
        self.project, self.inp, self.lang = project, inputs, language
        self.fig = inputs.figures
        if not inputs.world_map:
            from ..edge.resources import world_map_path
            inputs.world_map = str(world_map_path())
        self.t = self.fig.threshold
        self.work = Path(workdir)
        self.work.mkdir(parents=True, exist_ok=True)
        self.template_dir = template_dir
        self.chapter_template = chapters.read_template(chapter_template)
        self.date = date or datetime.date.today().isoformat()
        self.country = country_name(inputs.home, language, fallback=inputs.home)
        y = self.fig.years
        self.period = ("" if not y else texts.text("period_one", language, first=y[0]) if y[0] == y[1]
                       else texts.text("period", language, first=y[0], last=y[1]))
        self.source = inputs.source or texts.text("default_source", language)
        self.title = texts.text("report_title", language, country=self.country)
        self._templates: dict[str, QDomDocument] = {}
        self._chapter_layers = None
        self._map_layers: dict[str, QgsVectorLayer] = {}
        self._svg = 0
        self._layer_group = None

    # ---- helpers
    def T(self, key, **values):  # noqa: N802
        return texts.text(key, self.lang, **values)

    def _template(self, kind):
        if kind not in self._templates:
            self._templates[kind] = read_page_template(kind, self.template_dir)
        return self._templates[kind]

    def _layout(self, kind, name) -> QgsPrintLayout:
        layout = QgsPrintLayout(self.project)
        _items, ok = layout.loadFromTemplate(self._template(kind), QgsReadWriteContext())
        if not ok:
            raise ReportError(f"The report page template {kind}.qpt could not be loaded.")
        layout.setName(name)
        return layout

    def _chart(self, table, fld, title, width=90, height=68, key=None) -> Path | None:
        self._svg += 1
        path = self.work / f"chart_{self.lang}_{self._svg:03d}.svg"
        items = chart_items(table, fld, self.lang, self.t, self.inp.home)
        return charts.bar_chart(items, path, title, self.lang, self.t, width, height)

    def _frame_size(self, layout, ident):
        r = _item(layout, ident).rect()
        return r.width(), r.height()

    def _chart_into(self, layout, ident, table, fld, title):
        w, h = self._frame_size(layout, ident)
        _picture(layout, ident, self._chart(table, fld, title, w, h))

    def _common(self, layout, title, page_no):
        _set_text(layout, "title", title)
        footer = layout.itemById("footer")
        if footer is not None:
            footer.setText(self.T("page_footer", title=self.title, page=page_no))
        note = layout.itemById("note")
        if note is not None:
            note.setText("")
        if layout.itemById("disclaimer") is not None:
            _set_text(layout, "disclaimer", self.T("disclaimer"))
        if layout.itemById("source_note") is not None:
            _set_text(layout, "source_note", self.T("map_source", source=self.source, period=self.period))

    # ---- layers for the report's own maps
    def _group(self):
        if self._layer_group is None:
            root = self.project.layerTreeRoot()
            name = f"Report maps ({texts.LANGUAGE_NAMES[self.lang]})"
            old = root.findGroup(name)
            if old is not None:
                root.removeChildNode(old)
            self._layer_group = root.addGroup(name)
            self._layer_group.setItemVisibilityChecked(False)
        return self._layer_group

    def _register(self, layer):
        self.project.addMapLayer(layer, False)
        self._group().addLayer(layer)
        return layer

    def _frame_layer(self, frame, name, key) -> QgsVectorLayer | None:
        """A GeoDataFrame as a layer (written to the work GeoPackage)."""
        import pyogrio

        if frame is None or len(frame) == 0:
            return None
        path = self.work / f"report_{self.lang}.gpkg"
        pyogrio.write_dataframe(frame, path, layer=key)
        layer = QgsVectorLayer(f"{path}|layername={key}", name, "ogr")
        return self._register(layer) if layer.isValid() else None

    def _base_layers(self):
        if "countries" not in self._map_layers:
            countries = QgsVectorLayer(f"{self.inp.world_map}|layername=countries", self.T("layer_countries"), "ogr")
            _fill(countries, "#f2efe9", "#9a9a9a", 0.25)
            self._map_layers["countries"] = self._register(countries)
            regions = self.inp.regions.clone()
            regions.setName(self.T("layer_regions"))
            _fill(regions, "0,0,0,0", "#b0b0b0", 0.2)
            self._map_layers["regions"] = self._register(regions)
        return [self._map_layers["regions"], self._map_layers["countries"]]

    def _name_expr(self, iso_field="code", name_field="name"):
        """Country labels in the page's language come from a field written per language."""
        return f'"label_{self.lang}"'

    def _destinations_layer(self):
        import geopandas as gpd
        from ..core.flows import polygon_points, world_polygons

        d = self.fig.destinations
        d = d[(d["code"] != OTHER) & d["routes"].notna()]
        if d.empty:
            return None
        polys = world_polygons(self.inp.world_map)
        ids = "country:" + d["code"].astype(str)
        have = polys[polys.index.isin(ids)]
        pts = polygon_points(have.geometry)
        frame = gpd.GeoDataFrame({
            "code": d["code"].to_numpy(), "routes": d["routes"].astype(int).to_numpy(),
            "label_en": [country_name(c, "en", n) for c, n in zip(d["code"], d["name"])],
            "label_sw": [country_name(c, "sw", n) for c, n in zip(d["code"], d["name"])]},
            geometry=[pts.get(i) for i in ids], crs=WORLD_CRS)
        frame = frame[frame.geometry.notna()]
        layer = self._frame_layer(frame, self.T("layer_destinations"), "destinations")
        if layer is not None:
            _size_points(layer, "routes", self.T("unit_routes"), "#b2182b")
            _label(layer, f'"label_{self.lang}" || \' \' || "routes"', 7)
        return layer

    def _corridor_layer(self):
        """Route legs between counties (domestic corridors and the legs that leave
        the country), from core.flows at county level, small flows dropped."""
        from ..core.flows import aggregate_flows

        legs = self.inp.legs
        if legs is None or legs.empty:
            return None
        national = set(self.inp.points.loc[self.inp.points["country"] == self.inp.home, "route_id"])
        legs = legs[legs["route_id"].isin(national)]
        try:
            result = aggregate_flows(legs, level="county", mode="legs", threshold=self.t, geometry="curved",
                                     bulge=0.12, node_position="points")
        except ValueError:
            return None
        flows = result.flows
        if flows.empty:
            return None
        if not getattr(self.fig, "corridors_noted", False):  # once, though each language draws the map
            self.fig.ledger.note(int(flows.attrs.get("suppressed_rows", 0)))
            self.fig.corridors_noted = True
        layer = self._frame_layer(flows[["origin", "destination", "routes", "geometry"]], self.T("layer_corridors"),
                                  "corridors")
        if layer is not None:
            _flow_lines(layer, self.T("unit_routes"))
        return layer

    def _land_crossings_layer(self):
        src = self.inp.crossings
        if src is None:
            return None
        layer = src.clone()
        layer.setName(self.T("layer_land_crossings"))
        fields = layer.fields()
        # the report's own threshold holds even when the layer was made with a lower one
        conditions = ["\"routes\" IS NOT NULL", f"\"routes\" >= {int(self.t)}"]
        if fields.lookupField("mode") >= 0:
            conditions.append("coalesce(\"mode\", '') <> 'air'")
        elif fields.lookupField("top_modes") >= 0:
            conditions.append("coalesce(\"top_modes\", '') <> 'air'")
        if fields.lookupField("crossing_id") >= 0:
            conditions.append("\"crossing_id\" <> 0")
        if fields.lookupField("country_a") >= 0 and fields.lookupField("crossing_id") >= 0:
            # a land crossing joins two neighbouring countries (flights to the Gulf are no land crossing)
            land = [str(f["crossing_id"]) for f in src.getFeatures()
                    if land_neighbours(f["country_a"], f["country_b"])]
            conditions.append(f"\"crossing_id\" IN ({', '.join(land) or '-1'})")
        layer.setSubsetString(" AND ".join(conditions))
        _size_points(layer, "routes", self.T("unit_routes"), "#2166ac")
        _label(layer, f'{self._crossing_name_expression(src)} || \' \' || "routes"', 7)
        return self._register(layer)

    def crossing_name(self, name, country_a, country_b) -> str:
        """A crossing's printed name: its place, else the two countries in the page's language."""
        if name not in (None, "") and str(name) != "NULL":
            return str(name)
        return "–".join(country_name(c, self.lang, str(c)) for c in (country_a, country_b))

    def _crossing_name_expression(self, layer) -> str:
        """An expression giving :meth:`crossing_name` per feature (country names from CLDR, not ISO codes)."""
        fields = layer.fields()
        if fields.lookupField("country_a") < 0:
            return '"name"'
        cases = []
        for f in layer.getFeatures():
            if f["name"] in (None, "") or str(f["name"]) == "NULL":
                label = self.crossing_name(None, f["country_a"], f["country_b"]).replace("'", "''")
                cases.append(f"WHEN \"crossing_id\" = {int(f['crossing_id'])} THEN '{label}'")
        return f'coalesce("name", CASE {" ".join(cases)} ELSE "countries" END)' if cases else '"name"'

    def _air_layer(self):
        import geopandas as gpd
        from ..core.flows import flow_lines

        a = self.fig.air_corridors
        if a.empty or "x0" not in a.columns:
            return None
        a = a[a["routes"].notna() & a["x0"].notna()]
        if a.empty:
            return None
        geoms = flow_lines(a["x0"].to_numpy(float), a["y0"].to_numpy(float), a["x1"].to_numpy(float),
                           a["y1"].to_numpy(float), "curved", 0.15)
        frame = gpd.GeoDataFrame({"name": a["code"].to_numpy(), "routes": a["routes"].astype(int).to_numpy()},
                                 geometry=list(geoms), crs=WORLD_CRS)
        layer = self._frame_layer(frame, self.T("layer_air"), "air_corridors")
        if layer is not None:
            _flow_lines(layer, self.T("unit_routes"), dashed=True)
        return layer

    def _airport_layer(self):
        import geopandas as gpd
        import shapely

        a = self.fig.air_corridors
        if a.empty or "x1" not in a.columns:
            return None
        a = a[a["routes"].notna()]
        ends = pd.concat([pd.DataFrame({"name": a["arr"], "x": a["x1"], "y": a["y1"]}),
                          pd.DataFrame({"name": a["dep"], "x": a["x0"], "y": a["y0"]})]).drop_duplicates("name")
        ends = ends.dropna()
        if ends.empty:
            return None
        frame = gpd.GeoDataFrame({"name": ends["name"].astype(str).to_numpy()},
                                 geometry=shapely.points(ends["x"].to_numpy(float), ends["y"].to_numpy(float)),
                                 crs=WORLD_CRS)
        layer = self._frame_layer(frame, self.T("col_airport"), "airports")
        if layer is not None:
            layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
                {"name": "circle", "color": "#333333", "size": "1.4", "outline_color": "white"})))
            _label(layer, '"name"', 6.5)
        return layer

    # ---- map page
    def _map(self, layout, layers, extent: QgsRectangle, crs: str | QgsCoordinateReferenceSystem, legend_layers):
        m = _item(layout, "map_main")
        crs = crs if isinstance(crs, QgsCoordinateReferenceSystem) else QgsCoordinateReferenceSystem(crs)
        m.setCrs(crs)
        m.setLayers([lyr for lyr in layers if lyr is not None])
        m.setKeepLayerSet(True)
        tr = QgsCoordinateTransform(QgsCoordinateReferenceSystem(WORLD_CRS), crs, self.project)
        chapters._zoom(m, tr.transformBoundingBox(extent))
        legend = _item(layout, "legend")
        if isinstance(legend, QgsLayoutItemLegend):
            legend.setTitle(self.T("legend_title"))
            legend.setLinkedMap(m)
            legend.setAutoUpdateModel(False)
            root = legend.model().rootGroup()
            root.removeAllChildren()
            for layer in legend_layers:
                if layer is not None:
                    root.addLayer(layer)
            legend.updateLegend()
            chapters._fit_legend(legend)
        bar = _item(layout, "scalebar")
        if isinstance(bar, QgsLayoutItemScaleBar):
            bar.setLinkedMap(m)
            bar.applyDefaultSize(QgsUnitTypes.DistanceKilometers)
            bar.setUnitLabel("km")
        # the side title and table start below the legend
        lb = legend.sceneBoundingRect().bottom() + 4
        st, tb = _item(layout, "side_title"), _item(layout, "side_table")
        if lb > st.sceneBoundingRect().top():
            shift = lb - st.sceneBoundingRect().top()
            st.attemptMove(QgsLayoutPoint(st.pos().x(), st.pos().y() + shift))
            r = tb.sceneBoundingRect()
            tb.attemptSetSceneRect(QRectF(r.left(), r.top() + shift, r.width(), max(20, r.height() - shift)))

    def _home_extent(self, margin=0.12) -> QgsRectangle:
        layer = self.inp.regions
        extent = QgsRectangle()
        for f in layer.getFeatures():
            extent.combineExtentWith(f.geometry().boundingBox())
        tr = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem(WORLD_CRS), self.project)
        extent = tr.transformBoundingBox(extent)
        extent.grow(margin * max(extent.width(), extent.height()))
        return extent

    def _home_crs(self) -> QgsCoordinateReferenceSystem:
        """WGS 84 / UTM zone of the home regions' centre, from their features (a filtered
        layer's own extent may not be computed yet)."""
        c = self._home_extent(0).center()
        zone = min(60, max(1, int((c.x() + 180) // 6) + 1))
        return QgsCoordinateReferenceSystem(f"EPSG:{32600 + zone if c.y() >= 0 else 32700 + zone}")

    def _world_extent(self, frame_cols=("x1", "y1")) -> QgsRectangle:
        extent = self._home_extent(0.1)
        d = self._map_layers.get("destinations")
        if d is not None and d.featureCount():
            e = d.extent()
            extent.combineExtentWith(e)
        a = self._map_layers.get("air")
        if a is not None and a.featureCount():
            extent.combineExtentWith(a.extent())
        extent.grow(0.08 * max(extent.width(), extent.height()))
        return extent

    # ---------------------------------------------------------------- page fills ---
    def fill_cover(self, layout, page_no):
        _set_text(layout, "title", self.title)
        _set_text(layout, "subtitle", self.T("report_subtitle", network=self.inp.network or
                                             self.T("report_default_network"), period=self.period))
        _set_text(layout, "period", self.period)
        _set_text(layout, "made", self.T("report_made", date=self.date))
        _set_text(layout, "cover_note", self.T("report_cover_note", n=self.t) if self.t > 0
                  else self.T("report_cover_note_off"))
        _set_text(layout, "disclaimer", self.T("disclaimer"))
        if layout.itemById("cover_chart") is not None:
            w, h = self._frame_size(layout, "cover_chart")
            self._svg += 1
            items = chart_items(self.fig.destinations, "destination_country", self.lang, self.t, self.inp.home)[:6]
            svg = charts.bar_chart(items, self.work / f"chart_{self.lang}_{self._svg:03d}.svg",
                                   self.T("chart_destination_country"), self.lang, self.t, w, h, max_bars=6)
            _picture(layout, "cover_chart", svg)

    def fill_contents(self, layout, page_no, pages):
        self._common(layout, self.T("contents"), page_no)
        rows = []
        for i, p in enumerate(pages, start=1):
            if i - 1 == self._regions_heading:
                rows.append([self.T("ch_regions"), str(i)])
            if p.entry:
                rows.append(["      " * p.level + p.entry, str(i)])
        _fill_table(layout, "contents_table", [self.T("col_chapter"), self.T("col_page")], rows)

    def fill_overview_map(self, layout, page_no):
        self._common(layout, self.T("ch_overview_map", country=self.country), page_no)
        corridors = self._map_layers.setdefault("corridors", self._corridor_layer())
        crossings = self._map_layers.setdefault("land", self._land_crossings_layer())
        self._map(layout, [crossings, corridors, *self._base_layers()], self._home_extent(0.25),
                  self._home_crs(), [corridors, crossings])
        n = self.fig.national
        withheld = self.T("kf_withheld", n=self.t)
        cases = n["cases"]
        note = self.T("overview_map_note", n=self.t)
        if cases.endswith("+"):  # "1721+": no upper sum, some reports gave none
            cases = self.T("kf_cases_more", low=cases[:-1])
            note = f"{self.T('kf_cases_open_note')} {note}"
        def k(v):  # a count below the threshold is never printed, whatever it counts
            return withheld if v is None or 0 < int(v) < self.t else int(v)

        rows = [[self.T("kf_routes", country=self.country), k(n["routes"])],
                [self.T("kf_cases"), cases or "–"],
                [self.T("kf_abroad", country=self.country), k(n["abroad_routes"])],
                [self.T("kf_origins"), k(n["origins"])], [self.T("kf_destinations"), k(n["destinations"])],
                [self.T("kf_dest_countries"), k(n["destination_countries"])],
                [self.T("kf_transit"), k(n["transit_points"])],
                [self.T("kf_orgs"), k(self.inp.organisations) if self.inp.organisations is not None
                 else self.T("kf_orgs_unknown")]]
        _set_text(layout, "side_title", self.T("kf_title"))
        _fill_table(layout, "side_table", [self.T("col_measure"), self.T("col_value")], rows, widths=[50, 23])
        _set_text(layout, "side_text", note)

    def fill_overview_destinations(self, layout, page_no):
        self._common(layout, self.T("ch_overview_dest"), page_no)
        dest = self._map_layers.setdefault("destinations", self._destinations_layer())
        self._map(layout, [dest, *self._base_layers()], self._world_extent(), WORLD_CRS, [dest])
        c = self.fig.corridors
        rows = [[self._corridor_name(r), _count(r["routes"], self.t, self.lang)] for _, r in c.iterrows()]
        _set_text(layout, "side_title", self.T("top_corridors"))
        _fill_table(layout, "side_table", [self.T("col_corridor"), self.T("col_routes")], rows)
        _set_text(layout, "side_text", self.T("dest_map_note", n=self.t))

    def _corridor_name(self, r):
        def side(place, iso):
            return place if iso == self.inp.home else f"{place} ({country_name(iso, self.lang, iso)})"
        return f"{side(r['origin_place'], r['origin_country'])} → {side(r['final_place'], r['final_country'])}"

    def fill_region_charts(self, layout, page_no, rf):
        region = texts.region_name(rf.region, self.lang)
        self._common(layout, self.T("ch_region_charts", region=region), page_no)
        _set_text(layout, "text", region_text(rf, self.lang, self.t, self.inp.home))
        for i, fld in enumerate(CHART_FIELDS, start=1):
            self._chart_into(layout, f"chart_{i}", rf.charts.get(fld), fld, self.T(f"chart_{fld}"))
        routes = rf.row["routes_any"]
        if pd.isna(routes) or int(routes) == 0:  # the text says why there is no chart
            for i in range(1, 7):
                _hide(layout, f"chart_{i}")
        self._chart_into(layout, "chart_6", rf.charts.get("airlines"), "airlines", self.T("chart_airlines"))
        _set_text(layout, "note", self.T("chart_note"))

    def _group_label(self, group):
        if group.startswith("abroad:"):
            iso = group.split(":", 1)[1]
            return self.T("border_abroad", country=country_name(iso, self.lang, iso))
        if group == "inland":
            return self.T("border_inland", country=self.country)
        key = f"border_{group}"
        return self.T(key) if key in texts.TEXTS else group

    def _group_order(self, groups):
        known = ["uganda", "tanzania", "somalia_ethiopia", "north", "south_sudan"]
        return sorted(groups, key=lambda g: (known.index(g) if g in known else 10 if g == "inland" else 20, g))

    def fill_transit(self, layout, page_no):
        self._common(layout, self.T("ch_transit"), page_no)
        _set_text(layout, "intro", self.T("transit_intro" if self.t > 0 else "transit_intro_off", n=self.t))
        tr = self.fig.transit
        rows = []
        for g in self._group_order(tr["group"].unique().tolist() if len(tr) else []):
            part = tr[tr["group"] == g]
            label = self._group_label(g)
            for j, (_, r) in enumerate(part.iterrows()):
                name = self.T("other_fewer", n=self.t) if r["code"] == OTHER else (
                    r["name"] if r.get("country") == self.inp.home or pd.isna(r.get("country"))
                    else f"{r['name']} ({country_name(r['country'], self.lang, r['country'])})")
                rows.append([label if j == 0 else "", name, _count(r["routes"], self.t, self.lang),
                             cases_range(r.get("cases_low"), r.get("cases_high")) if r["code"] != OTHER else ""])
        _set_text(layout, "table_title", self.T("ch_transit"))
        _fill_table(layout, "table_1", [self.T("col_border"), self.T("col_transit_point"), self.T("col_routes"),
                                        self.T("col_cases")], rows, "note", self.lang)
        tp = tr[tr["code"] != OTHER].sort_values("routes", ascending=False) if len(tr) else tr
        if len(tp):
            tp = tp.assign(name=[f"{n} ({c})" for n, c in zip(tp["name"], tp["country"])])
        self._chart_into(layout, "chart_1", tp, "transit_point", self.T("chart_transit_point"))
        land = self._map_layers.setdefault("land", self._land_crossings_layer())
        self._chart_into(layout, "chart_2", self._crossing_table(land), "crossing", self.T("ch_transit_map"))

    def _crossing_table(self, layer):
        rows = []
        if layer is not None:
            for f in layer.getFeatures():
                name = self.crossing_name(f["name"], f["country_a"], f["country_b"]) \
                    if f.fields().lookupField("country_a") >= 0 else str(f["name"])
                rows.append({"code": str(name), "name": str(name), "routes": int(f["routes"])})
        return pd.DataFrame(rows, columns=["code", "name", "routes"]).sort_values("routes", ascending=False)

    def fill_transit_map(self, layout, page_no):
        self._common(layout, self.T("ch_transit_map"), page_no)
        land = self._map_layers.setdefault("land", self._land_crossings_layer())
        corridors = self._map_layers.setdefault("corridors", self._corridor_layer())
        self._map(layout, [land, corridors, *self._base_layers()], self._home_extent(0.2),
                  self._home_crs(), [land, corridors])
        table = self._crossing_table(land)
        _set_text(layout, "side_title", self.T("layer_land_crossings"))
        _fill_table(layout, "side_table", [self.T("col_border"), self.T("col_routes")],
                    [[r["name"], r["routes"]] for _, r in table.iterrows()])
        _set_text(layout, "side_text", self.T("crossings_note"))

    def fill_air(self, layout, page_no):
        self._common(layout, self.T("ch_air"), page_no)
        intro = self.T("air_intro")
        if self.fig.air_inferred:
            from .report_figures import AIR_LEG_MIN_KM
            intro += " " + self.T("air_inferred", km=int(AIR_LEG_MIN_KM))
        _set_text(layout, "intro", intro)
        rows = []
        for key, table in (("departures", self.fig.departures), ("arrivals", self.fig.arrivals)):
            for j, (_, r) in enumerate(table.iterrows()):
                name = self.T("other_fewer", n=self.t) if r["code"] == OTHER else (
                    r["name"] if r.get("country") == self.inp.home or pd.isna(r.get("country"))
                    else f"{r['name']} ({country_name(r['country'], self.lang, r['country'])})")
                rows.append([self.T(key) if j == 0 else "", name, _count(r["routes"], self.t, self.lang)])
        _set_text(layout, "table_title", f"{self.T('departures')} / {self.T('arrivals')}")
        _fill_table(layout, "table_1", ["", self.T("col_airport"), self.T("col_routes")], rows, "note", self.lang)
        self._chart_into(layout, "chart_1", self.fig.airlines, "airlines", self.T("chart_airlines"))
        arr = self.fig.arrivals
        if len(arr):
            arr = arr.assign(name=[n if c == OTHER else f"{n} ({country_name(k, self.lang, k)})"
                                   for c, n, k in zip(arr["code"], arr["name"], arr["country"])])
        self._chart_into(layout, "chart_2", arr, "airport", self.T("arrivals"))

    def fill_airline_countries(self, layout, page_no):
        self._common(layout, self.T("ch_air"), page_no)
        _set_text(layout, "intro", self.T("air_intro"))
        long = self.fig.airline_countries
        _set_text(layout, "table_title", self.T("airline_countries"))
        headings, rows = self._cross(long, "airlines", "destination_country", max_cols=9)
        _fill_table(layout, "table_1", headings, rows, "note", self.lang)
        self._chart_into(layout, "chart_1", self.fig.airlines, "airlines", self.T("chart_airlines"))
        self._chart_into(layout, "chart_2", self.fig.destinations, "destination_country",
                         self.T("chart_destination_country"))

    def _cross(self, long: pd.DataFrame, row_field: str, col_field: str, max_cols: int = 9, col_label=None,
               row_label=None):
        """Headings and rows of a cross table (routes), the columns with the most
        routes first; a withheld cell prints ``<N``, an empty one ``–``."""
        if long is None or long.empty:
            return [self.T(f"col_{'airline' if row_field == 'airlines' else 'method'}")], []
        known = long[long["routes"].notna()]
        col_tot = known.groupby(col_field)["routes"].sum().sort_values(ascending=False)
        row_tot = known.groupby(row_field)["routes"].sum().sort_values(ascending=False)
        cols = list(col_tot.index[:max_cols])
        rows_keys = list(row_tot.index) + [r for r in long[row_field].unique() if r not in row_tot.index]
        lab_c = col_label or (lambda c: item_label(col_field, c, c, self.lang, self.t, self.inp.home))
        lab_r = row_label or (lambda r: item_label(row_field, r, r, self.lang, self.t, self.inp.home))
        cell = long.set_index([row_field, col_field])["routes"]
        rows = []
        for r in rows_keys:
            vals = []
            for c in cols:
                if (r, c) in cell.index:
                    vals.append(_count(cell.loc[(r, c)], self.t, self.lang))
                else:
                    vals.append("–")
            if all(v == "–" for v in vals):
                continue
            rows.append([lab_r(r), *vals])
        first = self.T("col_airline") if row_field == "airlines" else self.T("col_method")
        return [first, *[lab_c(c) for c in cols]], rows

    def fill_air_map(self, layout, page_no):
        self._common(layout, self.T("ch_air_map"), page_no)
        air = self._map_layers.setdefault("air", self._air_layer())
        airports = self._map_layers.setdefault("airports", self._airport_layer())
        self._map(layout, [airports, air, *self._base_layers()], self._world_extent(), WORLD_CRS, [air])
        a = self.fig.air_corridors
        rows = []
        for _, r in a.iterrows():
            name = self.T("other_fewer", n=self.t) if r["code"] == OTHER else r["code"]
            rows.append([name, _count(r["routes"], self.t, self.lang)])
        _set_text(layout, "side_title", self.T("ch_air_map"))
        _fill_table(layout, "side_table", [self.T("col_corridor"), self.T("col_routes")], rows)
        _set_text(layout, "side_text", self.T("air_map_note", n=self.t))

    def fill_recruitment_regions(self, layout, page_no):
        self._common(layout, self.T("ch_recruitment"), page_no)
        _set_text(layout, "intro", self.T("recruit_intro"))
        rr = self.fig.recruitment_region
        _set_text(layout, "table_title", self.T("recruit_by_region"))
        order = [r.region for r in self.fig.regions]
        headings, rows = self._cross(rr.rename(columns={"code": "recruitment_methods"}), "recruitment_methods",
                                     "region", max_cols=len(order),
                                     col_label=lambda c: texts.region_name(c, self.lang))
        # regions in the summary's order, all of them
        if rows:
            idx = {h: i for i, h in enumerate(headings)}
            names = [texts.region_name(r, self.lang) for r in order]
            cols = [0] + [idx[n] for n in names if n in idx]
            headings = [headings[0]] + [n for n in names if n in idx] + \
                [n for n in names if n not in idx]
            rows = [[row[i] for i in cols] + ["–"] * (len(headings) - len(cols)) for row in rows]
        _fill_table(layout, "table_1", headings, rows, "note", self.lang)
        self._chart_into(layout, "chart_1", self.fig.recruitment, "recruitment_methods",
                         self.T("chart_recruitment_methods"))
        self._chart_into(layout, "chart_2", self.fig.exploitation, "exploitation_types",
                         self.T("chart_exploitation_types"))

    def fill_recruitment_types(self, layout, page_no):
        self._common(layout, self.T("ch_recruitment"), page_no)
        _set_text(layout, "intro", self.T("recruit_intro"))
        _set_text(layout, "table_title", self.T("recruit_by_type"))
        headings, rows = self._cross(self.fig.recruitment_exploitation, "recruitment_methods", "exploitation_types",
                                     max_cols=8)
        # the table takes the whole page: no charts here
        _hide(layout, "chart_1", "chart_2")
        frame = _item(layout, "table_1")
        r = frame.sceneBoundingRect()
        frame.attemptSetSceneRect(QRectF(r.left(), r.top(), r.width(), 150))
        _fill_table(layout, "table_1", headings, rows, "note", self.lang)

    def fill_changes(self, layout, page_no):
        year = self.inp.previous_year or "?"
        self._common(layout, self.T("ch_changes", year=year), page_no)
        before = self.inp.previous
        # the two rounds compared as the same kind of layer (route lines with lines, points with points)
        after = self.inp.lines if "final_country" in before.columns and self.inp.lines is not None else self.inp.points
        lines = change_lines(before, after, self.t, self.lang, self.inp.home)
        _set_text(layout, "body_left", _html([(None, [self.T("changes_intro", before=year)]), (None, lines)]),
                  html=True)
        _set_text(layout, "body_right", "")

    def fill_about(self, layout, page_no):
        self._common(layout, self.T("ch_about"), page_no)
        n = self.fig.national
        orgs = self.inp.organisations or 0
        orgs = self.T("about_orgs", k=orgs if orgs >= self.t else self.T("kf_withheld", n=self.t)) if orgs else ""
        routes = n["routes"] if n["routes"] is not None else self.T("kf_withheld", n=self.t)
        left = [(self.T("about_sources_h"), [self.T("about_sources", source=self.source, routes=routes,
                                                     country=self.country, period=self.period, orgs=orgs,
                                                     date=self.date)]),
                (self.T("about_collected_h"), [self.T("about_collected")]),
                (self.T("about_count_h"), [self.T("about_count")])]
        suppression = [self.T("about_suppression", n=self.t, k=self.withheld()) if self.t > 0
                       else self.T("about_suppression_off")]
        suppression.append(disclosure_statement(self.disclosure_log(), self.lang, self.inp.duplicates))
        right = [(self.T("about_suppression_h"), suppression), (self.T("about_boundaries_h"),
                                                                 [self.T("about_boundaries")])]
        _set_text(layout, "body_left", _html(left), html=True)
        _set_text(layout, "body_right", _html(right), html=True)

    def withheld(self) -> int:
        return self.fig.ledger.items

    def disclosure_log(self):
        """The report's disclosure log: what its inputs withheld (the regional summary it
        makes, the flows and crossings it draws) and the list items and table cells
        it printed without their count (core/publication.py)."""
        ledger = self.fig.ledger
        own = {"table": "report lists and tables", "threshold": int(self.t), "cells": int(ledger.items),
               "primary": int(ledger.items) if self.t > 0 else 0, "complementary": 0, "withheld_cells": []}
        return disclosure_log(*self.inp.disclosure, *([own] if self.t > 0 else []))

    # ---------------------------------------------------------------- the pages ---
    def pages(self) -> list[Page]:
        pp = []
        pp.append(Page("cover", self.fill_cover))
        pp.append(Page("contents", None))
        pp.append(Page("map_page", self.fill_overview_map, self.T("ch_overview")))
        pp.append(Page("map_page", self.fill_overview_destinations))
        for i, rf in enumerate(self.fig.regions):
            pp.append(Page("chapter_map", None, texts.region_name(rf.region, self.lang), 1, rf.region))
            pp.append(Page("charts_page", lambda lay, no, rf=rf: self.fill_region_charts(lay, no, rf)))
        # a heading line for the regional chapters, at the first region's page
        first_region = next(i for i, p in enumerate(pp) if p.kind == "chapter_map") if self.fig.regions else None
        pp.append(Page("table_page", self.fill_transit, self.T("ch_transit")))
        pp.append(Page("map_page", self.fill_transit_map))
        pp.append(Page("table_page", self.fill_air, self.T("ch_air")))
        pp.append(Page("wide_table_page", self.fill_airline_countries))
        pp.append(Page("map_page", self.fill_air_map))
        pp.append(Page("wide_table_page", self.fill_recruitment_regions, self.T("ch_recruitment")))
        pp.append(Page("wide_table_page", self.fill_recruitment_types))
        if self.inp.previous is not None:
            pp.append(Page("about", self.fill_changes, self.T("ch_changes", year=self.inp.previous_year or "?")))
        pp.append(Page("about", self.fill_about, self.T("ch_about")))
        self._regions_heading = first_region
        return pp

    def _chapter_layout(self, region, page_no):
        if self._chapter_layers is None:
            data = {k: at_threshold(v, self.t) for k, v in self.inp.chapter_data.items()}
            # the place-level regional maps of the chapters (routes touching the region, towns, crossings)
            pts = self.inp.points
            region_of = (pts["region"].where(pts["country"] == self.inp.home) if "region" in pts.columns
                         else None)
            self._chapter_layers = chapters.ChapterLayers.prepare(
                self.project, self.inp.regions, self.inp.name_field, data, self.lang,
                points=pts if region_of is not None else None, legs=self.inp.legs, region_of_point=region_of,
                threshold=self.t)
            for layer in self._chapter_layers.data:
                self._density_words(layer)
        layout = chapters.build_layout(self.project, self.chapter_template, region, self._chapter_layers,
                                       self.inp.summary, self.lang, self.source, self.period, self.date)
        # the report's page number, bottom right, as on every other page
        footer = QgsLayoutItemLabel(layout)
        footer.setId("footer")
        footer.setText(self.T("page_footer", title=self.title, page=page_no))
        fmt = QgsTextFormat()
        fmt.setFont(QFont(charts.FONT))
        fmt.setSize(7)
        fmt.setColor(QColor("#555555"))
        footer.setTextFormat(fmt)
        footer.setHAlign(Qt.AlignmentFlag.AlignRight)
        layout.addLayoutItem(footer)
        footer.attemptMove(QgsLayoutPoint(150, 203))
        footer.attemptResize(QgsLayoutSize(137, 4.5))
        return layout

    def _density_words(self, layer) -> None:
        """A density ramp's legend says "low" and "high", not the raw peak of the
        estimate (a float no reader can use)."""
        from qgis.core import QgsColorRampLegendNodeSettings, QgsRasterLayer

        if not isinstance(layer, QgsRasterLayer) or layer.renderer() is None:
            return
        shader = getattr(layer.renderer(), "shader", lambda: None)()
        function = shader.rasterShaderFunction() if shader is not None else None
        if function is None or not hasattr(function, "setLegendSettings"):
            return
        settings = QgsColorRampLegendNodeSettings(function.legendSettings() or QgsColorRampLegendNodeSettings())
        settings.setMinimumLabel(self.T("density_low"))
        settings.setMaximumLabel(self.T("density_high"))
        function.setLegendSettings(QgsColorRampLegendNodeSettings(settings))

    def build(self, feedback=None) -> list[QgsPrintLayout]:
        pages = self.pages()
        layouts = []
        for no, page in enumerate(pages, start=1):
            if feedback is not None and feedback.isCanceled():
                raise ReportError("Cancelled")
            name = f"Report ({texts.LANGUAGE_NAMES[self.lang]}) – page {no}"
            if page.kind == "chapter_map":
                layout = self._chapter_layout(page.region, no)
            else:
                layout = self._layout(page.kind, name)
                if page.kind == "contents":
                    self.fill_contents(layout, no, pages)
                else:
                    page.fill(layout, no)
            layouts.append(layout)
            if feedback is not None:
                feedback.setProgress(100.0 * no / len(pages))
        return layouts

    def export(self, path: Path, dpi: int = 200, feedback=None) -> tuple[str, int]:
        layouts = self.build(feedback)
        try:
            written = chapters.export_combined_pdf(layouts, Path(path), dpi)
        except chapters.ChapterError as err:
            raise ReportError(str(err)) from err
        finally:
            self.release()
        if not Path(written).is_file():
            raise ReportError(f"Could not write {path}: check that it is not open in another program or read-only.")
        return written, len(layouts)

    def release(self) -> None:
        """Remove the report's own map layers (work files) from the project."""
        if self._layer_group is not None:
            ids = [lyr.layerId() for lyr in self._layer_group.findLayers()]
            self.project.layerTreeRoot().removeChildNode(self._layer_group)
            keep = {self.inp.regions.id()}
            self.project.removeMapLayers([i for i in ids if i not in keep])
            self._layer_group = None
            self._map_layers = {}


def at_threshold(layer, threshold: int):
    """``layer`` itself, or for a vector layer with a ``routes`` count a copy showing only
    features with at least ``threshold`` routes: the report's threshold holds on its maps
    even when a layer was made with a lower one."""
    if not isinstance(layer, QgsVectorLayer) or layer.fields().lookupField("routes") < 0 or threshold <= 0:
        return layer
    copy = layer.clone()
    base = layer.subsetString()
    rule = f'"routes" >= {int(threshold)}'
    copy.setSubsetString(f"({base}) AND {rule}" if base else rule)
    return copy


# ------------------------------------------------------------------ hooks ---

def _destination_routes(table: pd.DataFrame) -> pd.Series:
    """Distinct routes per destination country of route points or route lines."""
    if "role" in table.columns:
        d = table[table["role"].isin(("destination", "exploitation"))]
        return d.drop_duplicates(["route_id", "country"]).groupby("country")["route_id"].nunique()
    if "final_country" in table.columns:
        return table.drop_duplicates("route_id").groupby("final_country")["route_id"].nunique()
    return pd.Series(dtype="int64")


def change_lines(before: pd.DataFrame, after: pd.DataFrame, threshold: int, language: str,
                 home: str = DEFAULT_HOME) -> list[str]:
    """The lines of "What changed since <year>": core.rounds' when it exists, else
    the routes of each round and the new and gone destination countries; a country
    below the threshold in a round is counted, never named."""
    try:
        from ..core import rounds
        fn = getattr(rounds, "report_lines", None) or getattr(rounds, "change_lines", None)
        if fn is not None:
            return list(fn(before, after, threshold=threshold, language=language))
    except ImportError:
        pass
    tt = lambda key, **v: texts.text(key, language, **v)  # noqa: E731

    def routes(t):
        n = t["route_id"].nunique()
        return tt("kf_withheld", n=threshold) if 0 < n < threshold else str(n)

    b, a = _destination_routes(before), _destination_routes(after)
    lines = [tt("changes_routes", before=routes(before), after=routes(after))]
    new = [c for c in a.index if c not in b.index]
    named = sorted((c for c in new if a[c] >= threshold), key=lambda c: -a[c])
    few = [c for c in new if a[c] < threshold]
    if named:
        lines.append(tt("changes_new_countries", items=texts.join_items(
            [f"{country_name(c, language, c)} ({int(a[c])})" for c in named], language)))
    if few:
        lines.append(tt("changes_new_few", k=len(few), n=threshold))
    if not new:
        lines.append(tt("changes_none"))
    gone = sorted(c for c in b.index if c not in a.index and b[c] >= threshold)
    if gone:
        lines.append(tt("changes_gone_countries", items=texts.join_items(
            [country_name(c, language, c) for c in gone], language)))
    return lines
