"""QGIS-free core: reading exports, gazetteer, journeys, layers, aggregation,
density and suppression. Never imports ``qgis``."""
