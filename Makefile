# One entry point for developing xcnf.netkit. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
STAMP := $(VENV)/.installed
TMP := $(CURDIR)/.tmp
# Ansible finds the collection through this link (see ansible.cfg).
COLLECTION_LINK := $(TMP)/collections/ansible_collections/xcnf/netkit
# ansible-test needs a real ansible_collections/xcnf/netkit directory, not a link.
SANITY_TREE := $(TMP)/sanity/ansible_collections/xcnf/netkit
TESTGROUND := $(PYTHON) testground/vm.py
# Where ansible-test looks for the get-pip.py it would otherwise download (its name
# carries the pip version: 23.1.2 for ansible-core 2.17, 24.2 for 2.18 and 2.19).
GET_PIP := $(foreach pip,23_1_2 24_2,$(HOME)/.ansible/test/cache/get_pip_$(pip).py)

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

# BPF objects the build makes from C: the shipped observer and the tests' programs.
BPF_OBJECTS := $(patsubst %.c,%.o,$(wildcard roles/netkit/files/*.bpf.c tests/kernel/files/*.bpf.c))
BPF_CFLAGS := -target bpf -O2 -g -Wall -I/usr/include/$(shell uname -m)-linux-gnu

.PHONY: help demo bench bench-smoke test-matrix docs chromium build install-check ee older-cores venv collection bpf bpf-toolchain vm-image vm-up vm-down vm-ssh vm-status sanity unit kernel-tests vm-tests molecule test lint clean

help:
	@echo "make demo       boot the VM, run demo/demo.yml (a pair, link-local addresses, the IPv6 observer), stop it;"
	@echo "                KEEP_VM=1 keeps the VM running for exploring (make vm-ssh, make vm-down)"
	@echo "make bench      bulk netkit_pairs against ip -batch, a no-op task against ping, in the VM;"
	@echo "                writes docs/benchmarks.md (make bench-smoke: every row with 50 pairs, in make test)"
	@echo "make test       sanity and unit tests (ansible-core 2.17-2.19), docs, artifact, EE, then in the VM:"
	@echo "                the kernel suite and the molecule scenarios"
	@echo "make lint       ansible-lint, production profile"
	@echo ""
	@echo "The fast loop:"
	@echo "make unit       host unit tests (pure logic), seconds; tests/unit mirrors plugins/module_utils"
	@echo "make sanity     ansible-test sanity on ansible-core 2.19"
	@echo "make kernel-tests  the kernel suite (tests/kernel) in the running VM (make vm-up first);"
	@echo "                PYTEST_ARGS='-k name -x' picks tests"
	@echo "make molecule SCENARIO=integration  the modules' Ansible plumbing (one target) against the running VM;"
	@echo "                SCENARIO=role the role from the installed artifact"
	@echo ""
	@echo "make build      the collection artifact in .tmp/dist; make install-check installs and checks it"
	@echo "make docs       the documentation site in .tmp/docs/html, checked in headless Chromium"
	@echo "make ee         the execution environment's build context in .tmp/ee"
	@echo "make older-cores  sanity and unit tests with ansible-core 2.17 and 2.18"
	@echo "make test-matrix  a fleet of a 6.12 and a 6.1 VM in one play, then headroom and the kernel tests on 7.x (about 6 min)"
	@echo "make vm-up      boot the netkit VM; writes .vm/inventory.ini; KERNEL=6.1 or 7.3 boots that kernel"
	@echo "make vm-down    stop it (idempotent)"
	@echo "make vm-ssh     a root shell in it"
	@echo "make vm-image   build the VM image unless the cache has it"
	@echo "make venv       controller tools into .venv"
	@echo "make bpf        compile the BPF programs (clang -target bpf)"

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(STAMP)

collection:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn $(CURDIR) $(COLLECTION_LINK)

bpf: $(BPF_OBJECTS)

bpf-toolchain:
	@command -v clang >/dev/null && test -e /usr/include/bpf/bpf_helpers.h || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libbpf-dev >/dev/null; }

# Renders the documentation site for tests/docs/check_site.py.
chromium:
	@command -v chromium >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

%.bpf.o: %.bpf.c | bpf-toolchain
	clang $(BPF_CFLAGS) -c $< -o $@

vm-image:
	$(TESTGROUND) image

vm-up:
	$(TESTGROUND) up $(if $(KERNEL),--kernel $(KERNEL))

vm-down:
	$(TESTGROUND) down

vm-ssh:
	$(TESTGROUND) ssh

vm-status:
	$(TESTGROUND) status

sanity: venv
	rm -rf $(SANITY_TREE) && mkdir -p $(SANITY_TREE)
	git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t $(SANITY_TREE)
	# ansible-test lists the files to test with git.
	cd $(SANITY_TREE) && git init -q && git add -A
	@for get_pip in $(GET_PIP); do test -e $$get_pip || install -D -m 644 tests/sanity/get_pip_offline.py $$get_pip; done
	cd $(SANITY_TREE) && $(CORE)ansible-test sanity --color no --python 3.11 --requirements

unit: venv collection bpf
	cd $(COLLECTION_LINK) && PYTHONPATH=$(TMP)/collections $(CORE)python -m pytest -q tests/unit

# The older ansible-core releases meta/runtime.yml supports (requires_ansible) that run
# on this Python: sanity and unit tests on each, with the tools of its own venv.
# Their venvs are cached outside the checkout (like the VM image), keyed by what goes into them.
OLDER_CORES := 2.17 2.18
CORE := $(VENV)/bin/
CORE_PINS := $(shell grep -E '^(pytest|pyroute2|hypothesis)==' requirements-dev.txt)
CORE_CACHE := $(HOME)/.cache/xcnf-netkit/cores-$(shell echo '$(CORE_PINS) $(shell $(PYTHON) -V 2>&1)' | sha256sum | cut -c1-12)
$(CORE_CACHE)/core-%/.installed:
	rm -rf $(CORE_CACHE)/core-$* && $(PYTHON) -m venv $(CORE_CACHE)/core-$*
	$(CORE_CACHE)/core-$*/bin/pip install --quiet "ansible-core==$*.*" $(CORE_PINS)
	touch $@

older-cores: $(foreach core,$(OLDER_CORES),$(CORE_CACHE)/core-$(core)/.installed)
	set -e; for core in $(OLDER_CORES); do \
	  echo "== ansible-core $$core"; $(MAKE) --no-print-directory sanity unit CORE=$(CORE_CACHE)/core-$$core/bin/; done

# The kernel suite inside the running VM: behaviour on the real kernel (testground/kernel_suite.py).
PYTEST_ARGS ?=
kernel-tests: venv bpf
	$(PYTHON) testground/kernel_suite.py $(PYTEST_ARGS)

# One scenario (SCENARIO=role) against the running VM, or all of them; the default
# scenario owns the VM's lifecycle (shared_state), so `--all` boots and stops it.
SCENARIO ?=
molecule: venv collection bpf install-check
	$(if $(SCENARIO),molecule converge -s $(SCENARIO) && molecule verify -s $(SCENARIO),molecule test --all)

# Everything that needs the VM, in one boot; the VM is stopped afterwards whatever happened.
vm-tests: venv collection bpf install-check
	$(TESTGROUND) up
	{ $(MAKE) --no-print-directory kernel-tests bench-smoke && molecule test --all; } || { rc=$$?; $(TESTGROUND) down; exit $$rc; }
	$(TESTGROUND) down

test: sanity unit older-cores docs ee vm-tests

# The kernels beside the default one, and a two-host fleet (testground/matrix.py).
test-matrix: venv collection bpf
	$(PYTHON) testground/matrix.py

# Not part of `make test`: timings are measured, not asserted (about 18 min under TCG).
bench: venv collection
	$(PYTHON) testground/bench.py

# Every row of the bench with a few pairs in the running VM, nothing asserted on time (part of make test).
bench-smoke: venv collection
	$(PYTHON) testground/bench.py --smoke

KEEP_VM ?=
demo: venv collection bpf
	$(TESTGROUND) up
	ansible-playbook demo/demo.yml || { rc=$$?; test -n "$(KEEP_VM)" || $(TESTGROUND) down; exit $$rc; }
	@if test -n "$(KEEP_VM)"; then echo "The VM is still running: make vm-ssh, make vm-down"; else $(TESTGROUND) down; fi

# The collection artifact, as users get it: the observer's compiled object included.
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
ARTIFACT := $(TMP)/dist/xcnf-netkit-$(VERSION).tar.gz
build: venv bpf
	rm -rf $(TMP)/dist
	ansible-galaxy collection build --force --output-path $(TMP)/dist

# Installs the artifact into an empty collections path and runs ansible-doc from there;
# the molecule scenario `role` runs the role against the VM from that copy.
install-check: build
	python tests/install/check_artifact.py $(ARTIFACT) $(TMP)/installed

# The execution environment's build context (building the image needs podman or docker).
ee: build
	rm -rf $(TMP)/ee $(TMP)/ee-src && mkdir -p $(TMP)/ee-src
	cp ee/execution-environment.yml ee/requirements.yml $(TMP)/ee-src/
	cp $(ARTIFACT) $(TMP)/ee-src/xcnf-netkit.tar.gz
	ansible-builder create --file $(TMP)/ee-src/execution-environment.yml --context $(TMP)/ee
	test -s $(TMP)/ee/_build/galaxy/xcnf-netkit.tar.gz
	grep -q 'ansible-galaxy collection install .*-r requirements.yml' $(TMP)/ee/Dockerfile

# The documentation site: generated module and role pages, README.md and the benchmarks.
DOCS := $(TMP)/docs
docs: venv collection chromium
	rm -rf $(DOCS) && mkdir -p $(DOCS)/src && chmod 700 $(DOCS)/src
	cp docs/conf.py docs/index.rst docs/ansible_references.rst docs/benchmarks.md $(DOCS)/src/
	cp README.md $(DOCS)/src/readme.md
	antsibull-docs --config-file docs/antsibull-docs.cfg collection --use-current --dest-dir $(DOCS)/src xcnf.netkit
	sphinx-build -q -W --keep-going -b html $(DOCS)/src $(DOCS)/html
	cd $(COLLECTION_LINK) && antsibull-docs lint-collection-docs --plugin-docs .
	python tests/docs/check_site.py $(DOCS)/html

lint: venv collection
	ansible-lint --profile production

clean: vm-down
	rm -rf $(TMP) tests/output
