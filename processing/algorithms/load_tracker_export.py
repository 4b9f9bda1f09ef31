"""routes:loadtrackerexport — a tracker export file to route layers in a GeoPackage."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ...routes_plugin.edge.styles import load_on_completion, save_default_styles
from ..base import RoutesAlgorithm
from ..parameters import country_pack, country_parameter

FORMATS = ("auto", "csv", "xlsx", "htcds", "ctdc", "ctdc_vp")
FORMAT_LABELS = ("Detect from the file", "Tracker export, CSV", "Tracker export, XLSX",
                 "IOM HTCDS historic trafficking events", "CTDC case data (country level)",
                 "CTDC victim-perpetrator file (UN region level)")
UNRESOLVED = ("reject", "country")
UNRESOLVED_LABELS = ("Reject the row (listed in rejected_rows with suggestions)",
                     "Keep the place at country level (flagged, listed as a warning)")
UNCERTAIN_MODES = ("stop", "map")
UNCERTAIN_LABELS = ("Stop, naming the column and the field it probably is", "Map it to that field and warn")
#: layer -> (output id, geometry type, shipped style)
LAYERS = {
    "route_points": ("ROUTE_POINTS", Qgis.ProcessingSourceType.VectorPoint, "route_points"),
    "route_legs": ("ROUTE_LEGS", Qgis.ProcessingSourceType.VectorLine, "route_legs"),
    "route_lines": ("ROUTE_LINES", Qgis.ProcessingSourceType.VectorLine, "route_lines"),
    "places": ("PLACES", Qgis.ProcessingSourceType.VectorPoint, "places"),
    "rejected_rows": ("REJECTED_ROWS", Qgis.ProcessingSourceType.Vector, None),
}
#: the layers' names on the canvas: what they hold, and at which level
CANVAS_NAMES = {
    "route_points": "Route points — one per stop",
    "route_legs": "Route legs — stop to stop",
    "route_lines": "Route lines — one per route",
    "places": "Places — on the routes",
    "rejected_rows": "Rejected rows",
}


class LoadTrackerExport(RoutesAlgorithm):
    NAME, DISPLAY_NAME, GROUP = "loadtrackerexport", "Load tracker export", "Load"
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "openpyxl")
    INPUT, OUTPUT, PROFILE, SHEET, FORMAT = "INPUT", "OUTPUT", "PROFILE", "SHEET", "FORMAT"
    OVERRIDES, UNRESOLVED, INCLUDE_IDENTIFYING = "OVERRIDES", "UNRESOLVED", "INCLUDE_IDENTIFYING"
    HOME_COUNTRY = "HOME_COUNTRY"
    UNCERTAIN = "UNCERTAIN"

    HELP = (
        "Reads a route-data export (one row per reported route: origin, transit points, intended "
        "destination, place of exploitation, estimated cases, categories) and writes five layers to "
        "one GeoPackage: route_points (one point per stop), route_legs (one line per consecutive pair "
        "of stops, flagged when it crosses a border), route_lines (one line per route), places (one "
        "point per place with counts by role) and rejected_rows (row, column, value, reason and "
        "suggestions for every cell that could not be used).\n\n"
        "Place names are resolved offline (GeoNames, countrystatecity and Natural Earth data shipped "
        "with the plugin); nothing is sent off this machine. Every input row is either mapped or listed "
        "in rejected_rows: the log ends with rows in = mapped + rejected.\n\n"
        "Reads CSV (any common encoding, ; or , separated) and XLSX tracker exports, IOM HTCDS historic "
        "trafficking events and CTDC case data. Reporting organisation and notes are never written "
        "unless 'Include identifying columns' is ticked."
    )

    def initAlgorithm(self, config=None):
        p = QgsProcessingParameterFile(self.INPUT, "Tracker export (CSV or XLSX)", behavior=Qgis.ProcessingFileParameterBehavior.File,
                                       fileFilter="Route exports (*.csv *.tsv *.txt *.xlsx);;All files (*.*)")
        p.setHelp("The export file: one row per reported route. CSV in any common encoding (UTF-8, UTF-16, "
                  "Windows-1252) with ; , or tab separators, or an XLSX workbook.")
        self.addParameter(p)
        p = QgsProcessingParameterFileDestination(self.OUTPUT, "Output GeoPackage", fileFilter="GeoPackage (*.gpkg)")
        p.setHelp("GeoPackage that receives route_points, route_legs, route_lines, places and rejected_rows. "
                  "Into an existing GeoPackage only these five layers are replaced, in one step once all are "
                  "written; its other layers, styles and a QGIS project stored in it are kept.")
        self.addParameter(p)
        p = QgsProcessingParameterFile(self.PROFILE, "Column profile (JSON or YAML)", optional=True,
                                       fileFilter="Column profiles (*.json *.yaml *.yml)")
        p.setHelp("Maps your file's column headers to the export fields. Leave empty for the default "
                  "profile, which knows English and Swahili headers. See docs/export-format.md.")
        self.addParameter(p)
        p = QgsProcessingParameterString(self.SHEET, "Sheet (XLSX only)", optional=True)
        p.setHelp("Name (or 0-based number) of the worksheet to read; empty reads the sheet whose header best "
                  "matches the export fields (the first one on ties). The log says which sheet was read.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.FORMAT, "File format", options=list(FORMAT_LABELS), defaultValue=0)
        p.setHelp("Detect from the file (default), or force one of the supported layouts.")
        self.addParameter(p)
        p = QgsProcessingParameterFile(self.OVERRIDES, "Place overrides (CSV)", optional=True,
                                       fileFilter="CSV (*.csv)")
        p.setHelp("Your own place list, which wins over the gazetteer: columns name, country (optional), "
                  "lat, lon — or name, target to map a local name onto a gazetteer name. Empty: the country "
                  "pack's default overrides (if it has any).")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.UNRESOLVED, "Unknown or ambiguous places", options=list(UNRESOLVED_LABELS),
                                       defaultValue=0)
        p.setHelp("What to do when a place name is not found or matches several places: reject the row "
                  "(default), or keep the place at the row's country level, flagged precision='country'.")
        self.addParameter(p)
        self.addParameter(country_parameter("the home country (for transit points) and the default place overrides"))
        p = QgsProcessingParameterString(self.HOME_COUNTRY, "Home country (for transit points)", optional=True)
        p.setHelp("Transit points have no country column: each is looked up in the route's origin country, then "
                  "in this country (ISO code or name; the network's own country), then anywhere. Empty: the "
                  "country pack's home country. A name that still matches several places is reported as ambiguous.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.UNCERTAIN, "Uncertain column matches", options=list(UNCERTAIN_LABELS),
                                       defaultValue=0)
        p.setHelp("A column whose header only probably names a field (a near miss such as 'Cses' for cases): "
                  "stop and name the column and the field it probably is (default), or map it and warn. Headers "
                  "that match an alias, its normalised words or an English/Swahili synonym always map, and the "
                  "log lists which header was taken for which field. See docs/export-format.md.")
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(self.INCLUDE_IDENTIFYING, "Include identifying columns (organisation, notes)",
                                          defaultValue=False)
        p.setHelp("Reporting organisation and free-text notes can identify people and partners. They are "
                  "read for validation but written to the layers only when this is ticked.")
        self.addParameter(p)
        for layer, (out_id, _type, _style) in LAYERS.items():
            self.addOutput(QgsProcessingOutputVectorLayer(out_id, layer))
        for out_id in ("ROWS_IN", "ROWS_MAPPED", "ROWS_REJECTED"):
            self.addOutput(QgsProcessingOutputNumber(out_id, out_id.replace("_", " ").lower()))

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core.loader import load_export
        from ...routes_plugin.core.postgis import is_postgres_uri, redact

        feedback = steps.next("Loading the export")
        country = country_pack(self, parameters, context)

        path = self.parameterAsFile(parameters, self.INPUT, context)
        output = self.parameterAsString(parameters, self.OUTPUT, context)
        uri = output if is_postgres_uri(output) else saved_connection_uri(output)
        if uri:
            output = uri
            feedback.pushInfo(f"Writing to the shared PostGIS store {redact(uri)}")
        else:
            output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
            if not output.lower().endswith(".gpkg"):
                output += ".gpkg"
            editing = layers_of_file(context.project(), output, editable=True)
            if editing:
                raise QgsProcessingException(
                    f"{output}: the layer(s) {', '.join(editing)} of this file are in edit mode in QGIS. Save or "
                    "discard their edits and stop editing, then run again; nothing was written.")
            self.reload_after = output
        result = load_export(
            path, output=output,
            profile=self.parameterAsFile(parameters, self.PROFILE, context) or None,
            sheet=self.parameterAsString(parameters, self.SHEET, context) or None,
            fmt=FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)],
            overrides=self.parameterAsFile(parameters, self.OVERRIDES, context) or (
                str(country.overrides) if country.overrides else None),
            unresolved=UNRESOLVED[self.parameterAsEnum(parameters, self.UNRESOLVED, context)],
            include_identifying=self.parameterAsBool(parameters, self.INCLUDE_IDENTIFYING, context),
            home_country=self.parameterAsString(parameters, self.HOME_COUNTRY, context) or country.home_country,
            feedback=feedback,
            uncertain=UNCERTAIN_MODES[self.parameterAsEnum(parameters, self.UNCERTAIN, context)],
        )
        rejected_rows = result.layers["rejected_rows"]
        for row in rejected_rows.head(50).astype(object).where(rejected_rows.head(50).notna(), "").itertuples():
            where = f"row {row.source_row}" + (f", column '{row.column}'" if row.column else "")
            msg = f"{where}: {row.reason}" + (f" (did you mean: {row.suggestions})" if row.suggestions else "")
            (feedback.reportError(msg, False) if row.severity == "rejected" else feedback.pushWarning(msg))
        if len(rejected_rows) > 50:
            feedback.pushWarning(f"... and {len(rejected_rows) - 50} more: see the rejected_rows layer")
        feedback.pushInfo(result.summary())
        outputs = {self.OUTPUT: redact(output) if uri else output, "ROWS_IN": result.report["rows_in"],
                   "ROWS_MAPPED": result.report["rows_mapped"], "ROWS_REJECTED": result.report["rows_rejected"]}
        if not uri:
            save_default_styles(output, {k: v[2] for k, v in LAYERS.items() if v[2]})
        for layer, (out_id, _type, style) in LAYERS.items():
            source, provider = (postgis_layer_uri(uri, layer), "postgres") if uri else (f"{output}|layername={layer}", "ogr")
            outputs[out_id] = source
            if context.project() is not None:
                load_on_completion(context, source, CANVAS_NAMES[layer], style, out_id, provider)
        return outputs


    def postProcessAlgorithm(self, context, feedback):  # noqa: N802 - main thread: refresh open layers
        path = getattr(self, "reload_after", None)
        for layer in layers_of_file(context.project(), path) if path else []:
            layer.reload()
            layer.triggerRepaint()
        return {}


def layers_of_file(project, path: str, editable: bool = False) -> list:
    """The project's vector layers on the plugin's layers of the GeoPackage ``path``
    (with ``editable``: the names of those in edit mode)."""
    import os

    if project is None:
        return []
    target, found = os.path.realpath(path), []
    for layer in project.mapLayers().values():
        parts = layer.source().split("|")
        name = next((p.split("=", 1)[1] for p in parts[1:] if p.startswith("layername=")), None)
        if layer.providerType() == "ogr" and name in LAYERS and os.path.realpath(parts[0]) == target:
            if not editable:
                found.append(layer)
            elif layer.isEditable():
                found.append(layer.name())
    return found


def saved_connection_uri(name: str) -> str | None:
    """A ``postgresql://`` URI for the name of a PostgreSQL connection saved in QGIS (else None)."""
    from qgis.core import QgsApplication, QgsDataSourceUri, QgsProviderRegistry

    if not name or "/" in name or "\\" in name or name.lower().endswith(".gpkg"):
        return None
    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    try:
        conn = metadata.findConnection(name) if metadata is not None else None
    except Exception:  # QgsProviderConnectionException: no such connection
        conn = None
    if conn is None:
        return None
    ds = QgsDataSourceUri(conn.uri())
    if ds.authConfigId():
        QgsApplication.authManager().updateDataSourceUriItems([], ds.authConfigId(), "postgres")
        ds = QgsDataSourceUri(conn.uri())
        QgsApplication.authManager().updateDataSourceUri(ds)
    from urllib.parse import quote

    auth = quote(ds.username() or "") + (":" + quote(ds.password()) if ds.password() else "")
    return f"postgresql://{auth + '@' if auth else ''}{ds.host() or 'localhost'}:{ds.port() or 5432}/{ds.database()}"


def postgis_layer_uri(uri: str, table: str) -> str:
    """A QGIS postgres-provider source for ``routes.<table>`` of the shared store."""
    from urllib.parse import unquote, urlparse

    u = urlparse(uri)
    parts = [f"dbname='{u.path.lstrip('/')}'", f"host={u.hostname or 'localhost'}", f"port={u.port or 5432}"]
    if u.username:
        parts.append(f"user='{unquote(u.username)}'")
    if u.password:
        parts.append(f"password='{unquote(u.password)}'")
    geom = "" if table == "rejected_rows" else " (geom)"
    return " ".join(parts) + f" key='fid' table=\"routes\".\"{table}\"{geom}"
