# cevns-book build/test scaffold.  Needs only python3 (>=3.11) and make.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBTEST := _build/nbtest

# Use only the venv's kernelspec (python3 -> .venv python); matplotlib keeps the inline backend of the
# kernel, which is what renders glued figures as images;
# quiet harmless Jupyter/pydevd notices.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export JUPYTER_PLATFORM_DIRS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv book test bench clean

help:
	@echo "make book   - build the Jupyter Book (executes every chapter) into _build/html"
	@echo "make test   - unit tests (tests/) + every chapter notebook via nbval-lax"
	@echo "make bench  - run benchmarks/run_all.py (if present)"
	@echo "make clean  - remove _build"

venv: $(STAMP)

# Reinstall only when requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@# a figure that failed to render leaves a traceback (or only its text repr) in the page without failing
	@# the build: refuse both
	@if grep -rlE "Traceback \(most recent call last\)|&lt;Figure size [0-9]+x[0-9]+ with" _build/html \
	  --include=*.html; then echo "error: the pages above contain a traceback or an unrendered figure"; exit 1; fi

# One pytest run: unit tests + chapters converted to notebooks (nbval-lax only
# affects .ipynb items).  Notebooks go to _build/nbtest/chapters/ with a
# data -> ../../data link so relative paths like ../data/... behave as in chapters/.
test: $(STAMP)
	rm -rf $(NBTEST)
	mkdir -p $(NBTEST)/chapters
	if [ -d data ]; then ln -s ../../data $(NBTEST)/data; fi
	for f in chapters/*.md; do \
	  if grep -q '^kernelspec:' "$$f"; then \
	    $(BIN)/jupytext --quiet --to ipynb -o "$(NBTEST)/chapters/$$(basename "$${f%.md}").ipynb" "$$f" || exit 1; \
	  fi; \
	done
	$(BIN)/python -m pytest -p no:cacheprovider -q --nbval-lax $(wildcard tests) $(NBTEST)

bench: $(STAMP)
	if [ -f benchmarks/run_all.py ]; then \
	  $(BIN)/python benchmarks/run_all.py; \
	else \
	  echo "benchmarks/run_all.py not found; nothing to run"; \
	fi

clean:
	rm -rf _build
