# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which modules need pyroute2: the two that change pairs fail every run without it, naming
it, before they read the kernel; the read-only and BPF modules never ask for it.

The two run in a fresh interpreter in which pyroute2 cannot be found; the others' sources
are read (that they work without it runs in the integration target, against the VM).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import json
import os
import subprocess
import sys

import pytest

MODULES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins', 'modules')
WITHOUT_PYROUTE2 = ('import sys\n'
                    'sys.modules["pyroute2"] = None\n'
                    'from ansible_collections.xcnf.netkit.plugins.modules import %s\n'
                    '%s.main()\n')


def run_without_pyroute2(module, args):
    done = subprocess.run([sys.executable, '-c', WITHOUT_PYROUTE2 % (module, module)],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': args}), capture_output=True, text=True,
                          check=False, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize('module, args', [
    ('netkit_pair', {'name': 'nk0', 'state': 'absent', '_ansible_check_mode': True}),
    ('netkit_pairs', {'pairs': [], '_ansible_check_mode': True}),
])
def test_a_module_that_changes_pairs_fails_without_pyroute2_naming_it(module, args):
    returncode, result = run_without_pyroute2(module, args)
    assert returncode == 1 and result['failed']
    assert result['msg'].startswith('Failed to import the required Python library (pyroute2)')


def calls_in(module):
    with open(os.path.join(MODULES, module + '.py')) as source:
        tree = ast.parse(source.read())
    return set(node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name))


@pytest.mark.parametrize('module', ['netkit_pair_info', 'netkit_bpf', 'netkit_bpf_info'])
def test_the_read_only_and_bpf_modules_do_not_ask_for_pyroute2(module):
    """They read the kernel with the collection's own sockets, or use libbpf (that they load
    no pyroute2 is tested with the read path, in test_netlink_messages.py)."""
    assert 'run_or_fail' in calls_in(module)
    assert 'fail_without_pyroute2' not in calls_in(module)
