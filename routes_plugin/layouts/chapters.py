"""Regional chapter print layouts from the shipped template ``chapter.qpt``.

The template's items are found by id: ``title``, ``map_main``,
``no_data_note``, ``north_arrow``, ``scalebar``, ``map_inset``, ``legend``,
``summary_table`` (a text table frame), ``source_note``,
``suppression_note``. Every printed text is in the chapter's language:
layer names and notes from :mod:`core.texts`, category names from
:func:`core.categories.label`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFillSymbol,
    QgsLayerTreeGroup,
    QgsLayoutExporter,
    QgsLayoutItemLegend,
    QgsLayoutItemScaleBar,
    QgsLayoutSize,
    QgsLegendRenderer,
    QgsMapLayer,
    QgsMapLayerLegendUtils,
    QgsPrintLayout,
    QgsReadWriteContext,
    QgsRasterLayer,
    QgsRectangle,
    QgsSimpleLegendNode,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QFile, QIODevice, QMarginsF, QRectF, QSizeF
from qgis.PyQt.QtGui import QPageSize, QPainter, QPdfWriter
from qgis.PyQt.QtXml import QDomDocument

from ..core import categories as cat
from ..core import texts
from ..core.errors import RoutesError
from ..core.files import FileWriteError, atomic_file, replace as replace_file
from ..core.summary import Summary, chapter_table
from ..edge.resources import STYLES_DIR, north_arrow_svg, world_map_path
from ..edge.styles import apply_style, collapse_size_legend, flow_style, stretch_ramp

TEMPLATE = Path(__file__).with_name("chapter.qpt")
ITEM_IDS = ("title", "map_main", "no_data_note", "north_arrow", "scalebar", "map_inset", "legend",
            "summary_table", "source_note", "suppression_note")
#: data layer key -> (text key of its legend name, shipped style)
DATA_LAYERS = {
    "density": ("layer_density", "hotspot_density"),
    "points": ("layer_points", "route_points"),
    "flows": ("layer_flows", "flows"),
    "crossings": ("layer_crossings", "border_crossings"),
}


class ChapterError(RoutesError):
    """A chapter cannot be made (message is for the user)."""


def slug(text: str) -> str:
    """File-name part for a region name: ``North-Eastern`` -> ``north_eastern``."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "region"


def read_template(path=None) -> QDomDocument:
    """The layout template as a DOM document; a clear error when it is missing
    or not a QGIS layout template, or lacks one of :data:`ITEM_IDS`."""
    path = Path(path or TEMPLATE)
    f = QFile(str(path))
    if not path.is_file() or not f.open(QIODevice.OpenModeFlag.ReadOnly):
        raise ChapterError(f"The layout template {path} does not exist or cannot be read.")
    doc = QDomDocument()
    ok = doc.setContent(f)
    f.close()
    if not ok or doc.documentElement().tagName() != "Layout":
        raise ChapterError(f"{path} is not a QGIS print layout template (.qpt).")
    text = doc.toString()
    missing = [i for i in ITEM_IDS if f'id="{i}"' not in text]
    if missing:
        raise ChapterError(f"The layout template {path} lacks the item(s) {', '.join(missing)}.")
    return doc


# --------------------------------------------------------------- layers ---

def _style(layer: QgsMapLayer, key: str, language: str) -> None:
    """Style a data layer as the algorithm that made it does (the layer keeps
    its own style when the shipped one is missing); category labels in ``language``."""
    qml = STYLES_DIR / f"{DATA_LAYERS[key][1]}.qml"
    if key == "density":
        apply_style(layer, qml.stem, stretch_ramp(layer.dataProvider().bandStatistics(1).maximumValue))
        return
    if not qml.exists():
        return
    if key in ("flows", "crossings") and layer.fields().lookupField("routes") >= 0:
        apply_style(layer, qml.stem, flow_style(size_field="routes", unit=texts.text("unit_routes", language)))
    else:
        apply_style(layer, qml.stem)
    collapse_size_legend(layer)
    renderer = layer.renderer()
    if isinstance(renderer, QgsCategorizedSymbolRenderer):
        fld = renderer.classAttribute()
        fld = fld if fld in cat.VOCABULARIES else re.sub(r"_top$", "", fld)  # transport_modes_top -> its field
        for i, c in enumerate(renderer.categories()):
            renderer.updateCategoryLabel(i, cat.label(fld, str(c.value()), language))


def _outline(layer: QgsVectorLayer, fill: str, outline: str, width: float) -> QgsVectorLayer:
    layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"color": fill, "outline_color": outline, "outline_width": str(width)})))
    return layer


@dataclass
class ChapterLayers:
    """The layers of one language's chapters, registered in the project (in
    one unchecked layer-tree group) so the layouts keep working when saved."""
    project: object
    regions: QgsVectorLayer
    name_field: str
    language: str
    data: list = field(default_factory=list)  # styled data layers, top first
    countries: QgsVectorLayer | None = None
    group: QgsLayerTreeGroup | None = None
    maps: object = None  # map_region.RegionMaps: the place-level chapter maps (route points and legs)

    @classmethod
    def prepare(cls, project, regions, name_field, data_layers: dict, language: str, points=None, legs=None,
                region_of_point=None, threshold: int = 5) -> "ChapterLayers":
        """Copies of ``regions`` and the ``data_layers`` (key -> layer, keys of
        :data:`DATA_LAYERS`) named and styled in ``language``. With ``points``
        (route_points as a GeoDataFrame), ``legs`` (route_legs, or None) and
        ``region_of_point`` (region name per point), the maps show the routes
        touching each region at place level (:mod:`map_region`) instead."""
        root = project.layerTreeRoot()
        name = f"Chapter maps ({texts.LANGUAGE_NAMES[language]})"
        old = root.findGroup(name)
        if old is not None:
            root.removeChildNode(old)
        self = cls(project, _outline(regions.clone(), "0,0,0,0", "#8c8c8c", 0.25), name_field, language)
        self.group = root.addGroup(name)
        self.group.setItemVisibilityChecked(False)
        self.regions.setName(texts.text("layer_regions", language))
        self.regions.updateExtents()
        countries = QgsVectorLayer(f"{world_map_path()}|layername=countries", texts.text("layer_countries", language), "ogr")
        if countries.isValid():
            self.countries = _outline(countries, "#f2efe9", "#a0a0a0", 0.2)
        for key in ("crossings", "flows", "points", "density"):
            layer = data_layers.get(key)
            if layer is None:
                continue
            copy = layer.clone()
            copy.setName(texts.text(DATA_LAYERS[key][0], language))
            _style(copy, key, language)
            self.data.append(copy)
        if points is not None:
            from .map_region import RegionMaps

            self.data = []
            self.maps = RegionMaps.prepare(project, points, legs, region_of_point, threshold, language,
                                           str(world_map_path()), self.group)
        for layer in [*self.data, self.regions, self.countries]:
            if layer is not None:
                self._add(layer)
        return self

    def _add(self, layer):
        self.project.addMapLayer(layer, False)
        self.group.addLayer(layer)

    def region_layer(self, region: str) -> QgsVectorLayer:
        """The chapter region alone (a filtered copy), tinted."""
        layer = _outline(self.regions.clone(), "253,236,166,110", "#4a4a4a", 0.55)
        quoted = region.replace("'", "''")
        base = self.regions.subsetString()  # e.g. the country pack's filter of the world map
        name = f'"{self.name_field}" = \'{quoted}\''
        layer.setSubsetString(f"({base}) AND {name}" if base else name)
        layer.updateExtents()
        layer.setName(f"{texts.text('layer_region', self.language)}: {texts.region_name(region, self.language)}")
        self._add(layer)
        return layer

    def region_extent(self, region_layer: QgsVectorLayer, crs) -> QgsRectangle:
        """Extent of the layer's features (as filtered), in ``crs``. Taken from the
        features themselves: a provider may report the whole table's extent."""
        extent = QgsRectangle()
        extent.setMinimal()
        for feature in region_layer.getFeatures():
            extent.combineExtentWith(feature.geometry().boundingBox())
        transform = QgsCoordinateTransform(region_layer.crs(), crs, self.project)
        return transform.transformBoundingBox(extent)


def utm_crs(layer: QgsVectorLayer) -> QgsCoordinateReferenceSystem:
    """WGS 84 / UTM zone of the layer's centre (metres, so the scale bar is right)."""
    to_wgs = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), layer.transformContext())
    c = to_wgs.transformBoundingBox(layer.extent()).center()
    zone = min(60, max(1, int((c.x() + 180) // 6) + 1))
    return QgsCoordinateReferenceSystem(f"EPSG:{32600 + zone if c.y() >= 0 else 32700 + zone}")


# --------------------------------------------------------------- layouts ---

def _item(layout, ident):
    item = layout.itemById(ident)
    if item is None:
        raise ChapterError(f"The layout template lacks the item '{ident}'.")
    return item


def _zoom(map_item, extent: QgsRectangle) -> None:
    """Show ``extent`` centred in ``map_item``, grown to the item's shape (works
    on template maps whose stored extent is empty)."""
    if extent.isEmpty() or not extent.isFinite():
        raise ChapterError("The region has no geometry to zoom to.")
    ratio = map_item.rect().width() / max(map_item.rect().height(), 1e-9)
    w, h = extent.width(), extent.height()
    w, h = max(w, h * ratio), max(h, w / ratio)
    c = extent.center()
    map_item.setExtent(QgsRectangle(c.x() - w / 2, c.y() - h / 2, c.x() + w / 2, c.y() + h / 2))


def _fit_legend(legend: QgsLayoutItemLegend) -> None:
    """Size the legend to its contents, at least its template box wide."""
    box = legend.sizeWithUnits()
    size = QgsLegendRenderer(legend.model(), legend.legendSettings()).minimumSize()
    legend.attemptResize(QgsLayoutSize(max(box.width(), size.width()), size.height(), box.units()))


def _below(item, above, gap: float = 3.0) -> None:
    """Move ``item`` down (keeping its bottom edge) when ``above`` overlaps it."""
    top, bottom = item.sceneBoundingRect().top(), item.sceneBoundingRect().bottom()
    needed = above.sceneBoundingRect().bottom() + gap
    if above.isVisible() and needed > top and needed < bottom - 20:
        item.attemptSetSceneRect(QRectF(item.sceneBoundingRect().left(), needed, item.rect().width(), bottom - needed))


def build_layout(project, template: QDomDocument, region: str, layers: ChapterLayers, summary: Summary,
                 language: str, source: str, years: str, date: str) -> QgsPrintLayout:
    """A print layout for one region from ``template`` (not yet in the project)."""
    layout = QgsPrintLayout(project)
    _items, ok = layout.loadFromTemplate(template, QgsReadWriteContext())
    if not ok:
        raise ChapterError("The layout template could not be loaded.")
    shown = texts.region_name(region, language)
    layout.setName(texts.text("layout_name", language, region=shown, lang_name=texts.LANGUAGE_NAMES[language]))
    _item(layout, "title").setText(texts.text("title", language, region=shown))
    t = summary.threshold
    _item(layout, "suppression_note").setText(
        texts.text("suppressed_note", language, n=t) if t > 0 else texts.text("not_suppressed_note", language))
    _item(layout, "source_note").setText(texts.text("source", language, source=source, years=years, date=date))

    region_layer = layers.region_layer(region)
    main, inset = _item(layout, "map_main"), _item(layout, "map_inset")
    base = [region_layer, layers.regions, *([layers.countries] if layers.countries else [])]
    legend_layers = [*layers.data, region_layer]
    map_notes = []
    from .map_region import add_disclaimer, chapter_crs, fill_region_map, region_extent

    if layers.maps is not None:

        crs = chapter_crs(layers.maps, region)
        result = fill_region_map(main, layers.maps, region, region_extent(layers.maps, region_layer, crs), crs,
                                 base, layers._add)
        legend_layers = [*result.legend_layers, region_layer]
        map_notes = [texts.text("map_counts_note", language, region=shown), *result.notes]
    else:
        crs = utm_crs(region_layer)
        main.setCrs(crs)
        main.setLayers([*layers.data, *base])
        main.setKeepLayerSet(True)
        extent = layers.region_extent(region_layer, crs)
        extent.grow(0.08 * max(extent.width(), extent.height()))
        _zoom(main, extent)
    inset.setCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    inset.setLayers([region_layer, layers.regions, *([layers.countries] if layers.countries else [])])
    inset.setKeepLayerSet(True)
    whole = layers.region_extent(layers.regions, inset.crs())
    whole.grow(0.35 * max(whole.width(), whole.height()))
    _zoom(inset, whole)
    if inset.overviews().size():
        inset.overviews().overview(0).setLinkedMap(main)

    arrow = _item(layout, "north_arrow")
    arrow.setPicturePath(north_arrow_svg())
    arrow.setLinkedMap(main)
    bar = _item(layout, "scalebar")
    if isinstance(bar, QgsLayoutItemScaleBar):
        bar.setLinkedMap(main)
        bar.applyDefaultSize(Qgis.DistanceUnit.Kilometers)
        bar.setUnitLabel("km")
    legend = _item(layout, "legend")
    if isinstance(legend, QgsLayoutItemLegend):
        legend.setTitle(texts.text("legend_title", language))
        legend.setLinkedMap(main)
        legend.setAutoUpdateModel(False)
        root = legend.model().rootGroup()
        root.removeAllChildren()
        for layer in legend_layers:
            node = root.addLayer(layer)
            nodes = legend.model().layerLegendNodes(node)
            if isinstance(layer, QgsRasterLayer) and nodes and isinstance(nodes[0], QgsSimpleLegendNode):
                # the band name ("Band 1 (Gray)") is replaced by what the colours mean
                QgsMapLayerLegendUtils.setLegendNodeUserLabel(node, 0, texts.text("density_legend", language))
                legend.model().refreshLayerLegend(node)
        legend.updateLegend()
        _fit_legend(legend)
    frame = _item(layout, "summary_table")
    has_data = bool(summary.regions.set_index("region").loc[region, "has_data"])
    destinations = None
    if layers.maps is not None and has_data:  # the region's destinations abroad, under the locator
        from .map_region import add_destinations_inset

        top = inset.pos().y() + inset.rect().height() + 2.5
        bottom = frame.pos().y() - 3.0
        if bottom - top >= 24:
            destinations = add_destinations_inset(
                layout, QRectF(inset.pos().x(), top, inset.rect().width(), bottom - top), layers.maps, region,
                [region_layer, *([layers.countries] if layers.countries else [])], layers._add)
    _below(frame, legend)
    _below(frame, inset)
    if destinations is not None:
        _below(frame, destinations)
    table = frame.multiFrame()
    rows = chapter_table(summary, region, language)
    columns = table.columns()
    for col, key in zip(columns, ("col_measure", "col_value")):
        col.setHeading(texts.text(key, language))
    table.setColumns(columns)
    table.setContents([[a, b] for a, b in rows])

    note_rect = QRectF(main.pos().x(), main.pos().y() + main.rect().height() + 0.8, main.rect().width(), 7)
    add_disclaimer(layout, note_rect, language).setText(
        " ".join(map_notes) + ("\n" if map_notes else "") + texts.text("disclaimer", language))
    note = _item(layout, "no_data_note")
    note.setText(texts.text("no_data", language, region=shown))
    note.setVisibility(not has_data)
    for ident in ("map_main", "north_arrow", "scalebar", "legend"):
        _item(layout, ident).setVisibility(has_data)
    return layout


def add_to_project(project, layout: QgsPrintLayout) -> None:
    """Add (or replace) the layout of the same name in the project's layout manager."""
    manager = project.layoutManager()
    old = manager.layoutByName(layout.name())
    if old is not None:
        manager.removeLayout(old)
    manager.addLayout(layout)


# --------------------------------------------------------------- export ---

def _pdf_settings(dpi: int) -> QgsLayoutExporter.PdfExportSettings:
    s = QgsLayoutExporter.PdfExportSettings()
    s.dpi = dpi
    s.textRenderFormat = Qgis.TextRenderFormat.AlwaysText
    s.exportMetadata = False
    return s


def export_layout(layout: QgsPrintLayout, base: Path, formats=("pdf",), dpi: int = 300) -> list[str]:
    """Export ``layout`` to ``base``.pdf and/or .png; the written paths. Each file is
    completed under a temporary name, then moved into place (core/files.py)."""
    exporter = QgsLayoutExporter(layout)
    written = []
    for fmt in formats:
        path = str(base.with_suffix(f".{fmt}"))
        try:
            with atomic_file(path) as tmp:
                if fmt == "pdf":
                    result = exporter.exportToPdf(str(tmp), _pdf_settings(dpi))
                else:
                    settings = QgsLayoutExporter.ImageExportSettings()
                    settings.dpi = dpi
                    settings.exportMetadata = False
                    result = exporter.exportToImage(str(tmp), settings)
                    for page in range(2, layout.pageCollection().pageCount() + 1):  # <name>_2.png, ... beside it
                        replace_file(tmp.with_name(f"{tmp.stem}_{page}{tmp.suffix}"),
                                     base.with_name(f"{base.name}_{page}.{fmt}"))
                if result != QgsLayoutExporter.ExportResult.Success:
                    raise ChapterError(f"Could not write {path}: check that it is not a folder, open in another "
                                       "program or read-only.")
        except FileWriteError as exc:
            raise ChapterError(str(exc)) from None
        written.append(path)
    return written


def export_combined_pdf(layouts, path: Path, dpi: int = 300) -> str:
    """All ``layouts`` (their first pages) in one PDF, in order (completed under a
    temporary name, then moved into place)."""
    try:
        with atomic_file(path) as tmp:
            writer = QPdfWriter(str(tmp))
            writer.setResolution(dpi)
            writer.setPageMargins(QMarginsF(0, 0, 0, 0))
            painter = None
            for i, layout in enumerate(layouts):
                size = layout.pageCollection().page(0).pageSize()
                writer.setPageSize(QPageSize(QSizeF(size.width(), size.height()), QPageSize.Unit.Millimeter))
                if painter is None:
                    painter = QPainter()
                    if not painter.begin(writer):
                        raise ChapterError(f"Could not write {path}.")
                else:
                    writer.newPage()
                layout.renderContext().setDpi(dpi)
                layout.renderContext().setTextRenderFormat(Qgis.TextRenderFormat.AlwaysText)
                QgsLayoutExporter(layout).renderPage(painter, 0)
            if painter is not None:
                painter.end()
            del painter, writer  # the file is closed before it is moved (Windows)
    except FileWriteError as exc:
        raise ChapterError(str(exc)) from None
    return str(path)
