"""Flows and their node margins under complementary suppression (issue 16), audited by linear programming.

A flow table publishes each node's routes_out / routes_in / routes, which add up the node's flows: a dropped
small flow is its node's margin minus the published flows. The audit (core/audit.py) knows these relations and
the gaps dropped flows leave; it must find nothing exposed on the sample at threshold 10 (flows, crossings and the
regional summary of one run) nor on generated flows, and it must find the leak of primary suppression alone.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trafficking_routes.routes_plugin.core import audit, crossings as C, flows as F, summary as sm
from trafficking_routes.routes_plugin.core import suppression as s
from trafficking_routes.routes_plugin.core.loader import load_export
from trafficking_routes.routes_plugin.core.publication import disclosure_log

SAMPLE = audit.__file__.rsplit("/core/", 1)[0] + "/data/sample/"
_spec = importlib.util.spec_from_file_location("flow_cases", Path(__file__).with_name("test_flows.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


@pytest.fixture(scope="module")
def sample_layers():
    return load_export(SAMPLE + "kenya_routes_synthetic.csv", overrides=SAMPLE + "overrides.csv").layers


def run_outputs(layers, world_map, threshold):
    """The published tables of one run as the shipped model makes them (country-level journeys, crossings,
    the regional summary), plus leg flows at place and region level."""
    summary = sm.regional_summary(layers["route_points"], threshold=threshold)
    frames = {"summary": summary.published_regions(), "breakdown": summary.breakdown,
              "airlines": summary.airlines, "recruitment": summary.recruitment}
    logs = [summary.disclosure]
    for name, table, level, mode in (("journeys", "route_lines", "country", "journey"),
                                     ("legs_place", "route_legs", "place", "legs"),
                                     ("legs_region", "route_legs", "region", "legs")):
        res = F.aggregate_flows(layers[table], level, mode, threshold=threshold, node_position="points")
        frames[f"{name}_flows"], frames[f"{name}_nodes"] = res.flows, res.nodes
        logs.append(res.disclosure)
    xing = C.aggregate_crossings(layers["route_legs"], threshold=threshold,
                                 countries=C.load_countries(str(world_map)))
    frames["crossings"] = xing.crossings
    logs.append(xing.disclosure)
    return frames, disclosure_log(*logs)


def test_sample_run_at_threshold_10_has_nothing_exposed(sample_layers, world_map):
    frames, log = run_outputs(sample_layers, world_map, 10)
    result = audit.audit_frames(frames, 10)
    assert audit.exposed(result).empty, audit.exposed(result).to_string()
    flows = result[result["table"].str.startswith("flows ")]
    assert len(flows) > 0  # the flows' gaps and blank margins are audited, not skipped
    protected = result[result["status"] == audit.PROTECTED]
    assert (protected["values"] >= 3).all()
    by_table = log.set_index("table")
    journeys = by_table.loc["flows (country, journey)"]
    assert journeys["primary"] > 0 and journeys["threshold"] == 10
    assert {"flows (place, legs)", "flow nodes (country, journey)", "border crossings", "regional summary"} \
        <= set(log["table"])


def test_dropped_flows_are_withheld_in_the_log_and_gone_from_the_table(sample_layers):
    res = F.aggregate_flows(sample_layers["route_lines"], "country", "journey", threshold=10, node_position="points")
    raw = F.aggregate_flows(sample_layers["route_lines"], "country", "journey", threshold=0, node_position="points")
    entry = res.disclosure[0]
    assert entry["cells"] == len(raw.flows)
    assert entry["primary"] + entry["complementary"] == len(raw.flows) - len(res.flows)
    assert entry["primary"] == int((raw.flows["routes"] < 10).sum())
    assert res.report["flows_complementary"] == entry["complementary"]
    assert set(res.flows["directed"]) == {True}


def primary_only(flows_raw, nodes_raw, threshold):
    """The flow table as published before issue 16's flows part: small flows dropped, node margins published."""
    return flows_raw[flows_raw["routes"] >= threshold], s.suppress(nodes_raw, ["routes", "routes_out", "routes_in",
                                                                                "routes_internal"], threshold)


def test_primary_suppression_alone_gives_dropped_flows_away():
    """One small flow from a node whose other flows and margin are published: margin − published = the flow."""
    flows = pd.DataFrame({"flow_id": [1, 2, 3], "origin": ["A", "A", "B"], "destination": ["B", "C", "C"],
                          "origin_id": ["A", "A", "B"], "destination_id": ["B", "C", "C"], "directed": True,
                          "routes": [20, 4, 15]})
    nodes = pd.DataFrame({"node_id": ["A", "B", "C"], "name": ["A", "B", "C"], "routes": [24, 35, 19],
                          "routes_out": [24, 15, 0], "routes_in": [0, 20, 19], "routes_internal": [0, 0, 0]})
    leaky = audit.audit_frames(dict(zip(("flows", "nodes"), primary_only(flows, nodes, 10))), 10)
    gap = leaky[leaky["column"] == audit.GAP["out"]]
    assert (gap["status"] == audit.EXPOSED).any() and (gap["min"] == 4).any()
    prot = F.protect_flows(flows, nodes, threshold=10)
    safe = audit.audit_frames({"flows": prot.flows, "nodes": prot.nodes}, 10)
    assert audit.exposed(safe).empty, safe.to_string()
    assert prot.disclosure[0]["primary"] == 1
    assert prot.disclosure[0]["complementary"] + prot.disclosure[1]["complementary"] >= 1


def test_two_small_flows_of_one_node_do_not_give_their_sum_away():
    """The gap of a node must not itself be a small count (3 + 4 routes to destinations not shown)."""
    flows = pd.DataFrame({"flow_id": [1, 2, 3, 4], "origin": ["A"] * 4, "destination": ["B", "C", "D", "E"],
                          "origin_id": ["A"] * 4, "destination_id": ["B", "C", "D", "E"], "directed": True,
                          "routes": [30, 3, 4, 12]})
    nodes = pd.DataFrame({"node_id": list("ABCDE"), "name": list("ABCDE"), "routes": [49, 30, 3, 4, 12],
                          "routes_out": [49, 0, 0, 0, 0], "routes_in": [0, 30, 3, 4, 12],
                          "routes_internal": [0] * 5})
    leaky = audit.audit_frames(dict(zip(("flows", "nodes"), primary_only(flows, nodes, 10))), 10)
    assert len(audit.exposed(leaky)) > 0
    prot = F.protect_flows(flows, nodes, threshold=10)
    assert audit.exposed(audit.audit_frames({"flows": prot.flows, "nodes": prot.nodes}, 10)).empty
    # the flows at or above the threshold stay on the map; A's margins are the complements (blank, row kept)
    assert sorted(prot.flows["routes"]) == [12, 30]
    a = prot.nodes.set_index("node_id").loc["A"]
    assert pd.isna(a["routes"]) and pd.isna(a["routes_out"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(40, 140), st.integers(0, 10_000), st.sampled_from([5, 10]),
       st.sampled_from([("lines", "journey"), ("legs", "journey"), ("legs", "legs")]),
       st.sampled_from(["place", "region", "country"]), st.booleans(), st.sampled_from(["drop", "merge"]))
def test_generated_flows_have_nothing_exposed(n, seed, threshold, kind, level, directed, suppress_mode):
    routes = cases.make_routes(n, seed)
    table = cases.lines_frame(routes) if kind[0] == "lines" else cases.legs_frame(routes)
    res = F.aggregate_flows(table, level, kind[1], directed=directed, threshold=threshold,
                            suppress_mode=suppress_mode, node_position="points")
    result = audit.audit_frames({"flows": res.flows, "nodes": res.nodes}, threshold)
    assert audit.exposed(result).empty, audit.exposed(result).to_string()
    assert s.check_no_small_counts(res.flows, ["routes", "cases_low", "cases_high"], threshold) == []
    assert s.check_no_small_counts(res.nodes, ["routes", "routes_out", "routes_in", "routes_internal"],
                                   threshold) == []
    # the node margins stay true where published: margins of journeys add up the flows
    if kind[1] == "journey" and directed and suppress_mode == "drop":
        raw = F.aggregate_flows(table, level, kind[1], threshold=0, node_position="points")
        truth = raw.nodes.set_index("node_id")["routes_out"]
        pub = res.nodes.dropna(subset=["node_id"]).set_index("node_id")["routes_out"].dropna()
        assert (truth.reindex(pub.index).to_numpy() == pub.to_numpy().astype(float)).all()


def test_a_merged_other_row_never_pins_its_rows():
    table = pd.DataFrame({"name": ["a", "b", "c"], "routes": [4, 3, 20]})
    merged = s.suppress(table, ["routes"], 5, s.MERGE, key_column="routes", label_columns=("name",))
    assert s.OTHER_LABEL not in set(merged["name"])  # 4 + 3 = 7 would pin both to 3 or 4
    table = pd.DataFrame({"name": ["a", "b", "c", "d"], "routes": [4, 3, 2, 20]})
    merged = s.suppress(table, ["routes"], 5, s.MERGE, key_column="routes", label_columns=("name",))
    assert merged.loc[merged["name"] == s.OTHER_LABEL, "routes"].tolist() == [9]  # each of 3 in [1, 4]: 1..4 left
    assert s.merge_protects(9, 3, 5) and not s.merge_protects(7, 2, 5) and not np.isnan(9)
