"""Where the plugin's own files and QGIS's resources are. QGIS's resources
(world_map.gpkg, the north arrow SVG) are found here, once, through
``QgsApplication.pkgDataPath()`` and passed down into the core."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication, QgsFeatureRequest, QgsVectorLayer

from ..core.errors import ResourceError

PLUGIN_ROOT = Path(__file__).resolve().parents[2]   #: the installed plugin folder (metadata.txt)
PACKAGE_DIR = PLUGIN_ROOT / "routes_plugin"
STYLES_DIR = PACKAGE_DIR / "styles"
MODELS_DIR = PACKAGE_DIR / "models"
ICON = PACKAGE_DIR / "icons" / "routes.svg"
I18N_DIR = PACKAGE_DIR / "i18n"
ALGORITHM_DOCS = PLUGIN_ROOT / "docs" / "algorithms.md"
NORTH_ARROW = "arrows/NorthArrow_02.svg"


def qgis_data_dir() -> Path:
    return Path(QgsApplication.pkgDataPath())


def world_map_path() -> Path:
    """QGIS's bundled Natural Earth world map (countries, states_provinces); a
    clear error when this QGIS has none."""
    path = qgis_data_dir() / "resources" / "data" / "world_map.gpkg"
    if not path.is_file():
        raise ResourceError(f"QGIS's world map {path} is missing from this QGIS installation "
                            "(QgsApplication.pkgDataPath()); reinstall QGIS or give your own polygon layer.")
    return path


def world_map_layer(layer: str, name: str | None = None, subset: str = "") -> QgsVectorLayer:
    """A layer of world_map.gpkg (``countries`` or ``states_provinces``), optionally filtered."""
    source = f"{world_map_path()}|layername={layer}"
    result = QgsVectorLayer(source, name or layer, "ogr")
    if not result.isValid():
        raise ResourceError(f"QGIS's world map has no readable layer '{layer}' ({source}).")
    if not subset:
        return result
    # the filter applied in QGIS, into memory: a provider subset on the shared world map connection
    # was seen to come back with no fields after other layers of the same file had been used
    request = QgsFeatureRequest().setFilterExpression(subset)
    filtered = result.materialize(request)
    if filtered is None or not filtered.isValid() or request.filterExpression().hasParserError():
        raise ResourceError(f"The filter {subset} does not apply to the world map layer '{layer}'.")
    filtered.setName(name or layer)
    return filtered


def north_arrow_svg() -> str:
    return str(qgis_data_dir() / "svg" / NORTH_ARROW)
