# One virtual environment, built from requirements.txt, serves every target.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STACK  ?= dev
PULUMI := $(shell command -v pulumi 2>/dev/null)

.PHONY: install test lint format unit up preview destroy outputs clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PY) -m pytest

define need_pulumi
	@test -n "$(PULUMI)" || { echo "pulumi CLI not found: install it from https://www.pulumi.com/docs/install/ (or run 'make preview' / 'make local' offline)"; exit 1; }
endef

up: install
	$(need_pulumi)
	pulumi up --stack $(STACK)

destroy: install
	$(need_pulumi)
	pulumi destroy --stack $(STACK)

outputs: install
	$(need_pulumi)
	pulumi stack output --stack $(STACK) --json

preview: install
	$(need_pulumi)
	pulumi preview --stack $(STACK)

clean:
	rm -rf $(VENV) .pytest_cache .coverage .ruff_cache
