# Every target bootstraps its own virtualenv: a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := $(CURDIR)/.demo

.PHONY: demo test lint bench check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# An editable install is byte-compiled by nothing else, and where PYTHONDONTWRITEBYTECODE is
	@# set (containers, CI) every run would compile the package again: about 0.1 s a command.
	$(BIN)/python -m compileall -q nervsync_cli
	touch $(STAMP)

## demo: install, then run a real diff and a real sync on copies of fixtures/
demo: $(STAMP)
	@rm -rf $(DEMO) && mkdir -p $(DEMO) && cp fixtures/inventory-source.yaml fixtures/inventory-target.json $(DEMO)/
	@echo '$$ nervsync diff fixtures/inventory-source.yaml fixtures/inventory-target.json'
	-@$(BIN)/nervsync diff fixtures/inventory-source.yaml fixtures/inventory-target.json; echo "(exit $$?: 1 means differences)"
	@echo '$$ nervsync diff fixtures/k8s-desired.yaml fixtures/k8s-deployed.yaml'
	-@$(BIN)/nervsync diff fixtures/k8s-desired.yaml fixtures/k8s-deployed.yaml; echo "(exit $$?)"
	@echo '$$ nervsync sync --direction source-to-target inventory-source.yaml inventory-target.json   (on copies in .demo/)'
	@$(BIN)/nervsync sync --direction source-to-target $(DEMO)/inventory-source.yaml $(DEMO)/inventory-target.json
	@echo '$$ nervsync diff inventory-source.yaml inventory-target.json   (after the sync)'
	@$(BIN)/nervsync diff $(DEMO)/inventory-source.yaml $(DEMO)/inventory-target.json && echo "(exit 0: in sync)"

## test: lint, then the whole test suite
test: $(STAMP) lint
	$(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check nervsync_cli tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py

check: lint test

clean:
	rm -rf $(VENV) $(DEMO) .mypy_cache .ruff_cache .pytest_cache
