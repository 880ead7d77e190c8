# A newcomer's two commands: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install lrs run test test-fast lint validate bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv with the app and test dependencies

LRS_STAMP := .venv-lrs/.installed
$(LRS_STAMP): tests/lrs-requirements.txt
	$(PYTHON) -m venv .venv-lrs
	.venv-lrs/bin/python -m pip install --quiet -r tests/lrs-requirements.txt
	touch $(LRS_STAMP)

lrs: $(LRS_STAMP)  ## a real learning record store (Ralph) in .venv-lrs, which the xAPI tests start

run: install  ## start the app on the embedded SQLite default (data in ./data)
	$(PY) -m cpd validate
	$(PY) -m streamlit run app.py

test: install lrs lint  ## install what tests need (Chromium, fonts, PostgreSQL check), lint, and run the whole suite
	bash scripts/test-prereqs.sh
	$(PY) -m pytest

lint: install  ## ruff on the repository, mypy on the engine
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test-fast: install lrs  ## the suite without the browser tests
	$(PY) -m pytest -m 'not browser'

validate: install
	$(PY) -m cpd validate

BENCHES := bench/certificate_issue.py bench/certificate_verify.py bench/rerun_cost.py bench/token_lookup.py

bench: install  ## print the benchmark figures (bench/bare_form_page.py is a page the rerun benchmark serves)
	@for b in $(BENCHES); do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
