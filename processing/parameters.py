"""Parameter factories shared by several algorithms (one label, help and
default per concept)."""
from __future__ import annotations

from qgis.core import Qgis, QgsProcessingParameterEnum, QgsProcessingParameterNumber, QgsProcessingParameterString

from ..routes_plugin.core.countries import pack, packs
from ..routes_plugin.edge.settings import COUNTRY_SETTING, SUPPRESS_SETTING, country_default, suppress_default

SUPPRESS_MODES = ("drop", "merge")
SUPPRESS_LABELS = ("Drop small rows", "Merge small rows into one \"other\" row (no geometry)")


def suppress_parameter(effect: str, name: str = "SUPPRESS_BELOW"):
    """The SUPPRESS_BELOW parameter of every algorithm that publishes counts: one
    label, the shared default (plugin setting), 0 turns it off; ``effect`` says
    what this algorithm does with a count below it."""
    p = QgsProcessingParameterNumber(name, "Suppress counts below", Qgis.ProcessingNumberParameterType.Integer,
                                     suppress_default(), minValue=0)
    p.setHelp(f"Small-count rule: {effect} 0 turns suppression off. The default is the plugin setting "
              f"{SUPPRESS_SETTING} (5 unless changed).")
    return p


def add_suppression_parameters(alg, what: str = "routes, legs, cases, category counts, node totals"):
    """SUPPRESS_BELOW and SUPPRESS_MODE (drop or merge small rows) of the flow-like algorithms."""
    alg.addParameter(suppress_parameter(f"no published count ({what}) is below this number.", "SUPPRESS_BELOW"))
    p = QgsProcessingParameterEnum("SUPPRESS_MODE", "Rows below the threshold", SUPPRESS_LABELS, defaultValue=0)
    p.setHelp("Drop rows whose route count is below the threshold, or merge them into one row labelled "
              "\"other (suppressed)\" without geometry (itself dropped if still below the threshold). "
              "Smaller cells of kept rows are left blank.")
    alg.addParameter(p)


def suppress_mode(alg, parameters, context) -> str:
    return SUPPRESS_MODES[alg.parameterAsEnum(parameters, "SUPPRESS_MODE", context)]


def report_skips(feedback, report) -> None:
    """One warning per reason rows were skipped (nothing is dropped silently)."""
    for reason, n in report.get("skipped", {}).items():
        feedback.pushWarning(f"Skipped {n} input row(s): {reason}")


def country_parameter(what: str, name: str = "COUNTRY"):
    """The COUNTRY parameter: the country pack (routes_plugin/data/countries/<ID>/) that gives ``what``;
    its default is the plugin setting (Kenya unless changed)."""
    p = QgsProcessingParameterString(name, "Country pack", defaultValue=country_default())
    listed = "; ".join(f"{p.id} = {p.name()}" for p in packs().values())
    p.setHelp(f"The country pack that gives {what}. Shipped packs: {listed}. The default is the plugin setting "
              f"{COUNTRY_SETTING}.")
    return p


def country_pack(alg, parameters, context, name: str = "COUNTRY"):
    return pack(alg.parameterAsString(parameters, name, context) or None)
