# Convolutions course: the instructor's commands. `make book` and `make test` bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make test SANDBOX=optional` runs without bubblewrap: the sandbox tests are then skipped, loudly.
SANDBOX ?= required
# nbgrader shells out to alembic: the venv's bin/ must be on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: book pdf release test test-fast lint bench clean

$(BIN)/.installed: requirements.txt autograder/engine/student-requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(BIN)/.oracles: $(BIN)/.installed requirements-oracles.txt
	$(BIN)/pip install --quiet -r requirements-oracles.txt
	touch $@

## book: student notebooks in release/ and the static site in _build/html
book: $(BIN)/.installed
	$(BIN)/python -m autograder book

## pdf: the course as one PDF, _build/pdf/convolutions-course.pdf: each page of the site, in _toc.yml's
## order, printed by Chromium once MathJax is done (builds the site first if needed)
pdf: $(BIN)/.installed _build/html/index.html
	@[ -x /usr/bin/chromium ] || $(BIN)/python -m playwright install chromium >/dev/null 2>&1 || \
	  { echo "make pdf needs Chromium: sudo apt-get install -y --no-install-recommends chromium" >&2; exit 1; }
	$(BIN)/python -m autograder pdf

_build/html/index.html:
	$(MAKE) book

## release: student notebooks only (release/<chapter>/<chapter>.ipynb)
release: $(BIN)/.installed
	$(BIN)/python -m autograder release

## test: the system packages the tests need (installed as root), lint, then every instructor check
## (tests/, and each chapter notebook run by nbval). Four test workers even on two cores: many tests
## wait on kernels, browsers and sandboxes, and four kept both cores busy where two did not.
test: $(BIN)/.oracles
	@sh tests/system_packages.sh $(BIN)/python $(SANDBOX)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# nbval runs a notebook's cells in order in one kernel: tests/conftest.py keeps each notebook on one worker.
	COURSE_SANDBOX=$(SANDBOX) $(BIN)/python -m pytest -n 4 --dist loadgroup --nbval-lax tests chapters

## test-fast: the edit-test loop: every test not marked slow (no site build, no nbgrader round trip,
## no whole classes, no notebook runs, so no release: it runs the chapters that glue numbers), no lint
test-fast: $(BIN)/.oracles
	COURSE_SANDBOX=$(SANDBOX) $(BIN)/python -m pytest -n 2 --dist loadgroup -m "not slow" tests

## bench: our code against PyTorch and nbgrader, written to _build/bench/
bench: $(BIN)/.oracles
	$(BIN)/python -m benchmarks

clean:
	rm -rf _build release autograded feedback gradebook.db
