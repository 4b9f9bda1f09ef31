"""Flows checked against totals computed independently with plain loops."""
from __future__ import annotations

import random
from collections import Counter, defaultdict

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from trafficking_routes.routes_plugin.core import flows as F
from trafficking_routes.routes_plugin.core.suppression import OTHER_LABEL, check_no_small_counts

# key: (place, county, region, country, lon, lat)
PLACES = {
    "gn:nbo": ("Nairobi", "Nairobi", "Nairobi", "KEN", 36.82, -1.29),
    "gn:msa": ("Mombasa", "Mombasa", "Coast", "KEN", 39.67, -4.04),
    "gn:bus": ("Busia", "Busia", "Western", "KEN", 34.11, 0.46),
    "gn:kis": ("Kisumu", "Kisumu", "Nyanza", "KEN", 34.76, -0.09),
    "gn:mal": ("Malaba", "Busia", "Western", "KEN", 34.28, 0.64),
    "gn:kla": ("Kampala", "", "Central", "UGA", 32.58, 0.35),
    "gn:dar": ("Dar es Salaam", "", "Dar-Es-Salaam", "TZA", 39.27, -6.82),
    "gn:add": ("Addis Ababa", "", "Addis Ababa", "ETH", 38.75, 9.03),
    "gn:dxb": ("Dubai", "", "Dubay", "ARE", 55.27, 25.2),
    "country:SAU": ("Saudi Arabia", "", "", "SAU", 45.0, 24.0),
}
MODES = ["road", "air", "sea", "rail"]
SIDE = ("place", "county", "region", "country")


def make_routes(n=300, seed=7):
    rng = random.Random(seed)
    keys = list(PLACES)
    routes = []
    for i in range(n):
        stops = [rng.choice(keys) for _ in range(rng.randint(2, 4))]
        roles = ["origin"] + ["transit"] * (len(stops) - 2) + [rng.choice(["exploitation", "destination"])]
        low = rng.choice([None, 1, 2, 3, 10])
        high = None if low is None or rng.random() < 0.2 else low + rng.randint(0, 3)
        modes = "; ".join(rng.sample(MODES, rng.randint(0, 2)))
        routes.append(dict(route_id=f"r{i}", source_row=i + 2, stops=stops, roles=roles, cases_low=low,
                           cases_high=high, transport_modes=modes or None, year=rng.choice([2020, 2021, None])))
    return routes


def legs_frame(routes):
    rows = []
    for r in routes:
        seq = 0
        for i, (a, b) in enumerate(zip(r["stops"], r["stops"][1:])):
            if a == b:  # the loader writes no same-place legs
                continue
            pa, pb = PLACES[a], PLACES[b]
            row = dict(route_id=r["route_id"], source_row=r["source_row"], leg_seq=seq, from_seq=i, to_seq=i + 1,
                       from_role=r["roles"][i], to_role=r["roles"][i + 1], from_key=a, to_key=b,
                       cases_low=r["cases_low"], cases_high=r["cases_high"], transport_modes=r["transport_modes"],
                       year=r["year"], geometry=shapely.LineString([pa[4:], pb[4:]]))
            for j, f in enumerate(SIDE):
                row["from_" + f], row["to_" + f] = pa[j], pb[j]
            row["crosses_border"] = pa[3] != pb[3]
            rows.append(row)
            seq += 1
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def final_index(r):
    for role in ("exploitation", "destination"):
        if role in r["roles"]:
            return len(r["roles"]) - 1 - r["roles"][::-1].index(role)
    return len(r["stops"]) - 1


def lines_frame(routes):
    rows = []
    for r in routes:
        o, f = r["stops"][0], r["stops"][final_index(r)]
        row = dict(route_id=r["route_id"], source_row=r["source_row"], cases_low=r["cases_low"],
                   cases_high=r["cases_high"], transport_modes=r["transport_modes"], year=r["year"],
                   geometry=shapely.LineString([PLACES[k][4:] for k in r["stops"]]))
        for prefix, k in (("origin_", o), ("final_", f)):
            row[prefix + "key"] = k
            for j, fld in enumerate(SIDE):
                row[prefix + fld] = PLACES[k][j]
            row[prefix + "lon"], row[prefix + "lat"] = PLACES[k][4], PLACES[k][5]
        rows.append(row)
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


ROUTES = make_routes()


def expected(pairs_by_route, routes, directed=True, border_only=False):
    """Independent flow totals: {(a, b): (routes, legs, low, high)} from
    ``pairs_by_route`` = {route_id: [(a, b, country_a, country_b), ...]}."""
    by_id = {r["route_id"]: r for r in routes}
    members, legs = defaultdict(set), Counter()
    for rid, pairs in pairs_by_route.items():
        for a, b, ca, cb in pairs:
            if a == b or (border_only and ca == cb):
                continue
            key = (a, b) if directed else tuple(sorted((a, b)))
            members[key].add(rid)
            legs[key] += 1
    out = {}
    for key, rids in members.items():
        lows = [by_id[r]["cases_low"] for r in rids if by_id[r]["cases_low"] is not None]
        highs = [by_id[r]["cases_high"] for r in rids]
        out[key] = (len(rids), legs[key], sum(lows) if lows else None,
                    None if any(h is None for h in highs) else sum(highs))
    return out


def node_of(key, level):
    place, county, region, country = PLACES[key][:4]
    if level == "place":
        return key
    if level == "county" and county:
        return f"county:{country}:{county}"
    if level in ("county", "region") and region:
        return f"adm1:{country}:{region}"
    return f"country:{country}"


def leg_pairs(routes, level):
    out = defaultdict(list)
    for r in routes:
        for a, b in zip(r["stops"], r["stops"][1:]):
            if a != b:
                out[r["route_id"]].append((node_of(a, level), node_of(b, level), PLACES[a][3], PLACES[b][3]))
    return out


def journey_pairs(routes, level):
    out = defaultdict(list)
    for r in routes:
        a, b = r["stops"][0], r["stops"][final_index(r)]
        if a != b:
            out[r["route_id"]].append((node_of(a, level), node_of(b, level), PLACES[a][3], PLACES[b][3]))
    return out


def observed(flows):
    def val(v):
        return None if pd.isna(v) else int(v)
    return {(r.origin_id, r.destination_id): (int(r.routes), int(getattr(r, "legs", r.routes)),
                                              val(r.cases_low), val(r.cases_high))
            for r in flows.itertuples()}


@pytest.mark.parametrize("level", F.LEVELS)
def test_journeys_from_lines_match_independent_totals(level):
    res = F.aggregate_flows(lines_frame(ROUTES), level, "journey", threshold=0, node_position="points")
    exp = {k: (v[0], v[0], v[2], v[3]) for k, v in expected(journey_pairs(ROUTES, level), ROUTES).items()}
    assert observed(res.flows) == exp


@pytest.mark.parametrize("level", F.LEVELS)
def test_legs_match_independent_totals(level):
    res = F.aggregate_flows(legs_frame(ROUTES), level, "legs", threshold=0, node_position="points")
    assert observed(res.flows) == expected(leg_pairs(ROUTES, level), ROUTES)


def test_journeys_from_legs_equal_journeys_from_lines():
    # routes whose stops are all one place have no legs; compare the rest
    with_legs = [r for r in ROUTES if len(set(r["stops"])) > 1]
    a = F.aggregate_flows(legs_frame(with_legs), "region", "journey", threshold=0, node_position="points")
    b = F.aggregate_flows(lines_frame(with_legs), "region", "journey", threshold=0, node_position="points")
    assert observed(a.flows) == observed(b.flows)


def test_undirected_and_border_only(world_map):
    res = F.aggregate_flows(legs_frame(ROUTES), "country", "legs", directed=False, border_only=True, threshold=0,
                            world_map=world_map)
    exp = expected(leg_pairs(ROUTES, "country"), ROUTES, directed=False, border_only=True)
    assert observed(res.flows) == exp
    assert res.flows["crosses_border"].all()
    assert all(a < b for a, b in exp)  # each unordered pair once


def test_breakdown_counts_as_columns_and_long_table(world_map):
    res = F.aggregate_flows(lines_frame(ROUTES), "country", "journey", breakdown=["transport_modes", "year"],
                            threshold=0, world_map=world_map)
    counts = Counter()
    for r in ROUTES:
        a, b = r["stops"][0], r["stops"][final_index(r)]
        if a == b or node_of(a, "country") == node_of(b, "country"):
            continue
        pair = (node_of(a, "country"), node_of(b, "country"))
        for m in (r["transport_modes"] or "").split("; "):
            if m:
                counts[pair + ("transport_modes", m)] += 1
        if r["year"] is not None:
            counts[pair + ("year", str(r["year"]))] += 1
    ids = res.flows.set_index("flow_id")[["origin_id", "destination_id"]]
    long = {(ids.loc[r.flow_id, "origin_id"], ids.loc[r.flow_id, "destination_id"], r.field, r.category): int(r.routes)
            for r in res.long.itertuples()}
    assert long == dict(counts)
    wide = {(r["origin_id"], r["destination_id"], f, c): int(r[f"{f}_{c}"])
            for _, r in res.flows.iterrows() for f, c in {k[2:] for k in counts} if r[f"{f}_{c}"] > 0}
    assert wide == dict(counts)
    top = res.flows.set_index(["origin_id", "destination_id"])["transport_modes_top"]
    for (a, b), value in top.items():
        per = {k[3]: v for k, v in counts.items() if k[:3] == (a, b, "transport_modes")}
        assert (pd.isna(value) and not per) or per[value] == max(per.values())


@pytest.mark.parametrize("mode", ["drop", "merge"])
def test_suppression_leaves_no_small_count(mode):
    res = F.aggregate_flows(legs_frame(ROUTES), "place", "legs", breakdown=["transport_modes"], threshold=5,
                            suppress_mode=mode)
    raw = expected(leg_pairs(ROUTES, "place"), ROUTES)
    counted = [c for c in res.flows.columns if c in ("routes", "legs", "cases_low", "cases_high")
               or c.startswith("transport_modes_") and c != "transport_modes_top"]
    assert check_no_small_counts(res.flows, counted, 5) == []
    assert check_no_small_counts(res.long, ["routes", "cases_low", "cases_high"], 5) == []
    assert check_no_small_counts(res.nodes, ["routes", "cases_low", "cases_high", "routes_out", "routes_in",
                                             "routes_through", "routes_internal"], 5) == []
    kept = res.flows[res.flows["origin"] != OTHER_LABEL]
    published = {(r.origin_id, r.destination_id) for r in kept.itertuples()}
    big = {k for k, v in raw.items() if v[0] >= 5}
    # every small flow is withheld; the complements are node margins (blank), so the large flows stay
    assert published <= big
    flows_entry, nodes_entry = res.disclosure[:2]
    assert flows_entry["primary"] == sum(v[0] < 5 for v in raw.values())
    assert flows_entry["complementary"] == len(big - published)
    assert nodes_entry["complementary"] > 0
    assert res.nodes[["routes_out", "routes_in"]].isna().any().any()
    other = res.flows[res.flows["origin"] == OTHER_LABEL]
    withheld = sum(v[0] for k, v in raw.items() if k not in published)
    assert (len(other) == 1 and other["routes"].iloc[0] == withheld and other.geometry.iloc[0] is None) \
        if mode == "merge" else other.empty


def test_nodes_in_out_through_internal(world_map):
    res = F.aggregate_flows(legs_frame(ROUTES), "country", "legs", threshold=0, world_map=world_map)
    out, inn, through, internal, touch = (defaultdict(set) for _ in range(5))
    for r in ROUTES:
        stops = [k for i, k in enumerate(r["stops"]) if i == 0 or k != r["stops"][i - 1]]
        if len(stops) < 2:
            continue
        nodes = [node_of(k, "country") for k in stops]
        for n in nodes:
            touch[n].add(r["route_id"])
        for a, b in zip(nodes, nodes[1:]):
            (internal[a] if a == b else out[a]).add(r["route_id"])
            if a != b:
                inn[b].add(r["route_id"])
        collapsed = [n for i, n in enumerate(nodes) if i == 0 or n != nodes[i - 1]]
        for n in collapsed[1:-1]:
            through[n].add(r["route_id"])
    nodes = res.nodes.set_index("node_id")
    for col, exp in (("routes", touch), ("routes_out", out), ("routes_in", inn), ("routes_through", through),
                     ("routes_internal", internal)):
        assert nodes[col].to_dict() == {n: len(exp.get(n, ())) for n in nodes.index}, col


def test_county_level_falls_back_outside_kenya():
    res = F.aggregate_flows(legs_frame(ROUTES), "county", "legs", threshold=0, node_position="points")
    levels = res.nodes.set_index("node_id")["level"]
    assert levels["adm1:UGA:Central"] == "region" and levels["county:KEN:Busia"] == "county"
    assert levels["country:SAU"] == "country"


def test_bad_input_is_reported_or_refused(world_map):
    legs = legs_frame(ROUTES[:40])
    legs.loc[0, "to_country"] = None                               # missing end
    legs.loc[1, "from_key"] = legs.loc[1, "to_key"]                # zero-length
    legs.loc[2, "geometry"] = None                                 # no coordinates
    res = F.aggregate_flows(legs, "country", "legs", threshold=0, world_map=world_map)
    assert dict(Counter(res.skipped["reason"])) == {F.MISSING_DESTINATION: 1, F.ZERO_LENGTH: 1, F.MISSING_ORIGIN: 1}
    assert res.report["skipped"] == dict(Counter(res.skipped["reason"]))
    used = res.flows["legs"].sum() + res.report["internal_rows"]
    assert used + len(res.skipped) == len(legs)
    with pytest.raises(ValueError, match="recruitment_methods"):
        F.aggregate_flows(legs, "country", breakdown=["recruitment_methods"], world_map=world_map)
    with pytest.raises(ValueError, match="route_legs"):
        F.aggregate_flows(lines_frame(ROUTES), "country", "legs", world_map=world_map)
    polys = gpd.GeoDataFrame({"code": ["KEN"]}, geometry=[shapely.box(33, -5, 42, 5)], crs="EPSG:4326")
    with pytest.raises(ValueError, match="iso"):
        F.aggregate_flows(legs, "country", polygons=polys, polygon_id="iso")
    res = F.aggregate_flows(legs, "country", polygons=polys, polygon_id="code", threshold=0)
    ken = res.nodes.set_index("node_id").loc["country:KEN"]
    assert ken["position"] == "polygon" and ken.geometry.equals(shapely.Point(37.5, 0))


def test_curved_arcs_keep_opposite_flows_apart():
    a, b = (36.82, -1.29), (32.58, 0.35)
    there, back = F.flow_lines([a[0], b[0]], [a[1], b[1]], [b[0], a[0]], [b[1], a[1]], "curved", 0.2)
    assert there.hausdorff_distance(back) > 0.5
    assert shapely.get_coordinates(there)[0].tolist() == list(a)
    assert np.allclose(shapely.get_coordinates(there)[-1], b)


@pytest.mark.parametrize("kind", F.GEOMETRIES)
def test_lines_take_the_short_way_across_the_antimeridian(kind):
    (line,) = F.flow_lines([178.4], [-18.1], [-171.8], [-13.8], kind)   # Suva → Apia
    xy = shapely.get_coordinates(line)
    assert xy[0, 0] == pytest.approx(178.4) and xy[-1, 0] == pytest.approx(188.2)
    assert np.all(np.abs(np.diff(xy[:, 0])) < 20)  # never the long way (350°)


def test_mean_positions_across_the_antimeridian():
    pos = F.mean_positions(["fj", "fj"], [179.0, -179.0], [-17.0, -17.0])
    assert abs(pos.loc["fj", "x"]) == pytest.approx(180.0) and pos.loc["fj", "y"] == pytest.approx(-17.0, abs=0.01)
