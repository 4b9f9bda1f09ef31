#!/usr/bin/env python3
"""Writes the report's page-kind templates (*.qpt in this folder).

The templates are ordinary QGIS layout templates: open one in QGIS's layout
designer (Project ▸ New Print Layout ▸ Add Items from Template), move or
restyle its items, save it back under the same name. The report driver
(``layouts/report.py``) finds items by their id only; what each page kind must
hold is :data:`report.PAGE_ITEMS`. This script is how the shipped versions
were made (run it after changing it, then look at the pages):

    QT_QPA_PLATFORM=offscreen .venv/bin/python routes_plugin/layouts/templates/build_templates.py
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsFillSymbol,
    QgsLayoutFrame,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutItemShape,
    QgsLayoutItemTextTable,
    QgsLayoutMeasurement,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLayoutTableColumn,
    QgsLegendStyle,
    QgsPrintLayout,
    QgsProject,
    QgsReadWriteContext,
    QgsTextFormat,
    QgsUnitTypes,
)
from qgis.PyQt.QtCore import QRectF, Qt
from qgis.PyQt.QtGui import QColor, QFont

HERE = Path(__file__).resolve().parent
FONT = "DejaVu Sans"
RED = QColor("#7a0019")
GREY = QColor("#555555")
W, H = 297.0, 210.0


def fmt(size, bold=False, colour=QColor("#222222"), html=True):
    f = QgsTextFormat()
    font = QFont(FONT)
    font.setBold(bold)
    f.setFont(font)
    f.setSize(size)
    f.setSizeUnit(QgsUnitTypes.RenderPoints)
    f.setColor(colour)
    f.setAllowHtmlFormatting(html)
    return f


def new_layout(name):
    layout = QgsPrintLayout(QgsProject.instance())
    layout.initializeDefaults()  # one A4 page
    layout.pageCollection().page(0).setPageSize(QgsLayoutSize(W, H))
    layout.setName(name)
    return layout


def label(layout, ident, text, x, y, w, h, size=9, bold=False, colour=None, halign=Qt.AlignmentFlag.AlignLeft,
          valign=Qt.AlignmentFlag.AlignTop):
    item = QgsLayoutItemLabel(layout)
    item.setId(ident)
    item.setText(text)
    item.setTextFormat(fmt(size, bold, colour or QColor("#222222")))
    item.setHAlign(halign)
    item.setVAlign(valign)
    item.setMarginX(0)
    item.setMarginY(0)
    layout.addLayoutItem(item)
    item.attemptMove(QgsLayoutPoint(x, y))
    item.attemptResize(QgsLayoutSize(w, h))
    return item


def rule(layout, ident, x, y, w, h, colour):
    shape = QgsLayoutItemShape(layout)
    shape.setShapeType(QgsLayoutItemShape.Rectangle)
    shape.setId(ident)
    shape.setSymbol(QgsFillSymbol.createSimple({"color": colour.name(), "outline_style": "no"}))
    layout.addLayoutItem(shape)
    shape.attemptMove(QgsLayoutPoint(x, y))
    shape.attemptResize(QgsLayoutSize(w, h))
    return shape


def title(layout, text="[title]"):
    label(layout, "title", text, 10, 7, 277, 11, 16, True, RED)
    rule(layout, "title_rule", 10, 19, 277, 0.6, RED)


def footer(layout):
    label(layout, "footer", "[report title · page N]", 10, 201, 277, 5, 7, False, GREY,
          halign=Qt.AlignmentFlag.AlignRight)


def picture(layout, ident, x, y, w, h):
    item = QgsLayoutItemPicture(layout)
    item.setId(ident)
    item.setResizeMode(QgsLayoutItemPicture.Zoom)
    item.setPictureAnchor(QgsLayoutItemPicture.UpperLeft if hasattr(QgsLayoutItemPicture, "UpperLeft") else 0)
    layout.addLayoutItem(item)
    item.attemptMove(QgsLayoutPoint(x, y))
    item.attemptResize(QgsLayoutSize(w, h))
    return item


def table(layout, ident, x, y, w, h, headings=("[column 1]", "[column 2]")):
    t = QgsLayoutItemTextTable(layout)
    layout.addMultiFrame(t)
    cols = []
    for head in headings:
        c = QgsLayoutTableColumn()
        c.setHeading(head)
        # a table's frame is as wide as its columns: they span the frame's width
        c.setWidth((w - len(headings) * 2 * 1.2 - 0.3) / len(headings))
        cols.append(c)
    t.setColumns(cols)
    t.setHeaderTextFormat(fmt(7.5, True, html=False))
    t.setContentTextFormat(fmt(7.5, html=False))  # "<5" is a value, not a tag
    t.setCellMargin(1.2)
    t.setGridStrokeWidth(0.15)
    t.setGridColor(QColor("#c8c8c8"))
    t.setHorizontalGrid(True)
    t.setVerticalGrid(False)
    t.setHeaderHAlignment(t.FollowColumn)
    t.setBackgroundColor(QColor(255, 255, 255, 0))
    t.setEmptyTableBehavior(t.ShowMessage)
    t.setEmptyTableMessage("–")
    frame = QgsLayoutFrame(layout, t)
    frame.setId(ident)
    frame.attemptSetSceneRect(QRectF(x, y, w, h))
    t.addFrame(frame)
    t.setContents([["[row]", "[value]"]])
    frame.attemptSetSceneRect(QRectF(x, y, w, h))  # the frame keeps its size whatever the contents
    assert abs(frame.rect().width() - w) < 0.5, (ident, frame.rect().width())
    return frame


def map_item(layout, ident, x, y, w, h):
    m = QgsLayoutItemMap(layout)
    m.setId(ident)
    m.setFrameEnabled(True)
    m.setFrameStrokeWidth(QgsLayoutMeasurement(0.25))
    m.setBackgroundColor(QColor("#dce9f2"))  # sea
    layout.addLayoutItem(m)
    m.attemptMove(QgsLayoutPoint(x, y))
    m.attemptResize(QgsLayoutSize(w, h))
    return m


# ------------------------------------------------------------------ page kinds ---

def cover():
    layout = new_layout("Report – cover")
    rule(layout, "band", 0, 0, W, 62, RED)
    label(layout, "title", "[report title]", 20, 20, 257, 26, 26, True, QColor("white"))
    label(layout, "subtitle", "[network, period]", 20, 72, 257, 18, 14, False)
    label(layout, "period", "[period covered]", 20, 94, 257, 10, 12, True, RED)
    label(layout, "made", "[date made]", 20, 108, 257, 8, 10, False, GREY)
    picture(layout, "cover_chart", 20, 122, 120, 56)
    label(layout, "cover_note", "[small-count note]", 150, 130, 127, 40, 9, False, GREY)
    label(layout, "disclaimer", "[boundary disclaimer]", 20, 196, 257, 6, 7, False, GREY)
    return layout


def contents():
    layout = new_layout("Report – contents")
    title(layout, "[Contents]")
    table(layout, "contents_table", 70, 30, 157, 165, ("[Chapter]", "[Page]"))
    footer(layout)
    return layout


def map_page():
    layout = new_layout("Report – map page")
    title(layout)
    m = map_item(layout, "map_main", 10, 23, 190, 166)
    legend = QgsLayoutItemLegend(layout)
    legend.setId("legend")
    legend.setTitle("[legend]")
    legend.setLinkedMap(m)
    for style in (QgsLegendStyle.Title, QgsLegendStyle.Group, QgsLegendStyle.Subgroup, QgsLegendStyle.SymbolLabel):
        s = legend.style(style)
        s.setTextFormat(fmt(8 if style != QgsLegendStyle.Title else 9, style != QgsLegendStyle.SymbolLabel))
        legend.setStyle(style, s)
    layout.addLayoutItem(legend)
    legend.attemptMove(QgsLayoutPoint(205, 23))
    legend.attemptResize(QgsLayoutSize(82, 50))
    label(layout, "side_title", "[table title]", 205, 78, 82, 6, 9, True)
    table(layout, "side_table", 205, 85, 82, 86)
    label(layout, "side_text", "[note on the map]", 205, 173, 82, 18, 7, False, GREY)
    bar = QgsLayoutItemScaleBar(layout)
    bar.setId("scalebar")
    bar.setStyle("Single Box")
    bar.setLinkedMap(m)
    bar.setTextFormat(fmt(7))
    layout.addLayoutItem(bar)
    bar.attemptMove(QgsLayoutPoint(13, 175))
    label(layout, "disclaimer", "[boundary disclaimer]", 10, 191, 190, 4, 6.5, False, GREY)
    label(layout, "source_note", "[source]", 10, 195.5, 190, 4, 6.5, False, GREY)
    footer(layout)
    return layout


def charts_page():
    layout = new_layout("Report – charts page")
    title(layout)
    label(layout, "text", "[generated text]", 10, 23, 277, 30, 9.5)
    for i, (x, y) in enumerate([(x, y) for y in (56, 127) for x in (10, 103.5, 197)], start=1):
        picture(layout, f"chart_{i}", x, y, 90, 68)
    label(layout, "note", "[note]", 10, 196, 200, 4, 6.5, False, GREY)
    footer(layout)
    return layout


def table_page():
    layout = new_layout("Report – table page")
    title(layout)
    label(layout, "intro", "[introduction]", 10, 23, 277, 12, 9)
    label(layout, "table_title", "[table title]", 10, 37, 150, 6, 9, True)
    table(layout, "table_1", 10, 44, 150, 150)
    picture(layout, "chart_1", 167, 37, 120, 78)
    picture(layout, "chart_2", 167, 118, 120, 78)
    label(layout, "note", "[note]", 10, 196, 200, 4, 6.5, False, GREY)
    footer(layout)
    return layout


def wide_table_page():
    layout = new_layout("Report – wide table page")
    title(layout)
    label(layout, "intro", "[introduction]", 10, 23, 277, 12, 9)
    label(layout, "table_title", "[table title]", 10, 37, 277, 6, 9, True)
    table(layout, "table_1", 10, 44, 277, 86)
    picture(layout, "chart_1", 10, 134, 135, 62)
    picture(layout, "chart_2", 152, 134, 135, 62)
    label(layout, "note", "[note]", 10, 196, 200, 4, 6.5, False, GREY)
    footer(layout)
    return layout


def about():
    layout = new_layout("Report – about the data")
    title(layout)
    label(layout, "body_left", "[sources, collection, counts]", 10, 25, 133, 170, 9)
    label(layout, "body_right", "[small counts, boundaries]", 154, 25, 133, 170, 9)
    footer(layout)
    return layout


PAGE_KINDS = {"cover": cover, "contents": contents, "map_page": map_page, "charts_page": charts_page,
              "table_page": table_page, "wide_table_page": wide_table_page, "about": about}


def main():
    for name, make in PAGE_KINDS.items():
        layout = make()
        path = HERE / f"{name}.qpt"
        assert layout.saveAsTemplate(str(path), QgsReadWriteContext()), path
        print(path)


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    main()
