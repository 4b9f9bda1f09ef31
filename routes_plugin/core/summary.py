"""Regional chapter summaries from route_points (QGIS-free).

Definitions (distinct routes throughout; a route is counted once per region
and kind however many of its stops are there):

- A stop is in a region by the ``region`` column of route_points, restricted
  to the home country (Kenya: its 8 former provinces) — or, with a polygon
  layer of regions, by the polygon that contains the stop.
- A route *originates* in a region when one of its origin stops is there,
  *passes* through it with a transit stop, *ends* there with an intended
  destination or place of exploitation, and *touches* it with any stop.
- The *national total* is the routes with at least one stop in the home
  country (``country == home_country``); with a polygon layer, the routes
  with at least one stop inside any of its polygons.
- Cases are summed once per route: ``cases_low`` is the sum of the known
  lower estimates, ``cases_high`` is missing when any route of the group has
  no upper estimate (as in :mod:`flows`).
- :data:`RISK_FORMULA` defines the regional risk index.

Every published count goes through :func:`suppression.suppress`; a region's
cases, share and risk index are blanked with its route count, and the "top"
lists name only items with a publishable route count.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from . import categories as cat
from . import texts
from .countries import pack as default_pack
from .errors import RoutesError
from .tables import case_sums
from .suppression import (DEFAULT_THRESHOLD, TOTAL_LABEL, Relations, disclosure_entry, protect,
                          protect_cross_table, suppress, withhold)

HOME_COUNTRY = default_pack().home_country  # the default country pack's (Kenya)
KINDS = ("any", "origin", "transit", "end")
ROLE_KIND = {"origin": "origin", "transit": "transit", "destination": "end", "exploitation": "end"}
#: breakdown fields: the destination countries and transit points of the
#: routes touching a region, then the route categories
TOP_FIELDS = ("destination_country", "transit_point", "transport_modes", "airlines",
              "recruitment_methods", "exploitation_types")
TOP_N = 3
RISK_FORMULA = ("risk_index = 100 × ½ × (routes touching the region ÷ national routes + "
                "known low case estimate of those routes ÷ that of the national routes); "
                "0–100, where 100 means every national route and case touches the region; "
                "blank when the region's route count is suppressed")
REQUIRED = ("route_id", "role", "country", "cases_low", "cases_high")
COUNTS = ("routes", "cases_low", "cases_high")


class SummaryError(RoutesError, ValueError):
    """Input no summary can be made of (message is for the user)."""


@dataclass
class Summary:
    """Suppressed outputs of :func:`regional_summary`."""
    regions: pd.DataFrame          #: one row per region (counts, shares, risk, top lists)
    breakdown: pd.DataFrame        #: region, field, code, name, routes, cases_low, cases_high
    airlines: pd.DataFrame         #: national airline × destination country (long)
    recruitment: pd.DataFrame      #: national recruitment method × exploitation type (long)
    national: dict = field(default_factory=dict)  #: routes, cases_low, cases_high (unsuppressed)
    threshold: int = DEFAULT_THRESHOLD
    #: (region, kind) whose routes have no case estimate at all (not a count)
    unknown_cases: set = field(default_factory=set)
    #: the national row of the regional table (region = "total"), suppressed with it
    national_row: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: what was withheld, one entry per table (see suppression.disclosure_entry)
    disclosure: list = field(default_factory=list)

    def published_regions(self) -> pd.DataFrame:
        """The regional table with its national row last (as published)."""
        return pd.concat([self.regions, self.national_row], ignore_index=True)


# ----------------------------------------------------------------- regions ---

def _in_home(points: pd.DataFrame, home_country) -> pd.Series:
    """Stops in the home country (ISO3), or in any of several (a regional pack's chapter countries)."""
    homes = [home_country] if isinstance(home_country, str) or home_country is None else list(home_country)
    return points["country"].isin(homes)


def assign_regions(points: pd.DataFrame, regions: gpd.GeoDataFrame | None = None, name_field: str = "name",
                   home_country: str = HOME_COUNTRY) -> pd.Series:
    """Region name of every point (missing outside every region).

    Without ``regions``: the ``region`` column where ``country`` is
    ``home_country``. With a polygon GeoDataFrame: the ``name_field`` of the
    polygon containing the point (the first one where polygons overlap)."""
    if regions is None:
        region = points["region"].where(_in_home(points, home_country))
        return region.where(region.astype("string").str.strip() != "").astype(object)
    if name_field not in regions.columns:
        fields = ", ".join(c for c in regions.columns if c != regions.geometry.name)
        raise SummaryError(f"The region layer has no field '{name_field}'. Its fields are: {fields}.")
    pts = gpd.GeoDataFrame(geometry=gpd.GeoSeries(points.geometry.values, crs=points.crs), index=points.index)
    polys = regions[[name_field, regions.geometry.name]].to_crs(pts.crs or regions.crs)
    joined = gpd.sjoin(pts, polys, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined[name_field].reindex(points.index).astype(object)


def national_routes(points: pd.DataFrame, region: pd.Series, by_polygons: bool,
                    home_country: str = HOME_COUNTRY) -> pd.Index:
    """route_ids of the national total (see the module docstring)."""
    mask = region.notna() if by_polygons else _in_home(points, home_country)
    return pd.Index(points.loc[mask, "route_id"].unique())


# ----------------------------------------------------------------- counting ---

def _route_table(points: pd.DataFrame) -> pd.DataFrame:
    """One row per route: cases and categories (route-level fields)."""
    cols = ["route_id", "cases_low", "cases_high", *[c for c in cat.CATEGORY_FIELDS if c in points.columns]]
    return points[cols].drop_duplicates("route_id").set_index("route_id")


def _sums(pairs: pd.DataFrame, keys: list[str], routes: pd.DataFrame) -> pd.DataFrame:
    """routes, cases_low, cases_high per ``keys`` over distinct (keys, route) pairs."""
    d = pairs[[*keys, "route_id"]].drop_duplicates().join(routes[["cases_low", "cases_high"]], on="route_id")
    if d.empty:
        return pd.DataFrame(columns=[*keys, *COUNTS])
    return case_sums(d, keys).reset_index()


def _category_items(routes: pd.DataFrame, fld: str) -> pd.DataFrame:
    """route_id, code, name: one row per category of each route (``"; "``-joined cells)."""
    if fld not in routes.columns:
        return pd.DataFrame(columns=["route_id", "code", "name"])
    items = routes[fld].dropna().astype(str).str.split(";").explode().str.strip()
    items = items[items != ""]
    out = pd.DataFrame({"route_id": items.index, "code": items.to_numpy()}).drop_duplicates()
    out["name"] = [cat.label(fld, c, "en") for c in out["code"]]
    return out


def route_items(points: pd.DataFrame, routes: pd.DataFrame, fld: str) -> pd.DataFrame:
    """route_id, code, name of one :data:`TOP_FIELDS` field for every route."""
    if fld == "destination_country":
        d = points[points["role"].isin(("destination", "exploitation")) & points["country"].notna()]
        names = d["country_name"] if "country_name" in d.columns else d["country"]
        out = pd.DataFrame({"route_id": d["route_id"], "code": d["country"], "name": names.fillna(d["country"])})
    elif fld == "transit_point":
        d = points[(points["role"] == "transit") & points["place"].notna()]
        key = d["place_key"] if "place_key" in d.columns else d["place"]
        out = pd.DataFrame({"route_id": d["route_id"], "code": key,
                            "name": d["place"].astype(str) + " (" + d["country"].fillna("?").astype(str) + ")"})
    else:
        return _category_items(routes, fld)
    return out.drop_duplicates(["route_id", "code"])


def _suppress_counts(table: pd.DataFrame, threshold: int, groups=(("routes", "cases_low", "cases_high"),),
                     extra: dict | None = None) -> pd.DataFrame:
    """The shared rule on each (routes, cases...) group; a group's cases (and the
    ``extra`` columns tied to a group's route count) are blanked with its routes."""
    cols = [c for g in groups for c in g]
    out = suppress(table, cols, threshold)
    for c in cols:
        out[c] = pd.to_numeric(out[c]).round().astype("Int64")
    for routes_col, *tied in groups:
        hidden = out[routes_col].isna() & table[routes_col].notna()
        for c in [*tied, *(extra or {}).get(routes_col, ())]:
            out[c] = out[c].mask(hidden)
    return out


def top_items(breakdown: pd.DataFrame, region, fld: str, language: str = "en", n: int = TOP_N,
              with_counts: bool = True) -> list[str]:
    """Labels (in ``language``) of the ``n`` items of ``fld`` with the most routes
    in ``region``; suppressed items (blank route counts) are never named."""
    rows = breakdown[(breakdown["region"] == region) & (breakdown["field"] == fld) & breakdown["routes"].notna()]
    rows = rows.sort_values(["routes", "name"], ascending=[False, True]).head(n)
    labels = [cat.label(fld, c, language) if fld in cat.VOCABULARIES else nm for c, nm in zip(rows["code"], rows["name"])]
    return [f"{lb} ({int(r)})" if with_counts else lb for lb, r in zip(labels, rows["routes"])]


# ----------------------------------------------------------------- summary ---

def check_points(points: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED if c not in points.columns]
    if missing:
        raise SummaryError("The route points layer lacks the field(s) " + ", ".join(missing)
                           + " — use the route_points layer written by 'Load tracker export'.")


def regional_summary(points: pd.DataFrame, regions: gpd.GeoDataFrame | None = None, name_field: str = "name",
                     names=(), threshold: int = DEFAULT_THRESHOLD, home_country: str = HOME_COUNTRY) -> Summary:
    """Summary of ``points`` (route_points) per region; see the module docstring.

    ``regions``: optional polygons with a ``name_field`` (else the ``region``
    column in ``home_country``). ``names``: regions listed even without data
    (the polygons' names are always listed)."""
    check_points(points)
    region = assign_regions(points, regions, name_field, home_country)
    if regions is not None:
        names = [*regions[name_field].astype(str), *names]
    routes = _route_table(points)
    national = national_routes(points, region, regions is not None, home_country)
    nat = _sums(pd.DataFrame({"k": 0, "route_id": national}), ["k"], routes)
    nat_tot = {c: (nat[c].iloc[0] if len(nat) else 0) for c in COUNTS}

    inside = pd.DataFrame({"region": region, "route_id": points["route_id"],
                           "kind": points["role"].map(ROLE_KIND)})[region.notna()]
    nat_mask = region.notna() if regions is not None else _in_home(points, home_country)
    nat_inside = pd.DataFrame({"region": TOTAL_LABEL, "route_id": points["route_id"],
                               "kind": points["role"].map(ROLE_KIND)})[nat_mask.to_numpy()]
    both = pd.concat([inside, nat_inside], ignore_index=True)
    pairs = pd.concat([both.assign(kind="any"), both.dropna(subset=["kind"])], ignore_index=True)
    counts = _sums(pairs, ["region", "kind"], routes).pivot(index="region", columns="kind", values=list(COUNTS))
    all_names = list(dict.fromkeys([*map(str, names), *sorted(map(str, inside["region"].unique()))]))
    all_names = [n for n in all_names if n != TOTAL_LABEL] + [TOTAL_LABEL]
    #: every national stop lies in a region, so the regions' routes add up to at least the national ones
    covered = bool(region[nat_mask.to_numpy()].notna().all())
    table = pd.DataFrame({"region": all_names})
    for k in KINDS:
        for c in COUNTS:
            col = (c, k)
            vals = counts[col] if col in counts.columns else pd.Series(dtype="Int64")
            table[f"{c}_{k}"] = table["region"].map(vals).astype("Int64")
        table[f"routes_{k}"] = table[f"routes_{k}"].fillna(0)
    table["has_data"] = table["routes_any"] > 0
    share_r = table["routes_any"] / nat_tot["routes"] if nat_tot["routes"] else np.nan
    share_c = (table["cases_low_any"].fillna(0) / nat_tot["cases_low"]) if pd.notna(nat_tot["cases_low"]) and nat_tot["cases_low"] else share_r
    table["share_national_pct"] = (100 * share_r).astype("Float64").round(1)
    table["risk_index"] = (100 * (share_r + share_c) / 2).astype("Float64").round(1)

    touching = inside[["region", "route_id"]].drop_duplicates()
    parts = []
    for fld in TOP_FIELDS:
        items = touching.merge(route_items(points, routes, fld), on="route_id")
        s = _sums(items, ["region", "code"], routes)
        s = s.merge(items[["code", "name"]].drop_duplicates("code"), on="code", how="left")
        parts.append(s.assign(field=fld))
    cols = ["region", "field", "code", "name", *COUNTS]
    breakdown = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    breakdown = _suppress_counts(breakdown.sort_values(["region", "field", "routes", "name"],
                                                       ascending=[True, True, False, True], ignore_index=True), threshold)

    unknown = {(r, k) for k in KINDS for r, n, low in zip(table["region"], table[f"routes_{k}"], table[f"cases_low_{k}"])
               if n > 0 and pd.isna(low)}
    table, regions_entry = protect_regions(table, threshold, covered)
    for fld in TOP_FIELDS:
        table[f"top_{fld}"] = ["; ".join(top_items(breakdown, r, fld)) if r != TOTAL_LABEL else ""
                               for r in table["region"]]
    table["suppress_below"] = int(threshold)
    for k in KINDS:  # no case estimate at all (not a count; only where the route count is published)
        table[f"unknown_cases_{k}"] = pd.array([(r, k) in unknown if pd.notna(n) else pd.NA
                                                for r, n in zip(table["region"], table[f"routes_{k}"])],
                                               dtype="boolean")

    nat_points = points[points["route_id"].isin(national)]
    airlines = cross_table(nat_points, routes.loc[national], "airlines", "destination_country", threshold)
    recruitment = cross_table(nat_points, routes.loc[national], "recruitment_methods", "exploitation_types", threshold)
    b_entry = {"table": "regional breakdown", "threshold": int(threshold), "cells": int(len(breakdown)),
               "measures": list(COUNTS), "primary": int(breakdown["routes"].isna().sum()) if threshold > 0 else 0,
               "complementary": 0,
               "withheld_cells": sorted(" | ".join(map(str, k)) for k in breakdown.loc[
                   breakdown["routes"].isna(), ["region", "field", "code"]].itertuples(index=False))}
    total = table["region"] == TOTAL_LABEL
    return Summary(table[~total].reset_index(drop=True), breakdown, airlines, recruitment, nat_tot, int(threshold),
                   unknown, table[total].reset_index(drop=True),
                   [regions_entry, b_entry, *airlines.attrs["disclosure"], *recruitment.attrs["disclosure"]])


def protect_regions(table: pd.DataFrame, threshold: int, covered: bool) -> tuple[pd.DataFrame, dict]:
    """Primary and complementary suppression of the regional table (its
    last row the national one). A region's route and case counts of one kind
    share a pattern. Relations an outsider knows: each kind's count is at most
    the region's ``any`` count and at most the national count of the kind;
    with every national stop in a region (``covered``) the regions' counts
    add up to at least the national one (routes touch several regions, so
    never exactly). Share and risk index are withheld with the region's
    ``any`` route or case count."""
    n_rows = len(table)
    nat = n_rows - 1
    cell = lambda i, k: i * len(KINDS) + KINDS.index(k)  # noqa: E731
    rel = Relations(n_rows * len(KINDS))
    for i in range(n_rows):
        for k in KINDS[1:]:
            rel.add_le(cell(i, k), cell(i, "any"))
    for k in KINDS:
        for i in range(nat):
            rel.add_le(cell(i, k), cell(nat, k))
        if covered and nat > 0:
            rel.add_at_least(cell(nat, k), [cell(i, k) for i in range(nat)])
    values = {c: np.column_stack([pd.to_numeric(table[f"{c}_{k}"]).astype("float64").to_numpy()
                                  for k in KINDS]).ravel() for c in COUNTS}
    prot = protect(values, rel, threshold)
    out = table.copy()
    w = prot.withheld.reshape(n_rows, len(KINDS)) if n_rows else np.zeros((0, len(KINDS)), bool)
    for j, k in enumerate(KINDS):
        out = withhold(out, w[:, j], [f"{c}_{k}" for c in COUNTS])
    for c in (f"{c}_{k}" for c in COUNTS for k in KINDS):
        out[c] = pd.to_numeric(out[c]).round().astype("Int64")
    out = withhold(out, w[:, 0], ["share_national_pct", "risk_index"])
    cells = pd.DataFrame({"region": np.repeat(table["region"].to_numpy(), len(KINDS)),
                          "kind": np.tile(list(KINDS), n_rows)})
    return out, disclosure_entry("regional summary", cells, prot, ["region", "kind"], COUNTS)


def cross_table(points: pd.DataFrame, routes: pd.DataFrame, row_field: str, col_field: str,
                threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Long table of distinct routes and cases per (``row_field`` item,
    ``col_field`` item), both :data:`TOP_FIELDS` fields; suppressed."""
    a = route_items(points, routes, row_field).rename(columns={"code": row_field, "name": f"{row_field}_name"})
    b = route_items(points, routes, col_field).rename(columns={"code": col_field, "name": f"{col_field}_name"})
    pairs = a.merge(b, on="route_id")
    keys = [row_field, col_field]
    s = _sums(pairs, keys, routes)
    names = pairs[[*keys, f"{row_field}_name", f"{col_field}_name"]].drop_duplicates(keys)
    out = s.merge(names, on=keys, how="left")[[row_field, f"{row_field}_name", col_field, f"{col_field}_name", *COUNTS]]
    out = out.sort_values(["routes", *keys], ascending=[False, True, True], ignore_index=True)
    for c in COUNTS:
        out[c] = pd.to_numeric(out[c]).round().astype("Int64")
    published = protect_cross_table(out, row_field, col_field, COUNTS, threshold,
                                    table_name=f"national {row_field} × {col_field}")
    for f in keys:
        published[f"{f}_name"] = published[f"{f}_name"].where(published[f] != TOTAL_LABEL, TOTAL_LABEL)
    return published


def wide(long: pd.DataFrame, row_field: str, col_field: str, value: str = "routes") -> pd.DataFrame:
    """A :func:`cross_table` as rows × columns of ``value``, the ``total``
    column last and the ``total`` row at the bottom. Withheld cells stay
    blank; combinations with no route are 0 (so a blank is always withheld)."""
    if long.empty:
        return pd.DataFrame({row_field: []})
    w = long.pivot(index=row_field, columns=col_field, values=value)
    blank = long.set_index([row_field, col_field])[value].isna()
    w = w.astype("Float64").fillna(0)
    for (r, c), hidden in blank.items():
        if hidden:
            w.loc[r, c] = pd.NA
    cols = [c for c in w.columns if c != TOTAL_LABEL] + ([TOTAL_LABEL] if TOTAL_LABEL in w.columns else [])
    rows = [r for r in w.index if r != TOTAL_LABEL] + ([TOTAL_LABEL] if TOTAL_LABEL in w.index else [])
    w = w.loc[rows, cols].round().astype("Int64")
    return w.reset_index().rename_axis(columns=None)


def summary_from_tables(regions: pd.DataFrame, breakdown: pd.DataFrame, airlines: pd.DataFrame | None = None,
                        recruitment: pd.DataFrame | None = None) -> Summary:
    """The :class:`Summary` the chapters and the report need, rebuilt from the published
    tables of :func:`regional_summary` (its ``regions`` table with the national row,
    ``breakdown`` and, for the report, the national ``airlines`` and ``recruitment``
    tables), so a run does not compute the summary again. Only published (suppressed)
    figures are read: the national figures are those of the national row."""
    missing = [c for c in ("region", "suppress_below", "has_data", *(f"{c}_{k}" for c in COUNTS for k in KINDS))
               if c not in regions.columns]
    if missing:
        raise SummaryError("The regional summary table lacks the field(s) " + ", ".join(missing)
                           + ": give the 'Regional summary' output of routes:regionalsummary.")
    lacking = [c for c in ("region", "field", "code", "name", *COUNTS) if c not in breakdown.columns]
    if lacking:
        raise SummaryError("The breakdown table lacks the field(s) " + ", ".join(lacking)
                           + ": give the 'Regional breakdown' output of routes:regionalsummary.")
    thresholds = pd.to_numeric(regions["suppress_below"], errors="coerce").dropna().unique()
    if len(thresholds) != 1:
        raise SummaryError("The regional summary table has no single suppress_below value.")
    table = pd.DataFrame(regions.drop(columns=[c for c in ("geometry", "fid") if c in regions.columns]))
    table["region"] = table["region"].astype(str)
    for c in (f"{c}_{k}" for c in COUNTS for k in KINDS):
        table[c] = pd.to_numeric(table[c], errors="coerce").round().astype("Int64")
    for c in ("share_national_pct", "risk_index"):
        if c in table.columns:
            table[c] = pd.to_numeric(table[c], errors="coerce").astype("Float64")
    table["has_data"] = table["has_data"].astype(bool)
    unknown = {(r, k) for k in KINDS if f"unknown_cases_{k}" in table.columns
               for r, flag in zip(table["region"], table[f"unknown_cases_{k}"]) if str(flag).lower() in ("true", "1", "1.0")}
    long = pd.DataFrame(breakdown.drop(columns=[c for c in ("geometry", "fid") if c in breakdown.columns]))
    for c in COUNTS:
        long[c] = pd.to_numeric(long[c], errors="coerce").round().astype("Int64")
    long["region"] = long["region"].astype(str)
    is_total = table["region"] == TOTAL_LABEL
    national_row = table[is_total].reset_index(drop=True)
    table = table[~is_total].reset_index(drop=True)
    national = {}
    if len(national_row):
        row = national_row.iloc[0]
        national = {c: (None if pd.isna(row[f"{c}_any"]) else int(row[f"{c}_any"])) for c in COUNTS}

    def cross(frame, name):
        if frame is None:
            return pd.DataFrame()
        frame = pd.DataFrame(frame.drop(columns=[c for c in ("geometry", "fid") if c in frame.columns]))
        lacking = [c for c in COUNTS if c not in frame.columns]
        if lacking:
            raise SummaryError(f"The {name} table lacks the field(s) {', '.join(lacking)}: give the '{name}' output "
                               "of routes:regionalsummary.")
        for c in COUNTS:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").round().astype("Int64")
        return frame.reset_index(drop=True)

    return Summary(table, long, cross(airlines, "Airlines × destination (national)"),
                   cross(recruitment, "Recruitment × exploitation (national)"), national, int(thresholds[0]), unknown,
                   national_row)


# ----------------------------------------------------------------- chapter ---

def _cases_text(summary: Summary, row, kind: str) -> str:
    """Cases of a region and kind: ``low–high``, ``low+`` (no upper estimate),
    ``<threshold`` (suppressed) or empty (no estimate given)."""
    low, high = row[f"cases_low_{kind}"], row[f"cases_high_{kind}"]
    if pd.notna(row[f"routes_{kind}"]) and row[f"routes_{kind}"] == 0:
        return ""
    if pd.isna(low):
        return "" if (row.name, kind) in summary.unknown_cases else f"<{summary.threshold}"
    if pd.isna(high):
        return f"{int(low)}+"
    return str(int(low)) if high == low else f"{int(low)}–{int(high)}"


def chapter_table(summary: Summary, region: str, language: str = "en") -> list[tuple[str, str]]:
    """(measure, value) rows of a region's chapter table in ``language``;
    suppressed counts print as ``<threshold``."""
    row = summary.regions.set_index("region").loc[region]
    t = summary.threshold
    rows = []
    for kind in ("origin", "transit", "end"):
        routes = f"<{t}" if pd.isna(row[f"routes_{kind}"]) else str(int(row[f"routes_{kind}"]))
        cases = _cases_text(summary, row, kind)
        value = (texts.text("routes_cases", language, routes=routes, cases=cases) if cases
                 else texts.text("routes_only", language, routes=routes))
        rows.append((texts.text(f"row_{kind}", language), value))
    hidden = f"<{t}"
    share, risk = row["share_national_pct"], row["risk_index"]
    rows.append((texts.text("row_share", language), hidden if pd.isna(share) else f"{share:.1f} %"))
    rows.append((texts.text("row_risk", language), hidden if pd.isna(risk) else f"{risk:.1f}"))
    for fld in TOP_FIELDS:
        items = top_items(summary.breakdown, region, fld, language)
        rows.append((texts.text(f"row_{fld}", language), "; ".join(items) or texts.text("none", language)))
    return rows
