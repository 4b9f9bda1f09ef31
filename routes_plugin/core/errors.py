"""The project's error types (QGIS-free).

:class:`RoutesError` is the one error whose message is written for the user:
it names the file, row, column or parameter at fault. The QGIS edge
(``processing/base.py``) turns it into a ``QgsProcessingException``; any other
exception is a programming error and reaches the user as a traceback. Each
core module subclasses it (``ReadError``, ``StoreError``, ``SummaryError``,
``ChapterError`` …); the ``ValueError`` in some subclasses only keeps older
``except ValueError`` callers working.
"""
from __future__ import annotations


class RoutesError(Exception):
    """Input, settings or resources the plugin cannot work with (message is for the user)."""


class ResourceError(RoutesError):
    """A resource the plugin needs (QGIS's world map, a country pack, a style) is missing or unreadable."""


class CountryPackError(ResourceError):
    """A country pack is missing, incomplete or inconsistent."""


class CancelledError(RoutesError):
    """The user cancelled; nothing half-done is reported as a result."""
