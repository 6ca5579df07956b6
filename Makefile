# One virtual environment, built from requirements.txt, serves every target.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STACK  ?= dev
# Every test process imports the same project modules: let Python cache their bytecode even
# where the environment says not to.
unexport PYTHONDONTWRITEBYTECODE
PULUMI := $(shell command -v pulumi 2>/dev/null)
# Where `make release` puts the package's wheels and new services' pins find them.
RELEASES ?= dist

.PHONY: install test unit lint format local preview cost policy integration rotate-cache-token release new-service up destroy outputs pulumi-preview clean

install: $(STAMP)

$(STAMP): requirements.txt app/requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Every test: lint, the unit suite and the emulator-backed integration suite, with coverage.
test: lint
	$(PY) -m pytest

# The unit suite alone, without coverage: the edit-test loop.
unit: install
	$(PY) -m pytest tests/unit --no-cov

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

pulumi-preview: install
	$(need_pulumi)
	pulumi preview --stack $(STACK)

# What `make local` and `make preview` run: STACK, or EXAMPLE=every-option, a scenario of
# examples/ (a STACK given with it picks another of the scenario's stacks).
RUN_ARGS = $(if $(EXAMPLE),--example $(EXAMPLE) $(if $(filter command line,$(origin STACK)),--stack $(STACK)),--stack $(STACK))

# Offline: deploy into the embedded emulator, print outputs and a summary, destroy (KEEP=1 serves
# it; COMPUTE=asg|ecs overrides the stack's runtime; UPDATE='tap:service.image=...' then applies
# a change as a later `pulumi up` would, plan first). A service stack deploys its environment
# first; an environment stack takes SERVICES='dev-web dev-api' to deploy onto it.
local: install
	$(PY) -m tapsim.local $(RUN_ARGS) $(if $(KEEP),--keep) $(if $(COMPUTE),--compute $(COMPUTE)) \
		$(foreach u,$(UPDATE),--update '$(u)') $(foreach s,$(SERVICES),--service $(s))

# Offline: the plan (components, resources, physical names, counts) without emulator or AWS.
preview: install
	$(PY) -m tapsim.preview $(RUN_ARGS)

# Offline: the monthly list price of every stack file, side by side, on both runtimes
# (REGION=us-east-1 prices them all as if they ran there).
cost: install
	$(PY) -m tapsim.cost $(if $(REGION),--region $(REGION))

# The policy pack's controls, offline, on every stack file and both runtimes.
policy: install
	$(PY) -m tapsim.policy

define need_account
	@test -n "$$ENVIRONMENT_SUFFIX" || { echo "ENVIRONMENT_SUFFIX is not set: export the suffix of the deployed stack (the stack name unless you set one)"; exit 1; }
	@$(PY) -c "import boto3, sys; sys.exit(0 if boto3.Session().get_credentials() else 1)" || { echo "no AWS credentials found: configure a profile or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"; exit 1; }
endef

# The integration suite against a real account, after `make up STACK=...`.
integration: install
	$(need_account)
	INTEGRATION_TARGET=aws STACK=$(STACK) $(PY) -m pytest tests/integration --no-cov

# A new cache AUTH token on a deployed stack: ROTATE, store, restart the app, SET
# (RESUME=1 finishes a rotation that stopped after ROTATE).
rotate-cache-token: install
	$(need_account)
	$(PY) -m tap_platform.ops.cache_token --stack $(STACK) --suffix "$$ENVIRONMENT_SUFFIX" $(if $(RESUME),--resume)

# The wheel of the version in lib/tap_platform/__init__.py, into RELEASES. A released version
# never changes: one already there with other contents is refused, and so is a version
# without its CHANGELOG.md entry.
release: install
	$(PY) -m tap_platform.ops.releases --releases "$(RELEASES)"

# A new service repository in DEST with only the service's own files, pinned to this version
# (released first) and finding it in RELEASES. It upgrades with `make upgrade VERSION=...`.
new-service: install
	@test -n "$(NAME)" -a -n "$(DEST)" || { echo "usage: make new-service NAME=orders DEST=../orders"; exit 1; }
	$(PY) -m tap_platform.ops.releases --releases "$(RELEASES)"
	$(PY) -m tap_platform.ops.new_service --name "$(NAME)" --dest "$(DEST)" --releases "$(abspath $(RELEASES))"

clean:
	rm -rf $(VENV) .pytest_cache .coverage .ruff_cache
