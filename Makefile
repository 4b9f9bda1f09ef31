# Trafficking Routes — one Makefile for local work and CI (Debian 12).
# `make demo` and `make test` do every install step themselves (idempotent).

SHELL        := /bin/bash
PY_SYS       := /usr/bin/python3
VENV         := .venv
PY           := $(VENV)/bin/python
STAMP        := $(VENV)/.setup-stamp
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS         := qgis python3-qgis qgis-providers xvfb xauth poppler-utils qttools5-dev-tools zip unzip gdal-bin python3-psycopg2
TEST_HOME    := $(CURDIR)/build/test-home
DEMO_OUT     ?= $(CURDIR)/demo-output
SAMPLE       := routes_plugin/data/sample/kenya_routes_synthetic.csv
PKG_NAME     := trafficking_routes
export QT_QPA_PLATFORM := offscreen

.PHONY: setup debs venv test test-core demo package gazetteer bench clean translations postgis

setup: debs $(STAMP)

debs:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PY_SYS) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -c "import numpy, osgeo.gdal_array, qgis.core; assert numpy.__version__.startswith('1.'), numpy.__version__"
	touch $@

test: setup translations
	mkdir -p $(TEST_HOME)
	HOME=$(TEST_HOME) $(PY) -m pytest -q

test-core: setup
	$(PY) -m pytest -q -p no:pytest_qgis tests/core

demo: setup
	mkdir -p $(DEMO_OUT)
	scripts/qgis_process run routes:loadtrackerexport -- INPUT=$(CURDIR)/$(SAMPLE) OVERRIDES=$(CURDIR)/routes_plugin/data/sample/overrides.csv OUTPUT=$(DEMO_OUT)/routes.gpkg
	@echo "Demo output: $(DEMO_OUT)"

gazetteer: setup
	$(PY) scripts/build_gazetteer.py

translations: setup
	$(PY) scripts/i18n.py --check
	for ts in routes_plugin/i18n/*.ts; do lrelease -silent $$ts -qm $${ts%.ts}.qm; done

package: translations
	rm -rf build/package dist/$(PKG_NAME).zip && mkdir -p build/package/$(PKG_NAME) dist
	git ls-files -z --cached --others --exclude-standard | grep -zvE '^(tests|bench|scripts|docs|\.ci)/|^(Makefile|requirements.*\.txt|pytest\.ini|\.gitignore)$$' \
	  | xargs -0 -I{} cp --parents {} build/package/$(PKG_NAME)/
	cp routes_plugin/i18n/*.qm build/package/$(PKG_NAME)/routes_plugin/i18n/
	find build/package -name '__pycache__' -prune -exec rm -rf {} +
	cd build/package && zip -qr ../../dist/$(PKG_NAME).zip $(PKG_NAME)
	@echo "dist/$(PKG_NAME).zip"

bench: setup
	$(PY) bench/run_all.py

postgis: setup
	scripts/postgis.sh

clean:
	-scripts/postgis.sh stop
	rm -rf build dist demo-output .pytest_cache
