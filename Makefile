# 技能竞赛与评价平台 — the two commands: `make run` and `make test`. Both are idempotent.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

# Debian packages: WeasyPrint needs Pango and HarfBuzz's subsetter (without it, font subsetting
# falls back to a pure-Python subsetter ~40x slower); CJK fonts for pages and PDFs. Certificates use
# TrueType CJK fonts (small subsets) with a fallback chain for rare characters: LXGW WenKai →
# AR PL UKai → BabelStone Han → Noto CJK (see static/certificates/fonts.css).
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-wqy-microhei \
	fonts-lxgw-wenkai fonts-arphic-ukai fonts-babelstone-han
# Tests also drive Debian's chromium through Playwright and inspect PDFs with poppler-utils.
TEST_DEBS := chromium poppler-utils
# The public-pages benchmark drives gunicorn with wrk (benchmarks/public_pages.py).
BENCH_DEBS := wrk

.PHONY: run test lint audit bench system-deps system-deps-test install install-dev db demo clean messages

run: install system-deps db  ## Set everything up and serve the platform on http://$(HOST):$(PORT)
	@echo ""
	@echo "技能竞赛与评价平台: http://$(HOST):$(PORT)/  (Ctrl-C 停止)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install-dev system-deps system-deps-test lint  ## Set up, then lint, check import contracts and run every test
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check competition tests benchmarks wsgi.py
	$(BIN)/ruff format --check competition tests benchmarks wsgi.py
	$(BIN)/lint-imports
	@$(MAKE) --no-print-directory audit

# Known vulnerabilities in the installed packages: PyPI's advisory data (https://pypi.org/pypi/NAME/VERSION/json),
# then osv.dev when PyPI answered for no package. Fails on a vulnerability; when neither service can be
# reached, or answers for no package (a mirror or proxy without it), it says so loudly, with the reason,
# and does not fail: that is "not checked", never "no vulnerabilities".
audit: install-dev
	@mkdir -p $(STAMPS); reasons=""; \
	for service in pypi osv; do \
	  out=$(STAMPS)/pip-audit-$$service.json; err=$(STAMPS)/pip-audit-$$service.err; rm -f $$out; \
	  $(BIN)/pip-audit --skip-editable --progress-spinner off --vulnerability-service $$service --format json --output $$out 2>$$err; rc=$$?; \
	  checked=$$(grep -o '"vulns"' $$out 2>/dev/null | wc -l); found=$$(grep -o '"id": *"' $$out 2>/dev/null | wc -l); \
	  skipped=$$(grep -o '"skip_reason"' $$out 2>/dev/null | wc -l); \
	  if [ "$$found" -gt 0 ]; then $(BIN)/pip-audit --skip-editable --progress-spinner off --vulnerability-service $$service; exit 1; fi; \
	  if [ $$rc -eq 0 ] && [ "$$checked" -gt 0 ]; then \
	    echo "pip-audit ($$service): $$checked packages checked, no known vulnerabilities ($$skipped not found there)."; exit 0; fi; \
	  if [ $$rc -ne 0 ]; then why="$$(tail -n 1 $$err | cut -c1-240)"; \
	  else why="$$skipped packages skipped, e.g. $$(grep -o '"skip_reason": *"[^"]*"' $$out | head -n 1 | cut -d'"' -f4)"; fi; \
	  reasons="$$reasons\n           $$service: $$why"; \
	done; \
	echo "WARNING: pip-audit could not get advisory data; vulnerabilities NOT checked."; \
	printf "         Reasons:$$reasons\n"

bench: install-dev system-deps
	$(call apt_install,$(BENCH_DEBS))
	$(BIN)/python -m benchmarks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMPS)/install: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/install-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/install

# Interface translations (Flask-Babel): the compiled catalogues are built here, not committed.
MO := translations/en/LC_MESSAGES/messages.mo
BABEL_KEYWORDS := -k _l -k lazy_gettext
$(MO): translations/en/LC_MESSAGES/messages.po | $(STAMPS)/install
	$(BIN)/pybabel compile --statistics -d translations

install: $(STAMPS)/install $(MO)
install-dev: $(STAMPS)/install-dev $(MO)

# Installs only what is missing; needs root (or sudo) the first time on a fresh machine.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

system-deps:
	$(call apt_install,$(RUN_DEBS))

system-deps-test:
	$(call apt_install,$(TEST_DEBS))

db: install  ## Apply migrations to the SQLite database in instance/ and load the demo into an empty one
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty

messages: install-dev  ## Extract the interface's strings, merge them into every language's .po, compile
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --sort-output --no-location --no-wrap -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --no-wrap --ignore-pot-creation-date
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) $(STAMPS) instance .pytest_cache .ruff_cache
