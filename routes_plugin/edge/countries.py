"""Country packs at the QGIS edge: a pack's chapter regions as a layer."""
from __future__ import annotations

from qgis.core import QgsVectorLayer

from ..core.countries import CountryPack
from ..core.errors import CountryPackError
from .resources import world_map_layer, world_map_path


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


def chapter_source(pack: CountryPack):
    """``(path, layer name or None, OGR where clause or None)`` of the pack's chapter
    regions: what :func:`chapter_layer` opens, for reading straight from the file
    (no QgsVectorLayer: opening one costs a tenth of a second)."""
    spec = pack.chapters
    if spec["source"] == "world_map":
        return str(world_map_path()), spec["layer"], spec.get("filter", "") or None
    path = pack.chapters_file()
    if path is None or not path.is_file():
        raise CountryPackError(f"The chapter regions {path} of the country pack {pack.id} cannot be read.")
    return str(path), None, None
