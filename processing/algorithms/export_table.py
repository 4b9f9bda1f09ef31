"""routes:exporttable — a table or layer to CSV / XLSX, safe to open in a spreadsheet.

All rules are in ``routes_plugin.core.export``; this is the QGIS edge.
"""
from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
)

from ..qgis_io import require, source_to_frame, suppress_parameter

FORMATS = ("csv", "xlsx")
FORMAT_LABELS = ("CSV (UTF-8)", "Excel workbook (XLSX)")


class ExportTable(QgsProcessingAlgorithm):
    INPUT, FORMAT, SUPPRESS_BELOW, COUNT_FIELDS = "INPUT", "FORMAT", "SUPPRESS_BELOW", "COUNT_FIELDS"
    INCLUDE_IDENTIFYING, OUTPUT = "INCLUDE_IDENTIFYING", "OUTPUT"

    def name(self):
        return "exporttable"

    def displayName(self):  # noqa: N802
        return "Export table (CSV / XLSX)"

    def group(self):
        return "Export"

    def groupId(self):  # noqa: N802
        return "export"

    def tags(self):
        return ["csv", "xlsx", "excel", "export", "table", "suppression"]

    def createInstance(self):  # noqa: N802
        return type(self)()

    def shortHelpString(self):  # noqa: N802
        return (
            "Writes the attribute table of a layer (e.g. Regional summary, Flows, Border crossings) to a CSV or "
            "XLSX file for sharing. Geometries are not written.\n\n"
            "Safe to open in a spreadsheet: a text cell starting with =, +, -, @, a tab or a carriage return "
            "could run as a formula (CSV injection), so it is written with a leading apostrophe "
            "('=HYPERLINK(...) stays text).\n\n"
            "No small count leaves the machine: when a count field holds a value from 1 to 'Suppress counts "
            "below' - 1 the export is refused and nothing is written; suppress the table first with the "
            "algorithm that made it. Reporting organisation and notes are left out unless 'Include "
            "identifying columns' is ticked for this export."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        p = QgsProcessingParameterFeatureSource(self.INPUT, "Table or layer", [QgsProcessing.TypeVector])
        p.setHelp("Any table or vector layer; its attributes are exported, its geometries are not.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.FORMAT, "Format", options=list(FORMAT_LABELS), defaultValue=0)
        p.setHelp("CSV (UTF-8 with byte order mark, so that Excel shows accents) or an Excel workbook.")
        self.addParameter(p)
        self.addParameter(suppress_parameter("the export is refused when a count field holds a value from 1 to "
                                             "this number - 1.", self.SUPPRESS_BELOW))
        p = QgsProcessingParameterField(self.COUNT_FIELDS, "Count fields", parentLayerParameterName=self.INPUT,
                                        type=QgsProcessingParameterField.Numeric, allowMultiple=True, optional=True)
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

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require("pandas", "openpyxl")
        from ...routes_plugin.core.export import ExportError, export_table

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        fmt = FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)]
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not output.lower().endswith("." + fmt):
            output += "." + fmt
        frame = source_to_frame(source, feedback)
        threshold = self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context)
        try:
            export_table(frame, output, fmt, threshold,
                         self.parameterAsFields(parameters, self.COUNT_FIELDS, context) or None,
                         self.parameterAsBool(parameters, self.INCLUDE_IDENTIFYING, context))
        except (ExportError, OSError) as err:
            raise QgsProcessingException(str(err)) from err
        feedback.pushInfo(f"{len(frame)} rows written to {output}"
                          + (f"; no count below {threshold}." if threshold else "; small-count check off."))
        return {self.OUTPUT: output, "ROWS": len(frame)}
