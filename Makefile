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
# carries the pip version: 23.1.2 for ansible-core 2.17, 24.2 for 2.18 and 2.19, 25.2 for
# 2.20 and 2.21); in the controller root (current-cores) that home is the root's /root.
ANSIBLE_TEST_HOME = $(HOME)
GET_PIP = $(foreach pip,23_1_2 24_2 25_2,$(ANSIBLE_TEST_HOME)/.ansible/test/cache/get_pip_$(pip).py)

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

# BPF objects the build makes from C: the shipped observer and the tests' programs.
BPF_OBJECTS := $(patsubst %.c,%.o,$(wildcard roles/netkit/files/*.bpf.c tests/kernel/files/*.bpf.c))
BPF_CFLAGS := -target bpf -O2 -g -Wall -I/usr/include/$(shell uname -m)-linux-gnu

.PHONY: help demo bench bench-smoke test-matrix docs chromium build install-check ee older-cores current-cores current-controller controller-root venv collection bpf bpf-toolchain vm-image vm-up vm-down vm-ssh vm-status sanity unit kernel-tests vm-tests molecule test lint clean

help:
	@echo "make demo       boot the VM, run demo/demo.yml (a pair, link-local addresses, the IPv6 observer), stop it;"
	@echo "                KEEP_VM=1 keeps the VM running for exploring (make vm-ssh, make vm-down)"
	@echo "make bench      bulk netkit_pairs against ip -batch, a no-op task against ping, in the VM;"
	@echo "                writes docs/benchmarks.md (make bench-smoke: every row with 50 pairs, in make test)"
	@echo "make test       sanity and unit tests (ansible-core 2.17-2.21), docs, artifact, EE, then in the VM:"
	@echo "                the kernel suite and the molecule scenarios; in a second boot the role scenario with 2.21"
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
	@echo "make current-cores  sanity and unit tests with ansible-core 2.20 and 2.21 (Python 3.13) in a Debian"
	@echo "                trixie controller root (make controller-root builds it unless the cache has it);"
	@echo "                one release: make sanity unit CONTROLLER_CORE=2.21"
	@echo "make current-controller  the role scenario's playbooks with ansible-core 2.21 from that root against"
	@echo "                the running VM; INVENTORY=path for another VM's inventory (default .vm/inventory.ini),"
	@echo "                CONTROLLER_STEPS='converge idempotence' for some steps, CONTROLLER_STEPS= for all"
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

# The verdict objects differ only in the constant they define before including verdict.h.
tests/kernel/files/verdict_next.bpf.o tests/kernel/files/verdict_drop.bpf.o: tests/kernel/files/verdict.h

%.bpf.o: %.bpf.c | bpf-toolchain
	clang $(BPF_CFLAGS) -c $< -o $@

# The role's boot entry point (netkit_persistent): the collection's module_utils in one zip,
# built like the BPF objects and shipped in the artifact.
BOOT_ENTRY := roles/netkit/files/netkit_boot.pyz
$(BOOT_ENTRY): tools/make_boot_entry.py $(wildcard plugins/module_utils/*.py)
	$(PYTHON) tools/make_boot_entry.py . $@

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
	cd $(SANITY_TREE) && $(IN_CORE) $(CORE)ansible-test sanity --color no --python $(CORE_PYTHON) --requirements

unit: venv collection bpf
	cd $(COLLECTION_LINK) && PYTHONPATH=$(TMP)/collections $(IN_CORE) $(CORE)python -m pytest -q tests/unit

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

# The newer releases need Python 3.12+, which this host lacks: a Debian trixie root (Python
# 3.13, mmdebstrap) with a venv per release (testground/controller.py), cached outside the
# checkout keyed by its recipe (suite, packages, releases, the pins above, the host's local
# CAs). sanity and unit run their commands in it (IN_CORE) with CONTROLLER_CORE=<release>.
CURRENT_CORES := 2.20 2.21
CONTROLLER := $(PYTHON) $(CURDIR)/testground/controller.py --cores '$(CURRENT_CORES)' --pins '$(CORE_PINS)'
CONTROLLER_CORE :=
IN_CORE :=
CORE_PYTHON := 3.11
ifneq ($(CONTROLLER_CORE),)
CORE := /opt/core-$(CONTROLLER_CORE)/bin/
IN_CORE := $(CONTROLLER) run --
CORE_PYTHON := 3.13
ANSIBLE_TEST_HOME = $(shell $(CONTROLLER) root)/root
endif

controller-root:
	$(CONTROLLER) root

current-cores: controller-root
	set -e; for core in $(CURRENT_CORES); do \
	  echo "== ansible-core $$core (Python 3.13, controller root)"; $(MAKE) --no-print-directory sanity unit CONTROLLER_CORE=$$core; done

# The role scenario's playbooks (molecule/role: its env, idempotence failing on any change,
# cleanup whatever happened) with the newest release from the root, against the running VM.
# Plain ansible-playbook, not molecule: molecule's shared_state would hand the VM to the default
# scenario (vm.py, qemu) and its base config names .vm's inventory. Its whole test_sequence by
# default (the scenario runs on 2.21 only in make test: once on each release would cost as much
# again under TCG); CONTROLLER_STEPS='converge idempotence' picks steps.
INVENTORY ?= $(CURDIR)/.vm/inventory.ini
CONTROLLER_STEPS ?=
CURRENT_CONTROLLER = $(CONTROLLER) role-scenario --core $(lastword $(CURRENT_CORES)) --inventory $(INVENTORY) \
	--steps '$(CONTROLLER_STEPS)'
current-controller: venv collection bpf install-check controller-root
	$(CURRENT_CONTROLLER)

# The kernel suite inside the running VM: behaviour on the real kernel (testground/kernel_suite.py).
PYTEST_ARGS ?=
kernel-tests: venv bpf
	$(PYTHON) testground/kernel_suite.py $(PYTEST_ARGS)

# One scenario (SCENARIO=role) against the running VM, or all of them; the default
# scenario owns the VM's lifecycle (shared_state), so `--all` boots and stops it.
SCENARIO ?=
molecule: venv collection bpf install-check
	$(if $(SCENARIO),molecule converge -s $(SCENARIO) && molecule verify -s $(SCENARIO),molecule test --all)

# Everything that needs the VM; the VM is stopped afterwards whatever happened. One boot for
# the kernel suite, the smoke bench and the molecule scenarios but the role's (the default one
# stops the VM), then a fresh one for the role scenario with 2.21: its prepare step hands the guest's devices
# to networkd and NetworkManager (cleanup does not undo that) and verify reboots the guest,
# which no other test may inherit.
vm-tests: venv collection bpf install-check controller-root
	$(TESTGROUND) up
	{ $(MAKE) --no-print-directory kernel-tests bench-smoke && molecule test --all --exclude role; } || { rc=$$?; $(TESTGROUND) down; exit $$rc; }
	$(TESTGROUND) down
	$(TESTGROUND) up
	$(CURRENT_CONTROLLER) || { rc=$$?; $(TESTGROUND) down; exit $$rc; }
	$(TESTGROUND) down

test: sanity unit older-cores current-cores docs ee vm-tests

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
build: venv bpf $(BOOT_ENTRY)
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
