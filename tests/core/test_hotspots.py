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
from trafficking_routes.routes_plugin.core import study_area as S


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
    out = H.gi_star(cells, "weight", neighbours="distance", distance=10.5, permutations=0, correction="none",
                    suppress_below=0, cold_spots=True)
    expected = hand_gi_star(cells["weight"], centres, 10.5)
    assert np.allclose(out["gi_z"], expected)
    p = 2 * stats.norm.sf(np.abs(expected))
    assert np.allclose(out["p_value"], p)
    want = np.where(p <= 0.01, "99%", np.where(p <= 0.05, "95%", np.where(p <= 0.10, "90%", "")))
    for cls, z, level in zip(out["gi_class"], expected, want):
        assert cls == (f"{'hot' if z > 0 else 'cold'} {level}" if level else H.NOT_SIGNIFICANT)


def test_permutations_fdr_and_seed(cells):
    a = H.gi_star(cells, "weight", neighbours="distance", distance=10.5, permutations=999, seed=1, suppress_below=0)
    b = H.gi_star(cells, "weight", neighbours="distance", distance=10.5, permutations=999, seed=1, suppress_below=0)
    assert a["p_value"].equals(b["p_value"])
    assert np.allclose(a["p_adjusted"], hand_bh(a["p_value"]))
    assert a.loc[6, "gi_class"].startswith("hot")  # the middle of the corner cluster
    assert (a["p_value"] >= 2 / 1000).all() and (a["p_value"] <= 1).all()


def test_bonferroni_and_bh():
    p = np.array([0.001, 0.01, 0.02, 0.04, 0.3])
    assert np.allclose(H.adjust_pvalues(p, "fdr_bh"), hand_bh(p))
    assert np.allclose(H.adjust_pvalues(p, "bonferroni"), np.minimum(1, p * 5))
    assert np.allclose(H.adjust_pvalues(p, "none"), p)


def test_small_counts_blank_count_and_weight_keep_class(cells):
    cells.loc[3, ["count", "weight"]] = [2, 500.0]  # small count, large weight
    out = H.gi_star(cells, "weight", neighbours="distance", distance=10.5, permutations=0, suppress_below=5)
    small = cells["count"].between(1, 4)
    assert out.loc[small, "count"].isna().all() and out.loc[small, "weight"].isna().all()
    assert out.loc[~small, "count"].notna().all()
    assert out.loc[3, "gi_class"] in H.CLASSES
    kept = H.gi_star(cells, "weight", neighbours="distance", distance=10.5, permutations=0, suppress_below=0)
    assert (out["gi_class"] == kept["gi_class"]).all()


def test_knn_and_automatic_band(cells):
    out = H.gi_star(cells, "count", neighbours="knn", k=4, permutations=0, suppress_below=0)
    assert out["gi_z"].notna().all()
    # automatic: a band of the median distance to the 8th nearest cell; cells with fewer than 8
    # within it take their 8 nearest
    centres = np.column_stack([cells.centroid.x, cells.centroid.y])
    d = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    band = np.median(np.sort(d, axis=1)[:, 8])
    w, how = H.spatial_weights(cells)
    assert f"within {band / 1000:.4g} km" in how and "plus the cell itself" in how
    for i in range(len(cells)):
        within = set(np.flatnonzero((d[i] <= band * (1 + 1e-6)) & (d[i] > 0)))
        if len(within) >= 8:
            assert set(w.neighbors[i]) == within
        else:
            assert len(w.neighbors[i]) >= 8 and within <= set(w.neighbors[i])
    assert min(w.cardinalities.values()) >= H.MIN_NEIGHBOURS
    auto = H.gi_star(cells, "count", permutations=0, suppress_below=0)
    hand = hand_gi_star(cells["count"], centres, band * (1 + 1e-6))
    full = [i for i in range(len(cells)) if len(w.neighbors[i]) == (d[i] <= band * (1 + 1e-6)).sum() - 1]
    assert len(full) >= 16 and np.allclose(auto["gi_z"].to_numpy()[full], hand[full])


def test_errors(cells):
    cells["weight"] = 0.0
    with pytest.raises(H.HotspotError, match="zero"):
        H.gi_star(cells, "weight")
    with pytest.raises(H.HotspotError, match="no neighbour"):
        H.gi_star(square_grid().assign(w=range(36)), "w", neighbours="distance", distance=5.0)


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


# ------------------------------------------------ against esda, computed directly --

def test_worked_example_from_esda_docs():
    """esda's G_Local docstring: six points, a distance band of 15, binary weights, Gi*."""
    points = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    cells = gpd.GeoDataFrame({"weight": [2, 3, 3.2, 5, 8, 7], "count": [1] * 6},
                             geometry=shapely.points(points), crs="EPSG:32737")
    out = H.gi_star(cells, "weight", neighbours="distance", distance=15, permutations=0, suppress_below=0)
    assert np.allclose(out["gi_z"], [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331])


def test_matches_esda_g_local_on_a_hexagon_grid():
    """z-scores and permutation p-values equal esda's G_Local(star=True) run directly on a
    hexagon grid and libpysal weights built here (continuous values: no ties)."""
    from esda.getisord import G_Local
    from libpysal import weights

    grid = H.hexagon_grid((0, 0, 20000, 16000), 1000.0, "EPSG:32737")
    rng = np.random.default_rng(4)
    centres = np.column_stack([grid.centroid.x, grid.centroid.y])
    hot = np.hypot(centres[:, 0] - 6000, centres[:, 1] - 9000) < 2500
    grid["weight"] = rng.gamma(2.0, 1.0, len(grid)) + 6 * hot
    grid["count"] = 10
    w = weights.DistanceBand(centres, threshold=1000.0 * math.sqrt(3) * 1.0001, binary=True)
    theirs = G_Local(grid["weight"].to_numpy(), w, transform="B", star=True, permutations=999, seed=7)
    ours = H.gi_star(grid, "weight", neighbours="distance", distance=1000.0 * math.sqrt(3) * 1.0001,
                     permutations=999, seed=7, suppress_below=0, cold_spots=True)
    assert np.allclose(ours["gi_z"], theirs.Zs)
    assert np.allclose(ours["p_value"], np.minimum(1, 2 * theirs.p_sim))
    assert np.allclose(ours["p_adjusted"], stats.false_discovery_control(np.minimum(1, 2 * theirs.p_sim)))
    assert ours.loc[hot, "gi_class"].str.startswith("hot").mean() > 0.8
    normal = H.gi_star(grid, "weight", neighbours="distance", distance=1000.0 * math.sqrt(3) * 1.0001,
                       permutations=0, suppress_below=0, cold_spots=True)
    assert np.allclose(normal["p_value"], 2 * stats.norm.sf(np.abs(theirs.Zs)))


def test_ties_in_sparse_counts_are_not_cold_spots():
    """A cell whose whole neighbourhood is empty has the least sum any permutation can give;
    esda's folded p_sim calls that p = 1/(permutations + 1), here it is p = 1."""
    from esda.getisord import G_Local

    grid = square_grid(8, 10.0)
    grid["count"] = 0
    grid.loc[[0, 1, 8, 9, 2, 10], "count"] = [40, 30, 35, 25, 20, 22]
    grid["weight"] = grid["count"].astype(float)
    w, _ = H.spatial_weights(grid, "distance", 10.5)
    theirs = G_Local(grid["weight"].to_numpy(), w, transform="B", star=True, permutations=999, seed=1)
    ours = H.gi_star(grid, "weight", w=w, permutations=999, seed=1, suppress_below=0, cold_spots=True)
    far = grid.index[-1]  # the opposite corner: it and its neighbours are empty
    assert theirs.p_sim[far] == pytest.approx(1 / 1000)
    assert ours.loc[far, "p_value"] == 1.0 and ours.loc[far, "gi_class"] == H.NOT_SIGNIFICANT
    assert not ours["gi_class"].str.startswith("cold").any()


# ------------------------------------------------------------- study area --

def kenya_like():
    """A lon/lat polygon the size of a country near the equator, with a bite out of it."""
    outline = shapely.Polygon([(34, -4.5), (41.5, -4.5), (41.5, 4.5), (34, 4.5)])
    return gpd.GeoSeries([outline.difference(shapely.box(39.5, -4.6, 41.6, -1.5))], crs="EPSG:4326")


def clustered_points(n_cluster=150, n_spread=60, seed=3):
    rng = np.random.default_rng(seed)
    lon = np.concatenate([rng.normal(36.8, 0.5, n_cluster), rng.uniform(34.2, 39.2, n_spread), [45.0, 120.0]])
    lat = np.concatenate([rng.normal(-1.3, 0.5, n_cluster), rng.uniform(-4.3, 4.3, n_spread), [2.0, 23.0]])
    return gpd.GeoDataFrame({"cases": rng.integers(1, 6, lon.size).astype(float)},
                            geometry=shapely.points(lon, lat), crs="EPSG:4326")


def test_crs_choice_is_centred_on_the_study_area():
    area = S.from_polygons(kenya_like(), "Testland", "home country")
    centre = S.crs_centre(area.crs)
    assert "equal-area" in area.crs.name and centre == pytest.approx((37.75, 0.0), abs=0.01)
    assert S.choose_crs((36.6, -1.45, 37.1, -1.15)).to_epsg() == 32737  # a county: its UTM zone
    assert S.choose_crs((36.6, 0.5, 37.1, 0.9)).to_epsg() == 32637
    with pytest.raises(S.StudyAreaError):
        S.choose_crs((10, 0, 200, 5))


def test_hotspots_only_inside_the_study_area_hot_only_by_default():
    area = S.from_polygons(kenya_like(), "Testland", "home country")
    result = H.hotspot_analysis(clustered_points(), area, "cases", permutations=999, suppress_below=0)
    cells = result.cells
    assert cells.crs == area.crs
    assert shapely.difference(cells.union_all(), area.geometry.buffer(1.0)).area == pytest.approx(0, abs=1)
    assert result.points_out == 2 and result.points_in == 210
    assert not cells["gi_class"].str.startswith("cold").any()
    assert (cells["gi_class"] == H.NOT_SIGNIFICANT).mean() > 0.8
    nairobi = gpd.GeoSeries([shapely.Point(36.8, -1.3)], crs=4326).to_crs(area.crs).iloc[0]
    hit = cells[cells.contains(nairobi)].iloc[0]
    assert hit["gi_class"].startswith("hot") and hit["confidence"] in (90, 95, 99)
    assert cells.loc[cells["gi_class"] == H.NOT_SIGNIFICANT, "confidence"].isna().all()
    text = " ".join(result.notes)
    assert "2 of 212 points lie outside Testland" in text and "Neighbours per cell: 8 to" in text
    assert "Cold spots are off by default" in text
    # default size: about TARGET_CELLS hexagons, a round number of metres
    assert 0.6 * H.TARGET_CELLS < len(cells) < 1.4 * H.TARGET_CELLS
    assert result.cell_size == H.default_cell_size(area.geometry.area) and result.cell_size % 1000 == 0


def test_cold_spots_on_request_carry_the_caveat():
    area = S.from_polygons(kenya_like(), "Testland", "home country")
    result = H.hotspot_analysis(clustered_points(), area, None, cold_spots=True, permutations=999,
                                cell_size=60000, suppress_below=0)
    assert H.COLD_CAVEAT in " ".join(result.notes)
    assert set(result.cells["gi_class"]) <= set(H.CLASSES)


def test_too_few_points_or_cells_is_refused():
    area = S.from_polygons(kenya_like(), "Testland", "home country")
    with pytest.raises(H.HotspotError, match="too few .* at least 30 points in at least 10 cells"):
        H.hotspot_analysis(clustered_points(20, 5), area, None)
    one_place = gpd.GeoDataFrame(geometry=[shapely.Point(36.8, -1.3)] * 50, crs=4326)
    with pytest.raises(H.HotspotError, match="Only 50 point.*in 1 cell"):
        H.hotspot_analysis(one_place, area, None)


def test_land_cut_and_local_rule():
    land = gpd.GeoSeries([shapely.box(30, -10, 39, 10)], crs=4326)  # the "sea" east of 39 E
    area = S.from_polygons(kenya_like(), "Testland", "chapter regions", land=land)
    x0, _, x1, _ = gpd.GeoSeries([area.geometry], crs=area.crs).to_crs(4326).total_bounds
    assert x0 == pytest.approx(34) and x1 == pytest.approx(39)
    assert S.is_local((36.5, -1.5, 37.2, -1.0), (34, -4.5, 41.5, 4.5))
    assert not S.is_local((36.5, -1.5, 113.2, 23.0), (34, -4.5, 41.5, 4.5))


def test_points_just_off_a_coarse_outline_count():
    """World-map outlines cut off coastal towns (Mombasa lies 2 km outside Natural Earth's Kenya):
    points within the study area's tolerance count, cells are still drawn inside the area."""
    area = S.from_polygons(kenya_like(), "Testland", "home country")
    east = gpd.GeoSeries([shapely.Point(41.5, 2.0), shapely.Point(41.5, 1.0)], crs=4326).to_crs(area.crs)
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(east.iloc[0].x + 2000, east.iloc[0].y),
                                     shapely.Point(east.iloc[1].x + 9000, east.iloc[1].y)], crs=area.crs)
    assert S.inside(pts, area).tolist() == [True, False]
