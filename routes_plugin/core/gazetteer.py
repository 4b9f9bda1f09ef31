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
_RANK = {"user": 0, "place": 1, "airport": 1, "county": 2, "region": 3, "country": 4, "territory": 4,
         "world_region": 5}
#: precisions that win over a place of the same name elsewhere (see _decide)
COUNTRY_LIKE = ("country", "world_region", "territory")
#: words that make a cell an airport first ("Moi Intl", "JKIA airport", "uwanja wa ndege wa ...")
AIRPORT_WORDS = re.compile(r"\b(airport|air port|intl|int'l|international|aerodrome|airstrip|airfield|"
                           r"uwanja wa ndege|uwanja|kiwanja cha ndege)\b")
_COMPOUND = (re.compile(r"^(?P<name>.+?)\s*\((?P<qual>[^()]+)\)$"),
             re.compile(r"^(?P<name>[^,]+?)\s*,\s*(?P<qual>[^,]+)$"),
             re.compile(r"^(?P<name>.+?)\s+[-–—]\s+(?P<qual>.+)$"))
_COUNTY = (re.compile(r"^(?:kaunti ya|county of|kaunti)\s+(?P<name>.+)$"),
           re.compile(r"^(?P<name>.+?)\s+(?P<kind>county|county council|sub county|subcounty|district|kaunti)$"))
_BORDER = (re.compile(r"^(?P<name>.+?)\s+(?:border|boarder|border point|border post|border crossing|"
                      r"crossing point|one stop border post|osbp|mpakani)$"),
           re.compile(r"^(?:mpaka wa|mpakani|kituo cha mpaka cha|border at|border post at)\s+(?P<name>.+)$"))
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
    precision: str      # 'place' | 'airport' | 'region' | 'country' | 'territory' | 'world_region' | 'coordinates'
    city: str | None = None  # an airport's city
    name_sw: str | None = None          # the label in Swahili (CLDR for countries, exonyms.csv, else the name)
    country_name_sw: str | None = None  # the country's name in Swahili (Unicode CLDR via babel)

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
        if (data_dir / "supplement.csv").exists():
            places = pd.concat([places, _supplement(data_dir / "supplement.csv", places)], ignore_index=True)
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

    @functools.cached_property
    def _exonyms(self) -> dict[tuple[str, str], tuple[str, str]]:
        path = self._admin1_path.parent / "exonyms.csv"
        if not path.exists():
            return {}
        df = pd.read_csv(path, keep_default_na=False, dtype=str)
        return {(c, n): (en, sw) for c, n, en, sw in zip(df.country, df.name, df.en, df.sw)}

    @functools.cached_property
    def _iso2(self) -> dict[str, str]:
        rows = self._rows[self._rows.kind == "country"]
        return {c: next((n for n in names.split("|") if len(n) == 2 and n.isupper()), "")
                for c, names in zip(rows.country, rows.names)}

    @functools.cached_property
    def _airport_cities(self) -> dict[tuple[str, str], str]:
        """(ISO2, folded city) -> the city's English name as airportsdata spells it."""
        try:
            import airportsdata
        except ImportError:
            return {}
        return {(a["country"], fold(a["city"])): a["city"] for a in airportsdata.load("IATA").values() if a["city"]}

    def country_name_sw(self, iso3: str) -> str | None:
        """The country's name in Swahili from Unicode CLDR (babel); None when unknown."""
        iso2 = self._iso2.get(iso3, "")
        if not iso2:
            return None
        return _sw_territories().get(iso2)

    def _english(self, r) -> tuple[str, str | None, str | None]:
        """(label, region label, Swahili label) of a gazetteer row: exonyms.csv for
        admin-1 names (not 'Dubay', 'Ad Dawhah', 'Ar Riyad'), the airport city's
        spelling for towns whose alternate names hold it ('Hargeisa', not 'Hargeysa')."""
        name, region = r["name"], r.region or None
        ex = self._exonyms
        region_label = ex.get((r.country, region), (region, None))[0] if region else None
        if r.kind == "region" and (r.country, name) in ex:
            en, sw = ex[(r.country, name)]
            return en, en, sw or en
        if r.kind == "country":
            return name, region_label, self.country_name_sw(r.country) or name
        if r.kind == "place" and r.alt:
            iso2 = self._iso2.get(r.country, "")
            for alt in r.alt.split("|"):
                city = self._airport_cities.get((iso2, fold(alt)))
                if city and fold(city) != fold(name) and (iso2, fold(name)) not in self._airport_cities:
                    return city, region_label, city
        return name, region_label, name

    def _place(self, i: int) -> Place:
        if i not in self._places:
            r = self._rows.iloc[i]
            precision = {"country": "country", "world_region": "world_region", "region": "region",
                         "county": "region", "place_region": "region",
                         "territory": "territory"}.get(r.kind, "place")
            label, region, label_sw = self._english(r)
            self._places[i] = Place(r.key, label, float(r.lat), float(r.lon), r.country,
                                    self._country_names.get(r.country, ""), region,
                                    r.county or None, precision, None, label_sw,
                                    self.country_name_sw(r.country))
        return self._places[i]

    def _alternate(self) -> dict[str, list[int]]:
        if self._alternate_index is None:
            self._alternate_index = _index(self._rows.alt)
        return self._alternate_index

    def _tier(self, tier: str, key: str) -> list[Place]:
        if tier == "user":
            return self._user.get(key, [])
        if tier == "airport":
            return self._airport_places(key)
        if tier == "aliases":
            return self._aliases.get(key, [])
        index = self._primary if tier == "primary" else self._alternate()
        return [self._place(i) for i in index.get(key, ())]

    def _kind(self, place: Place) -> str:
        if place.key.startswith("user:"):
            return "user"
        if place.key.startswith("csc:state:"):
            return "county"
        if place.key.startswith("sup:") and place.precision == "region":
            return "place"       # a supplement town placed at its region still ranks as a town
        return place.precision

    # ---------------------------------------------------------------- airports
    @functools.cached_property
    def _airports(self) -> dict[str, list[dict]]:
        """Folded airport names, short forms and codes -> airportsdata records."""
        return airport_index()

    def _airport_places(self, key: str) -> list[Place]:
        return [self._airport_place(a) for a in self._airports.get(key, ())]

    def _airport_place(self, a: dict) -> Place:
        cache = self.__dict__.setdefault("_airport_cache", {})
        code = a["iata"] or a["icao"]
        if code not in cache:
            country = self.country(a["country"])
            iso3 = country.country if country else ""
            city = self._resolve_name(fold(a["city"]), iso3 or None, tiers=("aliases", "primary", "alternate")) \
                if a["city"] else None
            cp = city.place if city is not None and city.status == "ok" and city.place.country == iso3 else None
            cache[code] = Place(f"airport:{code}", a["name"], float(a["lat"]), float(a["lon"]), iso3,
                                self._country_names.get(iso3, ""), cp.region if cp else None,
                                cp.county if cp else None, "airport", cp.name if cp else (a["city"] or None),
                                a["name"], self.country_name_sw(iso3))
        return cache[code]

    def _population(self, place: Place) -> int:
        return int(self._populations.get(place.key, 0))

    # --------------------------------------------------------------- resolving
    def resolve(self, name: str, country_hint: str | None = None, prefer_airport: bool = False) -> Resolution:
        """Resolve one cell (a name or 'lat, lon') with an optional country hint
        (ISO2/ISO3 code, name or alias). ``prefer_airport`` (the route flew):
        airport names and codes come before towns. Results are cached."""
        cache_key = (name, country_hint, prefer_airport)
        if cache_key not in self._cache:
            res = self._resolve(name, country_hint, prefer_airport)
            if res.status != "ok":
                res = self._compound(name, country_hint, prefer_airport) or res
            self._cache[cache_key] = res
        return self._cache[cache_key]

    def _compound(self, name, country_hint, prefer_airport) -> Resolution | None:
        """Cells of several parts: 'Town, Country', 'Town (Country)', 'Town - Country',
        'Kaunti ya X', 'X County', 'X Sub-County', 'X border (point)'. None when no form fits
        or the parts do not resolve."""
        text = re.sub(r"\s+", " ", str(name or "")).strip()
        key = fold(text)
        if not key or _COORDINATES.match(text):
            return None
        for pattern in _COMPOUND:
            m = pattern.match(text)
            if not m:
                continue
            part, qual = m["name"].strip(), m["qual"].strip()
            if fold(part) == fold(qual) or any(re.fullmatch(r"[\d.,eE+\-\s]+|nan|none|null", fold(x))
                                               for x in (part, qual)):
                continue        # 'nan, nan', '1e3, 5': broken coordinates, not a place and its country
            country = self.country(qual)
            if country is not None:
                res = self.resolve(part, country.country, prefer_airport)
                if res.status == "ok":
                    return Resolution(res.place, "ok", f"{res.reason} (cell '{text}': place, country)")
                continue
            res = self.resolve(part, country_hint, prefer_airport)
            if res.status == "ok":
                q = fold(qual)
                where = {fold(v) for v in (res.place.region, res.place.county, res.place.country_name) if v}
                if q in where or any(q.startswith(w) or w.startswith(q) for w in where) or \
                        AIRPORT_WORDS.search(q) or q in ("town", "city", "mji", "kenya"):
                    return Resolution(res.place, "ok", f"{res.reason} (cell '{text}')")
        for pattern in _COUNTY:
            m = fold_match(pattern, key)
            if m:
                base = m["name"]
                sub = "sub" in (m.groupdict().get("kind") or "")
                for candidate in ((base,) if sub else ()) + (f"{base} county", base):
                    res = self._resolve(candidate, country_hint, False)
                    if res.status == "ok":
                        return Resolution(res.place, "ok", f"{res.reason} (cell '{text}')")
        for pattern in _BORDER:
            m = fold_match(pattern, key)
            if m:
                res = self.resolve(m["name"], country_hint, False)
                if res.status == "ok":
                    return Resolution(res.place, "ok", f"{res.reason} (border point '{text}')")
                if res.status == "ambiguous":
                    return res
        return None

    def _resolve(self, name, country_hint, prefer_airport=False) -> Resolution:
        text = "" if name is None else str(name)
        fallback = self.country(country_hint) if country_hint is not None else None
        if not fold(text):
            return Resolution(None, "invalid", "empty place name", (), fallback)
        match = _COORDINATES.match(text)
        if match:
            return self._coordinates(float(match[1]), float(match[2]), fallback)
        key = fold(text)
        tiers = ("user", "aliases", "primary", "alternate", "airport")
        code = text.strip().isupper() and len(text.strip()) in (3, 4) and self.country(text) is None \
            and key not in self._aliases
        if AIRPORT_WORDS.search(key) or code:
            tiers = ("user", "airport", "aliases", "primary", "alternate")
        elif prefer_airport:
            tiers = ("user", "aliases", "airport", "primary", "alternate")
        resolution = self._resolve_name(key, fallback.country if fallback else None,
                                        display=text.strip(), tiers=tiers)
        note = (f" (country hint {country_hint!r} is not a known country)"
                if country_hint is not None and str(country_hint).strip() and fallback is None else "")
        return Resolution(resolution.place, resolution.status, resolution.reason + note,
                          resolution.suggestions, fallback)

    def _resolve_name(self, key: str, hint: str | None, display: str | None = None,
                      tiers=("user", "aliases", "primary", "alternate", "airport")) -> Resolution:
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


@functools.lru_cache(maxsize=1)
def _sw_territories() -> dict[str, str]:
    from babel import Locale

    return dict(Locale.parse("sw").territories)


def fold_match(pattern, key: str):
    return pattern.match(key)


#: airport name words dropped to make short forms
_AIRPORT_DROP = ("international airport", "intl airport", "airport", "international", "airfield", "aerodrome")
_SPELLINGS = (("khaled", "khalid"), ("intl", "international"))


@functools.lru_cache(maxsize=1)
def airport_index() -> dict[str, list[dict]]:
    """Folded keys -> airports (``airportsdata``, IATA-coded): the IATA and ICAO codes,
    the name, the name without 'International' / 'Airport' (and with 'Intl'), the name
    without its leading city ('Mombasa Moi ...' -> 'Moi Intl'), '<city> airport' when
    the city has one airport, and initials of names of 3+ words (JKIA)."""
    import airportsdata

    data = [a for a in airportsdata.load("IATA").values() if a.get("iata") and a.get("name")]
    index: dict[str, list[dict]] = defaultdict(list)

    def add(text, a):
        k = fold(text)
        if k and len(k) >= 3 and a not in index[k]:
            index[k].append(a)

    per_city = defaultdict(list)
    for a in data:
        per_city[(fold(a["city"]), a["country"])].append(a)
    for a in data:
        add(a["iata"], a)
        if a.get("icao"):
            add(a["icao"], a)
        name = fold(a["name"])
        forms = {name}
        city = fold(a["city"] or "")
        if city and name.startswith(city + " ") and len(name) > len(city) + 8:
            forms.add(name[len(city) + 1:])
        for f in list(forms):
            for drop in _AIRPORT_DROP:
                if f.endswith(" " + drop):
                    stem = f[: -len(drop) - 1].strip()
                    if len(stem) >= 3:
                        # the bare stem only when it is not the city's own name ('Doha' stays the city)
                        forms |= {stem} if len(stem) >= 4 and stem != city else set()
                        forms |= {f"{stem} airport", f"{stem} intl", f"{stem} intl airport",
                                  f"{stem} int'l", f"{stem} international", f"{stem} international airport"}
        for old, new in _SPELLINGS:
            forms |= {f.replace(old, new) for f in forms if old in f}
        words = [w for w in re.split(r"[\s\-/]+", fold(a["name"])) if w and w not in ("of", "the", "de", "and")]
        if len(words) >= 3:
            forms.add("".join(w[0] for w in words))
        for f in forms:
            add(f, a)
    for a in data:  # '<city> airport' last: a name form of another airport wins ('Bole International Airport')
        city = fold(a["city"] or "")
        if city and len(per_city[(city, a["country"])]) == 1:
            for f in (f"{city} airport", f"{city} international airport", f"{city} intl"):
                if fold(f) not in index:
                    add(f, a)
    return dict(index)


def _supplement(path: Path, places: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``supplement.csv`` (one public source cited per row) as gazetteer rows.
    A row without coordinates (kind ``place_region`` / ``territory``) takes the point of
    its admin-1 region (Natural Earth), at region precision: no coordinates without a source."""
    sup = pd.read_csv(path, keep_default_na=False, dtype=str)
    regions = places[places.kind == "region"].set_index(["country", "name"])
    rows = []
    for r in sup.itertuples(index=False):
        if r.lat and r.lon:
            lat, lon = float(r.lat), float(r.lon)
        else:
            reg = regions.loc[(r.country, r.region)]
            lat, lon = float(reg.lat), float(reg.lon)
        rows.append(dict(key=r.key, kind=r.kind, name=r.name, names=r.names, alt="", lat=lat, lon=lon,
                         country=r.country, region=r.region, county=r.county, county_source="supplement" if
                         r.county else "", population=0, source=r.source))
    return pd.DataFrame(rows)


def _in_range(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


@functools.lru_cache(maxsize=1)
def _default() -> Gazetteer:
    return Gazetteer._read(DATA_DIR, None)
