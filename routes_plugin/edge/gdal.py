"""Importing pyogrio pushes its own GDAL error handler (GDAL warnings become
Python RuntimeWarnings in QGIS's message log). :func:`import_pyogrio` imports it
once, from the thread QGIS loads the plugin in, and pops that handler, so
QGIS's own handling of GDAL messages stays as it was."""
from __future__ import annotations

import importlib.util
import sys


def import_pyogrio():
    """pyogrio, imported without leaving its GDAL error handler installed (None if missing)."""
    if "pyogrio" in sys.modules:
        return sys.modules["pyogrio"]
    if importlib.util.find_spec("pyogrio") is None:
        return None
    import pyogrio as module
    try:
        from osgeo import gdal
    except ImportError:  # no GDAL bindings: nothing to restore through
        return module
    gdal.PopErrorHandler()  # the handler pyogrio.core pushed at import (the top of this thread's stack)
    return module
