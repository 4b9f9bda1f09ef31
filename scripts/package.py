#!/usr/bin/env python3
"""Build dist/trafficking_routes.zip: the plugin folder as QGIS's plugin repository wants it.

What goes in: metadata.txt, __init__.py, LICENSE, routes_plugin/ and processing/ as tracked by git
(plus files not yet committed that git does not ignore), and the compiled translations (.qm).
What stays out: tests, benchmarks, scripts, docs, CI files, caches and compiled Python.
The zip is checked before it is written (required metadata keys, LICENSE, no caches): a zip the
official repository would refuse is never made.

qgis-plugin-ci was considered: it packages a plugin kept in a subfolder of its repository, while
this repository *is* the plugin folder (QGIS loads the checkout itself, see scripts/qgis_process),
so one short script stays simpler than rearranging the tree.
"""
from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NAME = "trafficking_routes"
TOP_FILES = ("metadata.txt", "__init__.py", "LICENSE")
TOP_DIRS = ("routes_plugin", "processing")
REQUIRED_METADATA = ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email",
                     "homepage", "tracker", "repository", "tags", "changelog", "icon")
FORBIDDEN_PARTS = ("__pycache__", ".pytest_cache", ".hypothesis")
FORBIDDEN_SUFFIXES = (".pyc", ".pyo", ".ts", ".orig", ".rej")


def plugin_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *TOP_FILES,
                          *TOP_DIRS], cwd=REPO, check=True, capture_output=True).stdout
    files = {REPO / f for f in out.decode().split("\0") if f}
    files |= set((REPO / "routes_plugin" / "i18n").glob("*.qm"))
    return sorted(f for f in files if f.is_file() and f.suffix != ".ts")  # .ts: translation source, .qm ships


def problems(members: list[str]) -> list[str]:
    found = []
    for m in members:
        parts = m.split("/")
        if parts[0] != NAME:
            found.append(f"{m}: outside the plugin folder {NAME}/")
        if any(p in FORBIDDEN_PARTS for p in parts) or m.endswith(FORBIDDEN_SUFFIXES):
            found.append(f"{m}: cache, compiled Python or translation source")
    for need in ("metadata.txt", "LICENSE", "__init__.py"):
        if f"{NAME}/{need}" not in members:
            found.append(f"{need} is missing")
    if not any(m.endswith(".qm") for m in members):
        found.append("no compiled translation (.qm): run `make translations`")
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(REPO / "metadata.txt", encoding="utf-8")
    for key in REQUIRED_METADATA:
        if not meta.get("general", key, fallback="").strip():
            found.append(f"metadata.txt: {key} is empty or missing")
    return found


def main() -> int:
    dist = REPO / "dist"
    dist.mkdir(exist_ok=True)
    files = plugin_files()
    members = [f"{NAME}/{f.relative_to(REPO).as_posix()}" for f in files]
    bad = problems(members)
    if bad:
        print("package: refused:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 1
    target = dist / f"{NAME}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for f, m in zip(files, members):
            z.write(f, m)
    tmp.replace(target)
    print(target.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
