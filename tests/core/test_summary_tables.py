"""The chapters take the regional summary as input: the Summary rebuilt from its published
tables (as written to a GeoPackage and read back) prints the same chapter tables."""
from __future__ import annotations

import pyogrio
import pytest

from trafficking_routes.routes_plugin.core import summary as sm
from trafficking_routes.routes_plugin.core.loader import load_export
from trafficking_routes.routes_plugin.core.store import write_geopackage

SAMPLE = "routes_plugin/data/sample/kenya_routes_synthetic.csv"


@pytest.fixture(scope="module")
def points():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    return load_export(str(repo / SAMPLE)).layers["route_points"]


@pytest.mark.parametrize("threshold", [0, 5, 20])
def test_chapter_tables_from_written_tables_equal_the_computed_ones(points, tmp_path, threshold):
    points = points.copy()
    coast = points.loc[(points["role"] == "origin") & (points["region"] == "Coast"), "route_id"]
    points.loc[points["route_id"].isin(coast), ["cases_low", "cases_high"]] = None  # no estimate at all
    computed = sm.regional_summary(points, names=[], threshold=threshold)
    assert ("Coast", "origin") in computed.unknown_cases
    path = tmp_path / "summary.gpkg"
    write_geopackage({"summary": computed.published_regions(), "breakdown": computed.breakdown,
                      "airlines": computed.airlines, "recruitment": computed.recruitment}, path)
    rebuilt = sm.summary_from_tables(*(pyogrio.read_dataframe(path, layer=n)
                                       for n in ("summary", "breakdown", "airlines", "recruitment")))
    assert rebuilt.threshold == threshold
    # the national row is the national row again, not a region; the national tables come back as published
    assert rebuilt.regions["region"].tolist() == computed.regions["region"].tolist()
    assert rebuilt.national_row["region"].tolist() == [sm.TOTAL_LABEL]
    assert rebuilt.national["routes"] == (None if computed.national_row["routes_any"].isna().all()
                                          else int(computed.national_row["routes_any"].iloc[0]))
    for name in ("airlines", "recruitment"):
        mine, theirs = getattr(rebuilt, name), getattr(computed, name)
        assert len(mine) == len(theirs) and mine["routes"].isna().sum() == theirs["routes"].isna().sum()
        assert mine["routes"].sum() == theirs["routes"].sum()
    for region in computed.regions["region"]:
        for language in ("en", "sw"):
            assert sm.chapter_table(rebuilt, region, language) == sm.chapter_table(computed, region, language)


def test_wrong_tables_are_a_clear_error(points):
    computed = sm.regional_summary(points, threshold=5)
    with pytest.raises(sm.SummaryError, match="Regional summary"):
        sm.summary_from_tables(computed.breakdown, computed.breakdown)
    with pytest.raises(sm.SummaryError, match="Regional breakdown"):
        sm.summary_from_tables(computed.regions, computed.regions)
