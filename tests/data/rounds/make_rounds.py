#!/usr/bin/env python3
"""Write two SYNTHETIC collection rounds of one network (no real person is in them):
``round_2019.csv`` (smaller) and ``round_2020.csv`` (larger), in the tracker's
export format (the headers of scripts/generate_export.py).

What the rounds are built to show (``EXPECTED`` below; the tests read it):
- destination countries new in 2020 (Ethiopia, Namibia, Thailand, Turkey, Italy,
  Netherlands with >= 5 routes; Greece and Rwanda with fewer than 5);
- origin towns new in 2020: Hargeisa (in Somaliland) and Helsinki (Finland);
- a destination gone in 2020 (Kuwait, 8 routes in 2019) and a small gone one (Bahrain, 2);
- Saudi Arabia's share up well beyond chance, Lebanon's down, Qatar about the same;
- a transit point used in both rounds (Busia) and a small origin in both (Kitale, 2 and 3).

Run: ``.venv/bin/python tests/data/rounds/make_rounds.py`` (deterministic).
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADERS = [
    "Route ID", "Year", "Date reported", "Origin city", "Origin country", "Transit points",
    "Intended destination city", "Intended destination country", "Place of exploitation city",
    "Place of exploitation country", "Estimated cases", "Type of exploitation", "Industry",
    "Mode of transport", "Airlines", "Recruitment method", "Reporting organisation", "Notes",
]

# destination country -> (city, routes 2019, routes 2020)
DESTINATIONS = {
    "Saudi Arabia": ("Riyadh", 30, 120),
    "United Arab Emirates": ("Dubai", 25, 40),
    "Qatar": ("Doha", 20, 34),
    "Lebanon": ("Beirut", 30, 12),
    "Oman": ("Muscat", 10, 14),
    "Uganda": ("Kampala", 12, 18),
    "Tanzania": ("Dar es Salaam", 10, 16),
    "Kuwait": ("Kuwait City", 8, 0),
    "Bahrain": ("Manama", 2, 0),
    "Ethiopia": ("Addis Ababa", 0, 9),
    "Namibia": ("Windhoek", 0, 6),
    "Thailand": ("Bangkok", 0, 7),
    "Turkey": ("Istanbul", 0, 6),
    "Italy": ("Rome", 0, 5),
    "Netherlands": ("Amsterdam", 0, 5),
    "Greece": ("Athens", 0, 3),
    "Rwanda": ("Kigali", 0, 2),
}
# origin (city, country) -> (weight 2019, weight 2020); Hargeisa and Helsinki are new in 2020
ORIGINS = {
    ("Nairobi", "Kenya"): (40, 90), ("Mombasa", "Kenya"): (30, 60), ("Kisumu", "Kenya"): (20, 30),
    ("Nakuru", "Kenya"): (20, 30), ("Eldoret", "Kenya"): (15, 25), ("Kitale", "Kenya"): (2, 3),
    ("Hargeisa", "Somaliland"): (0, 8), ("Helsinki", "Finland"): (0, 6), ("Somaliland", ""): (0, 3),
}
TRANSIT = ["Busia", "Malaba", "Namanga", "Moyale", ""]
EXPLOITATION = ["Domestic servitude", "Sexual exploitation", "Forced labour"]
MODES = ["Air", "Road", "Bus", "Air; Road"]

EXPECTED = {
    "new_destination_countries": ["ETH", "NAM", "THA", "TUR", "ITA", "NLD", "GRC", "RWA"],
    "named_new_destination_countries": ["ETH", "NAM", "THA", "TUR", "ITA", "NLD"],
    "common_destination_countries": ["SAU", "ARE", "QAT", "LBN", "OMN", "UGA", "TZA"],
    "gone_destination_countries": ["KWT", "BHR"],
    "new_origin_towns": ["Hargeisa", "Helsinki"],
}


def _exact(weights: dict, total: int, rng) -> list:
    """``total`` draws spread over ``weights`` exactly in proportion (rounded), shuffled."""
    keys = [k for k, w in weights.items() if w]
    s = sum(weights[k] for k in keys)
    counts = {k: int(round(total * weights[k] / s)) for k in keys}
    fixed = [k for k in keys if weights[k] <= 8]  # small origins keep exactly their weight
    for k in fixed:
        counts[k] = weights[k]
    diff = total - sum(counts.values())
    big = max(keys, key=lambda k: weights[k])
    counts[big] += diff
    out = [k for k in keys for _ in range(counts[k])]
    rng.shuffle(out)
    return out


def make_round(year: int, column: int, seed: int) -> list[list]:
    rng = random.Random(seed)
    dests = [d for d, v in DESTINATIONS.items() for _ in range(v[column])]
    rng.shuffle(dests)
    origins = _exact({k: v[column - 1] for k, v in ORIGINS.items()}, len(dests), rng)
    rows = []
    for i, (dest, (city, country)) in enumerate(zip(dests, origins)):
        dcity = DESTINATIONS[dest][0]
        transit = rng.choice(TRANSIT) if country == "Kenya" else ""
        exploit_same = rng.random() < 0.6
        rows.append([f"R{year}-{i + 1:04d}", year, f"{year}-{rng.randint(1, 12):02d}-15", city, country, transit,
                     dcity, dest, dcity if exploit_same else "", dest if exploit_same else "",
                     str(rng.choice([1, 1, 2, 3, 5, "10+", "2-4"])), rng.choice(EXPLOITATION), "",
                     rng.choice(MODES), "", "Job offer", "", ""])
    return rows


def main() -> None:
    for year, column, seed in ((2019, 1, 19), (2020, 2, 20)):
        with open(HERE / f"round_{year}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(HEADERS)
            w.writerows(make_round(year, column, seed))


if __name__ == "__main__":
    main()
