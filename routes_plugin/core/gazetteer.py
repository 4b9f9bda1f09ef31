"""Offline gazetteer: place names (and coordinate cells) to points with country,
admin-1 region and, in Kenya, county. QGIS-free.

The data files in ``routes_plugin/data/gazetteer/`` are built by
``scripts/build_gazetteer.py``; ``docs/gazetteer.md`` describes sources and rules.

Matching, on names folded with :func:`categories.fold`, tier by tier (the first
tier with a candidate in the hinted country decides):

1. the user's overrides file, 2. ``aliases.csv``, 3. primary names (official
names, ISO codes of countries), 4. GeoNames alternate names.

Among a tier's candidates a country name wins (unless the same country has a
place of that very name: city-states), then places over counties over admin-1
regions; of several left, one with >= ``DOMINANCE`` times the population of
the next wins, otherwise the name is ambiguous. A name found only outside the
hinted country is ambiguous too. Misspellings are never accepted: they are
``unknown`` with suggestions.
"""
from __future__ import annotations

import difflib
import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .categories import fold

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "gazetteer"
SIMILARITY = 0.75            # difflib ratio for a suggestion
DOMINANCE = 10               # population ratio at which the largest of several namesakes wins
NEAREST_REGION_DEGREES = 0.1  # coordinates just off the (generalised) coast take the nearest region
_RANK = {"user": 0, "place": 1, "county": 2, "region": 3, "country": 4, "world_region": 5}
#: precisions that win over a place of the same name elsewhere (see _decide)
COUNTRY_LIKE = ("country", "world_region")
_NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
_COORDINATES = re.compile(rf"^\s*\(?\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*\)?\s*$")


@dataclass(frozen=True)
class Place:
    """A resolved place."""
    key: str            # 'gn:<id>', 'csc:<id>', 'csc:state:<id>', 'adm1:<ISO3>:<name>', 'country:<ISO3>', 'user:<name>', 'coord:<lat>,<lon>'
    name: str
    lat: float
    lon: float
    country: str        # ISO3 ('' for coordinates outside every country)
    country_name: str
    region: str | None  # admin-1 name from Natural Earth
    county: str | None  # Kenyan county or None
    precision: str      # 'place' | 'region' | 'country' | 'world_region' | 'coordinates'

    @property
    def label(self) -> str:
        """Name with country and region, e.g. 'Busia (KEN, Western)', 'Coast (KEN, region)'."""
        kind = "county" if self.key.startswith("csc:state:") else "region"
        region = kind if self.precision == "region" else self.region
        where = ", ".join(p for p in (self.country, region) if p and p != self.name)
        return f"{self.name} ({where})" if where else self.name


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving one cell."""
    place: Place | None            # None when not resolved
    status: str                    # 'ok' | 'ambiguous' | 'unknown' | 'invalid'
    reason: str
    suggestions: tuple[str, ...] = ()
    country_fallback: Place | None = None  # the hinted country's Place


class Gazetteer:
    """Name index over the gazetteer data; build once, resolve many."""

    def __init__(self, places: pd.DataFrame, aliases: pd.DataFrame, admin1_path: Path,
                 overrides: pd.DataFrame | None = None):
        self._rows = places.reset_index(drop=True)
        self._admin1_path = admin1_path
        self._populations = dict(zip(self._rows.key, self._rows.population))
        self._places: dict[int, Place] = {}
        self._cache: dict[tuple, Resolution] = {}
        self._pools: dict[str | None, dict] = {}
        named = self._rows.kind.isin(COUNTRY_LIKE)
        self._country_names = dict(zip(self._rows.country[named], self._rows.name[named]))
        self._primary = _index(self._rows.names)
        self._alternate_index: dict[str, list[int]] | None = None  # built on first need
        is_country = (self._rows.kind == "country").to_numpy()
        self._countries = {k: found for k, v in self._primary.items()
                           if (found := [i for i in v if is_country[i]])}
        self._aliases: dict[str, list[Place]] = defaultdict(list)
        for row in aliases.itertuples():
            target = self._resolve_name(fold(row.target), self._hint(row.country), tiers=("primary",))
            if target.status != "ok":
                raise ValueError(f"alias {row.alias!r}: {target.reason}")
            self._aliases[fold(row.alias)].append(target.place)
        self._user: dict[str, list[Place]] = defaultdict(list)
        self._hint_free: set[str] = set()
        for row in (overrides if overrides is not None else pd.DataFrame()).itertuples():
            place = self._override(row)
            self._user[fold(row.name)].append(place)
            if not str(getattr(row, "country", "") or "").strip():
                self._hint_free.add(place.key)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, data_dir: str | Path | None = None,
             overrides: str | Path | pd.DataFrame | None = None) -> "Gazetteer":
        """Gazetteer from ``data_dir`` (default: the plugin's) with an optional user
        overrides CSV (``name, country, lat, lon`` or ``name, country, target``).
        The default instance (no arguments) is cached."""
        if data_dir is None and overrides is None:
            return _default()
        return cls._read(Path(data_dir) if data_dir else DATA_DIR, overrides)

    @classmethod
    def _read(cls, data_dir: Path, overrides) -> "Gazetteer":
        places = pd.read_csv(data_dir / "places.csv.gz", keep_default_na=False,
                             dtype={"population": "int64", "lat": "float64", "lon": "float64"})
        aliases = pd.read_csv(data_dir / "aliases.csv", keep_default_na=False, dtype=str)
        if overrides is not None and not isinstance(overrides, pd.DataFrame):
            overrides = pd.read_csv(overrides, keep_default_na=False, dtype=str,
                                    skipinitialspace=True)
        if overrides is not None:
            overrides = overrides.rename(columns=lambda c: fold(c))
            if "name" not in overrides.columns:
                raise ValueError("overrides need a 'name' column")
        return cls(places, aliases, data_dir / "admin1.csv.gz", overrides)

    def _override(self, row) -> Place:
        """Place of one overrides row: explicit coordinates or another gazetteer name."""
        name = str(row.name).strip()
        hint = self._hint(getattr(row, "country", ""))
        target = str(getattr(row, "target", "") or "").strip()
        if target:
            found = self._resolve_name(fold(target), hint, tiers=("aliases", "primary", "alternate"))
            if found.status != "ok":
                raise ValueError(f"override {name!r}: {found.reason}")
            return found.place
        try:
            lat, lon = float(row.lat), float(row.lon)
        except (AttributeError, TypeError, ValueError):
            raise ValueError(f"override {name!r} needs lat and lon, or a target") from None
        if not _in_range(lat, lon):
            raise ValueError(f"override {name!r}: coordinates out of range")
        located = self._locate(lat, lon)
        country = hint or located.country
        return Place(f"user:{name}", name, lat, lon, country, self._country_names.get(country, ""),
                     located.region if located.country == country else None, None, "place")

    # ----------------------------------------------------------------- lookups
    def country(self, code_or_name: str | None) -> Place | None:
        """Country Place of an ISO2/ISO3 code, a name or an alias (any case)."""
        if code_or_name is None or not str(code_or_name).strip():
            return None
        key = fold(code_or_name)
        rows = self._countries.get(key, [])
        if len(rows) == 1:
            return self._place(rows[0])
        found = [p for p in self._aliases.get(key, ()) if p.precision == "country"]
        return found[0] if len(found) == 1 else None

    def _hint(self, value) -> str | None:
        place = self.country(value)
        return place.country if place else None

    def _place(self, i: int) -> Place:
        if i not in self._places:
            r = self._rows.iloc[i]
            precision = {"country": "country", "world_region": "world_region", "region": "region",
                         "county": "region"}.get(r.kind, "place")
            self._places[i] = Place(r.key, r["name"], float(r.lat), float(r.lon), r.country,
                                    self._country_names.get(r.country, ""), r.region or None,
                                    r.county or None, precision)
        return self._places[i]

    def _alternate(self) -> dict[str, list[int]]:
        if self._alternate_index is None:
            self._alternate_index = _index(self._rows.alt)
        return self._alternate_index

    def _tier(self, tier: str, key: str) -> list[Place]:
        if tier == "user":
            return self._user.get(key, [])
        if tier == "aliases":
            return self._aliases.get(key, [])
        index = self._primary if tier == "primary" else self._alternate()
        return [self._place(i) for i in index.get(key, ())]

    def _kind(self, place: Place) -> str:
        if place.key.startswith("user:"):
            return "user"
        if place.key.startswith("csc:state:"):
            return "county"
        return place.precision

    def _population(self, place: Place) -> int:
        return int(self._populations.get(place.key, 0))

    # --------------------------------------------------------------- resolving
    def resolve(self, name: str, country_hint: str | None = None) -> Resolution:
        """Resolve one cell (a name or 'lat, lon') with an optional country hint
        (ISO2/ISO3 code, name or alias). Results are cached per (name, hint)."""
        cache_key = (name, country_hint)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._resolve(name, country_hint)
        return self._cache[cache_key]

    def _resolve(self, name, country_hint) -> Resolution:
        text = "" if name is None else str(name)
        fallback = self.country(country_hint) if country_hint is not None else None
        if not fold(text):
            return Resolution(None, "invalid", "empty place name", (), fallback)
        match = _COORDINATES.match(text)
        if match:
            return self._coordinates(float(match[1]), float(match[2]), fallback)
        resolution = self._resolve_name(fold(text), fallback.country if fallback else None,
                                        display=text.strip())
        note = (f" (country hint {country_hint!r} is not a known country)"
                if country_hint is not None and str(country_hint).strip() and fallback is None else "")
        return Resolution(resolution.place, resolution.status, resolution.reason + note,
                          resolution.suggestions, fallback)

    def _resolve_name(self, key: str, hint: str | None, display: str | None = None,
                      tiers=("user", "aliases", "primary", "alternate")) -> Resolution:
        display = display or key
        first: list[Place] = []
        for tier in tiers:
            found = list(dict.fromkeys(self._tier(tier, key)))
            if not found:
                continue
            first = first or found
            if hint:
                found = [p for p in found if p.country == hint or p.precision in COUNTRY_LIKE
                         or p.key in self._hint_free]
            if found:
                return self._decide(display, found)
        if first:
            return Resolution(None, "ambiguous",
                              f"{display!r} is not in {hint} but in "
                              f"{', '.join(sorted({p.country for p in first}))}",
                              tuple(dict.fromkeys(p.label for p in first)))
        return Resolution(None, "unknown", f"{display!r} is not in the gazetteer",
                          self._suggest(key, hint))

    def _decide(self, display: str, found: list[Place]) -> Resolution:
        countries = [p for p in found if p.precision in COUNTRY_LIKE]
        if len({p.country for p in countries}) == 1:
            same = [p for p in found if p.country == countries[0].country and self._kind(p) == "place"]
            if len(same) == 1:
                return Resolution(same[0], "ok", f"place of that name in {same[0].country}")
            return Resolution(countries[0], "ok", "country")
        best = min(_RANK[self._kind(p)] for p in found)
        top = sorted((p for p in found if _RANK[self._kind(p)] == best),
                     key=self._population, reverse=True)
        if len(top) == 1:
            return Resolution(top[0], "ok", "unique match")
        first, second = self._population(top[0]), self._population(top[1])
        if first > 0 and first >= DOMINANCE * second:
            return Resolution(top[0], "ok",
                              f"largest of {len(top)} places named {display!r} (>= {DOMINANCE}x the next)")
        return Resolution(None, "ambiguous",
                          f"{display!r} matches {len(top)} places: give a country or an override",
                          tuple(dict.fromkeys(p.label for p in top)))

    def _suggest(self, key: str, hint: str | None, n: int = 5) -> tuple[str, ...]:
        """Closest primary names and aliases (in the hinted country first), as labels."""
        for country in dict.fromkeys((hint, None)):
            close = difflib.get_close_matches(key, self._pool(country, key), n=n, cutoff=SIMILARITY)
            places = [p for k in close for p in sorted(
                          self._tier("aliases", k) + self._tier("primary", k),
                          key=lambda p: _RANK[self._kind(p)])
                      if country is None or p.country == country]
            if places:
                return tuple(dict.fromkeys(p.label for p in places))[:n]
        return ()

    def _pool(self, country: str | None, key: str) -> list[str]:
        """Primary and alias keys (of one country or of all) that could be within
        ``SIMILARITY`` of ``key``: same first or second letter, similar length."""
        if country not in self._pools:
            rows = self._rows.country
            keys = [k for k, found in self._primary.items()
                    if country is None or any(rows[i] == country for i in found)]
            keys += [k for k, found in self._aliases.items()
                     if country is None or any(p.country == country for p in found)]
            by_letter: dict[tuple[int, str], set[str]] = defaultdict(set)
            for k in keys:
                for position, letter in enumerate(k[:2]):
                    by_letter[position, letter].add(k)
            self._pools[country] = by_letter
        by_letter = self._pools[country]
        near = set().union(*(by_letter.get((i, c), ()) for i, c in enumerate(key[:2])))
        ratio = SIMILARITY / (2 - SIMILARITY)  # shortest/longest length that can reach SIMILARITY
        return sorted(k for k in near if ratio <= min(len(k), len(key)) / max(len(k), len(key)))

    # ------------------------------------------------------------- coordinates
    def _coordinates(self, lat: float, lon: float, fallback: Place | None) -> Resolution:
        if not _in_range(lat, lon):
            return Resolution(None, "invalid",
                              f"coordinates {lat}, {lon} out of range (lat -90..90, lon -180..180)",
                              (), fallback)
        located = self._locate(lat, lon)
        reason = ("coordinates" if located.country
                  else "coordinates outside every country polygon")
        return Resolution(located, "ok", reason, (), fallback)

    def _locate(self, lat: float, lon: float) -> Place:
        """Coordinates Place with country and region by point-in-polygon."""
        import shapely  # only needed for coordinates

        tree, names, countries = self._admin1
        point = shapely.Point(lon, lat)
        hits = tree.query(point, predicate="intersects")
        if not len(hits):
            hits = tree.query_nearest(point, max_distance=NEAREST_REGION_DEGREES)
        region = names[hits[0]] if len(hits) else None
        country = countries[hits[0]] if len(hits) else ""
        return Place(f"coord:{lat:g},{lon:g}", f"{lat:g}, {lon:g}", lat, lon, country,
                     self._country_names.get(country, ""), region, None, "coordinates")

    @functools.cached_property
    def _admin1(self):
        """Admin-1 polygons (spatial index, names, ISO3), read on the first coordinates."""
        import shapely

        frame = pd.read_csv(self._admin1_path, keep_default_na=False)
        return (shapely.STRtree(shapely.from_wkt(frame.wkt.values)),
                frame.name.tolist(), frame.country.tolist())


def _index(cells: pd.Series) -> dict[str, list[int]]:
    """Folded name -> row numbers, from '|'-joined name cells."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, cell in enumerate(cells):
        for name in cell.split("|") if cell else ():
            key = fold(name)
            if key and (not index[key] or index[key][-1] != i):
                index[key].append(i)
    return dict(index)


def _in_range(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


@functools.lru_cache(maxsize=1)
def _default() -> Gazetteer:
    return Gazetteer._read(DATA_DIR, None)
