"""core/publication.py: working-data tags, refusal, town-level precision, the disclosure log and its statement."""
from __future__ import annotations

import csv

import pandas as pd
import pyogrio
import pytest

from trafficking_routes.routes_plugin.core import publication as pub
from trafficking_routes.routes_plugin.core.gazetteer import Gazetteer
from trafficking_routes.routes_plugin.core.loader import load_export

HEADER = ["Route ID", "Year", "Origin city", "Origin country", "Intended destination city",
          "Intended destination country", "Estimated cases", "Reporting organisation"]


def write(tmp_path, rows):
    p = tmp_path / "x.csv"
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return p


def test_loader_layers_are_tagged_and_refused(tmp_path):
    out = tmp_path / "o.gpkg"
    load_export(write(tmp_path, [["R1", "2019", "Kisumu", "Kenya", "Kampala", "Uganda", "4", "CSO"]]), output=out)
    for layer in pub.WORKING_LAYERS:
        meta = pub.layer_metadata(out, layer)
        assert pub.is_working(meta), layer
        with pytest.raises(pub.NotPublishableError, match="not for publication"):
            pub.assert_publishable(meta, layer)
    with pytest.raises(pub.NotPublishableError):
        pub.assert_publishable_source(f"{out}|layername=route_lines")
    # a published table is accepted
    table = tmp_path / "t.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"region": ["A"], "routes": [12]}), table, layer="summary")
    pub.assert_publishable_source(f"{table}|layername=summary")
    pub.assert_publishable(pub.layer_metadata(table, "summary"))


def test_coordinates_are_published_at_the_nearest_town(tmp_path):
    # a point in Kisumu town (about 1 km from its centre) and one in open sea off Mombasa
    rows = [["R1", "2019", "-0.095, 34.765", "Kenya", "Kampala", "Uganda", "4", "CSO"],
            ["R2", "2019", "Nairobi", "Kenya", "-4.07, 39.70", "Kenya", "4", "CSO"]]
    r = load_export(write(tmp_path, rows), gazetteer=Gazetteer.load())
    pts = r.layers["route_points"]
    given = pts[pts["precision"] == "coordinates"]
    assert len(given) == 2
    assert set(given["place"]) <= {"Kisumu", "Mombasa"} and "Kisumu" in set(given["place"])
    assert not given["place_key"].str.startswith("coord:").any()
    assert (given.geometry.x.round(3) != 34.765).all()  # never at the given coordinates
    assert set(given["given_coordinates"]) == {"-0.095, 34.765", "-4.07, 39.7"}
    lines = r.layers["route_lines"]
    assert not lines["origin_key"].astype(str).str.startswith("coord:").any()


def test_disclosure_log_and_statement(tmp_path):
    entries = [{"table": "t1", "threshold": 10, "cells": 20, "primary": 3, "complementary": 4,
                "withheld_cells": ["a | b"]},
               {"table": "t2", "threshold": 10, "cells": 5, "primary": 0, "complementary": 0, "withheld_cells": []}]
    log = pub.disclosure_log(entries)
    assert log["primary"].sum() == 3 and list(log.columns) == pub.LOG_COLUMNS
    en, sw = pub.disclosure_statement(log, "en", duplicates=2), pub.disclosure_statement(log, "sw", duplicates=2)
    assert "3 figures below 10 were withheld" in en and "4 further figures" in en and "counted once (2" in en
    assert "idadi 3 zilizo chini ya 10" in sw and "ripoti 2" in sw
    assert "not suppressed" in pub.disclosure_statement(pub.disclosure_log([{**entries[0], "threshold": 0}]))
    assert "none was withheld" in pub.disclosure_statement(pub.disclosure_log([entries[1]]))
    gpkg = tmp_path / "out.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"x": [1]}), gpkg, layer="summary")
    pub.write_disclosure_log(log, gpkg)
    assert pub.read_disclosure_log(gpkg)["table"].tolist() == ["t1", "t2"]
    js = pub.write_disclosure_log(log, tmp_path / "summary.csv")
    assert js.name == "summary.csv.disclosure.json" and len(pub.read_disclosure_log(js)) == 2
