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
# Where ansible-test looks for the get-pip.py it would otherwise download.
GET_PIP := $(HOME)/.ansible/test/cache/get_pip_24_2.py

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

# BPF objects the build makes from C: the shipped observer and the tests' programs.
BPF_OBJECTS := $(patsubst %.c,%.o,$(wildcard roles/netkit/files/*.bpf.c tests/integration/targets/*/files/*.bpf.c))
BPF_CFLAGS := -target bpf -O2 -g -Wall -I/usr/include/$(shell uname -m)-linux-gnu

.PHONY: help demo bench venv collection bpf bpf-toolchain vm-image vm-up vm-down vm-ssh vm-status sanity unit molecule test lint clean

help:
	@echo "make demo       boot the VM, run demo/demo.yml (a pair, link-local addresses, the IPv6 observer), stop it;"
	@echo "                KEEP_VM=1 keeps the VM running for exploring (make vm-ssh, make vm-down)"
	@echo "make bench      bulk netkit_pairs against ip -batch in the VM; writes docs/benchmarks.md"
	@echo "make test       sanity, unit tests, and molecule scenarios in the test ground VM"
	@echo "make lint       ansible-lint, production profile"
	@echo "make vm-up      boot the netkit VM; writes .vm/inventory.ini"
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

%.bpf.o: %.bpf.c | bpf-toolchain
	clang $(BPF_CFLAGS) -c $< -o $@

vm-image:
	$(TESTGROUND) image

vm-up:
	$(TESTGROUND) up

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
	@test -e $(GET_PIP) || install -D -m 644 tests/sanity/get_pip_offline.py $(GET_PIP)
	cd $(SANITY_TREE) && ansible-test sanity --color no --python 3.11 --requirements

unit: venv collection bpf
	cd $(COLLECTION_LINK) && PYTHONPATH=$(TMP)/collections pytest -q tests/unit

# The default scenario boots the VM once for all scenarios (shared_state); the VM
# is stopped afterwards whatever happened.
molecule: venv collection bpf
	molecule test --all || { rc=$$?; $(TESTGROUND) down; exit $$rc; }
	$(TESTGROUND) down

test: sanity unit molecule

# Not part of `make test`: timings are measured, not asserted (about 10 min under TCG).
bench: venv collection
	$(PYTHON) testground/bench.py

KEEP_VM ?=
demo: venv collection bpf
	$(TESTGROUND) up
	ansible-playbook demo/demo.yml || { rc=$$?; test -n "$(KEEP_VM)" || $(TESTGROUND) down; exit $$rc; }
	@if test -n "$(KEEP_VM)"; then echo "The VM is still running: make vm-ssh, make vm-down"; else $(TESTGROUND) down; fi

lint: venv collection
	ansible-lint --profile production

clean: vm-down
	rm -rf $(TMP) tests/output
