#!/usr/bin/env python3
"""Writes routes_plugin/models/export_to_chapters.model3: the whole chain as
one Processing model (open it in the Modeler to read or change it).

export -> layers -> hotspot density -> flows -> border crossings ->
regional summary (computed once) -> chapter PDFs in English and Kiswahili.

Run with Debian's Python (PyQGIS) after `make setup`:
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/build_model.py
"""
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtCore import QPointF

OUT = Path(__file__).resolve().parents[1] / "routes_plugin" / "models" / "export_to_chapters.model3"
Src = QgsProcessingModelChildParameterSource


def model_input(model, param, help_text, x):
    param.setHelp(help_text)
    comp = QgsProcessingModelParameter(param.name())
    comp.setPosition(QPointF(x, 60))
    model.addModelParameter(param, comp)


def child(model, child_id, alg_id, description, sources, outputs=(), x=0, y=0):
    c = QgsProcessingModelChildAlgorithm(alg_id)
    c.setChildId(child_id)
    c.setDescription(description)
    c.setPosition(QPointF(x, y))
    for name, source in sources.items():
        c.addParameterSources(name, [source])
    model_outputs = {}
    for output_name, label in outputs:
        out = QgsProcessingModelOutput(label)
        out.setChildId(child_id)
        out.setChildOutputName(output_name)
        out.setMandatory(False)
        model_outputs[label] = out
    c.setModelOutputs(model_outputs)
    model.addChildAlgorithm(c)


def build() -> QgsProcessingModelAlgorithm:
    m = QgsProcessingModelAlgorithm("export_to_chapters", "Chains", "chains")  # id routes:export_to_chapters
    m.setHelpContent({
        "ALG_DESC": "Runs the whole chain on one tracker export: loads it into route layers (GeoPackage), "
                    "computes hotspot density, cross-border flows, border crossings and the regional summary, "
                    "and exports one chapter per Kenyan region in English and in Kiswahili (PDF, plus a combined "
                    "PDF per language) and the whole report (report_en.pdf, report_sw.pdf). Counts below the "
                    "suppression threshold are never published.",
        "EXPORT": "The tracker export file (CSV or XLSX).",
        "OVERRIDES": "Optional place overrides CSV (name, country, lat, lon or name, target).",
        "SUPPRESS_BELOW": "Counts below this are suppressed in every published output (0 turns it off).",
        "DPI": "Resolution of the chapter PDFs.",
        "PREVIOUS": "Optional route_lines or route_points of the previous round: adds 'What changed since <year>' "
                    "to the report.",
    })
    model_input(m, QgsProcessingParameterFile("EXPORT", "Tracker export",
                                              fileFilter="Route exports (*.csv *.tsv *.txt *.xlsx)"),
                "The tracker export file (CSV or XLSX).", 100)
    model_input(m, QgsProcessingParameterFile("OVERRIDES", "Place overrides (CSV)", optional=True,
                                              fileFilter="CSV (*.csv)"),
                "Optional place overrides CSV; wins over the gazetteer.", 300)
    model_input(m, QgsProcessingParameterNumber("SUPPRESS_BELOW", "Suppress counts below",
                                                Qgis.ProcessingNumberParameterType.Integer, 5, minValue=0),
                "Counts below this are suppressed in every published output (0 turns it off).", 500)
    model_input(m, QgsProcessingParameterNumber("DPI", "Chapter resolution (dpi)",
                                                Qgis.ProcessingNumberParameterType.Integer, 300, minValue=72, maxValue=1200),
                "Resolution of the chapter PDFs.", 700)
    suppress = Src.fromModelParameter("SUPPRESS_BELOW")
    child(m, "load", "routes:loadtrackerexport", "Load tracker export",
          {"INPUT": Src.fromModelParameter("EXPORT"), "OVERRIDES": Src.fromModelParameter("OVERRIDES")},
          [("OUTPUT", "Route layers (GeoPackage)")], 100, 200)
    child(m, "density", "routes:hotspotdensity", "Hotspot density",
          {"INPUT": Src.fromChildOutput("load", "ROUTE_POINTS"), "RADIUS": Src.fromStaticValue(60000),
           "PIXEL_SIZE": Src.fromStaticValue(5000), "WEIGHT_FIELD": Src.fromStaticValue("cases_low")},
          [("OUTPUT", "Hotspot density")], 100, 330)
    child(m, "flows", "routes:flowaggregation", "Cross-border flows (country level)",
          {"INPUT": Src.fromChildOutput("load", "ROUTE_LINES"), "SUPPRESS_BELOW": suppress},
          [("OUTPUT", "Flows"), ("NODES", "Flow nodes")], 330, 330)
    child(m, "crossings", "routes:bordercrossings", "Border crossings",
          {"INPUT": Src.fromChildOutput("load", "ROUTE_LEGS"), "SUPPRESS_BELOW": suppress},
          [("OUTPUT", "Border crossings")], 560, 330)
    child(m, "summary", "routes:regionalsummary", "Regional summary",
          {"INPUT": Src.fromChildOutput("load", "ROUTE_POINTS"), "SUPPRESS_BELOW": suppress},
          [("OUTPUT", "Regional summary"), ("OUTPUT_POLYGONS", "Regional risk")], 790, 330)
    # the chapters print the summary computed once above (no second computation per language)
    for i, (lang, label) in enumerate((("en", "English"), ("sw", "Kiswahili"))):
        child(m, f"chapters_{lang}", "routes:chaptermaps", f"Chapter maps ({label})",
              {"ROUTE_POINTS": Src.fromChildOutput("load", "ROUTE_POINTS"),
               "DENSITY": Src.fromChildOutput("density", "OUTPUT"),
               "FLOWS": Src.fromChildOutput("flows", "OUTPUT"),
               "CROSSINGS": Src.fromChildOutput("crossings", "OUTPUT"),
               "SUMMARY": Src.fromChildOutput("summary", "OUTPUT"),
               "BREAKDOWN": Src.fromChildOutput("summary", "OUTPUT_BREAKDOWN"),
               "LANGUAGE": Src.fromStaticValue(i), "FORMAT": Src.fromStaticValue(0),
               "COMBINED_PDF": Src.fromStaticValue(True), "DPI": Src.fromModelParameter("DPI"),
               "SUPPRESS_BELOW": suppress},
              [("OUTPUT_FOLDER", f"Chapters ({label})")], 330 + 300 * i, 470)
    # the whole report in both languages; the previous round (optional) adds "What changed since <year>"
    model_input(m, QgsProcessingParameterVectorLayer("PREVIOUS", "Previous round (route layer)", optional=True),
                "Optional route_lines or route_points of the previous round: adds 'What changed since <year>'.", 900)
    child(m, "report", "routes:report", "Report (English and Kiswahili)",
          {"ROUTES": Src.fromChildOutput("load", "OUTPUT"), "FLOWS": Src.fromChildOutput("flows", "OUTPUT"),
           "CROSSINGS": Src.fromChildOutput("crossings", "OUTPUT"), "DENSITY": Src.fromChildOutput("density", "OUTPUT"),
           "SUMMARY": Src.fromChildOutput("summary", "OUTPUT"),
           "BREAKDOWN": Src.fromChildOutput("summary", "OUTPUT_BREAKDOWN"),
           "AIRLINES": Src.fromChildOutput("summary", "OUTPUT_AIRLINES"),
           "RECRUITMENT": Src.fromChildOutput("summary", "OUTPUT_RECRUITMENT"),
           "EXPORT": Src.fromModelParameter("EXPORT"), "PREVIOUS": Src.fromModelParameter("PREVIOUS"),
           "LANGUAGE": Src.fromStaticValue(2), "SUPPRESS_BELOW": suppress, "DPI": Src.fromModelParameter("DPI")},
          [("OUTPUT", "Report")], 560, 610)
    return m


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    model = build()
    assert model.toFile(str(OUT)), OUT
    print(OUT)
    app.exitQgis()
