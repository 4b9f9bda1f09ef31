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

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .readers.base import Problem

ORG_COLUMN = "reporting_org"


@dataclass
class DedupeState:
    """What one load has seen so far, as integer codes (a million-row load keeps
    no per-route Python objects beyond two integers per kept route):

    - ``codes``: place key / year / set of exploitation types -> code;
    - ``groups``: a route's signature (year code, types code, bytes of its place
      codes in stop order) -> group number;
    - ``orgs``: folded organisation -> number;
    - ``counts``: ``group << 32 | organisation`` -> reports of that organisation so far;
    - ``kept_len``: group -> routes kept (the most any one organisation reported);
    - ``kept_rows``: ``group << 32 | k`` -> source row of the group's k-th kept route.
    """
    codes: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    kept_len: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    kept_rows: dict = field(default_factory=dict)
    merged: int = 0

    def code(self, kind: str, values) -> np.ndarray:
        """Codes of ``values`` (a list), the same over every chunk of the load."""
        codes = self.codes
        return np.fromiter((codes.setdefault((kind, v), len(codes)) for v in values), np.int64, len(values))


def _org(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return None
    text = " ".join(str(value).split()).casefold()
    return text or None


def _type_set(cell: str) -> str:
    """A cell of exploitation types as its set, in one spelling: ``"x; y"`` and ``"y;x"`` -> ``"x;y"``."""
    return ";".join(sorted({x.strip() for x in cell.split(";") if x.strip()}))


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
    type_sets = [_type_set(ty) for ty in cells] + [""]
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


def _route_codes(routes: pd.DataFrame, stops: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """The route id of each route and of each stop as one code (-> codes of routes, of stops, how many)."""
    both, ids = pd.factorize(pd.concat([routes["route_id"], stops["route_id"]], ignore_index=True))
    return both[:len(routes)], both[len(routes):], len(ids)


def _group_numbers(routes: pd.DataFrame, stops: pd.DataFrame, who: np.ndarray, state: DedupeState,
                   codes: tuple[np.ndarray, np.ndarray, int]) -> np.ndarray:
    """The group number of each route ``who`` selects: routes with the same signature (see
    :func:`signatures`: the same places in stop order, year and set of exploitation types)
    share one over every chunk of the load. The signature is kept as codes, not text.
    ``codes``: :func:`_route_codes`."""
    route_code, stop_code, n_ids = codes
    # the places of each route id in stop order, as codes: one bytes slice per route id
    seq = stops["seq"].to_numpy() if "seq" in stops.columns else np.zeros(len(stops), dtype=np.int64)
    order = np.lexsort((np.arange(len(stops)), seq, stop_code))
    pcodes, pkeys = pd.factorize(stops["place_key"].astype(str))
    buf = state.code("place", pkeys.tolist())[pcodes][order].astype(np.int32).tobytes()
    size = np.bincount(stop_code, minlength=n_ids) * 4
    ends = np.cumsum(size)
    starts, ends = (ends - size).tolist(), ends.tolist()
    year = routes["year"] if "year" in routes.columns else pd.Series(np.nan, index=routes.index)
    ycodes, years = pd.factorize(pd.to_numeric(year, errors="coerce").astype("float64").to_numpy())
    year_code = state.code("year", [int(y) for y in years] + [None])[ycodes]  # blank (-1): the last
    types = routes["exploitation_types"] if "exploitation_types" in routes.columns else pd.Series("", index=routes.index)
    tcodes, cells = pd.factorize(types.fillna("").astype(str))  # each distinct cell made a set once
    type_code = state.code("types", [_type_set(ty) for ty in cells] + [""])[tcodes]
    groups = state.groups
    sel = np.flatnonzero(who)
    return np.fromiter((groups.setdefault((y, t, buf[starts[c]:ends[c]]), len(groups)) for y, t, c in
                        zip(year_code[sel].tolist(), type_code[sel].tolist(), route_code[sel].tolist())),
                       np.int64, len(sel))


def _source_rows_text(routes: pd.DataFrame, extra: dict[int, list[int]]) -> list[str]:
    """Each route's input rows as text, ``"12; 40"``: its ``source_rows`` when given, else its
    ``source_row``, followed by the rows of the reports folded into it (``extra``: position -> rows)."""
    text = routes["source_row"].to_numpy(dtype=np.int64).astype(str).tolist()
    given = routes["source_rows"].tolist() if "source_rows" in routes.columns else None
    if given is not None:
        for i, v in enumerate(given):
            if not pd.isna(v) and str(v).strip():
                text[i] = "; ".join(str(int(x)) for x in str(v).split(";") if x.strip())
    for i, rows in extra.items():
        text[i] = "; ".join([text[i], *map(str, rows)]) if text[i] else "; ".join(map(str, rows))
    return text


def _places_in_groups(g: np.ndarray, o: np.ndarray, state: DedupeState):
    """For reports of groups ``g`` by organisations ``o`` (in source order): ``c``, how many
    reports of the same group by the same organisation came before in the load; ``kept``,
    whether the report is a route of its own; ``before``, its group's routes kept before this
    chunk. A report is kept when its organisation has now reported the group more often than
    any organisation had before it (the routes kept so far: the largest such count); else it
    folds into the group's c-th kept route."""
    if not len(g):
        return np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.int64)
    key = (g << 32) | o
    uk, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    prior = np.fromiter(map(state.counts.get, uk.tolist(), itertools.repeat(0)), np.int64, len(uk))
    state.counts.update(zip(uk.tolist(), (prior + cnt).tolist()))
    by_key = np.argsort(inv, kind="stable")
    within = np.empty(len(key), np.int64)
    within[by_key] = np.arange(len(key)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    c = prior[inv] + within
    if len(state.kept_len) < len(state.groups):
        state.kept_len = np.concatenate([state.kept_len, np.zeros(max(len(state.groups) - len(state.kept_len),
                                                                      len(state.kept_len)), np.int64)])
    before = state.kept_len[g]
    by_group = np.argsort(g, kind="stable")
    gs, vs = g[by_group], c[by_group] + 1
    first = np.r_[True, gs[1:] != gs[:-1]]
    shift = (np.cumsum(first) - 1) * (max(int(vs.max(initial=0)), int(before.max(initial=0))) + 1)
    upto = np.maximum.accumulate(np.maximum(vs, before[by_group]) + shift) - shift  # most kept, this one included
    had = np.where(first, before[by_group], np.r_[0, upto[:-1]])  # most kept before this one
    kept = np.empty(len(g), bool)
    kept[by_group] = vs > had
    last = np.r_[first[1:], True]
    state.kept_len[gs[last]] = upto[last]
    return c, kept, before


def merge_duplicates(journeys, raw_frame: pd.DataFrame | None, state: DedupeState | None = None):
    """``journeys`` with duplicates across organisations folded (see the module
    docstring); routes gain ``reports``. ``raw_frame``: the reader's rows (with
    ``source_row`` and the organisation column); without an organisation
    column nothing is merged. Arrays throughout: a route's place in its group
    (kept, or folded into which kept route) follows from counts per group and
    organisation, so no per-route Python work but one dictionary look-up."""
    routes, stops = journeys.routes, journeys.stops
    routes = routes.copy()
    routes["reports"] = np.ones(len(routes), dtype="int64")
    if raw_frame is None or ORG_COLUMN not in raw_frame.columns or routes.empty:
        journeys.routes = routes
        return journeys
    state = state if state is not None else DedupeState()
    org_of = dict(zip(pd.to_numeric(raw_frame["source_row"], errors="coerce").tolist(),
                      raw_frame[ORG_COLUMN].tolist()))
    source_row = routes["source_row"].to_numpy(dtype=np.int64)
    folded: dict = {}
    orgs = [folded[o] if o in folded else folded.setdefault(o, _org(o)) for o in map(org_of.get, source_row.tolist())]
    who = np.fromiter((o is not None for o in orgs), bool, len(orgs))  # no organisation: never merged
    sel = np.flatnonzero(who)
    codes = _route_codes(routes, stops)
    g = _group_numbers(routes, stops, who, state, codes)
    o = np.fromiter((state.orgs.setdefault(x, len(state.orgs)) for x in orgs if x is not None), np.int64, len(sel))
    c, kept, before = _places_in_groups(g, o, state)
    # where each folded report goes: a kept route of this chunk, or of an earlier one
    slot = (g << 32) | c
    here = ~kept & (c >= before)
    kept_slot = slot[kept]
    kept_at = sel[kept]
    look = np.argsort(kept_slot)
    target = np.full(len(sel), -1, np.int64)
    target[here] = kept_at[look[np.searchsorted(kept_slot, slot[here], sorter=look)]]
    state.kept_rows.update(zip(kept_slot.tolist(), source_row[kept_at].tolist()))
    dropped = sel[~kept]
    folds, into = sel[here], target[here]
    state.merged += len(dropped)
    drop = np.zeros(len(routes), bool)
    drop[dropped] = True
    reports = routes["reports"].to_numpy().copy()
    low = pd.to_numeric(routes["cases_low"], errors="coerce").to_numpy(float).copy()
    high = pd.to_numeric(routes["cases_high"], errors="coerce").to_numpy(float).copy()
    np.add.at(reports, into, 1)
    np.fmax.at(low, into, low[folds])  # the larger estimate; blank only when every one is
    with np.errstate(invalid="ignore"):
        np.maximum.at(high, into, high[folds])  # blank when any is
    extra: dict[int, list[int]] = {}
    if len(folds):
        own = _source_rows(routes.iloc[folds]) if "source_rows" in routes.columns else \
            [[r] for r in source_row[folds].tolist()]
        for j, rows in zip(into.tolist(), own):
            extra.setdefault(j, []).extend(rows)
    src = Path(journeys.source_file).name if journeys.source_file else ""
    kept_row = source_row[np.maximum(target, 0)]
    earlier = ~kept & ~here
    kept_row[earlier] = np.fromiter(map(state.kept_rows.__getitem__, slot[earlier].tolist()), np.int64,
                                    int(earlier.sum()))
    problems = [Problem(src, r, ORG_COLUMN, None, f"same route (stops, year, exploitation types) as row {k}, "
                        "reported by another organisation: counted once", "warning" if h else "rejected")
                for r, k, h in zip(source_row[dropped].tolist(), kept_row[~kept].tolist(), here[~kept].tolist())]
    routes["reports"] = reports
    routes["cases_low"] = pd.array(np.where(np.isnan(low), np.nan, low)).astype(routes["cases_low"].dtype) \
        if str(routes["cases_low"].dtype) != "object" else low
    routes["cases_high"] = pd.array(np.where(np.isnan(high), np.nan, high)).astype(routes["cases_high"].dtype) \
        if str(routes["cases_high"].dtype) != "object" else high
    routes["source_rows"] = _source_rows_text(routes, extra)
    journeys.routes = routes[~drop].reset_index(drop=True)
    kept_id = np.zeros(codes[2], bool)
    kept_id[codes[0][~drop]] = True  # the stops of the routes kept
    journeys.stops = stops[kept_id[codes[1]]].reset_index(drop=True)
    journeys.problems = [*journeys.problems, *problems]
    return journeys


def duplicate_count(routes: pd.DataFrame) -> int:
    """Reports folded into other routes (Σ reports − routes)."""
    if "reports" not in routes.columns:
        return 0
    return int(pd.to_numeric(routes["reports"], errors="coerce").fillna(1).sum() - len(routes))
