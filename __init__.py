"""Trafficking Routes QGIS plugin (install name ``trafficking_routes``).

QGIS calls :func:`classFactory`. Nothing here imports ``qgis`` at module level,
so the QGIS-free core (``routes_plugin.core``) can be imported and tested
without a QGIS application.
"""


def classFactory(iface):
    from .routes_plugin.plugin import RoutesPlugin

    return RoutesPlugin(iface)
