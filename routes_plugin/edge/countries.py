"""Country packs at the QGIS edge: a pack's chapter regions as a layer."""
from __future__ import annotations

from qgis.core import QgsVectorLayer

from ..core.countries import CountryPack
from ..core.errors import CountryPackError
from .resources import world_map_layer


def chapter_layer(pack: CountryPack) -> QgsVectorLayer:
    """The polygons of the pack's chapter regions (QGIS's world map filtered, or the pack's own file)."""
    spec = pack.chapters
    if spec["source"] == "world_map":
        return world_map_layer(spec["layer"], f"{pack.name()} chapters", spec.get("filter", ""))
    path = pack.chapters_file()
    layer = QgsVectorLayer(str(path), f"{pack.name()} chapters", "ogr")
    if not layer.isValid():
        raise CountryPackError(f"The chapter regions {path} of the country pack {pack.id} cannot be read.")
    return layer
