"""Hotspot significance: Getis-Ord Gi* on a hexagon grid or on given polygons.

:func:`hotspot_analysis` is the whole method (docs/hotspots.md): points
(optionally weighted) inside a study area (:mod:`.study_area`) are counted
into hexagons laid over that area only (or into given zones); the hexagon
size defaults to one that gives the area about :data:`TARGET_CELLS` cells;
too few points or occupied cells are refused; neighbours are sized to the
grid (:func:`spatial_weights`, every cell gets at least
:data:`MIN_NEIGHBOURS`); Gi* is computed with esda with
conditional-permutation p-values; p-values are corrected for testing every
cell (Benjamini-Hochberg FDR by default) and each cell is classed hot at
90/95/99 % or not significant. Cold spots are only reported on request: in
count data with structural zeros (a cell is empty because nobody reported
from there) a "cold spot" says nothing about safety. Counts go through the
shared small-count rule (:mod:`.suppression`). No QGIS here.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import suppression
from .errors import RoutesError
from .categories import split_cell
from .study_area import StudyArea, inside, nice_number

ROLES = ("origin", "transit", "destination", "exploitation")
CORRECTIONS = ("fdr_bh", "none", "bonferroni")
#: "auto": a distance band sized to the grid, topped up to MIN_NEIGHBOURS nearest
#: cells where the band gives fewer; "distance": a fixed band; "knn": k nearest.
NEIGHBOURS = ("auto", "distance", "knn")
NOT_SIGNIFICANT = "not significant"
#: (confidence label, largest adjusted two-sided p) from the strictest level down.
LEVELS = ((99, 0.01), (95, 0.05), (90, 0.10))
CLASSES = tuple(f"{side} {level}%" for side in ("hot", "cold") for level, _ in LEVELS) + (NOT_SIGNIFICANT,)
OUTPUT_COLUMNS = ("count", "weight", "gi_z", "p_value", "p_adjusted", "gi_class", "confidence")
#: The default hexagon size gives the study area about this many cells.
TARGET_CELLS = 500
#: Fewer points or occupied cells than these in the study area: refused (nothing to say).
MIN_POINTS, MIN_OCCUPIED = 30, 10
#: Every cell gets at least this many neighbours (besides itself).
MIN_NEIGHBOURS = 8
#: Default permutations: enough for the smallest p-values to survive the FDR correction.
PERMUTATIONS = 9999
COLD_CAVEAT = ("Cold spots mean fewer reports than expected, not fewer victims: most cells are empty "
               "because nobody reported from there, not because no one is trafficked there.")


class HotspotError(RoutesError, ValueError):
    """Input no Gi* can honestly be computed from (message is for the user)."""


def select_points(frame: pd.DataFrame, roles=(), category_field: str | None = None,
                  category_value: str | None = None) -> pd.DataFrame:
    """Rows whose ``role`` is one of ``roles`` (all when empty) and whose
    (possibly ``"; "``-joined, multi-valued) ``category_field`` holds
    ``category_value`` (case-insensitive; no filter when either is empty)."""
    keep = pd.Series(True, index=frame.index)
    if roles:
        if "role" not in frame.columns:
            raise HotspotError("a role filter was given but the layer has no 'role' field")
        keep &= frame["role"].astype("string").str.strip().str.lower().isin([r.lower() for r in roles]).fillna(False)
    if category_field and category_value:
        if category_field not in frame.columns:
            raise HotspotError(f"the layer has no field {category_field!r}")
        wanted = category_value.strip().lower()
        keep &= frame[category_field].map(lambda v: wanted in [c.strip().lower() for c in split_cell(v)])
    return frame[keep.astype(bool)]


def hexagon_grid(bounds, size: float, crs=None) -> gpd.GeoDataFrame:
    """Flat-topped hexagons covering ``bounds`` (``x_min, y_min, x_max, y_max``).

    ``size`` is the distance between the centres of neighbouring cells (the
    width across flats); cells are numbered ``cell_id`` from 1."""
    if not size > 0:
        raise HotspotError("the hexagon size must be positive")
    x0, y0, x1, y1 = bounds
    side = size / math.sqrt(3)  # circumradius of a hexagon whose flats are `size` apart
    dx, dy = 1.5 * side, size
    ncol = int(math.ceil((x1 - x0) / dx)) + 2
    nrow = int(math.ceil((y1 - y0) / dy)) + 2
    if ncol * nrow > 2_000_000:
        raise HotspotError(f"a hexagon size of {size:g} gives {ncol * nrow:,} cells over this extent: choose a larger size")
    col, row = np.meshgrid(np.arange(ncol), np.arange(nrow))
    cx = x0 + col.ravel() * dx
    cy = y0 + row.ravel() * dy + (col.ravel() % 2) * dy / 2 - dy / 2
    angles = np.deg2rad(np.arange(0, 360, 60))
    ring = np.stack([cx[:, None] + side * np.cos(angles), cy[:, None] + side * np.sin(angles)], axis=-1)
    cells = shapely.polygons(ring)
    keep = shapely.intersects(cells, shapely.box(x0, y0, x1, y1))
    return gpd.GeoDataFrame({"cell_id": np.arange(1, keep.sum() + 1)}, geometry=cells[keep], crs=crs)


def default_cell_size(area_m2: float, target: int = TARGET_CELLS) -> float:
    """Hexagon size (metres across flats, a round number) giving an area of
    ``area_m2`` square metres about ``target`` cells."""
    if not area_m2 > 0:
        raise HotspotError("the study area has no area")
    return nice_number(math.sqrt(area_m2 / target / (math.sqrt(3) / 2)))


def study_hexagons(area: StudyArea, size: float, min_share: float = 0.01, points=None) -> gpd.GeoDataFrame:
    """Hexagons of ``size`` over the study area only: those whose part inside
    it is at least ``min_share`` of a hexagon, or that hold one of ``points``
    (a GeoSeries in the area's CRS). The geometry is the whole hexagon (it
    fixes the cell's centre for the neighbours); ``inside`` holds the part
    within the study area (the cell as drawn)."""
    cells = hexagon_grid(area.bounds, size, area.crs)
    if area.geometry is None:
        cells["inside"] = cells.geometry.values
        return cells
    shapely.prepare(area.geometry)
    cells = cells[shapely.intersects(area.geometry, cells.geometry.values)]
    part = shapely.intersection(cells.geometry.values, area.geometry)
    keep = shapely.area(part) >= min_share * math.sqrt(3) / 2 * size * size
    if points is not None and len(points):
        _, hit = cells.sindex.query(points.values, predicate="intersects")
        keep[np.unique(hit)] = True
    keep &= ~shapely.is_empty(part)
    if not keep.any():
        raise HotspotError(f"a hexagon size of {size:g} m leaves no cell in {area.name}: choose a smaller size")
    cells = cells[keep].copy()
    cells["inside"] = gpd.GeoSeries(part[keep], index=cells.index, crs=area.crs)
    cells["cell_id"] = np.arange(1, len(cells) + 1)
    return cells.reset_index(drop=True)


def aggregate(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, weight: str | None = None) -> gpd.GeoDataFrame:
    """``cells`` with ``count`` (points inside) and ``weight`` (sum of the points'
    ``weight`` column, or the count when no weight). A point on a shared edge
    counts once; missing weights count as 0."""
    if points.crs != cells.crs:
        points = points.to_crs(cells.crs)
    w = pd.to_numeric(points[weight], errors="coerce").fillna(0.0).to_numpy() if weight else np.ones(len(points))
    pt_idx, cell_idx = cells.sindex.query(points.geometry.values, predicate="intersects")
    first = ~pd.Series(pt_idx).duplicated().to_numpy()
    pt_idx, cell_idx = pt_idx[first], cell_idx[first]
    out = cells.copy()
    out["count"] = np.bincount(cell_idx, minlength=len(cells)).astype(np.int64)
    out["weight"] = np.bincount(cell_idx, w[pt_idx], minlength=len(cells))
    return out


def cell_centres(cells: gpd.GeoDataFrame) -> np.ndarray:
    """``(n, 2)`` centres of the cells' geometries."""
    c = cells.geometry.centroid
    return np.column_stack([c.x.to_numpy(), c.y.to_numpy()])


def spatial_weights(cells: gpd.GeoDataFrame, neighbours: str = "auto", distance: float = 0.0,
                    k: int = MIN_NEIGHBOURS, min_neighbours: int = MIN_NEIGHBOURS):
    """Binary libpysal weights between cell centres and a sentence saying which.

    - ``"auto"``: a distance band sized to the grid, the median over cells of
      the distance to their ``min_neighbours``-th nearest cell (on a hexagon
      grid: the two rings around each cell, 12 neighbours); cells the band
      gives fewer than ``min_neighbours`` (at the edges of the study area)
      take their ``min_neighbours`` nearest instead. Every cell has at least
      ``min_neighbours`` neighbours.
    - ``"distance"``: cells whose centres are within ``distance`` (refused if
      a cell then has none; ``distance`` 0 = ``"auto"``).
    - ``"knn"``: the ``k`` nearest cells.

    Returns ``(w, sentence)``; a cell is not its own neighbour here (Gi* adds it).
    """
    from libpysal import weights
    from scipy.spatial import cKDTree

    if neighbours not in NEIGHBOURS:
        raise HotspotError(f"neighbours must be one of {NEIGHBOURS}")
    coords = cell_centres(cells)
    n = len(coords)
    ids = list(range(n))
    tree = cKDTree(coords)
    if neighbours == "knn":
        if not 0 < k < n:
            raise HotspotError(f"k nearest neighbours needs 0 < k < number of cells ({n})")
        _, idx = tree.query(coords, k=k + 1)
        sets = [[int(j) for j in row if j != i][:k] for i, row in enumerate(idx)]
        how = f"Neighbours: each cell's {k} nearest cells (k nearest neighbours)"
    elif neighbours == "distance" and distance > 0:
        sets = [[j for j in row if j != i] for i, row in enumerate(tree.query_ball_point(coords, distance))]
        lonely = sum(1 for row in sets if not row)
        if lonely:
            raise HotspotError(f"{lonely} cells have no neighbour within {distance:g} map units: "
                               "use a larger distance band")
        how = f"Neighbours: cells whose centres are within {distance / 1000:.4g} km (fixed distance band)"
    else:
        if n <= min_neighbours:
            raise HotspotError(f"only {n} cells: Gi* needs more than {min_neighbours} (use smaller cells)")
        dist, idx = tree.query(coords, k=min_neighbours + 1)
        band = float(np.median(dist[:, -1])) * (1 + 1e-9)
        sets = [[j for j in row if j != i] for i, row in enumerate(tree.query_ball_point(coords, band))]
        topped = 0
        for i, row in enumerate(sets):
            if len(row) < min_neighbours:
                sets[i] = sorted(set(row) | {int(j) for j in idx[i] if j != i})
                topped += 1
        how = (f"Neighbours: cells whose centres are within {band / 1000:.4g} km (the distance within which "
               f"the typical cell has {min_neighbours} neighbours)"
               + (f"; {topped} cells with fewer (at the edges) take their {min_neighbours} nearest cells"
                  if topped else ""))
    counts = np.array([len(row) for row in sets])
    w = weights.W({i: row for i, row in zip(ids, sets)}, silence_warnings=True, ids=ids)
    how += (f". Neighbours per cell: {counts.min()} to {counts.max()} (median {np.median(counts):g}), "
            "plus the cell itself.")
    if neighbours != "auto" and counts.min() < min_neighbours:
        how += (f" {int((counts < min_neighbours).sum())} cells have fewer than {min_neighbours} neighbours: "
                "their results rest on little data.")
    return w, how


def adjust_pvalues(p, correction: str = "fdr_bh") -> np.ndarray:
    """p-values corrected for testing every cell: Benjamini-Hochberg FDR, Bonferroni or none."""
    p = np.asarray(p, dtype=float)
    if correction == "fdr_bh":
        from scipy import stats  # here: scipy.stats takes seconds to import, and select_points needs none of it

        return stats.false_discovery_control(p, method="bh")
    if correction == "bonferroni":
        return np.minimum(1.0, p * len(p))
    if correction == "none":
        return p.copy()
    raise HotspotError(f"correction must be one of {CORRECTIONS}")


def classify(z, p_adjusted, cold_spots: bool = True) -> np.ndarray:
    """``hot 99%`` ... ``cold 90%`` or ``not significant`` from the z sign and
    adjusted p; with ``cold_spots`` False low values are ``not significant``."""
    z, p = np.asarray(z, dtype=float), np.asarray(p_adjusted, dtype=float)
    out = np.full(len(z), NOT_SIGNIFICANT, dtype=object)
    for level, alpha in reversed(LEVELS):  # strictest level written last
        sig = p <= alpha
        out[sig & (z > 0)] = f"hot {level}%"
        if cold_spots:
            out[sig & (z < 0)] = f"cold {level}%"
    return out


def confidence(classes) -> pd.Series:
    """The confidence (99, 95, 90) of each class, missing for ``not significant``."""
    return pd.Series([int(c.split()[1].rstrip("%")) if c != NOT_SIGNIFICANT else pd.NA for c in classes],
                     dtype="Int64")


#: Largest cells x permutations for which the simulated values are kept (tie-aware p-values).
_MAX_SIMULATIONS = 30_000_000


def permutation_pvalues(observed, simulated) -> np.ndarray:
    """Two-sided permutation p-values, ties counted on both sides:
    ``2 * min(P(sim >= obs), P(sim <= obs))`` with the usual ``+1``s, capped at 1.

    esda's folded ``p_sim`` counts ties only on the upper side, so a cell whose
    neighbourhood sum is 0 (the least any permutation can give, and what most
    permutations give in sparse count data) gets the smallest p-value there is
    and looks like a 99 % cold spot. Here it gets p = 1. Where there are no
    ties the two agree (``2 * p_sim``)."""
    obs = np.asarray(observed, dtype=float)[:, None]
    sims = np.asarray(simulated, dtype=float)
    tol = 1e-12 * np.maximum(np.abs(obs), 1e-300)
    n = sims.shape[1]
    high = ((sims >= obs - tol).sum(axis=1) + 1) / (n + 1)
    low = ((sims <= obs + tol).sum(axis=1) + 1) / (n + 1)
    return np.minimum(1.0, 2 * np.minimum(high, low))


def gi_star(cells: gpd.GeoDataFrame, value: str = "weight", neighbours: str = "auto", distance: float = 0.0,
            k: int = MIN_NEIGHBOURS, permutations: int = PERMUTATIONS, seed: int | None = 12345,
            correction: str = "fdr_bh", suppress_below: int = suppression.DEFAULT_THRESHOLD, progress=None,
            cold_spots: bool = False, w=None) -> gpd.GeoDataFrame:
    """Gi* of ``cells[value]`` with the columns of :data:`OUTPUT_COLUMNS` added.

    ``w``: libpysal weights to use (default: :func:`spatial_weights` with
    ``neighbours``, ``distance``, ``k``). ``gi_z`` is esda's analytical
    z-score; ``p_value`` is two-sided: from the permutations with ties counted
    on both sides (:func:`permutation_pvalues`; for more than 30 million
    cells x permutations esda's folded ``p_sim`` doubled) with
    ``permutations`` > 0, else from the normal distribution. ``p_adjusted`` applies ``correction`` over every cell.
    Low values are classed cold only with ``cold_spots``. Cells with
    ``count`` below ``suppress_below`` keep their class; their ``count`` and
    ``weight`` are blanked. ``progress(fraction)`` may raise to cancel.
    """
    from esda.getisord import G_Local

    report = progress or (lambda fraction: None)
    if len(cells) < 3:
        raise HotspotError("Gi* needs at least 3 cells")
    y = cells[value].to_numpy(dtype=float)
    if not (y > 0).any():
        raise HotspotError("every cell has a zero weight: there is nothing to find hotspots in")
    if np.ptp(y) == 0:
        raise HotspotError("every cell has the same value: Gi* is undefined")
    if w is None:
        w, _ = spatial_weights(cells, neighbours, distance, k)
    report(0.2)
    keep = 0 < permutations and len(y) * permutations <= _MAX_SIMULATIONS
    with warnings.catch_warnings():  # esda's notice about a future default; p-values are computed below
        warnings.simplefilter("ignore", DeprecationWarning)
        g = G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed,
                    keep_simulations=keep, n_jobs=1)
    report(0.9)
    if not permutations:
        from scipy import stats

        p = 2 * stats.norm.sf(np.abs(g.Zs))
    elif keep:
        p = permutation_pvalues(g.Gs, g.rGs)
    else:
        p = np.minimum(1.0, 2 * g.p_sim)
    out = cells.copy()
    out["gi_z"] = g.Zs
    out["p_value"] = p
    out["p_adjusted"] = adjust_pvalues(p, correction)
    out["gi_class"] = classify(g.Zs, out["p_adjusted"], cold_spots)
    out["confidence"] = confidence(out["gi_class"]).to_numpy()
    return suppress_counts(out, suppress_below)


def suppress_counts(cells: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Blank ``count`` below ``threshold`` with the shared rule, and blank ``weight``
    in the same rows (a large weight on a small count would reveal it)."""
    out = suppression.suppress(cells, ["count"], threshold, mode=suppression.BLANK)
    blanked = out["count"].isna() & cells["count"].notna()
    out["count"] = out["count"].astype("Int64")
    out["weight"] = out["weight"].astype("Float64").mask(blanked)
    return out


@dataclass
class HotspotResult:
    """Cells with their Gi* results (drawn as the part inside the study area),
    what was done in sentences for the log, and the numbers behind them."""

    cells: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    cell_size: float | None = None
    points_in: int = 0
    points_out: int = 0
    significant: int = 0


def check_enough(points: int, occupied: int, where: str) -> None:
    """Refuse a test that cannot say anything: fewer than :data:`MIN_POINTS`
    points or :data:`MIN_OCCUPIED` occupied cells."""
    if points < MIN_POINTS or occupied < MIN_OCCUPIED:
        raise HotspotError(
            f"Only {points} point(s), in {occupied} cell(s), lie in {where}: too few for a hotspot test to "
            f"say anything (it needs at least {MIN_POINTS} points in at least {MIN_OCCUPIED} cells). Use a "
            "larger study area, loosen the role/category filters, or give smaller hexagons; a map of the "
            "points or of their density says more here.")


def hotspot_analysis(points: gpd.GeoDataFrame, area: StudyArea, weight: str | None = None,
                     zones: gpd.GeoDataFrame | None = None, cell_size: float = 0.0, neighbours: str = "auto",
                     distance: float = 0.0, k: int = MIN_NEIGHBOURS, cold_spots: bool = False,
                     permutations: int = PERMUTATIONS, seed: int | None = 12345, correction: str = "fdr_bh",
                     suppress_below: int = suppression.DEFAULT_THRESHOLD, progress=None) -> HotspotResult:
    """Gi* hot spots of ``points`` (any CRS) over the study area ``area``.

    Cells: ``zones`` (polygons; those touching the study area) or hexagons of
    ``cell_size`` metres (0: :func:`default_cell_size` of the area) over the
    study area only, drawn clipped to it. Only points inside the study area
    are counted. Neighbours, permutations, correction and suppression as in
    :func:`spatial_weights` and :func:`gi_star`. Raises :class:`HotspotError`
    when there is too little to test (:func:`check_enough`).
    """
    report = progress or (lambda fraction: None)
    notes = [area.describe()]
    if points.crs != area.crs:
        points = points.to_crs(area.crs)
    mask = inside(points, area)
    kept = points[mask]
    out_count = int((~mask).sum())
    if out_count:
        notes.append(f"{out_count} of {len(points)} points lie outside {area.name} and are not counted.")
    if zones is not None:
        zones = zones.to_crs(area.crs) if zones.crs != area.crs else zones
        if area.geometry is not None:
            zones = zones[zones.intersects(area.geometry)]
        cells = zones.copy()
        cells["inside"] = cells.geometry.values
        size = None
        what = f"{len(cells)} zones"
    else:
        size = cell_size if cell_size > 0 else default_cell_size(area.area_km2 * 1e6)
        cells = study_hexagons(area, size, points=kept.geometry)
        what = (f"{len(cells)} hexagons {size / 1000:g} km across"
                + (" (the default for this study area)" if not cell_size > 0 else ""))
    report(0.1)
    cells = aggregate(kept, cells, weight)
    occupied = int((cells["count"] > 0).sum())
    counted = int(cells["count"].sum())
    notes.append(f"{what}; {counted} points fall in {occupied} of them.")
    if counted < len(kept):
        notes.append(f"{len(kept) - counted} points inside {area.name} fall in no cell (e.g. outside every zone) "
                     "and are not counted.")
    check_enough(counted, occupied, area.name)
    w, how = spatial_weights(cells, neighbours, distance, k)
    notes.append(how)
    report(0.2)
    result = gi_star(cells, "weight", permutations=permutations, seed=seed, correction=correction,
                     suppress_below=suppress_below, cold_spots=cold_spots, w=w,
                     progress=lambda f: report(0.2 + 0.75 * f))
    result = result.set_geometry(gpd.GeoSeries(result["inside"].values, index=result.index, crs=area.crs))
    result = result.drop(columns=["inside"])
    if result.geometry.name != "geometry":
        result = result.rename_geometry("geometry")
    cls = result["gi_class"].value_counts()
    hot = ", ".join(f"{int(cls.get(f'hot {lvl}%', 0))} at {lvl} %" for lvl, _ in LEVELS)
    test = (f"{permutations} conditional permutations" if permutations else "the normal approximation")
    notes.append(f"Gi* p-values from {test}, corrected with {correction} over all {len(result)} cells. "
                 f"Hot spots: {hot} confidence; {int(cls.get(NOT_SIGNIFICANT, 0))} cells not significant.")
    low = int(((result["gi_z"] < 0) & (result["p_adjusted"] <= LEVELS[-1][1])).sum())
    if cold_spots:
        cold = ", ".join(f"{int(cls.get(f'cold {lvl}%', 0))} at {lvl} %" for lvl, _ in LEVELS)
        notes.append(f"Cold spots (reported on request): {cold}. Caveat: {COLD_CAVEAT}")
    else:
        notes.append("Cold spots are off by default (turn on 'Report cold spots' to see them): " + COLD_CAVEAT
                     + (f" {low} cells with significantly low values are shown as not significant." if low else ""))
    significant = int((result["gi_class"] != NOT_SIGNIFICANT).sum())
    if not (result["gi_class"].str.startswith("hot")).any():
        notes.append(f"No cell is a significant hot spot after the correction: the points fall in {occupied} "
                     "cells, and high counts side by side in so few cells could be chance. A density map shows "
                     "where the reports concentrate without claiming significance.")
    report(1.0)
    return HotspotResult(result, notes, size, counted, out_count, significant)
