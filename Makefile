# The two commands: `make demo` and `make test` (both build .venv from scratch on a fresh machine).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-pandas2 bench lab chromium clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Debian's chromium for the browser suite (never `playwright install`), and an emoji font so the
# badges in screenshots are not empty boxes.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; } || { \
	  echo "installing Debian's chromium and fonts-noto-color-emoji (apt-get)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; }

# The pandas-2 leg (DESIGN §13: declared support is tested support). The runtime dependencies from
# pyproject.toml with pandas 2.2 and numpy 1.26 (all pinned in constraints-pandas2.txt) and the test tools, in
# a venv of their own; the checkout is imported through PYTHONPATH (an editable install would rewrite its
# .egg-info). It runs the tests of everything that builds or reads a DataFrame, without kernels or a browser.
VENV2 := .venv-pandas2
STAMP2 := $(VENV2)/.installed
PANDAS2_TEST_TOOLS := pytest pytest-asyncio hypothesis pydantic pyyaml
PANDAS2_TESTS := tests/_catalog/test_catalog*.py tests/_accounting/test_ledger*.py tests/_accounting/test_budget.py tests/_accounting/test_reports.py \
	tests/_magics/test_magics.py tests/_magics/test_magic_subcommands.py tests/_magics/test_magic_errors.py tests/_widgets/test_picker.py \
	tests/_session/test_session.py tests/_catalog/test_model_alias_ids.py tests/_magics/test_key_hygiene.py tests/_widgets/test_compare.py \
	tests/_session/test_rowmap.py tests/_session/test_rowmap_schema_budget.py tests/_session/test_embed.py tests/_magics/test_notebook_context.py \
	tests/_accounting/test_reports_tags.py

$(STAMP2): pyproject.toml constraints-pandas2.txt
	rm -rf $(VENV2)
	$(PYTHON) -m venv $(VENV2)
	$(VENV2)/bin/python -m pip install --quiet --upgrade pip
	$(VENV2)/bin/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	  print("\n".join(p["dependencies"] + p["optional-dependencies"]["plot"]))' > $(VENV2)/requirements.txt
	$(VENV2)/bin/python -m pip install --quiet -c constraints-pandas2.txt -r $(VENV2)/requirements.txt \
	  $(PANDAS2_TEST_TOOLS)
	touch $(STAMP2)

test-pandas2: $(STAMP2)
	PYTHONPATH=$(CURDIR) $(VENV2)/bin/python -m pytest -q -p no:cacheprovider -m "not kernel and not e2e" \
	  $(PANDAS2_TESTS)

# The layering contracts and strict typing of the two lowest layers first (seconds), then the suite
# (after the pandas-2 leg above).
test: $(STAMP) chromium test-pandas2
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

demo: $(STAMP)
	$(PY) tools/demo.py

# jupyter-ai's magics are the %load_ext baseline: a separate venv, never the project's own.
build/bench-ai/bin/python: benchmarks/baseline-constraints.txt
	$(PYTHON) -m venv build/bench-ai
	build/bench-ai/bin/python -m pip install --quiet -c benchmarks/baseline-constraints.txt jupyter-ai-magics
	touch $@

bench: $(STAMP) build/bench-ai/bin/python
	$(PY) benchmarks/run.py

lab: $(STAMP)
	$(PY) tools/demo.py --lab

clean:
	rm -rf $(VENV) $(VENV2) build .pytest_cache
