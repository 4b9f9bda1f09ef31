"""Data protection, proven on real QGIS runs (issues 7 and 16).

* every algorithm of provider ``routes`` that publishes counts is run with
  SUPPRESS_BELOW=5 and no count from 1 to 4 survives in any output;
* no output layer of any algorithm carries an identifying column or value
  (reporting organisation, notes, columns not in the profile) unless asked;
* the whole chain (the shipped model) runs with networking blocked;
* representative hostile files never crash qgis_process;
* routes:disclosureaudit finds no withheld cell of the walk that can be narrowed to fewer than 3 values; on the
  sample at threshold 10 the national cross tables carry their totals and nothing is exposed (issue 16); it
  refuses record-level working layers and finds the leak of a table with primary suppression only.
"""
from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "qgis_process"
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"
MODEL = REPO / "routes_plugin" / "models" / "export_to_chapters.model3"
THRESHOLD = 5
#: columns added to the sample that the profile does not know (they may hold names, phones ...)
UNMAPPED = {"Victim name": "Jane Synthetic", "Phone number": "+254700000001"}
IDENTIFYING = {"reporting_org", "notes", *UNMAPPED}
#: numeric fields that are not counts
NOT_COUNTS = re.compile(r"(^|_)(id|seq|pct|km|lat|lon|x|y|z|p_value|p_adjusted|gi_z|risk_index|suppress_below|year"
                        r"|source_row|fid|distance_km|length_km|has_data|crosses_border"
                        r"|threshold|primary|complementary|cells|min|max|values)$")  # audit and disclosure log


def count_fields(frame: pd.DataFrame) -> list[str]:
    """Every numeric field that could hold a count (conservative: all but known measures)."""
    return [c for c in frame.columns if c != "geometry" and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c]) and not NOT_COUNTS.search(c)]


def small_counts(path: Path) -> list[str]:
    found = []
    for layer, _ in pyogrio.list_layers(path):
        if layer == "layer_styles":
            continue
        frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
        for c in count_fields(frame):
            vals = pd.to_numeric(frame[c], errors="coerce")
            found += [f"{path.name}:{layer}.{c}={v}" for v in vals[(vals > 0) & (vals < THRESHOLD)]]
    return found


def identifying_found(path: Path, secrets: set[str]) -> list[str]:
    """Identifying field names, or cells holding an identifying value, in any layer of ``path``."""
    found = []
    for layer, _ in pyogrio.list_layers(path):
        if layer == "layer_styles":
            continue
        frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
        found += [f"{path.name}:{layer}.{c}" for c in frame.columns if c in IDENTIFYING]
        text = frame.select_dtypes(exclude="number").astype(str)
        found += [f"{path.name}:{layer} holds {s!r}" for s in secrets if text.isin([s]).any().any()]
    return found


@pytest.fixture(scope="module")
def sample_with_extras(tmp_path_factory) -> tuple[Path, set[str]]:
    """The synthetic sample with two columns not in the profile; and every identifying value in it."""
    path = tmp_path_factory.mktemp("sample") / "sample_extra.csv"
    with open(SAMPLE, newline="", encoding="utf-8") as src, open(path, "w", newline="", encoding="utf-8") as dst:
        rows = list(csv.reader(src))
        csv.writer(dst).writerows([rows[0] + list(UNMAPPED)] + [r + list(UNMAPPED.values()) for r in rows[1:]])
    header = rows[0]
    secrets = {r[header.index(h)] for r in rows[1:] for h in ("Reporting organisation", "Notes")
               if r[header.index(h)].strip()} | set(UNMAPPED.values())
    return path, secrets


def run(alg, params):
    from qgis import processing

    return processing.run(alg, params)


@pytest.fixture(scope="module")
def outputs(plugin, sample_with_extras, tmp_path_factory):
    """Every algorithm of the provider run on the sample (SUPPRESS_BELOW=5): {name: output files}."""
    from qgis.core import QgsApplication, QgsProcessingModelAlgorithm

    out = tmp_path_factory.mktemp("walk")
    sample, _ = sample_with_extras
    routes = out / "routes.gpkg"
    run("routes:loadtrackerexport", {"INPUT": str(sample), "OUTPUT": str(routes)})
    layer = lambda name: f"{routes}|layername={name}"  # noqa: E731
    files = {"loadtrackerexport": [routes]}
    s = {"SUPPRESS_BELOW": THRESHOLD}

    def gpkg(name):
        return str(out / f"{name}.gpkg")

    run("routes:hotspotsignificance", {"INPUT": layer("route_points"), "PERMUTATIONS": 99, **s,
                                       "OUTPUT": gpkg("gi")})
    files["hotspotsignificance"] = [out / "gi.gpkg"]
    for i, (inp, mode, level) in enumerate([("route_lines", 0, 3), ("route_legs", 1, 0), ("route_legs", 1, 2)]):
        run("routes:flowaggregation", {"INPUT": layer(inp), "MODE": mode, "LEVEL": level, **s,
                                       "BREAKDOWN": ["transport_modes", "recruitment_methods"],
                                       "OUTPUT": gpkg(f"flows{i}"), "NODES": gpkg(f"nodes{i}"),
                                       "BREAKDOWN_TABLE": gpkg(f"breakdown{i}")})
        files.setdefault("flowaggregation", []).extend(out / f"{n}{i}.gpkg" for n in ("flows", "nodes", "breakdown"))
    run("routes:bordercrossings", {"INPUT": layer("route_legs"), **s, "OUTPUT": gpkg("crossings")})
    files["bordercrossings"] = [out / "crossings.gpkg"]
    names = ("OUTPUT", "OUTPUT_POLYGONS", "OUTPUT_BREAKDOWN", "OUTPUT_AIRLINES", "OUTPUT_RECRUITMENT",
             "OUTPUT_AIRLINES_WIDE", "OUTPUT_RECRUITMENT_WIDE", "OUTPUT_DISCLOSURE")
    run("routes:regionalsummary", {"INPUT": layer("route_points"), **s, **{n: gpkg(f"summary_{n}") for n in names}})
    files["regionalsummary"] = [out / f"summary_{n}.gpkg" for n in names]
    run("routes:exporttable", {"INPUT": gpkg("summary_OUTPUT"), "FORMAT": 0, **s, "OUTPUT": str(out / "summary.csv")})
    files["exporttable"] = [out / "summary.csv"]
    # the report's printed counts are checked cell by cell by tests/qgis/test_report.py; here: no identifying value
    report = run("routes:report", {"ROUTES": str(routes), "CROSSINGS": gpkg("crossings"), "EXPORT": str(sample),
                                   "LANGUAGE": 0, "DPI": 72, **s, "OUTPUT": str(out / "report")})
    files["report"] = [Path(report["REPORT_EN"])]
    run("routes:comparerounds", {"BEFORE": layer("route_lines"), "AFTER": layer("route_points"), "LEVEL": 0, **s,
                                 "OUTPUT": gpkg("rounds"), "OUTPUT_CORRIDORS": gpkg("round_corridors")})
    files["comparerounds"] = [out / "rounds.gpkg", out / "round_corridors.gpkg"]
    files["chaptermaps"] = []  # its counts are the regional summary's (checked above); PDFs are checked by test_chapters
    files["hotspotdensity"] = []  # a density raster: no counts, no attributes
    published = [f"{p}|layername={layer}" for alg, paths in files.items() if alg != "loadtrackerexport"
                 for p in paths if p.suffix == ".gpkg" for layer, _ in pyogrio.list_layers(p) if layer != "layer_styles"]
    audit = run("routes:disclosureaudit", {"INPUT": published, **s, "OUTPUT": gpkg("audit")})
    files["disclosureaudit"] = [out / "audit.gpkg"]
    files["_audit_result"] = audit
    walked = {a.name() for a in QgsApplication.processingRegistry().providerById("routes").algorithms()
              if not isinstance(a, QgsProcessingModelAlgorithm)}  # the model is the chain, run below
    assert walked - set(files) == set(), f"algorithms not walked: {walked - set(files)}"
    return files


def _paths(outputs):
    return {k: v for k, v in outputs.items() if not k.startswith("_")}


def test_no_small_count_survives(outputs):
    found = []
    for alg, paths in _paths(outputs).items():
        if alg == "loadtrackerexport":  # record-level working layers (one route per feature), not published
            continue
        for path in paths:
            if path.suffix == ".pdf":
                continue
            if path.suffix == ".gpkg":
                found += small_counts(path)
            else:
                table = pd.read_csv(path, encoding="utf-8-sig")
                found += [f"{path.name}.{c}" for c in count_fields(table)
                          if ((table[c] > 0) & (table[c] < THRESHOLD)).any()]
    assert found == []
    assert any(count_fields(pyogrio.read_dataframe(p, read_geometry=False)) for p in outputs["flowaggregation"])


def test_no_identifying_field_or_value_in_any_output(outputs, sample_with_extras):
    _, secrets = sample_with_extras
    found = []
    for paths in _paths(outputs).values():
        for path in paths:
            if path.suffix == ".gpkg":
                found += identifying_found(path, secrets)
            else:
                text = path.read_text(encoding="utf-8-sig") if path.suffix != ".pdf" else subprocess.run(
                    ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
                found += [f"{path.name} holds {s!r}" for s in secrets if s in text]
    assert found == []


def test_disclosure_audit_of_every_publishing_output(outputs):
    result = outputs["_audit_result"]
    table = pyogrio.read_dataframe(outputs["disclosureaudit"][0], read_geometry=False)
    assert result["WITHHELD"] == len(table) > 0
    assert result["EXPOSED"] == 0, table[table.status == "exposed"].to_string()
    assert set(table["status"]) <= {"protected", "not small", "no relation"}
    assert (table.loc[table.status == "protected", "values"] >= 3).all()
    assert "keeps at least 3 possible values" in result["SENTENCE"]
    log = pyogrio.read_dataframe(next(p for p in outputs["regionalsummary"] if "DISCLOSURE" in p.name),
                                 read_geometry=False)
    assert {"regional summary", "national airlines × destination_country"} <= set(log["table"])
    assert (log["threshold"] == THRESHOLD).all()


def test_sample_at_threshold_10_cross_tables_have_totals_and_nothing_narrowed(plugin, tmp_path):
    """The issue's check, on the bundled sample as the user runs it."""
    routes = tmp_path / "routes.gpkg"
    run("routes:loadtrackerexport", {"INPUT": str(SAMPLE), "OUTPUT": str(routes),
                                     "OVERRIDES": str(SAMPLE.parent / "overrides.csv")})
    names = ("OUTPUT", "OUTPUT_POLYGONS", "OUTPUT_BREAKDOWN", "OUTPUT_AIRLINES", "OUTPUT_RECRUITMENT",
             "OUTPUT_AIRLINES_WIDE", "OUTPUT_RECRUITMENT_WIDE", "OUTPUT_DISCLOSURE")
    out = {n: str(tmp_path / f"{n}.gpkg") for n in names}
    run("routes:regionalsummary", {"INPUT": f"{routes}|layername=route_points", "SUPPRESS_BELOW": 10, **out})
    for name, row in (("OUTPUT_AIRLINES_WIDE", "airlines"), ("OUTPUT_RECRUITMENT_WIDE", "recruitment_methods")):
        wide = pyogrio.read_dataframe(out[name], read_geometry=False)
        assert "total" in wide.columns and wide[row].iloc[-1] == "total"
        assert wide["total"].iloc[-1] > 0
    regions = pyogrio.read_dataframe(out["OUTPUT"], read_geometry=False)
    assert regions["region"].iloc[-1] == "total" and regions["routes_any"].iloc[-1] > 0
    layers = [f"{p}|layername={layer}" for p in out.values() for layer, _ in pyogrio.list_layers(p)
              if layer != "layer_styles"]
    result = run("routes:disclosureaudit", {"INPUT": layers, "SUPPRESS_BELOW": 10, "FAIL_IF_EXPOSED": True,
                                            "OUTPUT": str(tmp_path / "audit.gpkg")})
    table = pyogrio.read_dataframe(tmp_path / "audit.gpkg", read_geometry=False)
    cross = table[table["table"].str.contains("×") & (table["measure"] == "routes")]
    assert result["EXPOSED"] == 0 and len(cross) > 10
    assert (cross.loc[cross.status == "protected", "values"] >= 3).all()


def test_disclosure_audit_refuses_working_layers_and_finds_leaks(plugin, tmp_path):
    from qgis.core import QgsProcessingException

    routes = tmp_path / "routes.gpkg"
    run("routes:loadtrackerexport", {"INPUT": str(SAMPLE), "OUTPUT": str(routes)})
    with pytest.raises(QgsProcessingException, match="not for publication"):
        run("routes:disclosureaudit", {"INPUT": [f"{routes}|layername=route_lines"], "SUPPRESS_BELOW": 5,
                                       "OUTPUT": str(tmp_path / "a.gpkg")})
    # a cross table with its totals and primary suppression only: the blank is its row total minus the rest
    leaky = pd.DataFrame({"airlines": ["KQ", "KQ", "EK", "EK", "total", "total", "KQ", "EK", "total"],
                          "destination_country": ["ARE", "QAT", "ARE", "QAT", "ARE", "QAT", "total", "total", "total"],
                          "routes": [3, 20, 15, 12, 18, 32, 23, 27, 50]})
    leaky.loc[0, "routes"] = None
    path = tmp_path / "leaky.gpkg"
    pyogrio.write_dataframe(leaky, path, layer="airlines")
    with pytest.raises(QgsProcessingException, match="narrowed"):
        run("routes:disclosureaudit", {"INPUT": [f"{path}|layername=airlines"], "SUPPRESS_BELOW": 10,
                                       "FAIL_IF_EXPOSED": True, "OUTPUT": str(tmp_path / "b.gpkg")})


def test_identifying_only_when_opted_in(plugin, sample_with_extras, tmp_path):
    sample, secrets = sample_with_extras
    out = tmp_path / "with.gpkg"
    run("routes:loadtrackerexport", {"INPUT": str(sample), "OUTPUT": str(out), "INCLUDE_IDENTIFYING": True})
    assert identifying_found(out, secrets)  # the check can fail: opting in writes them


def test_export_refuses_small_counts(plugin, tmp_path):
    from qgis.core import QgsProcessingException

    table = tmp_path / "small.csv"
    table.write_text("region,routes,notes\nCoast,3,secret\nNairobi,12,secret\n")
    with pytest.raises(QgsProcessingException, match="below 5"):
        run("routes:exporttable", {"INPUT": str(table), "FORMAT": 1, "SUPPRESS_BELOW": 5,
                                   "OUTPUT": str(tmp_path / "x.xlsx")})
    assert not (tmp_path / "x.xlsx").exists()
    run("routes:exporttable", {"INPUT": str(table), "FORMAT": 0, "SUPPRESS_BELOW": 0, "OUTPUT": str(tmp_path / "y.csv")})
    assert "secret" not in (tmp_path / "y.csv").read_text(encoding="utf-8-sig")


def _qgis_process(args, home, timeout=600, netns=False):
    env = {k: v for k, v in os.environ.items() if k not in ("QGIS_CUSTOM_CONFIG_PATH", "QGIS_OPTIONS_PATH")}
    env["ROUTES_QGIS_HOME"] = str(home)  # a profile of its own, not the in-process test QGIS's
    cmd = (["unshare", "--net"] if netns else []) + [str(SCRIPT), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def _netns_available() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "--net", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _netns_available(), reason="unshare --net is not permitted here")
def test_whole_chain_runs_without_network(tmp_path):
    out = tmp_path / "out"
    (out / "chapters").mkdir(parents=True)
    ran = _qgis_process(
        ["run", str(MODEL), "--", f"EXPORT={SAMPLE}", f"SUPPRESS_BELOW={THRESHOLD}", "DPI=72",
         f"OVERRIDES={SAMPLE.parent / 'overrides.csv'}",
         f"load:Route layers (GeoPackage)={out / 'routes.gpkg'}",
         f"density:Hotspot density={out / 'density.tif'}",
         f"flows:Flows={out / 'flows.gpkg'}", f"flows:Flow nodes={out / 'flow_nodes.gpkg'}",
         f"crossings:Border crossings={out / 'crossings.gpkg'}",
         f"summary:Regional summary={out / 'summary.gpkg'}", f"summary:Regional risk={out / 'risk.gpkg'}",
         f"chapters_en:Chapters (English)={out / 'chapters'}", f"chapters_sw:Chapters (Kiswahili)={out / 'chapters'}",
         f"report:Report={out / 'report'}"],
        tmp_path / "home", netns=True)
    log = ran.stdout + ran.stderr
    assert ran.returncode == 0, log[-3000:]
    assert "Traceback" not in log
    assert len(list((out / "chapters").glob("chapter_*_en.pdf"))) == 8
    assert {p.name for p in (out / "report").glob("report_*.pdf")} == {"report_en.pdf", "report_sw.pdf"}
    for name in ("flows", "flow_nodes", "crossings", "summary", "risk"):
        assert small_counts(out / f"{name}.gpkg") == []


_spec = importlib.util.spec_from_file_location("make_bad_corpus", REPO / "scripts" / "make_bad_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)
HOSTILE = ["csv_injection.csv", "unclosed_quote.csv", "password_protected.xlsx", "html_login_page.csv",
           "stray_far_cell.xlsx", "zip_bomb.xlsx", "transit_10mb.csv"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_never_crashes_qgis_process(name, tmp_path):
    path = REPO / "tests" / "data" / "bad" / name
    if not path.exists():
        path = corpus.write_big(tmp_path, [name])[name]
    ran = _qgis_process(["run", "routes:loadtrackerexport", "--", f"INPUT={path}", f"OUTPUT={tmp_path / 'o.gpkg'}"],
                        tmp_path / "home", timeout=300)
    log = ran.stdout + ran.stderr
    assert ran.returncode in (0, 1), f"{name}: exit {ran.returncode}\n{log[-2000:]}"
    assert "Traceback" not in log
    if ran.returncode:
        assert name in log
    else:
        assert re.search(r"\d+ rows in = \d+ mapped \+ \d+ rejected", log)
