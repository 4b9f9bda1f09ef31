# Trafficking Routes — one Makefile for local work and CI (Debian 12).
# `make demo` and `make test` do every install step themselves (idempotent).

SHELL        := /bin/bash
PY_SYS       := /usr/bin/python3
VENV         := .venv
PY           := $(VENV)/bin/python
STAMP        := $(VENV)/.setup-stamp
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS         := qgis python3-qgis qgis-providers xvfb xauth poppler-utils qttools5-dev-tools zip unzip gdal-bin python3-psycopg2 \
               python3-dev libgdal-dev libgeos-dev libproj-dev
TEST_HOME    := $(CURDIR)/build/test-home
DEMO_OUT     ?= $(CURDIR)/demo-output
SAMPLE       := routes_plugin/data/sample/kenya_routes_synthetic.csv
PKG_NAME     := trafficking_routes
export QT_QPA_PLATFORM := offscreen

.PHONY: setup debs venv test test-core demo package gazetteer bench clean translations postgis docs

setup: debs $(STAMP)

# QGIS 3.40 LTR from bookworm-backports, pinned to the 3.40 series (ROUTES_QGIS_SERIES=3.22: bookworm's own)
debs:
	@scripts/apt_qgis.sh $(DEBS)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PY_SYS) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q numpy==1.26.4 "cython<3" setuptools wheel
	$(PY) -m pip install -q --no-cache-dir --no-build-isolation --no-binary pyproj "pyproj>=3.6,<3.7"
	$(PY) -m pip install -q --no-cache-dir --no-binary shapely,pyogrio "shapely>=2.0,<2.2" "pyogrio>=0.9"
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -c "import numpy, osgeo.gdal_array, qgis.core; assert numpy.__version__.startswith('1.'), numpy.__version__"
	$(PY) -c "import osgeo.gdal, pyogrio, pyproj, shapely; \
	  assert pyogrio.__gdal_version_string__ == osgeo.gdal.__version__, 'pyogrio must use the system GDAL'; \
	  assert shapely.geos_version[:2] == (3, 11) and pyproj.proj_version_str.startswith('9.1'), 'system GEOS/PROJ'"
	touch $@

# The PostgreSQL cluster the tests start (scripts/postgis.sh) is removed afterwards, whatever the result.
test: setup translations
	mkdir -p $(TEST_HOME)
	rc=0; HOME=$(TEST_HOME) $(PY) -m pytest -q || rc=$$?; scripts/postgis.sh destroy || true; exit $$rc

test-core: setup
	$(PY) -m pytest -q -p no:pytest_qgis tests/core

# The whole chain on the synthetic sample, as the shipped Processing model
demo: setup translations
	mkdir -p $(DEMO_OUT)
	scripts/qgis_process run routes_plugin/models/export_to_chapters.model3 -- \
	  EXPORT=$(CURDIR)/$(SAMPLE) OVERRIDES=$(CURDIR)/routes_plugin/data/sample/overrides.csv SUPPRESS_BELOW=5 DPI=300 \
	  "load:Route layers (GeoPackage)=$(DEMO_OUT)/routes.gpkg" \
	  "density:Hotspot density=$(DEMO_OUT)/hotspot_density.tif" \
	  "flows:Flows=$(DEMO_OUT)/flows.gpkg" "flows:Flow nodes=$(DEMO_OUT)/flow_nodes.gpkg" \
	  "crossings:Border crossings=$(DEMO_OUT)/border_crossings.gpkg" \
	  "summary:Regional summary=$(DEMO_OUT)/regional_summary.gpkg" "summary:Regional risk=$(DEMO_OUT)/regional_risk.gpkg" \
	  "chapters_en:Chapters (English)=$(DEMO_OUT)/chapters" "chapters_sw:Chapters (Kiswahili)=$(DEMO_OUT)/chapters" \
	  "report:Report=$(DEMO_OUT)"
	@echo "Demo output (GeoPackage, layers, chapter PDFs, report_en.pdf and report_sw.pdf): $(DEMO_OUT)"

gazetteer: setup
	$(PY) scripts/build_gazetteer.py

translations: setup
	$(PY) scripts/i18n.py --check
	for ts in routes_plugin/i18n/*.ts; do lrelease -silent $$ts -qm $${ts%.ts}.qm; done

package: translations
	$(PY) scripts/package.py

# Every benchmark prints its ratio to a baseline measured in the same run (takes ~20 min; the load bench at a million rows)
bench: setup
	$(PY) bench/run_all.py

# docs/algorithms.md from the algorithms' own help texts
docs: setup
	$(PY) scripts/algorithm_docs.py

postgis: setup
	scripts/postgis.sh

clean:
	-scripts/postgis.sh destroy
	rm -rf build dist demo-output .pytest_cache
