"""routes:chaptermaps — one print layout per region from the shipped template, exported to PDF/PNG."""
from __future__ import annotations

import datetime
import os
import tempfile
from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProject,
)

from ..qgis_io import require
from .regional_summary import add_region_parameters, read_regions

LANGUAGES = ("en", "sw")
LANGUAGE_LABELS = ("English", "Kiswahili")
FORMATS = (("pdf",), ("png",), ("pdf", "png"))
FORMAT_LABELS = ("PDF", "PNG", "PDF and PNG")


def _writable(folder: Path) -> None:
    """Create ``folder`` and check a file can be written there (clear error otherwise)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as err:
        raise QgsProcessingException(f"Cannot write to the output folder {folder}: {err.strerror or err}.") from err


class ChapterMaps(QgsProcessingAlgorithm):
    ROUTE_POINTS, DENSITY, FLOWS, CROSSINGS = "ROUTE_POINTS", "DENSITY", "FLOWS", "CROSSINGS"
    ROUTE_LEGS = "ROUTE_LEGS"
    REGION_NAMES, LANGUAGE, FORMAT, DPI = "REGION_NAMES", "LANGUAGE", "FORMAT", "DPI"
    COMBINED_PDF, TEMPLATE, SOURCE, OUTPUT_FOLDER = "COMBINED_PDF", "TEMPLATE", "SOURCE", "OUTPUT_FOLDER"

    def name(self):
        return "chaptermaps"

    def displayName(self):  # noqa: N802
        return "Chapter maps (print layouts)"

    def group(self):
        return "Chapters"

    def groupId(self):  # noqa: N802
        return "chapters"

    def flags(self):
        # layouts and project layers are created: run in the main thread
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def createInstance(self):  # noqa: N802
        return type(self)()

    def shortHelpString(self):  # noqa: N802
        return (
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

    def initAlgorithm(self, config=None):  # noqa: N802
        add_region_parameters(self, self.ROUTE_POINTS)
        p = QgsProcessingParameterVectorLayer(self.ROUTE_LEGS, "Route legs (default: route_legs next to the points)",
                                              [QgsProcessing.TypeVectorLine], optional=True)
        p.setHelp("route_legs from Load tracker export. Empty: the route_legs layer of the route points' "
                  "GeoPackage, else legs rebuilt from the route points. The maps draw the legs of the routes "
                  "touching each region, place to place.")
        self.addParameter(p)
        for name, label, kind, help_text in (
                (self.FLOWS, "Flows", QgsProcessing.TypeVectorLine, "Flow lines from 'Flow aggregation'."),
                (self.CROSSINGS, "Border crossings", QgsProcessing.TypeVectorPoint,
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
        p = QgsProcessingParameterNumber(self.DPI, "Resolution (dpi)", QgsProcessingParameterNumber.Integer, 300,
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

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require("pandas", "geopandas", "shapely")
        from ...routes_plugin.core import texts
        from ...routes_plugin.layouts.chapters import (ChapterError, ChapterLayers, add_to_project, build_layout,
                                                       export_combined_pdf, export_layout, read_template, slug)

        language = LANGUAGES[self.parameterAsEnum(parameters, self.LANGUAGE, context)]
        formats = FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)]
        dpi = self.parameterAsInt(parameters, self.DPI, context)
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        try:
            template = read_template(self.parameterAsFile(parameters, self.TEMPLATE, context) or None)
        except ChapterError as err:
            raise QgsProcessingException(str(err)) from err
        _writable(folder)
        summary, _regions, region_layer, name_field, points = read_regions(
            self, parameters, context, self.ROUTE_POINTS, feedback)
        names = summary.regions["region"].tolist()
        wanted = [n.strip() for n in self.parameterAsString(parameters, self.REGION_NAMES, context).split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise QgsProcessingException(f"No region named {', '.join(unknown)} in the region layer. "
                                         f"Regions: {', '.join(names)}.")
        chosen = wanted or names

        data = {"density": self.parameterAsRasterLayer(parameters, self.DENSITY, context),
                "flows": self.parameterAsVectorLayer(parameters, self.FLOWS, context),
                "crossings": self.parameterAsVectorLayer(parameters, self.CROSSINGS, context)}
        data = {k: v for k, v in data.items() if v is not None}
        if not data:
            data["points"] = self.parameterAsVectorLayer(parameters, self.ROUTE_POINTS, context)
        project = context.project() or QgsProject.instance()
        from ...routes_plugin.layouts.map_region import read_legs, regions_of_points

        legs = read_legs(self.parameterAsVectorLayer(parameters, self.ROUTE_LEGS, context),
                         self.parameterAsVectorLayer(parameters, self.ROUTE_POINTS, context))
        region_of_point = regions_of_points(points, _regions, name_field,
                                            self.parameterAsVectorLayer(parameters, "REGIONS", context) is not None)
        layers = ChapterLayers.prepare(project, region_layer, name_field, data, language, points=points, legs=legs,
                                       region_of_point=region_of_point,
                                       threshold=self.parameterAsInt(parameters, "SUPPRESS_BELOW", context))
        years = points["year"].dropna() if "year" in points.columns else []
        years_text = (f"{int(min(years))}–{int(max(years))}" if len(years) else texts.text("years_unknown", language))
        source = self.parameterAsString(parameters, self.SOURCE, context) or texts.text("default_source", language)
        date = datetime.date.today().isoformat()

        written, layouts = [], []
        for i, region in enumerate(chosen):
            if feedback.isCanceled():
                break
            try:
                layout = build_layout(project, template, region, layers, summary, language, source, years_text, date)
                add_to_project(project, layout)
                written += export_layout(layout, folder / f"chapter_{slug(region)}_{language}", formats, dpi)
            except ChapterError as err:
                raise QgsProcessingException(f"Chapter {region}: {err} Chapters already written are kept: "
                                             + (", ".join(os.path.basename(w) for w in written) or "none")) from err
            layouts.append(layout)
            feedback.pushInfo(f"{region}: {', '.join(os.path.basename(w) for w in written[-len(formats):])}")
            feedback.setProgress(100.0 * (i + 1) / (len(chosen) + 1))
        for note in layers.maps.log:
            feedback.pushInfo(note)
        combined = None
        if self.parameterAsBool(parameters, self.COMBINED_PDF, context) and layouts:
            try:
                combined = export_combined_pdf(layouts, folder / f"chapters_{language}.pdf", dpi)
            except ChapterError as err:
                raise QgsProcessingException(str(err)) from err
        return {self.OUTPUT_FOLDER: str(folder), "FILES": ";".join(written), "COMBINED": combined,
                "CHAPTERS": len(layouts)}
