"""One route reported by several organisations counts once (QGIS-free).

A network merges the exports of several organisations; the same journey is
then often reported by two of them. Two reports are *the same route* when
they have

- the same stops in the same order (resolved places, so "Nairobii" and
  "Nairobi" are one stop),
- the same year (both blank counts as the same), and
- the same set of exploitation types,

and come from *different* organisations. Reports of one organisation are
never merged with each other: two identical rows of one organisation are two
groups of people. Reports without an organisation are never merged.

Within a group of identical reports, the number of routes kept is the
largest number any one organisation reported; the others are folded into
them in source order. A kept route has ``reports`` (how many reports it
stands for) and ``source_rows`` (all their rows, so every input row stays
accounted for); its estimated cases are the largest estimate among them
(``cases_high`` blank when one of them has no upper estimate). Every dropped
report is listed as a warning in rejected_rows. The organisation is used for
this check only and reaches no layer unless identifying fields are asked for.

Over the chunks of one load the groups are carried in a :class:`DedupeState`;
a duplicate of a route written in an earlier chunk is still dropped (counted
once) and listed, but the earlier route's ``reports`` stays as written.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .readers.base import Problem

ORG_COLUMN = "reporting_org"


@dataclass
class DedupeState:
    """Groups seen so far in one load: signature -> {organisation: [kept route ids ...]}."""
    groups: dict = field(default_factory=dict)
    kept_rows: dict = field(default_factory=dict)  #: route id -> its source row
    merged: int = 0


def _org(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return None
    text = " ".join(str(value).split()).casefold()
    return text or None


def signatures(routes: pd.DataFrame, stops: pd.DataFrame) -> pd.Series:
    """The duplicate signature of each route (index of ``routes``): its places in stop
    order, its year and its set of exploitation types, ``"p→q|2019|labour;sexual"``."""
    # each route's places in stop order (the order of the routes themselves does not matter here):
    # the stops sorted by route, then seq, and cut where the route changes
    route_codes, route_ids = pd.factorize(stops["route_id"].to_numpy(dtype=object))
    seq = stops["seq"].to_numpy() if "seq" in stops.columns else np.zeros(len(stops), dtype=np.int64)
    order = np.lexsort((np.arange(len(stops)), seq, route_codes))
    keys = stops["place_key"].astype(str).to_numpy(dtype=object)[order].tolist()
    sorted_codes = route_codes[order]
    cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
    starts, ends = np.r_[0, cuts].tolist(), np.r_[cuts, len(keys)].tolist()
    joined = ["→".join(keys[a:b]) for a, b in zip(starts, ends)] if len(keys) else []
    seq_of = dict(zip(route_ids[sorted_codes[starts]].tolist() if len(keys) else [], joined))
    year = routes["year"] if "year" in routes.columns else pd.Series(np.nan, index=routes.index)
    year = pd.to_numeric(year, errors="coerce").astype("float64").to_numpy()
    known = ~np.isnan(year)
    years = np.where(known, np.where(known, year, 0).astype(np.int64).astype(str), "").tolist()
    types = routes["exploitation_types"] if "exploitation_types" in routes.columns else pd.Series("", index=routes.index)
    codes, cells = pd.factorize(types.fillna("").astype(str))  # each distinct cell sorted once
    type_sets = [";".join(sorted({x.strip() for x in ty.split(";") if x.strip()})) for ty in cells] + [""]
    out = [f"{seq_of.get(rid, '')}|{y}|{type_sets[c]}"
           for rid, y, c in zip(routes["route_id"].tolist(), years, codes.tolist())]
    return pd.Series(out, index=routes.index, dtype=object)


def _source_rows(routes: pd.DataFrame) -> list[list[int]]:
    """Each route's input rows: its ``source_rows`` when given, else its ``source_row``."""
    rows = [[int(r)] for r in routes["source_row"].tolist()]
    if "source_rows" in routes.columns:
        for i, v in enumerate(routes["source_rows"].tolist()):
            if not pd.isna(v) and str(v).strip():
                rows[i] = [int(x) for x in str(v).split(";") if x.strip()]
    return rows


def merge_duplicates(journeys, raw_frame: pd.DataFrame | None, state: DedupeState | None = None):
    """``journeys`` with duplicates across organisations folded (see the module
    docstring); routes gain ``reports``. ``raw_frame``: the reader's rows (with
    ``source_row`` and the organisation column); without an organisation
    column nothing is merged. One pass over plain lists (no per-row pandas)."""
    routes, stops = journeys.routes, journeys.stops
    routes = routes.copy()
    routes["reports"] = np.ones(len(routes), dtype="int64")
    if raw_frame is None or ORG_COLUMN not in raw_frame.columns or routes.empty:
        journeys.routes = routes
        return journeys
    state = state if state is not None else DedupeState()
    org_of = dict(zip(pd.to_numeric(raw_frame["source_row"], errors="coerce").tolist(),
                      raw_frame[ORG_COLUMN].tolist()))
    source_row = [int(r) for r in routes["source_row"].tolist()]
    folded: dict = {}
    orgs = [folded[o] if o in folded else folded.setdefault(o, _org(o)) for o in map(org_of.get, source_row)]
    sig = signatures(routes, stops).tolist()
    route_ids = routes["route_id"].tolist()
    src = Path(journeys.source_file).name if journeys.source_file else ""
    drop = np.zeros(len(routes), bool)
    pos = {rid: i for i, rid in enumerate(route_ids)}
    rows_of = _source_rows(routes)
    low = pd.to_numeric(routes["cases_low"], errors="coerce").to_numpy(float).copy()
    high = pd.to_numeric(routes["cases_high"], errors="coerce").to_numpy(float).copy()
    reports = routes["reports"].to_numpy().copy()
    problems = []
    for i, (s, org) in enumerate(zip(sig, orgs)):
        if org is None:  # no organisation: never merged
            continue
        g = state.groups.setdefault(s, {"kept": [], "by_org": {}})
        mine = g["by_org"].setdefault(org, 0)
        g["by_org"][org] = mine + 1
        if mine < len(g["kept"]):  # another organisation already reported this route: fold into it
            target = g["kept"][mine]
            drop[i] = True
            state.merged += 1
            j = pos.get(target)
            kept_row = state.kept_rows.get(target)
            here = j is not None and not drop[j]
            if here:
                reports[j] += 1
                rows_of[j] = rows_of[j] + rows_of[i]
                a, b = low[j], low[i]  # the larger estimate; blank only when both are
                low[j] = b if math.isnan(a) else a if math.isnan(b) else max(a, b)
                high[j] = np.nan if math.isnan(high[j]) or math.isnan(high[i]) else max(high[j], high[i])
            # kept in an earlier chunk (already written): the row is listed as rejected, never lost
            problems.append(Problem(src, source_row[i], ORG_COLUMN, None,
                                    f"same route (stops, year, exploitation types) as row {kept_row}, reported by "
                                    "another organisation: counted once", "warning" if here else "rejected"))
        else:
            g["kept"].append(route_ids[i])
            state.kept_rows[route_ids[i]] = source_row[i]
    routes["reports"] = reports
    routes["cases_low"] = pd.array(np.where(np.isnan(low), np.nan, low)).astype(routes["cases_low"].dtype) \
        if str(routes["cases_low"].dtype) != "object" else low
    routes["cases_high"] = pd.array(np.where(np.isnan(high), np.nan, high)).astype(routes["cases_high"].dtype) \
        if str(routes["cases_high"].dtype) != "object" else high
    routes["source_rows"] = ["; ".join(map(str, rows)) for rows in rows_of]
    keep = ~drop
    journeys.routes = routes[keep].reset_index(drop=True)
    kept_ids = set(journeys.routes["route_id"].tolist())
    journeys.stops = stops[np.fromiter((rid in kept_ids for rid in stops["route_id"].tolist()), bool,
                                       len(stops))].reset_index(drop=True)
    journeys.problems = [*journeys.problems, *problems]
    return journeys


def duplicate_count(routes: pd.DataFrame) -> int:
    """Reports folded into other routes (Σ reports − routes)."""
    if "reports" not in routes.columns:
        return 0
    return int(pd.to_numeric(routes["reports"], errors="coerce").fillna(1).sum() - len(routes))
