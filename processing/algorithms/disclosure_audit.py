"""routes:disclosureaudit — can anything withheld be worked back out of a run's published tables?

All rules are in ``routes_plugin.core.audit``; this is the QGIS edge.
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterMultipleLayers,
    QgsWkbTypes,
)

from ...routes_plugin.core.errors import RoutesError
from ...routes_plugin.edge.frames import frame_to_sink, source_to_frame
from ..base import RoutesAlgorithm
from ..parameters import suppress_parameter


class DisclosureAudit(RoutesAlgorithm):
    NAME, DISPLAY_NAME, GROUP = "disclosureaudit", "Disclosure audit (published tables)", "Export"
    TAGS = ("privacy", "suppression", "disclosure", "audit", "linear programming", "complementary")
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "scipy")
    STEPS = 3
    INPUT, SUPPRESS_BELOW, FAIL, OUTPUT = "INPUT", "SUPPRESS_BELOW", "FAIL_IF_EXPOSED", "OUTPUT"
    EXPOSED, WITHHELD, SENTENCE = "EXPOSED", "WITHHELD", "SENTENCE"
    HELP = (
        "Checks, before you publish, that no withheld (blank) count of a run can be worked back out of what "
        "the run publishes.\n\n"
        "Give it every table and layer you will publish from one run (regional summary with its national "
        "row, the national cross tables in long or wide form, flows, crossings ...). It sets up what a reader "
        "knows: every published cell; that rows and columns of a cross table add up to their totals; that a "
        "region's counts are at most the national ones and together at least the national ones; that the "
        "same figure in two tables is one figure; that a blank is not negative and, if it is a small count, "
        "between 1 and the threshold − 1. For every blank it then computes by linear programming the "
        "smallest and largest value it can take.\n\n"
        "Output: one row per blank cell with its table, measure, row, column, min, max, the number of "
        "integer values left and a status: protected (at least 3 values), exposed (fewer: do not publish), "
        "not small (it cannot be below the threshold, so nothing small is revealed) or no relation (nothing "
        "published constrains it). The log ends with one sentence saying the outcome.\n\n"
        "Record-level working layers (the five layers of 'Load tracker export') are refused: they are not "
        "for publication. The method is described in docs/privacy.md."
    )

    def initAlgorithm(self, config=None):
        p = QgsProcessingParameterMultipleLayers(self.INPUT, "Published tables of one run", QgsProcessing.TypeVector)
        p.setHelp("Every table or layer you intend to publish from one run (the outputs of Regional summary, "
                  "Flow aggregation, Border crossings ...). Tables without totals are checked too.")
        self.addParameter(p)
        self.addParameter(suppress_parameter("the threshold the tables were suppressed at: a blank may be a "
                                             "count from 1 to this number − 1.", self.SUPPRESS_BELOW))
        p = QgsProcessingParameterBoolean(self.FAIL, "Fail when a cell is exposed", False)
        p.setHelp("Stop with an error (e.g. in a model, before the report is made) when a blank can be narrowed "
                  "to fewer than 3 values.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSink(self.OUTPUT, "Disclosure audit", QgsProcessing.TypeVector)
        p.setHelp("One row per withheld cell: output, table, measure, row, column, min, max, values, status.")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputNumber(self.EXPOSED, "Exposed cells"))
        self.addOutput(QgsProcessingOutputNumber(self.WITHHELD, "Withheld cells"))
        self.addOutput(QgsProcessingOutputString(self.SENTENCE, "Audit sentence"))

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core import audit
        from ...routes_plugin.core.publication import NotPublishableError, assert_publishable_source

        layers = self.parameterAsLayerList(parameters, self.INPUT, context)
        if not layers:
            raise RoutesError("Choose at least one published table of the run to audit.")
        threshold = self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context)
        feedback = steps.next("Reading the published tables")
        frames = {}
        for i, layer in enumerate(layers):
            steps.progress(i / len(layers))
            try:
                assert_publishable_source(layer.source())
            except NotPublishableError as err:
                raise RoutesError(str(err)) from err
            name = layer.name()
            path = layer.source().split("|")[0]
            key = f"{Path(path).name}:{name}" if Path(path).suffix else name
            frames[key] = source_to_frame(layer)
        feedback.pushInfo(f"Auditing {len(frames)} table(s) at threshold {threshold}: " + ", ".join(frames))
        feedback = steps.next("Bounding every withheld cell (linear programming)")
        result = audit.audit_frames(frames, threshold)
        feedback = steps.next("Writing the audit table")
        counts = result["status"].value_counts().to_dict()
        feedback.pushInfo("Withheld cells by status: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
        for row in audit.exposed(result).head(20).itertuples(index=False):
            feedback.reportError(f"Exposed: {row.output} {row.table} {row.measure} [{row.row} | {row.column}] "
                                 f"is between {row.min:g} and {row.max:g}", False)
        sentence = audit.audit_sentence(result, threshold)
        feedback.pushInfo(sentence)
        n_exposed = int(len(audit.exposed(result)))
        if n_exposed and self.parameterAsBool(parameters, self.FAIL, context):
            raise RoutesError(sentence)
        import numpy as np

        table = result.astype({"min": float, "max": float, "values": float}).replace([np.inf, -np.inf], np.nan)
        dest = frame_to_sink(self, parameters, context, self.OUTPUT, table, QgsCoordinateReferenceSystem(),
                             feedback, QgsWkbTypes.NoGeometry)
        return {self.OUTPUT: dest, self.EXPOSED: n_exposed, self.WITHHELD: int(len(result)), self.SENTENCE: sentence}
