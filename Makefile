# landingzone.openstack — developer entry points.
#   make demo   set everything up and run the main job against the local real cloud
#   make test   run every test (starts the local cloud when it is down, leaves it as it found it)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT      := $(abspath .)
VENV      := $(ROOT)/.venv
PY        := $(VENV)/bin/python
BIN       := $(VENV)/bin
# The collection venv's interpreter: Debian's python3 where it is 3.10 or 3.11 and can make a venv. Debian builds it
# optimised (PGO, LTO); pyenv's build here is not: ansible-playbook and its modules took a fifth less CPU under it
# (DEVELOPMENT.md).
PYTHON    ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 11))' \
               2>/dev/null && echo /usr/bin/python3 || echo python3)
# The OpenStack servers' venv keeps the python3 of PATH (read before the collection's venv goes first on it): uWSGI
# embeds a libpython, and a uWSGI wheel that pip's cache kept from another Python does not start under Debian's.
ifndef LOCALCLOUD_PYTHON
LOCALCLOUD_PYTHON := $(shell command -v python3)
endif
export LOCALCLOUD_PYTHON
CLOUD     := $(LOCALCLOUD_PYTHON) $(ROOT)/tests/localcloud/localcloud.py
# The OpenStack release series of the local cloud (tests/localcloud/localcloud.py RELEASES): each has
# its own state dir, ports and servers venv, e.g. `make cloud-up OPENSTACK_RELEASE=2023.2`.
OPENSTACK_RELEASE ?= 2026.2
export OPENSTACK_RELEASE
COLL_ROOT := $(ROOT)/build/collections
COLL_LINK := $(COLL_ROOT)/ansible_collections/landingzone/openstack
export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT)
export OS_CLIENT_CONFIG_FILE ?= $(shell $(CLOUD) env | sed 's/^export OS_CLIENT_CONFIG_FILE=//')
export PATH := $(BIN):$(PATH)
TENANTS   ?= 1000
PYTEST_ARGS ?=

.PHONY: help venv collection cloud-up cloud-down cloud-status cloud-env demo test test-unit \
        test-integration lint sanity molecule build bench-replicate changelog clean focus-validate \
        galaxy-import min-versions

help:
	@echo "make demo | test | test-unit | test-integration | lint | sanity | molecule | build | galaxy-import | min-versions"
	@echo "make cloud-up | cloud-down | cloud-status | -s cloud-env | bench-replicate TENANTS=N"

# The collection's own environment (ansible-core, lint, pytest, openstacksdk). The OpenStack
# servers have a separate venv per release under .localcloud*/ so their pins never leak in here.
$(VENV)/.stamp: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

# Ansible finds the collection through a symlink: ANSIBLE_COLLECTIONS_PATH=build/collections.
collection:
	@mkdir -p $(dir $(COLL_LINK))
	@ln -sfn $(ROOT) $(COLL_LINK)

cloud-up:
	$(CLOUD) up

cloud-down:
	$(CLOUD) down

cloud-status:
	$(CLOUD) status

cloud-env:
	@$(CLOUD) env

demo: venv collection cloud-up
	$(PY) $(ROOT)/tests/demo.py

# Every nox session of noxfile.py (`$(BIN)/nox -l` lists them; `$(BIN)/nox -s NAME` runs one), one
# phase table at the end and the pytest counts; the last line is the count of the whole run.
test: venv collection
	$(PY) $(ROOT)/noxfile.py $(PYTEST_ARGS)

test-unit: venv collection
	$(BIN)/nox -s unit -- $(PYTEST_ARGS)

test-integration: venv collection
	$(PY) -m pytest -q tests/localcloud tests/integration $(PYTEST_ARGS)

lint: venv collection
	$(BIN)/nox -s lint

sanity: venv
	$(BIN)/nox -s sanity

molecule: venv collection
	cd $(ROOT)/extensions && $(BIN)/molecule test -s replicate

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path $(ROOT)/build

# galaxy-importer (Galaxy's upload checks) on the built tarball, in nox's venv (its attrs<24 pin
# conflicts with the collection's venv).
galaxy-import: build
	$(BIN)/nox -s galaxy_importer

# The lowest supported versions (Python 3.10, ansible-core 2.16) in nox's venv: ansible-doc,
# syntax-check, one real replicate + meter run on the local cloud.
min-versions: venv collection cloud-up
	$(BIN)/nox -s lowest

changelog: venv
	$(BIN)/nox -s changelog

bench-replicate: venv collection cloud-up
	$(PY) $(ROOT)/bench/replicate.py --tenants $(TENANTS)

# The FinOps Foundation's focus-validator 2.2.1 (FOCUS 1.2) needs Python 3.12: nox's venv, run on
# the focus.csv files the tests and the demo left (build/focus/, build/demo/).
focus-validate: venv
	$(BIN)/nox -s focus_validator

clean:
	rm -rf $(ROOT)/build $(ROOT)/tests/output $(ROOT)/.nox
