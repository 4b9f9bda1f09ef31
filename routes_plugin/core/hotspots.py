"""Hotspot significance: Getis-Ord Gi* on a hexagon grid or on given polygons.

Points (optionally weighted) are counted into cells; Gi* is computed with
esda on distance-band or k-nearest-neighbour weights between cell centroids,
with conditional-permutation p-values; p-values are corrected for multiple
testing (Benjamini-Hochberg FDR by default) and each cell is classed hot or
cold at 90/95/99 % or not significant. Counts go through the shared
small-count rule (:mod:`.suppression`). No QGIS here.
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from . import suppression
from .errors import RoutesError
from .categories import split_cell

ROLES = ("origin", "transit", "destination", "exploitation")
CORRECTIONS = ("fdr_bh", "none", "bonferroni")
NEIGHBOURS = ("distance", "knn")
NOT_SIGNIFICANT = "not significant"
#: (confidence label, largest adjusted two-sided p) from the strictest level down.
LEVELS = ((99, 0.01), (95, 0.05), (90, 0.10))
CLASSES = tuple(f"{side} {level}%" for side in ("hot", "cold") for level, _ in LEVELS) + (NOT_SIGNIFICANT,)
OUTPUT_COLUMNS = ("count", "weight", "gi_z", "p_value", "p_adjusted", "gi_class")


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


def spatial_weights(cells: gpd.GeoDataFrame, neighbours: str = "distance", distance: float = 0.0, k: int = 8):
    """Binary libpysal weights between cell centroids: a distance band
    (``distance`` 0 = the smallest band that gives every cell a neighbour) or
    ``k`` nearest neighbours."""
    from libpysal import weights

    coords = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    if neighbours == "knn":
        if not 0 < k < len(cells):
            raise HotspotError(f"k nearest neighbours needs 0 < k < number of cells ({len(cells)})")
        return weights.KNN(coords, k=k, silence_warnings=True)
    if neighbours != "distance":
        raise HotspotError(f"neighbours must be one of {NEIGHBOURS}")
    band = distance if distance > 0 else weights.min_threshold_distance(coords) * (1 + 1e-9)
    w = weights.DistanceBand(coords, threshold=band, binary=True, silence_warnings=True)
    if w.islands:
        raise HotspotError(f"{len(w.islands)} cells have no neighbour within {band:g} map units: use a larger distance band")
    return w


def adjust_pvalues(p, correction: str = "fdr_bh") -> np.ndarray:
    """p-values corrected for testing every cell: Benjamini-Hochberg FDR, Bonferroni or none."""
    p = np.asarray(p, dtype=float)
    if correction == "fdr_bh":
        return stats.false_discovery_control(p, method="bh")
    if correction == "bonferroni":
        return np.minimum(1.0, p * len(p))
    if correction == "none":
        return p.copy()
    raise HotspotError(f"correction must be one of {CORRECTIONS}")


def classify(z, p_adjusted) -> np.ndarray:
    """``hot 99%`` ... ``cold 90%`` or ``not significant`` from the z sign and adjusted p."""
    z, p = np.asarray(z, dtype=float), np.asarray(p_adjusted, dtype=float)
    out = np.full(len(z), NOT_SIGNIFICANT, dtype=object)
    for level, alpha in reversed(LEVELS):  # strictest level written last
        sig = p <= alpha
        out[sig & (z > 0)] = f"hot {level}%"
        out[sig & (z < 0)] = f"cold {level}%"
    return out


def gi_star(cells: gpd.GeoDataFrame, value: str = "weight", neighbours: str = "distance", distance: float = 0.0,
            k: int = 8, permutations: int = 999, seed: int | None = 12345, correction: str = "fdr_bh",
            suppress_below: int = suppression.DEFAULT_THRESHOLD, progress=None) -> gpd.GeoDataFrame:
    """Gi* of ``cells[value]`` with the columns of :data:`OUTPUT_COLUMNS` added.

    ``gi_z`` is esda's analytical z-score; ``p_value`` is two-sided: twice the
    folded permutation p-value (capped at 1) with ``permutations`` > 0, else
    from the normal distribution. ``p_adjusted`` applies ``correction``. Cells
    with ``count`` below ``suppress_below`` keep their class; their ``count``
    and ``weight`` are blanked. ``progress(fraction)`` may raise to cancel.
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
    w = spatial_weights(cells, neighbours, distance, k)
    report(0.2)
    g = G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed,
                keep_simulations=False, n_jobs=1)
    report(0.9)
    p = np.minimum(1.0, 2 * g.p_sim) if permutations else 2 * stats.norm.sf(np.abs(g.Zs))
    out = cells.copy()
    out["gi_z"] = g.Zs
    out["p_value"] = p
    out["p_adjusted"] = adjust_pvalues(p, correction)
    out["gi_class"] = classify(g.Zs, out["p_adjusted"])
    return suppress_counts(out, suppress_below)


def suppress_counts(cells: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Blank ``count`` below ``threshold`` with the shared rule, and blank ``weight``
    in the same rows (a large weight on a small count would reveal it)."""
    out = suppression.suppress(cells, ["count"], threshold, mode=suppression.BLANK)
    blanked = out["count"].isna() & cells["count"].notna()
    out["count"] = out["count"].astype("Int64")
    out["weight"] = out["weight"].astype("Float64").mask(blanked)
    return out
