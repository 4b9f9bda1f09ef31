"""routes:report — the whole report (cover to "About the data") as report_en.pdf / report_sw.pdf."""
from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProject,
)

from qgis.core import Qgis

from ...routes_plugin.core import countries
from ...routes_plugin.core.errors import RoutesError
from ...routes_plugin.core.files import writable_folder
from ...routes_plugin.edge.frames import layer_to_frame, source_to_frame
from ..base import RoutesAlgorithm
from ..parameters import country_parameter, suppress_parameter
from ..regions import FIELD_HELP, REGIONS_HELP, region_layer

LANGUAGES = (("en",), ("sw",), ("en", "sw"))
LANGUAGE_LABELS = ("English", "Kiswahili", "English and Kiswahili")
ROUTE_LAYERS = ("route_points", "route_legs", "route_lines")


class Report(RoutesAlgorithm):
    ROUTES, FLOWS, CROSSINGS, DENSITY = "ROUTES", "FLOWS", "CROSSINGS", "DENSITY"
    REGIONS, REGION_FIELD, EXPORT, PREVIOUS = "REGIONS", "REGION_FIELD", "EXPORT", "PREVIOUS"
    LANGUAGE, SOURCE, NETWORK, DPI, OUTPUT = "LANGUAGE", "SOURCE", "NETWORK", "DPI", "OUTPUT"
    SUMMARY, BREAKDOWN, AIRLINES, RECRUITMENT = "SUMMARY", "BREAKDOWN", "AIRLINES", "RECRUITMENT"

    NAME = "report"
    DISPLAY_NAME = "Report (PDF, English and Kiswahili)"
    GROUP = "Chapters"
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "openpyxl", "matplotlib", "babel")
    EXTRA_FLAGS = Qgis.ProcessingAlgorithmFlag.NoThreading  # layouts and project layers: the main thread
    STEPS = 4

    def help_text(self) -> str:
        return (
            "The report a network publishes, one PDF per language (report_en.pdf, report_sw.pdf): cover (title, "
            "network, period covered from the data's years, date made) and contents with page numbers; national "
            "overview (map of the route legs in and out of the country with the land crossings, key figures, top "
            "corridors, destination countries as graduated circles); for every region its chapter map (as "
            "'Chapter maps') and a page of bar charts (destinations, transit points, modes of transport, "
            "recruitment methods, types of exploitation) with a short text generated from the figures; transit "
            "points grouped by border with a land-crossings map; airlines and airports (departure and arrival "
            "airports, airlines × destination countries, air corridors map); recruitment and coercion (methods by "
            "region and by type of exploitation); 'What changed since <year>' when a previous round is given; "
            "and 'About the data' (sources, how routes were collected, what a count means, the small-count "
            "threshold and how many values it withheld, the boundary disclaimer).\n\n"
            "Every count obeys the small-count rule: no count below the threshold is printed; a list item or chart "
            "bar below it is left out or merged into 'other (fewer than N each)'. Every text, axis and category "
            "name is in the report's language; country names come from the Unicode CLDR.\n\n"
            "The pages are QGIS layout templates (routes_plugin/layouts/templates/*.qpt) that you can open and "
            "edit in the layout designer; the chapter maps use chapter.qpt."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        p = QgsProcessingParameterFile(self.ROUTES, "Route layers (GeoPackage)", extension="gpkg")
        p.setHelp("The GeoPackage written by 'Load tracker export' (route_points, route_legs, route_lines). "
                  "The report aggregates it; no record is printed.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSource(self.SUMMARY, "Regional summary (computed once)",
                                                [QgsProcessing.TypeVector], optional=True)
        p.setHelp("The 'Regional summary' output of routes:regionalsummary, so the summary is computed once and "
                  "the report prints exactly its numbers (give its breakdown and national airline and recruitment "
                  "tables too). Empty: the summary is computed here from the route layers, as "
                  "routes:regionalsummary would.")
        self.addParameter(p)
        for name, label in ((self.BREAKDOWN, "Regional breakdown"),
                            (self.AIRLINES, "Airlines × destination (national)"),
                            (self.RECRUITMENT, "Recruitment × exploitation (national)")):
            p = QgsProcessingParameterFeatureSource(name, label, [QgsProcessing.TypeVector], optional=True)
            p.setHelp(f"The '{label}' output of routes:regionalsummary; needed with Regional summary.")
            self.addParameter(p)
        for name, label, kind, help_text in (
                (self.FLOWS, "Flows", QgsProcessing.TypeVectorLine,
                 "Flow lines from 'Flow aggregation', drawn on the regional chapter maps."),
                (self.CROSSINGS, "Border crossings", QgsProcessing.TypeVectorPoint,
                 "Crossing points from 'Border crossings': the chapter maps and the land-crossings map "
                 "(crossings used only by flights are left out).")):
            p = QgsProcessingParameterVectorLayer(name, label, [kind], optional=True)
            p.setHelp(help_text)
            self.addParameter(p)
        p = QgsProcessingParameterRasterLayer(self.DENSITY, "Hotspot density", optional=True)
        p.setHelp("The GeoTIFF from 'Hotspot density', drawn on the regional chapter maps.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSource(self.REGIONS, "Chapter regions (polygons)",
                                                [QgsProcessing.TypeVectorPolygon], optional=True)
        p.setHelp(REGIONS_HELP)
        self.addParameter(p)
        p = QgsProcessingParameterField(self.REGION_FIELD, "Region name field", None, self.REGIONS, optional=True)
        p.setHelp(FIELD_HELP)
        self.addParameter(p)
        self.addParameter(country_parameter("the chapter regions, their names in each language and the home country"))
        self.addParameter(suppress_parameter(
            "no printed count (routes, cases, chart bars, table cells) is below this number; smaller list items "
            "are left out or merged into 'other (fewer than N each)', smaller table cells print as <N."))
        p = QgsProcessingParameterEnum(self.LANGUAGE, "Language", options=list(LANGUAGE_LABELS), defaultValue=2)
        p.setHelp("One report per language chosen: report_en.pdf and/or report_sw.pdf.")
        self.addParameter(p)
        p = QgsProcessingParameterFile(self.EXPORT, "Tracker export (to count contributing organisations)",
                                       optional=True, fileFilter="Route exports (*.csv *.tsv *.txt *.xlsx)")
        p.setHelp("Optional: the export the route layers were loaded from. Only the number of distinct reporting "
                  "organisations is read from it and printed; no organisation is named.")
        self.addParameter(p)
        p = QgsProcessingParameterVectorLayer(self.PREVIOUS, "Previous round (route layer)",
                                              [QgsProcessing.TypeVector], optional=True)
        p.setHelp("Optional: route_lines or route_points of the previous collection round. Adds the page "
                  "'What changed since <year>'; without it the page is left out.")
        self.addParameter(p)
        p = QgsProcessingParameterString(self.SOURCE, "Data source (printed)", optional=True)
        p.setHelp("Printed on the map pages and in 'About the data', e.g. 'Tracker export of the network, March "
                  "2025'. Empty prints a generic description.")
        self.addParameter(p)
        p = QgsProcessingParameterString(self.NETWORK, "Network (printed on the cover)", optional=True)
        p.setHelp("The network whose members reported the routes, e.g. 'the Kenya anti-trafficking network'.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.DPI, "Resolution (dpi)", QgsProcessingParameterNumber.Integer, 200,
                                         minValue=72, maxValue=1200)
        p.setHelp("Resolution of the rasterised parts of the PDF (map backgrounds, density).")
        self.addParameter(p)
        p = QgsProcessingParameterFolderDestination(self.OUTPUT, "Output folder")
        p.setHelp("Folder that receives report_en.pdf / report_sw.pdf (created if needed; other files kept).")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputFile("REPORT_EN", "Report (English)"))
        self.addOutput(QgsProcessingOutputFile("REPORT_SW", "Report (Kiswahili)"))
        self.addOutput(QgsProcessingOutputNumber("PAGES", "Pages per report"))
        self.addOutput(QgsProcessingOutputNumber("WITHHELD", "Values withheld by the small-count rule"))

    # ------------------------------------------------------------------
    def _read_routes(self, path: str):
        import pyogrio

        if not path or not Path(path).is_file():
            raise RoutesError(f"The route layers GeoPackage {path or '(none)'} does not exist.")
        try:
            have = {name for name, _g in pyogrio.list_layers(path)}
        except Exception as err:  # pyogrio raises its own DataSourceError (not an OSError)
            raise RoutesError(f"{path} is not a GeoPackage the report can read: {err}") from err
        if "route_points" not in have:
            raise RoutesError(
                f"{path} has no route_points layer (it has {', '.join(sorted(have)) or 'no layers'}): use the "
                "GeoPackage written by 'Load tracker export'.")
        return {name: pyogrio.read_dataframe(path, layer=name) if name in have else None for name in ROUTE_LAYERS}

    def _organisations(self, path: str, feedback):
        if not path:
            return None
        from ...routes_plugin.core.categories import fold
        from ...routes_plugin.core.readers import ReadError, read_export

        try:
            raw = read_export(path)
        except (ReadError, OSError) as err:
            raise RoutesError(f"Cannot read the tracker export {path}: {err}") from err
        if "reporting_org" not in raw.frame.columns:
            feedback.pushInfo("The tracker export has no reporting organisation column: organisations not counted.")
            return None
        orgs = {fold(v) for v in raw.frame["reporting_org"].dropna().astype(str) if v.strip()}
        return len(orgs) or None

    def _given_summary(self, parameters, context, feedback, threshold: int):
        """The summary computed once by routes:regionalsummary (None when not given)."""
        from ...routes_plugin.core.summary import SummaryError, summary_from_tables

        if self.parameterAsSource(parameters, self.SUMMARY, context) is None:
            return None
        tables = [self.parameterAsSource(parameters, name, context)
                  for name in (self.SUMMARY, self.BREAKDOWN, self.AIRLINES, self.RECRUITMENT)]
        if any(t is None for t in tables):
            raise RoutesError("With 'Regional summary' give 'Regional breakdown', 'Airlines × destination (national)' "
                              "and 'Recruitment × exploitation (national)' too (all outputs of routes:regionalsummary).")
        try:
            summary = summary_from_tables(*(source_to_frame(t, feedback) for t in tables))
        except SummaryError as err:
            raise RoutesError(str(err)) from err
        if threshold > summary.threshold:
            raise RoutesError(f"The regional summary given was suppressed below {summary.threshold}, but counts "
                              f"below {threshold} are to be suppressed: run routes:regionalsummary again with "
                              f"'Suppress counts below' = {threshold}.")
        return summary

    def compute(self, parameters, context, steps):
        feedback = steps.next("Reading the route layers")
        from ...routes_plugin.layouts import chapters
        from ...routes_plugin.layouts.report import Report as ReportDriver
        from ...routes_plugin.layouts.report import ReportError, ReportInputs

        languages = LANGUAGES[self.parameterAsEnum(parameters, self.LANGUAGE, context)]
        threshold = self.parameterAsInt(parameters, "SUPPRESS_BELOW", context)
        dpi = self.parameterAsInt(parameters, self.DPI, context)
        folder = Path(self.parameterAsString(parameters, self.OUTPUT, context))
        writable_folder(folder)
        layers = self._read_routes(self.parameterAsFile(parameters, self.ROUTES, context))
        points, legs, lines = layers["route_points"], layers["route_legs"], layers["route_lines"]
        feedback = steps.next("Summarising")
        regions_layer, name_field, assign, country = region_layer(self, parameters, context)
        given = self._given_summary(parameters, context, feedback, threshold)
        summary, figures, points, regions_layer = summarise(points, legs, lines, regions_layer, name_field, threshold,
                                                            assign, country, given)

        chapter_data = {"density": self.parameterAsRasterLayer(parameters, self.DENSITY, context),
                        "flows": self.parameterAsVectorLayer(parameters, self.FLOWS, context),
                        "crossings": self.parameterAsVectorLayer(parameters, self.CROSSINGS, context)}
        chapter_data = {k: v for k, v in chapter_data.items() if v is not None}
        if not chapter_data:
            from qgis.core import QgsVectorLayer
            chapter_data["points"] = QgsVectorLayer(
                f"{self.parameterAsFile(parameters, self.ROUTES, context)}|layername=route_points", "points", "ogr")
        previous = self.parameterAsVectorLayer(parameters, self.PREVIOUS, context)
        previous_frame, previous_year = None, None
        if previous is not None:
            previous_frame = source_to_frame(previous, feedback)
            if "route_id" not in previous_frame.columns:
                raise RoutesError(f"The previous round layer '{previous.name()}' has no route_id field: "
                                             "use route_lines or route_points of 'Load tracker export'.")
            if "year" in previous_frame.columns and previous_frame["year"].notna().any():
                previous_year = str(int(previous_frame["year"].max()))
        inputs = ReportInputs(
            points=points, legs=legs, lines=lines, summary=summary, figures=figures, regions=regions_layer,
            name_field=name_field, chapter_data=chapter_data, home=country.home_country or countries.pack().home_country, crossings=chapter_data.get("crossings"),
            source=self.parameterAsString(parameters, self.SOURCE, context),
            network=self.parameterAsString(parameters, self.NETWORK, context),
            organisations=self._organisations(self.parameterAsFile(parameters, self.EXPORT, context), feedback),
            previous=previous_frame, previous_year=previous_year)
        project = context.project() or QgsProject.instance()
        results = {self.OUTPUT: str(folder), "REPORT_EN": None, "REPORT_SW": None}
        date = datetime.date.today().isoformat()
        pages = 0
        feedback = steps.next("Making the pages")
        for i, lang in enumerate(languages):
            path = folder / f"report_{lang}.pdf"
            try:
                with tempfile.TemporaryDirectory(prefix="routes-report-") as work:
                    driver = ReportDriver(project, inputs, lang, Path(work), date=date)
                    written, pages = driver.export(path, dpi, feedback)
            except (ReportError, chapters.ChapterError) as err:
                raise RoutesError(f"Report ({lang}): {err}") from err
            results[f"REPORT_{lang.upper()}"] = written
            feedback.pushInfo(f"{path.name}: {pages} pages.")
        withheld = figures.ledger.items
        feedback.pushInfo(f"Small-count rule: {withheld} list entries or table cells with fewer than {threshold} "
                          "routes were not printed with their count.")
        results["PAGES"] = pages
        results["WITHHELD"] = withheld
        return results


def summarise(points, legs, lines, region_layer, name_field: str, threshold: int, assign: str = "region",
              country=None, given=None):
    """(summary, figures, points, region layer) of the route layers: the regional
    summary as 'Regional summary' makes it (same regions, same rule; ``given``: the one
    it made, not computed again) and every figure of the report. ``region_layer`` None:
    the country pack's regions."""
    from ...routes_plugin.core.countries import pack as default_pack
    from ...routes_plugin.core.summary import SummaryError, assign_regions, regional_summary
    from ...routes_plugin.edge.countries import chapter_layer
    from ...routes_plugin.layouts.report_figures import compute

    country = country or default_pack()
    if region_layer is None:
        region_layer, name_field, assign = chapter_layer(country), country.name_field, country.assign
    code_field = country.chapters.get("code_field") if assign == "country" else None
    regions = layer_to_frame(region_layer, None, [name_field, *([code_field] if code_field else [])])
    regions = regions.dissolve(name_field, as_index=False) if regions[name_field].duplicated().any() else regions
    home = country.home_country or countries.pack().home_country
    try:
        if assign == "polygons":
            summary = given if given is not None else regional_summary(points.to_crs(regions.crs), regions, name_field,
                                                                         threshold=threshold)
            # the figures place stops by the same polygons as the summary
            points = points.assign(region=assign_regions(points.to_crs(regions.crs), regions, name_field))
        else:
            codes = dict(zip(regions[code_field].astype(str), regions[name_field].astype(str))) if code_field else None
            points, home = country.summary_points(points, codes)
            summary = given if given is not None else regional_summary(
                points, None, names=regions[name_field].astype(str).tolist(), threshold=threshold, home_country=home)
    except (SummaryError, ValueError) as err:
        raise RoutesError(str(err)) from err
    return summary, compute(points, legs, lines, summary, threshold, home=home), points, region_layer
