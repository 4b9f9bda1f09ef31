"""Cell parsing: cases, years, multi-value cells, categories; and suppression."""
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficking_routes.routes_plugin.core import categories as cat
from trafficking_routes.routes_plugin.core.routes import parse_cases, parse_year
from trafficking_routes.routes_plugin.core.suppression import check_no_small_counts, suppress


def _pair(text):
    low, high, problem = parse_cases(text)
    return (None if math.isnan(low) else low, None if math.isnan(high) else high, problem is None)


@pytest.mark.parametrize("text, expected", [
    ("12", (12, 12, True)),
    (" 12 ", (12, 12, True)),
    ("12.0", (12, 12, True)),
    ("10+", (10, None, True)),
    ("more than 10", (10, None, True)),
    ("zaidi ya 10", (10, None, True)),
    ("about 20", (20, 20, True)),
    ("approx. 15", (15, 15, True)),
    ("~8", (8, 8, True)),
    ("takriban 30", (30, 30, True)),
    ("5-10", (5, 10, True)),
    ("5–10", (5, 10, True)),
    ("5 to 10", (5, 10, True)),
    ("1,200", (1200, 1200, True)),
    ("", (None, None, True)),
    (None, (None, None, True)),
    ("many", (None, None, False)),
    ("-3", (None, None, False)),
    ("10-5", (None, None, False)),
    ("=1+1", (None, None, False)),
    ("99999999", (None, None, False)),
])
def test_parse_cases(text, expected):
    assert _pair(text) == expected


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_parse_cases_any_text_gives_value_or_reason(text):
    low, high, problem = parse_cases(text)
    if problem is None:
        assert math.isnan(high) or (not math.isnan(low) and low <= high)
    else:
        assert math.isnan(low) and math.isnan(high) and isinstance(problem, str) and problem


@pytest.mark.parametrize("text, year", [("2019", 2019), ("2019.0", 2019), ("2019-05-01", 2019), ("05/2018", 2018),
                                        ("", None), ("1850", None), ("2018-2019", None)])
def test_parse_year(text, year):
    y, problem = parse_year(text)
    assert (None if math.isnan(y) else y) == year
    if year is None and text:
        assert problem


@pytest.mark.parametrize("cell, items", [
    ("Busia; Malaba", ["Busia", "Malaba"]),
    ("Busia/Malaba -> Kampala", ["Busia", "Malaba", "Kampala"]),
    ("Busia,Malaba , Kampala", ["Busia", "Malaba", "Kampala"]),
    ("Busia\nMalaba", ["Busia", "Malaba"]),
    ("Kisumu na Busia", ["Kisumu", "Busia"]),
    ("Namanga | Arusha", ["Namanga", "Arusha"]),
    ("Moyale → Addis Ababa", ["Moyale", "Addis Ababa"]),
    ("-1.28, 36.82; 0.46,34.11 -> Kampala", ["-1.28, 36.82", "0.46, 34.11", "Kampala"]),
    (";;", []),
    ("", []),
    (None, []),
])
def test_split_cell(cell, items):
    assert cat.split_cell(cell) == items


def test_categories_normalise_english_swahili_and_unknown():
    assert cat.normalise_categories("transport_modes", "Bus, plane & boda boda") == ["road", "air"]
    assert cat.normalise_categories("transport_modes", "Ndege; Basi") == ["air", "road"]
    assert cat.normalise_categories("exploitation_types", "Domestic servitude") == ["domestic_servitude"]
    assert cat.normalise_categories("recruitment_methods", "Space ship") == ["Space ship"]
    assert cat.label("transport_modes", "air", "sw") == "Ndege"
    assert cat.label("role", "transit", "sw") == "Kupitia"


def test_fold():
    assert cat.fold("  Murang’a ") == cat.fold("MURANG'A") == "murang'a"
    assert cat.fold("Bénin") == "benin"


def test_suppress_blank_drop_merge():
    t = pd.DataFrame({"origin": list("ABCD"), "routes": [1, 4, 5, 20], "cases_low": [2, 40, 3, 100]})
    blank = suppress(t, ["routes", "cases_low"], 5, "blank")
    assert blank["routes"].isna().tolist() == [True, True, False, False]
    assert blank["cases_low"].isna().tolist() == [True, False, True, False]
    drop = suppress(t, ["routes", "cases_low"], 5, "drop")
    assert drop["origin"].tolist() == ["C", "D"] and drop.attrs["suppressed_rows"] == 2
    merged = suppress(t, ["routes", "cases_low"], 5, "merge", label_columns=["origin"])
    other = merged[merged["origin"] == "other (suppressed)"]
    assert other["routes"].tolist() == [5] and other["cases_low"].tolist() == [42]
    for out in (blank, drop, merged):
        assert check_no_small_counts(out, ["routes", "cases_low"], 5) == []
    assert suppress(t, ["routes"], 0)["routes"].tolist() == [1, 4, 5, 20]
    keyed = suppress(t, ["routes", "cases_low"], 5, "blank", key_column="routes")
    assert keyed["cases_low"].isna().tolist() == [True, True, True, False]  # row B's 40 cases hidden with its 4 routes
