"""Country packs: what is specific to one country (or region) is data, in
``routes_plugin/data/countries/<ID>/pack.json``:

- ``home_country``: ISO3 of the network's own country (transit points are looked up there);
- ``chapters``: the chapter regions and their source (``world_map`` layer and filter, or a
  ``file`` shipped in the pack), their name field and how stops are assigned to them
  (``region``: the stop's region inside the home country; ``country``: the stop's country,
  matched on ``code_field``; ``polygons``: the polygon containing the stop);
- ``region_names``: each chapter region's name per language (en, sw);
- ``border_groups``: transit points grouped by border, named per language;
- ``overrides``: the pack's default place overrides (CSV), or null.

Kenya (``KEN``) is the default pack. QGIS-free: the QGIS edge turns a pack's
chapter source into a layer.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .errors import CountryPackError

PACKS_DIR = Path(__file__).resolve().parents[1] / "data" / "countries"
ASSIGN_MODES = ("region", "country", "polygons")


@dataclass(frozen=True)
class CountryPack:
    id: str
    folder: Path
    home_country: str | None
    names: dict
    chapters: dict
    region_names: dict = field(default_factory=dict)
    border_groups: dict = field(default_factory=dict)
    overrides: Path | None = None
    sample: Path | None = None
    default: bool = False

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or self.names.get("en") or self.id

    @property
    def assign(self) -> str:
        return self.chapters.get("assign", "region")

    @property
    def name_field(self) -> str:
        return self.chapters.get("name_field", "name")

    def chapters_file(self) -> Path | None:
        """The shipped polygon file of the chapter regions (``source: file``), else None."""
        if self.chapters.get("source") != "file":
            return None
        return self.folder / self.chapters["file"]

    def region_name(self, region: str, language: str = "en") -> str:
        """A chapter region's name in ``language`` (as given when the pack has none)."""
        names = self.region_names.get(str(region), {})
        return names.get(language) or names.get("en") or str(region)

    def border_group(self, place: str) -> str | None:
        """The border group a transit place belongs to (None when in none)."""
        for group, spec in self.border_groups.items():
            if place in spec.get("places", ()):
                return group
        return None

    def summary_points(self, points: pd.DataFrame, codes: dict | None = None):
        """``(points, home countries)`` as :func:`summary.regional_summary` reads them: with chapters
        by country, each stop's region becomes its country's chapter (``codes``: ISO3 -> chapter
        name) and the national total is the routes with a stop in any chapter country."""
        if self.assign != "country":
            return points, self.home_country
        codes = codes or {}
        out = points.copy()
        out["region"] = out["country"].map(codes)
        return out, tuple(codes)


def _read(folder: Path) -> CountryPack:
    path = folder / "pack.json"
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CountryPackError(f"The country pack {path} cannot be read: {err}") from err
    missing = [k for k in ("id", "home_country", "name", "chapters") if k not in spec]
    if missing:
        raise CountryPackError(f"The country pack {path} lacks {', '.join(missing)}.")
    chapters = spec["chapters"]
    if chapters.get("assign", "region") not in ASSIGN_MODES:
        raise CountryPackError(f"{path}: chapters.assign must be one of {', '.join(ASSIGN_MODES)}.")
    if chapters.get("source") not in ("world_map", "file"):
        raise CountryPackError(f"{path}: chapters.source must be 'world_map' or 'file'.")
    if chapters.get("assign") == "country" and not chapters.get("code_field"):
        raise CountryPackError(f"{path}: chapters by country need chapters.code_field (the ISO3 field).")
    overrides = folder / spec["overrides"] if spec.get("overrides") else None
    sample = (folder / spec["sample"]).resolve() if spec.get("sample") else None
    return CountryPack(spec["id"], folder, spec.get("home_country"), spec["name"], chapters,
                       spec.get("region_names", {}), spec.get("border_groups", {}), overrides, sample,
                       bool(spec.get("default")))


@lru_cache(maxsize=1)
def packs() -> dict[str, CountryPack]:
    """Every shipped pack by id."""
    found = {}
    for folder in sorted(p for p in PACKS_DIR.iterdir() if (p / "pack.json").is_file()):
        pack = _read(folder)
        if pack.id != folder.name:
            raise CountryPackError(f"The country pack in {folder} says its id is {pack.id}.")
        found[pack.id] = pack
    return found


def default_pack_id() -> str:
    defaults = [p.id for p in packs().values() if p.default]
    if len(defaults) != 1:
        raise CountryPackError("Exactly one country pack must be the default (\"default\": true).")
    return defaults[0]


def pack(pack_id: str | None = None) -> CountryPack:
    """The pack ``pack_id`` (case-insensitive; None: the default pack); a clear error naming the packs."""
    pack_id = (pack_id or default_pack_id()).strip().upper()
    found = packs().get(pack_id)
    if found is None:
        raise CountryPackError(f"No country pack '{pack_id}'. Packs: {', '.join(packs())}.")
    return found


def region_label(region: str, language: str = "en") -> str:
    """A chapter region's name in ``language`` from whichever pack names it (as given otherwise)."""
    for p in packs().values():
        if str(region) in p.region_names:
            return p.region_name(region, language)
    return str(region)
