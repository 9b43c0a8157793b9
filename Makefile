# The two commands: `make demo` and `make test` (both build .venv from scratch on a fresh machine).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lab chromium clean

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

# The layering contracts and strict typing of the two lowest layers first (seconds), then the suite.
test: $(STAMP) chromium
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
	rm -rf $(VENV) build .pytest_cache
