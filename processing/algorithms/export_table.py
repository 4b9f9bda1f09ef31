"""routes:exporttable — a table or layer to CSV / XLSX, safe to open in a spreadsheet.

All rules are in ``routes_plugin.core.export``; this is the QGIS edge.
"""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
)

from ...routes_plugin.core.errors import RoutesError
from ...routes_plugin.edge.frames import LayerError, source_to_frame
from ..base import RoutesAlgorithm
from ..parameters import suppress_parameter

FORMATS = ("csv", "xlsx")
FORMAT_LABELS = ("CSV (UTF-8)", "Excel workbook (XLSX)")


class ExportTable(RoutesAlgorithm):
    NAME, DISPLAY_NAME, GROUP = "exporttable", "Export table (CSV / XLSX)", "Export"
    TAGS = ("csv", "xlsx", "excel", "export", "table", "suppression")
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "openpyxl")
    STEPS = 2
    INPUT, FORMAT, SUPPRESS_BELOW, COUNT_FIELDS = "INPUT", "FORMAT", "SUPPRESS_BELOW", "COUNT_FIELDS"
    INCLUDE_IDENTIFYING, OUTPUT = "INCLUDE_IDENTIFYING", "OUTPUT"
    HELP = (
        "Writes the attribute table of a layer (e.g. Regional summary, Flows, Border crossings) to a CSV or "
        "XLSX file for sharing. Geometries are not written.\n\n"
        "Safe to open in a spreadsheet: a text cell starting with =, +, -, @, a tab or a carriage return "
        "could run as a formula (CSV injection), so it is written with a leading apostrophe "
        "('=HYPERLINK(...) stays text).\n\n"
        "No small count leaves the machine: when a count field holds a value from 1 to 'Suppress counts "
        "below' - 1 the export is refused and nothing is written; suppress the table first with the "
        "algorithm that made it. The disclosure log of the table (its <file>.disclosure.json) is written beside the "
        "export (<output>.disclosure.json). Reporting organisation and notes are left out unless 'Include "
        "identifying columns' is ticked for this export."
    )

    def initAlgorithm(self, config=None):
        p = QgsProcessingParameterFeatureSource(self.INPUT, "Table or layer", [Qgis.ProcessingSourceType.Vector])
        p.setHelp("Any table or vector layer; its attributes are exported, its geometries are not.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.FORMAT, "Format", options=list(FORMAT_LABELS), defaultValue=0)
        p.setHelp("CSV (UTF-8 with byte order mark, so that Excel shows accents) or an Excel workbook.")
        self.addParameter(p)
        self.addParameter(suppress_parameter("the export is refused when a count field holds a value from 1 to "
                                             "this number - 1.", self.SUPPRESS_BELOW))
        p = QgsProcessingParameterField(self.COUNT_FIELDS, "Count fields", parentLayerParameterName=self.INPUT,
                                        type=Qgis.ProcessingFieldParameterDataType.Numeric,
                                        allowMultiple=True, optional=True)
        p.setHelp("The fields holding counts, checked against the small-count rule. Empty: every field named "
                  "routes…, cases…, count…, legs…, weight… or n_….")
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(self.INCLUDE_IDENTIFYING, "Include identifying columns (organisation, "
                                          "notes)", defaultValue=False)
        p.setHelp("Reporting organisation and notes can identify people and partners: they are written only "
                  "when this is ticked, for this export.")
        self.addParameter(p)
        p = QgsProcessingParameterFileDestination(self.OUTPUT, "Output file",
                                                  fileFilter="CSV (*.csv);;Excel workbook (*.xlsx)")
        p.setHelp("The file to write; the extension of the chosen format is added when missing.")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputNumber("ROWS", "Rows written"))

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core.export import export_table

        fmt = FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)]
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not output.lower().endswith("." + fmt):
            output += "." + fmt
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise LayerError(self.invalidSourceError(parameters, self.INPUT))
        frame = source_to_frame(source, steps.next("Reading the table"))  # every field, fid included
        threshold = self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context)
        steps.next("Writing")
        try:
            export_table(frame, output, fmt, threshold,
                         self.parameterAsFields(parameters, self.COUNT_FIELDS, context) or None,
                         self.parameterAsBool(parameters, self.INCLUDE_IDENTIFYING, context))
        except OSError as err:
            raise RoutesError(f"Cannot write {output}: {err.strerror or err}.") from err
        from ...routes_plugin.core.publication import export_entry, log_of_output

        layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        upstream = log_of_output(layer.source()) if layer is not None else None
        self.record_disclosure(steps, [upstream if upstream is not None else export_entry(
            frame, source.sourceName(), threshold, self.parameterAsFields(parameters, self.COUNT_FIELDS, context)
            or None)], [output])
        steps.pushInfo(f"{len(frame)} rows written to {output}"
                       + (f"; no count below {threshold}." if threshold else "; small-count check off."))
        return {self.OUTPUT: output, "ROWS": len(frame)}
