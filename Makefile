# trustsim: `make demo` sets everything up and runs the main job; `make test` runs the tests.
# Both create .venv/ with the first Python >= 3.12 found (override: make PYTHON=/path/to/python3.12).

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PYTHON ?= $(shell sh .ci/find-python)

.PHONY: demo test test-fast clean-venv

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no Python >= 3.12 found (looked on PATH and in ~/.pyenv/versions); install one or pass PYTHON=..." >&2; exit 1; }
	@echo "using $(PYTHON) ($$($(PYTHON) --version))"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# the main job: the default equal-budget comparison, its charts and its report
DEMO_OUT ?= results/compare-policies-$(shell date +%Y%m%d-%H%M%S)

demo: $(STAMP)
	$(BIN)/trustsim compare --out $(DEMO_OUT)
	$(BIN)/trustsim plot $(DEMO_OUT)
	$(BIN)/trustsim report $(DEMO_OUT)
	@echo "open $(DEMO_OUT)/report.html in a browser"

test: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# the tests without the slow and browser ones (a few seconds to a minute)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser"

clean-venv:
	rm -rf $(VENV)
