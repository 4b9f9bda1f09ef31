"""The one QGIS edge of the plugin, shared by the algorithms (``processing/``),
the layouts and the UI: layers read into frames and frames written to sinks
(:mod:`.frames`), shipped styles and their data-driven adjustments
(:mod:`.styles`), plugin settings (:mod:`.settings`), the check for Python
packages QGIS's Python may lack (:mod:`.dependencies`), resource paths found
through QGIS (:mod:`.resources`) and GDAL's error handling (:mod:`.gdal`).

It imports the core (``routes_plugin.core``) and QGIS, never ``processing/``,
the layouts or the UI (tests/test_imports.py checks).
"""
