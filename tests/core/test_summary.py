"""The regional summary against an independent count from route_points (plain loops)."""
from __future__ import annotations

import random
from collections import Counter, defaultdict

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from trafficking_routes.routes_plugin.core import categories as cat
from trafficking_routes.routes_plugin.core import summary as sm
from trafficking_routes.routes_plugin.core.suppression import check_no_small_counts

REGIONS = ["Coast", "Rift Valley", "Eastern", "Western", "Nairobi", "Central", "North-Eastern", "Nyanza"]
FOREIGN = [("UGA", "Uganda", "Kampala"), ("SAU", "Saudi Arabia", "Riyadh"), ("TZA", "Tanzania", "Arusha"),
           ("QAT", "Qatar", "Doha"), ("SSD", "South Sudan", "Juba")]
AIRLINES = ["Kenya Airways", "Qatar Airways", "Ethiopian Airlines"]


def _pick(rng, field, k_max=2):
    codes = list(cat.VOCABULARIES[field]) if field in cat.VOCABULARIES else AIRLINES
    return cat.join(rng.sample(codes, rng.randint(0, k_max)))


def make_points(n_routes=300, seed=1, empty_region="North-Eastern") -> pd.DataFrame:
    """Random route_points; ``empty_region`` never has a stop. Each stop gets a
    point at (region index, stop number) so polygon tests can place it."""
    rng = random.Random(seed)
    rows = []
    regions = [r for r in REGIONS if r != empty_region]
    for i in range(n_routes):
        rid = f"r{i}"
        low = rng.choice([None, 1, 2, 5, 10, 20])
        high = None if low is None or rng.random() < 0.2 else low + rng.choice([0, 5])
        attrs = dict(route_id=rid, cases_low=low, cases_high=high,
                     transport_modes=_pick(rng, "transport_modes"), airlines=_pick(rng, "airlines"),
                     recruitment_methods=_pick(rng, "recruitment_methods", 1),
                     exploitation_types=_pick(rng, "exploitation_types"))
        stops = [("origin", rng.choice(regions) if rng.random() < 0.8 else None)]
        stops += [("transit", rng.choice(regions + [None])) for _ in range(rng.randint(0, 2))]
        stops += [("destination", rng.choice(regions + [None, None]))]
        if rng.random() < 0.5:
            stops += [("exploitation", rng.choice(regions + [None]))]
        for seq, (role, region) in enumerate(stops):
            if region is None:
                iso, cname, place = rng.choice(FOREIGN)
            else:
                iso, cname, place = "KEN", "Kenya", f"{region} town {rng.randint(0, 3)}"
            rows.append(dict(attrs, seq=seq, role=role, place=place, place_key=f"user:{place}", region=region or "",
                             country=iso, country_name=cname,
                             x=(REGIONS.index(region) if region else -5) + rng.uniform(0.1, 0.9), y=rng.uniform(0.1, 0.9)))
    df = pd.DataFrame(rows)
    df["cases_low"] = df["cases_low"].astype("Int64")
    df["cases_high"] = df["cases_high"].astype("Int64")
    return gpd.GeoDataFrame(df, geometry=shapely.points(df["x"], df["y"]), crs="EPSG:4326")


# --------------------------------------------------------------- independent ---

def _sum_cases(routes, rids):
    lows = [routes[r]["cases_low"] for r in rids if pd.notna(routes[r]["cases_low"])]
    highs = [routes[r]["cases_high"] for r in rids]
    return (sum(lows) if lows else None), (None if any(pd.isna(h) for h in highs) or not highs else sum(highs))


def _small(v, t):
    return v is not None and not pd.isna(v) and 0 < v < t


def expected(points, region_of, national, t):
    """Per region: {kind: (routes, low, high)}, share, risk, top lists (suppressed by t)."""
    routes = {r["route_id"]: r for r in points.to_dict("records")}
    sets = defaultdict(lambda: defaultdict(set))
    for p, reg in zip(points.to_dict("records"), region_of):
        if reg is None:
            continue
        sets[reg]["any"].add(p["route_id"])
        sets[reg][{"origin": "origin", "transit": "transit"}.get(p["role"], "end")].add(p["route_id"])
    nat_low, _ = _sum_cases(routes, national)
    dest = defaultdict(set)
    for p in points.to_dict("records"):
        if p["role"] in ("destination", "exploitation"):
            dest[p["route_id"]].add(p["country_name"])
    out = {}
    for reg, kinds in sets.items():
        e = {}
        for k in sm.KINDS:
            n = len(kinds[k])
            low, high = _sum_cases(routes, kinds[k]) if n else (None, None)
            if _small(n, t):
                n, low, high = None, None, None
            e[k] = (n, None if _small(low, t) else low, None if _small(high, t) else high)
        n_any = len(kinds["any"])
        low_any = _sum_cases(routes, kinds["any"])[0] or 0
        share = 100 * n_any / len(national)
        risk = 100 * (n_any / len(national) + low_any / nat_low) / 2
        e["share"], e["risk"] = (None, None) if _small(n_any, t) else (share, risk)
        # top destination countries among routes touching the region
        c = Counter()
        for rid in kinds["any"]:
            c.update(dest[rid])
        e["dest"] = {k: v for k, v in c.items() if v >= t}
        m = Counter()
        for rid in kinds["any"]:
            m.update(x for x in str(routes[rid]["transport_modes"]).split("; ") if x)
        e["modes"] = {k: (None if _small(v, t) else v) for k, v in m.items()}
        out[reg] = e
    return out


def _val(v):
    return None if pd.isna(v) else v


# --------------------------------------------------------------- tests ---

@pytest.mark.parametrize("threshold", [0, 5, 12])
def test_region_counts_match_loops(threshold):
    pts = make_points()
    s = sm.regional_summary(pts, names=REGIONS, threshold=threshold)
    region_of = [r["region"] if r["country"] == "KEN" and r["region"] else None for r in pts.to_dict("records")]
    national = {r["route_id"] for r in pts.to_dict("records") if r["country"] == "KEN"}
    exp = expected(pts, region_of, national, threshold)
    table = s.regions.set_index("region")
    assert list(table.index) == REGIONS
    assert s.national["routes"] == len(national)
    for reg, e in exp.items():
        row = table.loc[reg]
        for k in sm.KINDS:
            assert (_val(row[f"routes_{k}"]), _val(row[f"cases_low_{k}"]), _val(row[f"cases_high_{k}"])) == e[k], (reg, k)
        assert (None if e["share"] is None else pytest.approx(e["share"], abs=0.05)) == _val(row["share_national_pct"])
        assert (None if e["risk"] is None else pytest.approx(e["risk"], abs=0.05)) == _val(row["risk_index"])
        dest = s.breakdown[(s.breakdown.region == reg) & (s.breakdown.field == "destination_country")]
        assert {n: r for n, r in zip(dest["name"], dest["routes"]) if pd.notna(r)} == e["dest"]
        modes = s.breakdown[(s.breakdown.region == reg) & (s.breakdown.field == "transport_modes")]
        assert {c: _val(r) for c, r in zip(modes["code"], modes["routes"])} == e["modes"]
        top = sorted(e["dest"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        assert row["top_destination_country"] == "; ".join(f"{n} ({v})" for n, v in top)
    empty = table.loc["North-Eastern"]
    assert not empty["has_data"] and empty["routes_any"] == 0 and empty["top_transport_modes"] == ""
    counts = [f"{c}_{k}" for c in sm.COUNTS for k in sm.KINDS]
    assert check_no_small_counts(s.regions, counts, threshold) == []
    assert check_no_small_counts(s.breakdown, sm.COUNTS, threshold) == []


def test_top_items_in_swahili_never_name_suppressed_items():
    pts = make_points(60, seed=3)
    s = sm.regional_summary(pts, names=REGIONS, threshold=5)
    b = s.breakdown[s.breakdown.field == "exploitation_types"]
    for reg in b.region.unique():
        sw = sm.top_items(s.breakdown, reg, "exploitation_types", "sw", with_counts=False)
        allowed = {cat.label("exploitation_types", c, "sw")
                   for c, r in zip(b[b.region == reg].code, b[b.region == reg].routes) if pd.notna(r)}
        assert set(sw) <= allowed and len(sw) == min(3, len(allowed))


def test_national_cross_tables_match_loops():
    pts = make_points(200, seed=5)
    s = sm.regional_summary(pts, names=REGIONS, threshold=3)
    recs = pts.to_dict("records")
    national = {r["route_id"] for r in recs if r["country"] == "KEN"}
    pairs = defaultdict(set)
    for r in recs:
        if r["route_id"] in national and r["role"] in ("destination", "exploitation"):
            for a in filter(None, str(r["airlines"]).split("; ")):
                pairs[(a, r["country"])].add(r["route_id"])
    got = {(a, c): _val(n) for a, c, n in s.airlines[["airlines", "destination_country", "routes"]].itertuples(index=False)
           if "total" not in (a, c)}
    # published cells are the true counts; every small one is withheld (others may be, complementarily)
    assert set(got) == set(pairs)
    assert all(got[k] in (None, len(v)) and (len(v) >= 3 or got[k] is None) for k, v in pairs.items())
    rec = Counter()
    first = {r["route_id"]: r for r in recs if r["route_id"] in national}
    for r in first.values():
        for a in filter(None, str(r["recruitment_methods"]).split("; ")):
            for b in filter(None, str(r["exploitation_types"]).split("; ")):
                rec[(a, b)] += 1
    got = {(a, b): _val(n) for a, b, n in
           s.recruitment[["recruitment_methods", "exploitation_types", "routes"]].itertuples(index=False)
           if "total" not in (a, b)}
    assert set(got) == set(rec)
    assert all(got[k] in (None, v) and (v >= 3 or got[k] is None) for k, v in rec.items())
    w = sm.wide(s.recruitment, "recruitment_methods", "exploitation_types")
    assert set(w.columns) == {"recruitment_methods", *s.recruitment.exploitation_types.unique()}
    assert list(w.columns)[-1] == "total" and w["recruitment_methods"].iloc[-1] == "total"
    total = s.recruitment[(s.recruitment.recruitment_methods == "total") & (s.recruitment.exploitation_types == "total")]
    assert _val(total["routes"].iloc[0]) == sum(rec.values())


def test_polygon_regions_by_spatial_join():
    pts = make_points(120, seed=7)
    polys = gpd.GeoDataFrame({"label": REGIONS},
                             geometry=[shapely.box(i, 0, i + 1, 1) for i in range(len(REGIONS))], crs="EPSG:4326")
    s = sm.regional_summary(pts, polys, "label", threshold=0)
    region_of = [next((REGIONS[i] for i in range(len(REGIONS)) if shapely.box(i, 0, i + 1, 1).contains(g)), None)
                 for g in pts.geometry]
    national = {rid for rid, reg in zip(pts.route_id, region_of) if reg}
    exp = expected(pts, region_of, national, 0)
    table = s.regions.set_index("region")
    for reg, e in exp.items():
        assert _val(table.loc[reg, "routes_origin"]) == e["origin"][0]
        assert _val(table.loc[reg, "routes_any"]) == e["any"][0]
    with pytest.raises(sm.SummaryError, match="no field 'name'.*label"):
        sm.regional_summary(pts, polys, "name")


def test_missing_columns_is_a_clear_error():
    with pytest.raises(sm.SummaryError, match="role"):
        sm.regional_summary(pd.DataFrame({"route_id": ["a"], "country": ["KEN"], "cases_low": [1], "cases_high": [1]}))
