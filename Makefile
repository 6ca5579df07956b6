# One virtual environment, built from requirements.lock (every package requirements.txt pulls,
# resolved and hashed by `make lock`), serves every target. `make help` lists the targets: the
# `## ` text on a target's line is its entry there.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STACK  ?= dev
# The interpreter .venv is built with: the newest CPython from 3.13 down to 3.11 that runs,
# found on PATH or through pyenv (PYTHON=... picks one). From 3.12 on, coverage measures
# through sys.monitoring, which leaves code outside the project at full speed: `make test`
# takes about a third less time there than on 3.11.
PYTHON ?= $(shell for v in 3.13 3.12 3.11; do \
	for p in python$$v "$$(pyenv prefix $$v 2>/dev/null)"; do \
	case "$$p" in (/*) p="$$p/bin/python$$v";; esac; \
	"$$p" -c "" 2>/dev/null && { echo "$$p"; exit; }; done; done; echo python3)
# Every test process imports the same project modules: let Python cache their bytecode even
# where the environment says not to.
unexport PYTHONDONTWRITEBYTECODE
PULUMI := $(shell command -v pulumi 2>/dev/null)
# Where `make release` puts the package's wheels and new services' pins find them.
RELEASES ?= dist
# pip without its progress, notices and the machine's index warnings; errors still show.
PIP := $(PY) -m pip install -qq --disable-pip-version-check
# The lock tool, in a throwaway environment of its own (`make lock`).
PIP_TOOLS := pip-tools==7.7.0
# `--stack NAME` when STACK is given on the command line (without it: the tool's default).
STACK_GIVEN = $(if $(filter command line,$(origin STACK)),--stack $(STACK))

# Recipes run without being echoed (V=1 shows them); what they print, errors included, shows.
ifndef V
.SILENT:
endif

.PHONY: help install lock test coverage unit lint format local preview cost policy integration \
	rotate-cache-token release new-service up destroy outputs pulumi-preview clean

install: $(STAMP) ## Build .venv from requirements.lock (again when it or the project changes)

help: ## List the targets with what each does
	echo "make TARGET [VARIABLE=value ...], STACK=dev unless given:"
	awk -F ':[^#]*## ' '/^[a-z][a-z-]*:[^#]*## / { printf "  %-20s %s\n", $$1, $$2 }' \
		$(firstword $(MAKEFILE_LIST))

# The pinned, hashed packages first (a changed lock updates them in place), then the project
# itself, editable: it has no hash, and its build backend, setuptools, is already in the lock.
$(STAMP): requirements.lock pyproject.toml setup.py
	if test -x $(PY); then echo "Updating $(VENV) from requirements.lock..."; \
	else echo "Building $(VENV) from requirements.lock (the first run takes about two minutes)..."; \
		$(PYTHON) -m venv $(VENV); fi
	$(PIP) --require-hashes -r requirements.lock
	$(PIP) --no-deps --no-build-isolation -e .
	touch $(STAMP)

# requirements.txt (and the app's pins it includes) resolved again into requirements.lock,
# with the hashes of every file: existing pins are kept where they still fit, UPGRADE=1 takes
# the newest versions allowed. The project's own `-e .` line is left out (it has no hash).
lock: ## Resolve requirements.txt into the hashed requirements.lock (UPGRADE=1: newest)
	echo "Resolving requirements.txt into requirements.lock with $(PIP_TOOLS) (about two minutes)..."
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PYTHON) -m venv "$$tmp/venv" && \
	"$$tmp/venv/bin/python" -m pip install -qq --disable-pip-version-check $(PIP_TOOLS) && \
	{ test ! -f requirements.lock || cp requirements.lock "$$tmp/requirements.lock"; } && \
	CUSTOM_COMPILE_COMMAND="make lock" "$$tmp/venv/bin/pip-compile" --quiet --generate-hashes \
		--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		--no-emit-trusted-host $(if $(UPGRADE),--upgrade) -o "$$tmp/requirements.lock" \
		requirements.txt 2>"$$tmp/log" || { grep -v "neither a file nor a directory" "$$tmp/log"; \
		exit 1; } && \
	awk '/^# (WARNING: pip install will require|Consider using a hashable URL)/ { next } \
		/^-e / { project = 1; next } project && /^    #/ { next } { project = 0; print }' \
		"$$tmp/requirements.lock" > requirements.lock

lint: install ## ruff check, ruff format --check and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install ## Fix what ruff can fix and format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Every test: lint, the unit suite, the release round trip (tests/e2e) and the emulator-backed
# integration suite, with coverage.
# The 95% gate (pyproject.toml) holds on every run; the table of missed lines shows when the
# run fails, or with COVERAGE=1.
test: lint ## Lint, then every test with the 95% coverage gate (COVERAGE=1 shows the table)
	$(PY) -m pytest $(if $(COVERAGE),--cov-report=term-missing:skip-covered) || { status=$$?; \
		$(if $(COVERAGE),,test $$status -ne 1 || $(VENV)/bin/coverage report --skip-covered;) \
		exit $$status; }

coverage: install ## The coverage table of the last `make test`
	$(VENV)/bin/coverage report --skip-covered

# The unit suite alone, without coverage: the edit-test loop.
unit: install ## The unit suite alone, without coverage: the edit-test loop
	$(PY) -m pytest tests/unit --no-cov

define need_pulumi
	@test -n "$(PULUMI)" || { echo "pulumi CLI not found: install it from https://www.pulumi.com/docs/install/ (or run 'make preview' / 'make local' offline)"; exit 1; }
endef

up: install ## pulumi up STACK (needs the pulumi CLI and AWS)
	$(need_pulumi)
	pulumi up --stack $(STACK)

destroy: install ## pulumi destroy STACK
	$(need_pulumi)
	pulumi destroy --stack $(STACK)

outputs: install ## STACK's outputs as JSON (pulumi stack output)
	$(need_pulumi)
	pulumi stack output --stack $(STACK) --json

pulumi-preview: install ## pulumi preview STACK against AWS
	$(need_pulumi)
	pulumi preview --stack $(STACK)

# What `make local` and `make preview` run: STACK, or EXAMPLE=every-option, a scenario of
# examples/ (a STACK given with it picks another of the scenario's stacks).
RUN_ARGS = $(if $(EXAMPLE),--example $(EXAMPLE) $(STACK_GIVEN),--stack $(STACK))

# Offline: deploy into the embedded emulator, print outputs and a summary, destroy (KEEP=1 serves
# it; COMPUTE=asg|ecs overrides the stack's runtime; UPDATE='tap:service.cpu=512
# tap:service.memory=1024' then applies a change as a later `pulumi up` would, plan first). A
# service stack deploys its environment first; an environment stack takes SERVICES='dev-web
# dev-api' to deploy onto it. UPDATE reaches the tool from the environment, as typed: make would
# split it at spaces and undo its quotes.
local: install ## Offline: deploy STACK or EXAMPLE= in the emulator and destroy it (KEEP=1 COMPUTE= UPDATE= SERVICES=)
	$(PY) -m tapsim.local $(RUN_ARGS) $(if $(KEEP),--keep) $(if $(COMPUTE),--compute $(COMPUTE)) \
		$(if $(UPDATE),--update "$$UPDATE") $(foreach s,$(SERVICES),--service $(s))

# Offline: the plan (components, resources, physical names, counts) without emulator or AWS.
preview: install ## Offline: the plan of STACK or EXAMPLE=, without emulator or AWS
	$(PY) -m tapsim.preview $(RUN_ARGS)

# Offline: the monthly list price of every stack file, side by side, on both runtimes
# (REGION=us-east-1 prices them all as if they ran there; STACK=name prices that stack file).
cost: install ## Offline: monthly list price of every stack file (STACK=name: one; REGION=)
	$(PY) -m tapsim.cost $(if $(REGION),--region $(REGION)) $(STACK_GIVEN)

# The policy pack's controls, offline, on every stack file and both runtimes (STACK=name: on
# that stack file alone).
policy: install ## Offline: the policy pack's controls on every stack file (STACK=name: one)
	$(PY) -m tapsim.policy $(STACK_GIVEN)

define need_account
	@test -n "$$ENVIRONMENT_SUFFIX" || { echo "ENVIRONMENT_SUFFIX is not set: export the suffix of the deployed stack (the stack name unless you set one)"; exit 1; }
	@$(PY) -c "import boto3, sys; sys.exit(0 if boto3.Session().get_credentials() else 1)" || { echo "no AWS credentials found: configure a profile or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"; exit 1; }
endef

# The integration suite against a real account, after `make up STACK=...`.
integration: install ## The integration suite on a real account, after make up STACK=
	$(need_account)
	INTEGRATION_TARGET=aws STACK=$(STACK) $(PY) -m pytest tests/integration --no-cov

# A new cache AUTH token on a deployed stack: ROTATE, store, restart the app, SET
# (RESUME=1 finishes a rotation that stopped after ROTATE).
rotate-cache-token: install ## A new cache AUTH token on a deployed STACK (RESUME=1 resumes)
	$(need_account)
	$(PY) -m tap_platform.ops.cache_token --stack $(STACK) --suffix "$$ENVIRONMENT_SUFFIX" $(if $(RESUME),--resume)

# The wheel of the version in lib/tap_platform/__init__.py, into RELEASES. A released version
# never changes: one already there with other contents is refused, and so is a version
# without its CHANGELOG.md entry.
release: install ## This version's wheel into RELEASES (dist)
	$(PY) -m tap_platform.ops.releases --releases "$(RELEASES)"

# A new service repository in DEST with only the service's own files, pinned to this version
# (released first) and finding it in RELEASES. It upgrades with `make upgrade VERSION=...`.
new-service: install ## A new service repository: NAME=orders DEST=../orders
	@test -n "$(NAME)" -a -n "$(DEST)" || { echo "usage: make new-service NAME=orders DEST=../orders"; exit 1; }
	$(PY) -m tap_platform.ops.releases --releases "$(RELEASES)"
	$(PY) -m tap_platform.ops.new_service --name "$(NAME)" --dest "$(DEST)" --releases "$(abspath $(RELEASES))"

clean: ## Remove .venv, the caches and the coverage data
	rm -rf $(VENV) .pytest_cache .coverage .ruff_cache
