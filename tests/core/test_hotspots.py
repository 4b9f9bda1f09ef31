"""Gi* hotspots core against hand calculations on small grids."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from trafficking_routes.routes_plugin.core import hotspots as H


def square_grid(n=6, size=10.0):
    boxes = [shapely.box(c * size, r * size, (c + 1) * size, (r + 1) * size) for r in range(n) for c in range(n)]
    return gpd.GeoDataFrame({"zone": [f"z{i}" for i in range(n * n)]}, geometry=boxes, crs="EPSG:32737")


def hand_gi_star(values, centres, band):
    """Getis & Ord (1995) Gi* with binary weights (self included)."""
    x = np.asarray(values, float)
    n = len(x)
    mean, s = x.mean(), math.sqrt((x ** 2).mean() - x.mean() ** 2)
    d = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    w = (d <= band).astype(float)
    wi = w.sum(axis=1)
    return (w @ x - mean * wi) / (s * np.sqrt((n * wi - wi ** 2) / (n - 1)))


def hand_bh(p):
    p = np.asarray(p, float)
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1)
    return out


@pytest.fixture
def cells():
    rng = np.random.default_rng(11)
    grid = square_grid()
    grid["count"] = rng.integers(0, 4, len(grid))
    hot = [0, 1, 6, 7, 12]  # a corner cluster
    grid.loc[hot, "count"] = [30, 25, 28, 22, 20]
    grid["weight"] = grid["count"] * 2.0
    return grid


def test_gi_star_matches_hand_formula(cells):
    centres = np.column_stack([cells.centroid.x, cells.centroid.y])
    out = H.gi_star(cells, "weight", distance=10.5, permutations=0, correction="none", suppress_below=0)
    expected = hand_gi_star(cells["weight"], centres, 10.5)
    assert np.allclose(out["gi_z"], expected)
    p = 2 * stats.norm.sf(np.abs(expected))
    assert np.allclose(out["p_value"], p)
    want = np.where(p <= 0.01, "99%", np.where(p <= 0.05, "95%", np.where(p <= 0.10, "90%", "")))
    for cls, z, level in zip(out["gi_class"], expected, want):
        assert cls == (f"{'hot' if z > 0 else 'cold'} {level}" if level else H.NOT_SIGNIFICANT)


def test_permutations_fdr_and_seed(cells):
    a = H.gi_star(cells, "weight", distance=10.5, permutations=199, seed=1, suppress_below=0)
    b = H.gi_star(cells, "weight", distance=10.5, permutations=199, seed=1, suppress_below=0)
    assert a["p_value"].equals(b["p_value"])
    assert np.allclose(a["p_adjusted"], hand_bh(a["p_value"]))
    assert a.loc[0, "gi_class"].startswith("hot")
    assert (a["p_value"] >= 1 / 200).all() and (a["p_value"] <= 1).all()


def test_bonferroni_and_bh():
    p = np.array([0.001, 0.01, 0.02, 0.04, 0.3])
    assert np.allclose(H.adjust_pvalues(p, "fdr_bh"), hand_bh(p))
    assert np.allclose(H.adjust_pvalues(p, "bonferroni"), np.minimum(1, p * 5))
    assert np.allclose(H.adjust_pvalues(p, "none"), p)


def test_small_counts_blank_count_and_weight_keep_class(cells):
    cells.loc[3, ["count", "weight"]] = [2, 500.0]  # small count, large weight
    out = H.gi_star(cells, "weight", distance=10.5, permutations=0, suppress_below=5)
    small = cells["count"].between(1, 4)
    assert out.loc[small, "count"].isna().all() and out.loc[small, "weight"].isna().all()
    assert out.loc[~small, "count"].notna().all()
    assert out.loc[3, "gi_class"] in H.CLASSES
    kept = H.gi_star(cells, "weight", distance=10.5, permutations=0, suppress_below=0)
    assert (out["gi_class"] == kept["gi_class"]).all()


def test_knn_and_automatic_band(cells):
    out = H.gi_star(cells, "count", neighbours="knn", k=4, permutations=0, suppress_below=0)
    assert out["gi_z"].notna().all()
    auto = H.gi_star(cells, "count", permutations=0, suppress_below=0)
    centres = np.column_stack([cells.centroid.x, cells.centroid.y])
    assert np.allclose(auto["gi_z"], hand_gi_star(cells["count"], centres, 10.0 + 1e-6))


def test_errors(cells):
    cells["weight"] = 0.0
    with pytest.raises(H.HotspotError, match="zero"):
        H.gi_star(cells, "weight")
    with pytest.raises(H.HotspotError, match="no neighbour"):
        H.gi_star(square_grid().assign(w=range(36)), "w", distance=5.0)


def test_hexagon_grid_covers_and_spaces():
    grid = H.hexagon_grid((0, 0, 1000, 600), 100.0, "EPSG:32737")
    assert shapely.box(0, 0, 1000, 600).difference(grid.union_all()).area < 1e-6
    assert np.allclose(grid.area, math.sqrt(3) / 2 * 100.0 ** 2)
    c = np.column_stack([grid.centroid.x, grid.centroid.y])
    d = np.hypot(*(c[:, None] - c[None]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert np.allclose(d.min(axis=1), 100.0)
    assert grid["cell_id"].is_unique


def test_aggregate_counts_and_weights():
    zones = square_grid(3, 10.0)
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 30, (200, 2))
    pts = gpd.GeoDataFrame({"cases": rng.integers(1, 5, 200).astype(float)},
                           geometry=shapely.points(xy), crs="EPSG:32737")
    pts.loc[0, "cases"] = np.nan
    out = H.aggregate(pts, zones, "cases")
    cell = (xy[:, 1] // 10) * 3 + xy[:, 0] // 10
    assert out["count"].tolist() == np.bincount(cell.astype(int), minlength=9).tolist()
    assert np.allclose(out["weight"], np.bincount(cell.astype(int), pts["cases"].fillna(0), minlength=9))


def test_select_points():
    frame = pd.DataFrame({"role": ["origin", "Transit", "destination", None],
                          "transport_modes": ["bus; air", "air", "bus", "bus"]})
    assert H.select_points(frame, ["transit", "origin"]).index.tolist() == [0, 1]
    assert H.select_points(frame, [], "transport_modes", "BUS").index.tolist() == [0, 2, 3]
    assert H.select_points(frame, ["origin"], "transport_modes", "air").index.tolist() == [0]
    with pytest.raises(H.HotspotError):
        H.select_points(frame, [], "industry", "x")
