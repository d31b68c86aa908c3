# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel suite: the collection's module_utils against the real kernel, inside the guest.

Run as root in the test ground VM (testground/kernel_suite.py copies the collection in and
starts pytest there, one process for the whole suite). Every test runs in a network
namespace of its own, entered by the `ns` fixture and deleted afterwards with everything
in it, so tests cannot see each other and a failing test leaves nothing behind.
"""

import importlib
import os
import sys

import pytest

from suite import COUNTS, PIN_ROOT, TAG, Namespaces


def pytest_sessionstart(session):
    """With XCNF_PYROUTE2_FROM, the suite must run with the pyroute2 from there."""
    expected = os.environ.get('XCNF_PYROUTE2_FROM')
    if expected:
        # Loaded the collection's way (it loads pyroute2 only to change something).
        importlib.import_module('ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2')
        loaded = sys.modules['pyroute2.netlink'].__file__
        assert loaded.startswith(expected + '/'), loaded


@pytest.fixture
def ns():
    namespaces = Namespaces()
    try:
        yield namespaces
    finally:
        namespaces.close()


def pytest_sessionfinish(session):
    """Nothing a test made may outlive the suite: no namespace, no pin directory."""
    mine = tuple(prefix + TAG + '-' for prefix in ('kt', 'kp', 'nb'))
    left = [name for name in os.listdir('/run/netns') if name.startswith(mine)] if os.path.isdir('/run/netns') else []
    pins = [name for name in os.listdir(PIN_ROOT) if name.startswith(mine)] if os.path.isdir(PIN_ROOT) else []
    if left or pins:
        session.exitstatus = 1
        print('\nthe suite left namespaces %s and pin directories %s behind' % (left, pins))


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line('property tests: %(pairs calls)d pairs reconcile calls in %(pairs steps)d steps, '
                                '%(bpf calls)d bpf reconcile calls in %(bpf steps)d steps' % COUNTS)
