"""routes:regionalsummary — per-region risk summary, regional risk choropleth and national tables."""
from __future__ import annotations

from qgis.core import Qgis, QgsProcessingParameterFeatureSink

from ...routes_plugin.edge.frames import frame_to_sink
from ...routes_plugin.edge.styles import style_output
from ..base import RoutesAlgorithm
from ..regions import add_region_parameters, read_regions


class RegionalSummary(RoutesAlgorithm):
    NAME, DISPLAY_NAME, GROUP = "regionalsummary", "Regional summary (chapters)", "Chapters"
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely")
    STEPS = 3
    INPUT, OUTPUT, OUTPUT_POLYGONS, OUTPUT_BREAKDOWN = "INPUT", "OUTPUT", "OUTPUT_POLYGONS", "OUTPUT_BREAKDOWN"
    OUTPUT_AIRLINES, OUTPUT_RECRUITMENT = "OUTPUT_AIRLINES", "OUTPUT_RECRUITMENT"
    OUTPUT_AIRLINES_WIDE, OUTPUT_RECRUITMENT_WIDE = "OUTPUT_AIRLINES_WIDE", "OUTPUT_RECRUITMENT_WIDE"
    OUTPUT_DISCLOSURE = "OUTPUT_DISCLOSURE"

    def help_text(self):
        from ...routes_plugin.core.summary import RISK_FORMULA

        return (
            "Per chapter region (the country pack's regions — Kenya's 8 former provinces by default, one chapter "
            "per country in a regional pack — or any polygon layer with a name field): "
            "the routes and estimated cases starting, passing through and ending there, their share of the "
            "national total, the top destination countries and transit points, and the routes by mode of "
            "transport, airline, recruitment method and type of exploitation.\n\n"
            "Counts are distinct routes; cases are summed once per route (low = sum of the known lower "
            "estimates; high is blank when a route has no upper estimate). The national total is the routes "
            "with at least one stop in the pack's home country, or in any of its chapter countries (with your own "
            "region layer: in any of its polygons).\n\n"
            f"Regional risk (field risk_index, the choropleth): {RISK_FORMULA}.\n\n"
            "Outputs: the regional table, the same as styled polygons, the long table of counts by region and "
            "category, and the national tables airline × destination country and recruitment method × type of "
            "exploitation (optionally also as cross tables). Every count goes through the shared small-count "
            "rule; lists name only items with a publishable count.\n\n"
            "Totals: the regional table ends with the national row (region 'total'); the cross tables carry a "
            "total row and a total column (named 'total'; they add up the cells, so a route naming two airlines "
            "counts under both). Because totals are published, further cells are withheld (complementary "
            "suppression) so that no blank can be worked out from them: each keeps at least 3 possible values "
            "(docs/privacy.md; check with 'Disclosure audit'). The disclosure log lists what was withheld."
        )

    def initAlgorithm(self, config=None):
        add_region_parameters(self, self.INPUT)
        outputs = (
            (self.OUTPUT, "Regional summary", Qgis.ProcessingSourceType.Vector, True,
             "One row per region: routes_/cases_low_/cases_high_ for any stop, origin, transit and end (intended "
             "destination or exploitation), share_national_pct, risk_index and the top lists."),
            (self.OUTPUT_POLYGONS, "Regional risk", Qgis.ProcessingSourceType.VectorPolygon, True,
             "The regional summary on the region polygons, styled as a risk_index choropleth."),
            (self.OUTPUT_BREAKDOWN, "Regional breakdown", Qgis.ProcessingSourceType.Vector, True,
             "Long table region, field, code, name, routes, cases_low, cases_high for destination countries, "
             "transit points, modes of transport, airlines, recruitment methods and types of exploitation."),
            (self.OUTPUT_AIRLINES, "Airlines × destination (national)", Qgis.ProcessingSourceType.Vector, True,
             "Routes and cases per airline and destination country (intended destination or place of "
             "exploitation) among the national routes."),
            (self.OUTPUT_RECRUITMENT, "Recruitment × exploitation (national)", Qgis.ProcessingSourceType.Vector, True,
             "Routes and cases per recruitment method and type of exploitation among the national routes."),
            (self.OUTPUT_AIRLINES_WIDE, "Airlines × destination, cross table", Qgis.ProcessingSourceType.Vector, False,
             "Routes per airline (rows) and destination country (one column per ISO3 code)."),
            (self.OUTPUT_RECRUITMENT_WIDE, "Recruitment × exploitation, cross table", Qgis.ProcessingSourceType.Vector, False,
             "Routes per recruitment method (rows) and type of exploitation (one column per code)."),
            (self.OUTPUT_DISCLOSURE, "Disclosure log", Qgis.ProcessingSourceType.Vector, True,
             "What was withheld, per table: cells by primary suppression (below the threshold) and by "
             "complementary suppression (so that totals do not reveal them), and the threshold (core/publication.py)."),
        )
        for name, label, kind, default, help_text in outputs:
            # only OUTPUT is required: the others are offered (created by default or not) but optional
            p = QgsProcessingParameterFeatureSink(name, label, kind, optional=name != self.OUTPUT,
                                                  createByDefault=default)
            p.setHelp(help_text)
            self.addParameter(p)

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core.publication import disclosure_log
        from ...routes_plugin.core.summary import wide

        summary, regions, layer, name_field, _points = read_regions(self, parameters, context, self.INPUT,
                                                                    steps.next("Reading the route points"))
        steps.next("Summarising")
        crs = layer.crs()
        polygons = regions[[name_field, regions.geometry.name]].rename(columns={name_field: "region"})
        polygons["region"] = polygons["region"].astype(str)
        polygons = polygons.merge(summary.regions, on="region", how="left")
        tables = {
            self.OUTPUT: lambda: summary.published_regions(),
            self.OUTPUT_BREAKDOWN: lambda: summary.breakdown,
            self.OUTPUT_AIRLINES: lambda: summary.airlines,
            self.OUTPUT_RECRUITMENT: lambda: summary.recruitment,
            self.OUTPUT_AIRLINES_WIDE: lambda: wide(summary.airlines, "airlines", "destination_country"),
            self.OUTPUT_RECRUITMENT_WIDE: lambda: wide(summary.recruitment, "recruitment_methods",
                                                       "exploitation_types"),
            self.OUTPUT_DISCLOSURE: lambda: disclosure_log(summary.disclosure),
        }
        feedback = steps.next("Writing")
        outputs = {}
        for name, frame in tables.items():
            if name != self.OUTPUT and not parameters.get(name):
                continue
            dest = frame_to_sink(self, parameters, context, name, frame(), crs, feedback, Qgis.WkbType.NoGeometry,
                                 optional=name != self.OUTPUT)
            if dest:
                outputs[name] = dest
        if parameters.get(self.OUTPUT_POLYGONS):
            dest = frame_to_sink(self, parameters, context, self.OUTPUT_POLYGONS, polygons, crs, feedback,
                                 Qgis.WkbType.MultiPolygon, optional=True)
            if dest:
                outputs[self.OUTPUT_POLYGONS] = dest
                style_output(context, dest, "regional_risk")
        self.record_disclosure(steps, [summary.disclosure], outputs.values())
        steps.pushInfo(f"Regions with data: {int(summary.regions['has_data'].sum())} of {len(summary.regions)}; "
                       f"counts below {summary.threshold} suppressed.")
        return outputs
