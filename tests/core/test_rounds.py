"""Round-to-round comparison on two synthetic rounds loaded through the real
loader into GeoPackages; counts are checked against plain loops."""
from __future__ import annotations

import importlib.util
from collections import defaultdict

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from scipy import stats

from trafficking_routes.routes_plugin.core import rounds as R
from trafficking_routes.routes_plugin.core.loader import load_export
from trafficking_routes.routes_plugin.core.suppression import check_no_small_counts
from trafficking_routes.routes_plugin.core.texts import TEXTS

WORLD_MAP = "/usr/share/qgis/resources/data/world_map.gpkg"


def _expected(test_data):
    spec = importlib.util.spec_from_file_location("make_rounds", test_data / "rounds" / "make_rounds.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def rounds_gpkg(tmp_path_factory, test_data):
    """The two rounds as the loader writes them: {year: path of the GeoPackage}."""
    out = {}
    for year in (2019, 2020):
        path = tmp_path_factory.mktemp("rounds") / f"round_{year}.gpkg"
        res = load_export(test_data / "rounds" / f"round_{year}.csv", output=str(path))
        assert res.report["rows_rejected"] == 0
        out[year] = path
    return out


@pytest.fixture(scope="session")
def layers(rounds_gpkg):
    return {y: {name: pyogrio.read_dataframe(p, layer=name) for name in ("route_points", "route_lines")}
            for y, p in rounds_gpkg.items()}


@pytest.fixture(scope="session")
def spec(test_data):
    return _expected(test_data)


def _points(layers, year):
    return layers[year]["route_points"]


def test_new_destination_countries_at_country_level(layers, spec):
    places, _ = R.compare_rounds(_points(layers, 2019), _points(layers, 2020), "country", threshold=0)
    dest = places[places["role"] == "destination"].set_index("country")
    assert sorted(dest.index[dest["change"] == "new"]) == sorted(spec.EXPECTED["new_destination_countries"])
    assert not (dest.loc[spec.EXPECTED["common_destination_countries"], "change"] == "new").any()
    assert sorted(dest.index[dest["change"] == "gone"]) == sorted(spec.EXPECTED["gone_destination_countries"])
    # counted independently
    for iso3, row in dest.iterrows():
        for side, year in (("before", 2019), ("after", 2020)):
            p = _points(layers, year)
            assert row[f"routes_{side}"] == p.loc[(p.role == "destination") & (p.country == iso3), "route_id"].nunique()


def test_new_origin_towns_at_place_level(layers, spec):
    places, _ = R.compare_rounds(_points(layers, 2019), _points(layers, 2020), "place", threshold=0)
    origin = places[places["role"] == "origin"]
    new = origin[origin["change"] == "new"]
    assert set(spec.EXPECTED["new_origin_towns"]) <= set(new["reported_as"])
    assert {"Hargeisa", "Helsinki"} <= set(new["name"])  # the gazetteer names it as reported
    assert not (origin.loc[origin["name"].isin(["Nairobi", "Mombasa", "Kisumu"]), "change"] == "new").any()


def test_somaliland_kept_as_reported(layers):
    places, corridors = R.compare_rounds(_points(layers, 2019), _points(layers, 2020), "country", threshold=5,
                                         world_map=WORLD_MAP)
    som = places[places["unit_id"] == "adm1:SOM:Somaliland"]
    assert len(som) == 1 and som["name"].iat[0] == "Somaliland" and som["change"].iat[0] == "new"
    p = _points(layers, 2020)
    assert som["routes_after"].iat[0] == p.loc[(p.role == "origin") & (p.region == "Somaliland"), "route_id"].nunique()
    assert "country:SOM" not in set(places["unit_id"])  # not merged into Somalia
    pt = som.geometry.iat[0]
    assert 42.5 < pt.x < 49 and 8 < pt.y < 11.5  # on Somaliland, not on Somalia's centroid
    assert "Somaliland" in set(corridors["origin"])
    # at place level Hargeisa is its own place
    places, _ = R.compare_rounds(_points(layers, 2019), _points(layers, 2020), "place", threshold=5)
    assert places.loc[places["name"] == "Hargeisa", "country"].iat[0] == "SOM"


def test_suppression_small_new_and_gone_counted_not_named(layers, spec):
    t = 5
    places, corridors = R.compare_rounds(_points(layers, 2019), _points(layers, 2020), "country", threshold=t)
    dest = places[places["role"] == "destination"]
    small_new = sorted(set(spec.EXPECTED["new_destination_countries"]) -
                       set(spec.EXPECTED["named_new_destination_countries"]))
    assert not set(small_new) & set(dest["country"])
    assert sorted(dest.loc[dest["change"] == "new", "country"]) == \
        sorted(spec.EXPECTED["named_new_destination_countries"])
    assert "BHR" not in set(dest["country"]) and "KWT" in set(dest["country"])
    meta = places.attrs["rounds"]
    assert meta["withheld_places"]["destination"] == {"new": len(small_new), "gone": 1}
    lines = R.rounds_summary_lines(places, corridors, "en", "2019", "2020")
    assert f"{len(small_new)} new destination countries with fewer than {t} routes each are not named." in lines
    assert f"1 destination country no longer reported, with fewer than {t} routes before, is not named." in lines
    assert not any(line.startswith("No place named here") for line in lines)
    text = "\n".join(lines + R.rounds_summary_lines(places, corridors, "sw", "2019", "2020"))
    for name in ("Greece", "Rwanda", "Bahrain", "Ugiriki", "Rwanda"):
        assert name not in text
    for frame in (places, corridors):
        cols = ["routes_before", "routes_after", "cases_low_before", "cases_low_after"]
        assert check_no_small_counts(frame, cols, t) == []
        # a blanked round count takes its share and the change figures with it
        for side in ("before", "after"):
            blank = frame[f"routes_{side}"].isna()
            assert frame.loc[blank, f"share_{side}_pct"].isna().all()
            assert frame.loc[blank, ["share_change_pct", "p_value", "p_adjusted"]].isna().all().all()
    # never named: below the threshold in both rounds
    big = np.maximum(places["routes_before"].fillna(0), places["routes_after"].fillna(0))
    assert (big >= t).all()


def test_threshold_zero_names_everything(layers):
    places, _ = R.compare_rounds(_points(layers, 2019), _points(layers, 2020), "country", threshold=0)
    assert {"GRC", "RWA", "BHR"} <= set(places["country"])
    assert places.attrs["rounds"]["places_withheld"] == 0
    lines = R.rounds_summary_lines(places, None, "en", "2019", "2020")
    assert not any("not named" in line for line in lines)
    # a round compared with itself: nothing changed, and the page says so
    same, _ = R.compare_rounds(_points(layers, 2020), _points(layers, 2020), "country", threshold=5)
    assert set(same["change"]) == {"same"}
    assert "No place named here is new" in R.rounds_summary_lines(same, None, "en", "2020", "2020")[3]


def test_up_down_rule(layers):
    b, a = _points(layers, 2019), _points(layers, 2020)
    places, _ = R.compare_rounds(b, a, "country", threshold=5)
    dest = places[places["role"] == "destination"].set_index("country")
    assert dest.loc["SAU", "change"] == "up" and dest.loc["LBN", "change"] == "down"
    assert dest.loc["QAT", "change"] == "same"  # 20 -> 34 routes, but the share fell a little: not a change
    n1, n2 = b["route_id"].nunique(), a["route_id"].nunique()
    x1, x2 = dest.loc["SAU", "routes_before"], dest.loc["SAU", "routes_after"]
    p = stats.binomtest(int(x2), int(x1 + x2), n2 / (n1 + n2)).pvalue
    assert dest.loc["SAU", "p_value"] == pytest.approx(p, rel=1e-6)
    assert dest.loc["SAU", "share_before_pct"] == pytest.approx(100 * x1 / n1, abs=0.01)
    assert dest.loc["SAU", "p_adjusted"] >= dest.loc["SAU", "p_value"]


def test_count_and_share_must_agree():
    # a round twice the size: 10 -> 14 routes is up in count, down in share: same
    out = R.classify([10, 10, 40, 40, 3], [14, 60, 20, 40, 3], 100, 200, threshold=5)
    assert list(out["change"]) == ["same", "up", "down", "same", "same"]
    # a smaller second round: 40 of 400 -> 30 of 100 is fewer routes but a larger share: same
    out = R.classify([40], [30], 400, 100, threshold=5)
    assert out["change"].iat[0] == "same" and out["share_change_pct"].iat[0] > 0
    # a big share jump but a count change below the threshold is not called
    assert R.classify([1], [5], 1000, 1000, threshold=5)["change"].iat[0] == "same"


def test_noise_is_not_called_a_change():
    """Two rounds drawn from the same shares (different sizes): hardly any up/down."""
    rng = np.random.default_rng(3)
    shares = rng.dirichlet(np.ones(40)) * 0.9 + 0.1 / 40
    called = 0
    for _ in range(20):
        x1, x2 = rng.multinomial(800, shares), rng.multinomial(1500, shares)
        keep = (x1 > 0) & (x2 > 0)
        out = R.classify(x1[keep], x2[keep], 800, 1500, threshold=5)
        called += int(out["change"].isin(["up", "down"]).sum())
    assert called <= 2  # FDR 5 % over 20 × 40 null units
    # while a real doubling of one unit's share is found
    x1, x2 = rng.multinomial(800, shares), rng.multinomial(1500, shares)
    x2[0] = 2 * x2[0] + 40
    assert R.classify(x1, x2, 800, 1500 + x2[0] // 2, threshold=5)["change"].iat[0] == "up"


def test_route_lines_with_points_equal_route_points(layers):
    kw = dict(level="country", threshold=5)
    a, ca = R.compare_rounds(_points(layers, 2019), _points(layers, 2020), **kw)
    b, cb = R.compare_rounds(layers[2019]["route_lines"], layers[2020]["route_lines"],
                             before_points=_points(layers, 2019), after_points=_points(layers, 2020), **kw)
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    pd.testing.assert_frame_equal(ca.drop(columns="geometry"), cb.drop(columns="geometry"))
    # route_lines alone: origin and final place only
    c, cc = R.compare_rounds(layers[2019]["route_lines"], layers[2020]["route_lines"], **kw)
    assert set(c["role"]) == {"origin", "destination"}
    pd.testing.assert_frame_equal(cc.drop(columns="geometry"), ca.drop(columns="geometry"))
    lines = layers[2020]["route_lines"]
    dest = c[c["role"] == "destination"].set_index("country")["routes_after"].dropna()
    for iso3, n in dest.items():
        assert n == lines.loc[lines["final_country"] == iso3, "route_id"].nunique()


def test_corridors_match_loops(layers):
    b, a = _points(layers, 2019), _points(layers, 2020)
    _, corridors = R.compare_rounds(b, a, "country", threshold=0)
    for side, frame in (("before", b), ("after", a)):
        pairs = defaultdict(set)
        for rid, g in frame.sort_values("seq").groupby("route_id"):
            origin = g["country"].iat[0]
            ex, de = g[g.role == "exploitation"], g[g.role == "destination"]
            final = (ex if len(ex) else de if len(de) else g)["country"].iat[-1]
            if origin != final:
                pairs[(origin, final)].add(rid)
        got = corridors.set_index(["origin_country", "destination_country"])[f"routes_{side}"]
        got = got[got > 0]
        assert {k: len(v) for k, v in pairs.items() if not k[0].startswith("SOM")} == \
            {k: v for k, v in got.items() if not k[0].startswith("SOM")}
    assert corridors.geometry.notna().all() and (shapely.length(corridors.geometry.values) > 0).all()


def test_levels_and_errors(layers):
    b, a = _points(layers, 2019), _points(layers, 2020)
    for level in R.LEVELS:
        places, corridors = R.compare_rounds(b, a, level, threshold=5)
        assert set(places["change"]) <= set(R.CHANGES)
        assert set(places["role"]) <= set(R.ROLES)
        assert places.geometry.notna().all()
    region = R.compare_rounds(b, a, "region", threshold=0)[0]
    assert "adm1:SOM:Somaliland" in set(region["unit_id"])
    with pytest.raises(ValueError, match="level"):
        R.compare_rounds(b, a, "continent")
    with pytest.raises(ValueError, match="route_points .* or route_lines"):
        R.compare_rounds(pd.DataFrame({"route_id": ["x"]}), a)
    with pytest.raises(ValueError, match="no routes"):
        R.compare_rounds(b.iloc[:0], a)


def test_summary_and_table_in_both_languages(layers):
    places, corridors = R.compare_rounds(_points(layers, 2019), _points(layers, 2020), "country", threshold=5)
    en = R.rounds_summary_lines(places, corridors, "en", "2019", "2020")
    sw = R.rounds_summary_lines(places, corridors, "sw", "2019", "2020")
    assert en[0] == "What changed since 2019" and sw[0] == "Kilichobadilika tangu 2019"
    assert len(en) == len(sw)
    assert any(line.startswith("New destination countries in 2020: Ethiopia (9)") for line in en)
    assert any("Ethiopia" in line and "mpya" in line for line in sw)
    assert any("Somaliland (11)" in line for line in en)
    table = R.rounds_table(places, "sw", "2019", "2020")
    assert table[0] == ("Eneo", "Jukumu", "2019", "2020", "Mabadiliko")
    assert ("Saudia", "Mwisho uliokusudiwa", "30", "120", "imeongezeka") in table
    import string
    fields = lambda t: sorted(f for _, f, _, _ in string.Formatter().parse(t) if f)  # noqa: E731
    keys = [k for k in TEXTS if k.startswith("rounds_")]
    assert len(keys) >= 29
    for key in keys:
        e, s = TEXTS[key]
        assert e.strip() and s.strip(), key
        assert set(fields(s)) <= set(fields(e)) | {"role"}, key  # Swahili needs no value English lacks
