# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules talk to the kernel through netlink and libbpf only: no shell, no other program.

Nothing a task passes (device names, paths) can ever reach a shell or a command line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

PLUGINS = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins')
SOURCES = sorted(os.path.join(root, name) for root, _dirs, names in os.walk(PLUGINS)
                 for name in names if name.endswith('.py'))
PROGRAM_MODULES = {'subprocess', 'pty', 'commands', 'popen2'}
PROGRAM_CALLS = {'system', 'popen', 'run_command', 'execv', 'execve', 'execvp', 'execvpe', 'execl', 'execlp',
                 'spawnv', 'spawnve', 'spawnvp', 'spawnl', 'spawnlp', 'posix_spawn', 'posix_spawnp', 'fork'}


def programs_started(path):
    """Imports of process modules and calls that start programs, as (line, what)."""
    with open(path) as source:
        tree = ast.parse(source.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names if alias.name in PROGRAM_MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module in PROGRAM_MODULES:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Attribute) and node.attr in PROGRAM_CALLS:
            found.append((node.lineno, node.attr))
    return found


def test_every_plugin_is_checked():
    assert len(SOURCES) >= 7
    names = set(os.path.basename(path) for path in SOURCES)
    # The module_utils that talk to the kernel, and a module.
    assert {'_netlink_socket.py', '_libbpf.py', '_bpf_pins.py', 'netkit_pair.py'} <= names


@pytest.mark.parametrize('path', SOURCES, ids=os.path.basename)
def test_starts_no_program(path):
    assert programs_started(path) == []


def test_the_check_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / 'sample.py'
    sample.write_text('import subprocess\nfrom os import path\nos.system("ip link")\nmodule.run_command(["ip"])\n')
    assert programs_started(str(sample)) == [(1, 'subprocess'), (3, 'system'), (4, 'run_command')]
