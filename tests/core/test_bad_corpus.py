"""The corpus of hostile and broken inputs (tests/data/bad/, expected outcomes in cases.json).

Every case either stops with a clear error naming the file (and row / column
where known), or loads with rows in = mapped + rejected and the expected
reasons; none crashes or hangs. The big cases (10 MB cells, zip bombs, a
million rows) are built at test time by scripts/make_bad_corpus.py.
"""
from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import os
from pathlib import Path

import pytest

from trafficking_routes.routes_plugin.core.loader import load_export
from trafficking_routes.routes_plugin.core.readers import ReadError

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "tests" / "data" / "bad"
CASES = json.loads((BAD / "cases.json").read_text(encoding="utf-8"))
TIMEOUT_S = 120

_spec = importlib.util.spec_from_file_location("make_bad_corpus", REPO / "scripts" / "make_bad_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


def load_with_timeout(path: Path, out: Path, timeout: float = TIMEOUT_S):
    """``load_export`` in a worker thread: ('ok', result) or ('error', ReadError); fails on a hang."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(load_export, path, output=out)
        try:
            return "ok", future.result(timeout=timeout)
        except ReadError as err:
            return "error", err
        except concurrent.futures.TimeoutError:
            pytest.fail(f"{path.name}: no outcome within {timeout} s (hang)")


def check_case(case: dict, path: Path, tmp_path: Path) -> None:
    kind, outcome = load_with_timeout(path, tmp_path / "out.gpkg")
    if "error" in case:
        assert kind == "error", f"{path.name}: expected an error, got {getattr(outcome, 'report', outcome)}"
        message = str(outcome)
        for part in [path.name, *case["error"]]:
            assert part in message, f"{path.name}: {part!r} not in the error {message!r}"
        return
    assert kind == "ok", f"{path.name}: unexpected error {outcome}"
    report, problems = outcome.report, outcome.layers["rejected_rows"]
    rows_in, mapped, rejected = case["rows"]
    assert (report["rows_in"], report["rows_mapped"], report["rows_rejected"]) == (rows_in, mapped, rejected)
    assert report["rows_in"] == report["rows_mapped"] + report["rows_rejected"]
    # every rejected row is named in rejected_rows, and no row is both mapped and rejected
    rejected_rows = set(problems.loc[problems["severity"] == "rejected", "source_row"].astype(int))
    assert len(rejected_rows) == rejected
    if "points" in case:
        assert report["route_points"] == case["points"]
    for severity, key in (("rejected", "rejected"), ("warning", "warnings")):
        reasons = problems.loc[problems["severity"] == severity, "reason"].tolist()
        for part in case.get(key, []):
            assert any(part in r for r in reasons), f"{path.name}: no {severity} reason holds {part!r}: {reasons}"
    # values and reasons are clipped: a huge cell never floods the layer or the log
    assert all(len(str(v)) <= 600 for v in problems["value"].dropna())
    assert all(len(r) <= 4100 for r in problems["reason"])


def test_corpus_is_complete_and_small():
    files = {p.name for p in BAD.iterdir() if p.name != "cases.json"}
    listed = [c["file"] for c in CASES["cases"]]
    assert len(listed) == len(set(listed)) >= 40
    assert files == set(listed)
    assert sum(p.stat().st_size for p in BAD.iterdir()) < 2 * 1024 ** 2


def test_committed_corpus_matches_the_generator(tmp_path):
    corpus.write_small(tmp_path)
    for case in CASES["cases"]:
        assert (tmp_path / case["file"]).read_bytes() == (BAD / case["file"]).read_bytes(), case["file"]


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: c["file"])
def test_case(case, tmp_path):
    check_case(case, BAD / case["file"], tmp_path)


@pytest.fixture(scope="module")
def big_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("bad_big")


@pytest.mark.parametrize("case", [c for c in CASES["big"] if not c.get("slow")], ids=lambda c: c["file"])
def test_big_case(case, big_dir, tmp_path):
    path = corpus.write_big(big_dir, [case["file"]])[case["file"]]
    check_case(case, path, tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ROUTES_SLOW") != "1", reason="a million rows: set ROUTES_SLOW=1")
def test_million_rows(big_dir, tmp_path):
    path = corpus.write_big(big_dir, ["rows_1m.csv"])["rows_1m.csv"]
    kind, result = load_with_timeout(path, tmp_path / "out.gpkg", timeout=1800)
    assert kind == "ok"
    r = result.report
    assert r["rows_in"] == 1_000_000 == r["rows_mapped"] + r["rows_rejected"]
