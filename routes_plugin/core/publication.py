"""What may be published, and the record of what was withheld (QGIS-free).

- **Working data.** The loader's five layers (route_points, route_legs,
  route_lines, places, rejected_rows) are record-level: one route, one
  report per feature. :func:`tag_working_data` marks them in their
  GeoPackage (GDAL layer metadata item ``ROUTES_PUBLICATION=working`` and the
  ``gpkg_contents`` description); :func:`assert_publishable` refuses such a
  layer as a direct input of a report.
- **Geographic precision.** A place given as coordinates is never published
  at its coordinates: :func:`generalise_coordinates` moves such a stop to the
  nearest town of the gazetteer in the same country (within
  :data:`TOWN_KM`), else to its admin-1 region, before any layer is built,
  so every output is at town level or coarser. The coordinates as given stay
  in the stop's ``given_coordinates`` (working layers only).
- **Duplicates** across organisations are folded by :mod:`dedupe`;
  :func:`prepare_journeys` runs both steps (the loader's one hook).
- **The disclosure log.** :func:`disclosure_log` collects what every table
  of a run withheld (cells by primary and complementary suppression, the
  threshold); :func:`write_disclosure_log` stores it as a ``disclosure_log``
  table in the output GeoPackage or as JSON beside another output;
  :func:`disclosure_statement` gives the sentences for the report's "About
  the data" page in English or Kiswahili.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from . import texts

WORKING_LAYERS = ("route_points", "route_legs", "route_lines", "places", "rejected_rows")
TAG_KEY, WORKING = "ROUTES_PUBLICATION", "working"
WORKING_DESCRIPTION = "Trafficking Routes working data (record level): not for publication"
LOG_LAYER = "disclosure_log"
TOWN_KM = 30.0
EARTH_RADIUS_KM = 6371.0088


class NotPublishableError(ValueError):
    """A record-level working layer was given where only published tables may go."""


# ------------------------------------------------------------ working data ---

def tag_working_data(path, layers=WORKING_LAYERS) -> list[str]:
    """Tag ``layers`` of the GeoPackage ``path`` as working data; returns the tagged names."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg" or not path.exists():
        return []
    import pyogrio

    present = [name for name, _ in pyogrio.list_layers(path) if name in layers]
    try:
        from osgeo import ogr

        ds = ogr.Open(str(path), 1)
        for name in present:
            lyr = ds.GetLayerByName(name)
            lyr.SetMetadataItem(TAG_KEY, WORKING)
            lyr.SetMetadataItem("DESCRIPTION", WORKING_DESCRIPTION)
        ds = None  # noqa: F841 (closes and writes)
    except ImportError:  # GDAL's Python bindings missing: the description still says it
        pass
    with sqlite3.connect(path) as con:
        con.executemany("UPDATE gpkg_contents SET description = ? WHERE table_name = ?",
                        [(WORKING_DESCRIPTION, n) for n in present])
    return present


def layer_metadata(path, layer: str) -> dict:
    """The metadata of one GeoPackage layer: GDAL metadata items plus
    ``description`` from gpkg_contents."""
    import pyogrio

    meta = dict(pyogrio.read_info(path, layer=layer).get("layer_metadata") or {})
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            row = con.execute("SELECT description FROM gpkg_contents WHERE table_name = ?", (layer,)).fetchone()
        if row and row[0]:
            meta.setdefault("description", row[0])
    except sqlite3.Error:
        pass
    return meta


def is_working(meta: dict) -> bool:
    return str(meta.get(TAG_KEY, "")).lower() == WORKING or meta.get("description") == WORKING_DESCRIPTION \
        or meta.get("DESCRIPTION") == WORKING_DESCRIPTION


def assert_publishable(meta: dict, name: str = "this layer") -> None:
    """Raise :class:`NotPublishableError` when ``meta`` (a layer's metadata, see
    :func:`layer_metadata`) marks record-level working data."""
    if is_working(meta):
        raise NotPublishableError(
            f"{name} is record-level working data (one report per feature) and is not for publication. "
            "Use the outputs of the summary, flow, crossing or hotspot algorithms, which are aggregated and "
            "suppressed.")


def assert_publishable_source(source: str) -> None:
    """:func:`assert_publishable` for a QGIS-style source ``path.gpkg|layername=name``."""
    path, _, rest = str(source).partition("|")
    layer = next((p.split("=", 1)[1] for p in rest.split("|") if p.startswith("layername=")), None)
    if not path.lower().endswith(".gpkg") or not Path(path).exists():
        return
    if layer is None:
        import pyogrio

        layers = pyogrio.list_layers(path)
        layer = layers[0][0] if len(layers) else None
    if layer is not None:
        assert_publishable(layer_metadata(path, layer), f"Layer '{layer}' of {Path(path).name}")


# ------------------------------------------------------ geographic precision ---

def _unit(lat, lon):
    lat, lon = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def generalise_coordinates(stops: pd.DataFrame, gazetteer) -> pd.DataFrame:
    """Stops given as coordinates (``precision == 'coordinates'``) moved to the
    nearest town of their country within :data:`TOWN_KM`, else to their
    admin-1 region's gazetteer point, else to their country's; the given
    coordinates are kept in ``given_coordinates``."""
    if "precision" not in stops.columns or not (stops["precision"] == "coordinates").any():
        return stops
    from scipy.spatial import cKDTree

    out = stops.copy()
    out["given_coordinates"] = pd.Series(None, index=out.index, dtype=object)
    rows = gazetteer._rows  # the gazetteer's place table (key, kind, name, lat, lon, country, region, county)
    towns = rows[rows["kind"] == "place"]
    coords = out["precision"] == "coordinates"
    for i in np.flatnonzero(coords.to_numpy()):
        s = out.iloc[i]
        country = s.get("country") or ""
        cand = towns[towns["country"] == country] if country else towns
        pick = None
        if len(cand):
            tree = cKDTree(_unit(cand["lat"], cand["lon"]))
            d, j = tree.query(_unit([s["lat"]], [s["lon"]])[0])
            km = 2 * EARTH_RADIUS_KM * np.arcsin(min(1.0, d / 2))
            if km <= TOWN_KM:
                pick = cand.iloc[int(j)]
        if pick is None and s.get("region"):
            reg = rows[(rows["kind"] == "region") & (rows["country"] == country) & (rows["name"] == s["region"])]
            pick = reg.iloc[0] if len(reg) else None
        if pick is None and country:
            ctry = rows[(rows["kind"] == "country") & (rows["country"] == country)]
            pick = ctry.iloc[0] if len(ctry) else None
        lbl = out.columns
        out.iloc[i, lbl.get_loc("given_coordinates")] = f"{s['lat']:g}, {s['lon']:g}"
        if pick is None:  # outside every country: no place to publish it at
            for c in ("lat", "lon"):
                out.iloc[i, lbl.get_loc(c)] = round(float(s[c]))  # a whole degree at most
            continue
        for c, v in (("place_key", pick["key"]), ("place", pick["name"]), ("lat", float(pick["lat"])),
                     ("lon", float(pick["lon"])), ("region", pick["region"] or s.get("region")),
                     ("county", pick["county"] or None)):
            if c in lbl:
                out.iloc[i, lbl.get_loc(c)] = v if not (isinstance(v, float) and np.isnan(v)) else None
    return out


def prepare_journeys(journeys, raw_frame, gazetteer, state=None):
    """The privacy steps between parsing and building layers (the loader's hook):
    coordinates to town level, then duplicates across organisations folded."""
    from .dedupe import merge_duplicates

    journeys.stops = generalise_coordinates(journeys.stops, gazetteer)
    return merge_duplicates(journeys, raw_frame, state)


# --------------------------------------------------------- disclosure log ---

LOG_COLUMNS = ["table", "threshold", "cells", "primary", "complementary", "withheld_cells"]


def disclosure_log(*entries_or_lists) -> pd.DataFrame:
    """One row per table from :func:`suppression.disclosure_entry` dicts (or
    lists of them, e.g. ``Summary.disclosure``, or logs already made, e.g. an
    input's log read back)."""
    entries = []
    for e in entries_or_lists:
        if isinstance(e, pd.DataFrame):
            e = [{**r, "withheld_cells": [c for c in str(r.get("withheld_cells") or "").split("; ") if c]}
                 for r in e.to_dict("records")]
        entries += list(e) if isinstance(e, (list, tuple)) else [e]
    rows = [{"table": e["table"], "threshold": int(e["threshold"]), "cells": int(e.get("cells", 0)),
             "primary": int(e.get("primary", 0)), "complementary": int(e.get("complementary", 0)),
             "withheld_cells": "; ".join(e.get("withheld_cells", []))} for e in entries]
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


def write_disclosure_log(log: pd.DataFrame, path, sidecar: bool = False, name: str | None = None) -> Path:
    """Store ``log`` with an output: a ``disclosure_log`` table inside a
    GeoPackage, else (or with ``sidecar``) ``<output>.disclosure.json`` beside
    it; for a folder output ``<folder>/<name or disclosure_log>.json``."""
    path = Path(path)
    if path.suffix.lower() == ".gpkg" and path.exists() and not sidecar:
        import pyogrio

        pyogrio.write_dataframe(log.astype({"withheld_cells": object, "table": object}), path, layer=LOG_LAYER,
                                driver="GPKG")
        return path
    target = path / f"{name or LOG_LAYER}.json" if path.is_dir() else path.with_name(path.name + ".disclosure.json")
    target.write_text(json.dumps(log.to_dict("records"), ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def read_disclosure_log(path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix.lower() == ".json":
        return pd.DataFrame(json.loads(path.read_text(encoding="utf-8")), columns=LOG_COLUMNS)
    import pyogrio

    return pyogrio.read_dataframe(path, layer=LOG_LAYER, read_geometry=False)


def log_of_output(source) -> pd.DataFrame | None:
    """The disclosure log written with an output (``source``: a file, or a
    QGIS source ``file.gpkg|layername=x``): its ``.disclosure.json`` beside it,
    else a ``disclosure_log`` table in its GeoPackage; None when it has none."""
    path = Path(str(source or "").split("|")[0])
    side = path.with_name(path.name + ".disclosure.json")
    if side.is_file():
        return read_disclosure_log(side)
    if path.suffix.lower() == ".gpkg" and path.is_file():
        import pyogrio

        if LOG_LAYER in {name for name, _ in pyogrio.list_layers(path)}:
            return read_disclosure_log(path)
    return None


def log_sentence(log: pd.DataFrame) -> str:
    """One line for the processing log: what the run withheld."""
    if not len(log):
        return "Disclosure log: nothing to record (small-count suppression off)."
    t = int(pd.to_numeric(log["threshold"]).max())
    return (f"Disclosure log: {int(log['primary'].sum())} cells withheld below {t} (primary) and "
            f"{int(log['complementary'].sum())} further cells (complementary) in {len(log)} tables "
            f"({int(log['cells'].sum())} cells); per table: "
            + "; ".join(f"{r.table} {int(r.primary)}+{int(r.complementary)}/{int(r.cells)}"
                        for r in log.itertuples(index=False)))


def disclosure_statement(log: pd.DataFrame, language: str = "en", duplicates: int | None = None) -> str:
    """The sentence(s) for the report's "About the data" page."""
    log = pd.DataFrame(log, columns=LOG_COLUMNS) if not isinstance(log, pd.DataFrame) else log
    parts = []
    thresholds = sorted(set(pd.to_numeric(log["threshold"]).astype(int))) if len(log) else []
    t = max(thresholds) if thresholds else 0
    if not thresholds or t <= 0:
        parts.append(texts.text("disclosure_off", language))
    else:
        primary, comp = int(log["primary"].sum()), int(log["complementary"].sum())
        if primary + comp == 0:
            parts.append(texts.text("disclosure_none", language, threshold=t))
        else:
            parts.append(texts.text("disclosure_withheld", language, primary=primary, complementary=comp,
                                    threshold=t, cells=int(log["cells"].sum()), tables=len(log)))
    parts.append(texts.text("disclosure_places", language))
    if duplicates:
        parts.append(texts.text("disclosure_dedupe", language, duplicates=int(duplicates)))
    return " ".join(parts)


def export_entry(table: pd.DataFrame, name: str, threshold: int, count_fields: Sequence[str] | None = None) -> dict:
    """The disclosure entry of an exported table whose own log is not at hand:
    its blank count cells (withheld when the table was made; the export itself
    withholds nothing, it refuses small counts), all counted as primary since
    the table cannot tell primary from complementary cells."""
    counts = [c for c in (_count_columns(table.columns) if count_fields is None else count_fields) if c in table.columns]
    label = next((c for c in ("region", "name", "flow_id", "crossing_id", "node_id") if c in table.columns), None)
    blank = [f"{table[label].iloc[i] if label else i} | {c}" for c in counts
             for i in range(len(table)) if pd.isna(table[c].iloc[i])] if threshold > 0 else []
    return {"table": f"{name} (exported; blank cells)", "threshold": int(threshold),
            "cells": int(len(table) * len(counts)), "measures": counts, "primary": len(blank), "complementary": 0,
            "withheld_cells": sorted(map(str, blank))}


def _count_columns(columns):
    from .export import count_columns  # (the export's rule of which fields are counts)

    return count_columns(columns)
