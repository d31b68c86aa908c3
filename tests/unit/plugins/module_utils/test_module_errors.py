# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' one error path, module_utils/_module_errors.py: every error the collection
expects becomes fail_json with a message and no traceback; anything else goes through.

The module is a stand-in that records what fail_json was given and ends the run as
AnsibleModule.fail_json does (by raising). Pure logic.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import subprocess
import sys

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _module_errors
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, NetlinkError
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import BpfError
from ansible_collections.xcnf.netkit.plugins.module_utils._module_errors import run_or_fail


class Failed(Exception):
    """What the stand-in's fail_json raises (AnsibleModule's exits the process)."""


class FakeModule:
    """Records the arguments of each fail_json call."""

    def __init__(self):
        self.calls = []
        self.handling = []

    def fail_json(self, **kwargs):
        self.calls.append(kwargs)
        # ansible-core attaches the traceback of an exception being handled to the result.
        self.handling.append(sys.exc_info()[0])
        raise Failed()


def run(body):
    """What run_or_fail made of body(): (fail_json calls, whatever else escaped)."""
    module = FakeModule()
    escaped = None
    try:
        run_or_fail(module, body)
    except Failed:
        pass
    except Exception as exc:  # anything the collection does not expect, to be looked at by the test
        escaped = exc
    assert module.handling == [None] * len(module.calls), 'fail_json called while an exception is handled'
    return module.calls, escaped


def raising(exc):
    def body():
        raise exc
    return body


@pytest.mark.parametrize('exc,message', [
    (NetkitError('netkit pair nk0: mode is l3, the task wants l2'), 'netkit pair nk0: mode is l3, the task wants l2'),
    (BpfError('object /x.o does not exist on the target'), 'object /x.o does not exist on the target'),
    (OSError(errno.ENOENT, 'No such file or directory', '/run/netns/blue'),
     'No such file or directory (/run/netns/blue)'),
    (OSError(errno.EACCES, 'Permission denied'), 'Permission denied'),
    (PermissionError(errno.EPERM, 'Operation not permitted', '/sys/fs/bpf/x'),
     'Operation not permitted (/sys/fs/bpf/x)'),
    (NetlinkError(errno.EPERM),
     'netlink: operation not permitted; managing netkit needs CAP_NET_ADMIN (use become: true)'),
    (NetlinkError(errno.ENODEV), 'netlink: %s' % os.strerror(errno.ENODEV)),
], ids=['NetkitError', 'BpfError', 'OSError-filename', 'OSError', 'PermissionError', 'NetlinkError-EPERM',
        'NetlinkError-ENODEV'])
def test_expected_errors_become_fail_json_with_a_message_only(exc, message):
    calls, escaped = run(raising(exc))
    assert escaped is None
    assert calls == [{'msg': message}], 'a message, and no exception key'


@pytest.mark.parametrize('exc', [ValueError('a bug'), KeyError('name'), TypeError('a bug'), ZeroDivisionError()])
def test_other_exceptions_go_through(exc):
    calls, escaped = run(raising(exc))
    assert calls == []
    assert escaped is exc


def test_system_exit_goes_through():
    """A module's own fail_json or exit_json inside the block ends the run as it would without it."""
    with pytest.raises(SystemExit):
        run_or_fail(FakeModule(), sys.exit, 0)


def test_work_that_succeeds_fails_nothing():
    done = []
    calls, escaped = run(lambda: done.append(True))
    assert (calls, escaped, done) == ([], None, [True])


def test_without_pyroute2_a_pair_module_fails_naming_it(monkeypatch):
    monkeypatch.setattr(_module_errors, 'pyroute2_installed', lambda: False)
    module = FakeModule()
    with pytest.raises(Failed):
        _module_errors.fail_without_pyroute2(module)
    [call] = module.calls
    assert 'pyroute2' in call['msg']


def test_with_pyroute2_a_pair_module_goes_on():
    module = FakeModule()
    _module_errors.fail_without_pyroute2(module)
    assert module.calls == []


def test_the_error_path_itself_needs_no_pyroute2(monkeypatch):
    """The read-only and BPF modules run where pyroute2 is not installed."""
    monkeypatch.setattr(_module_errors, 'pyroute2_installed', lambda: False)
    done = []
    calls, escaped = run(lambda: done.append(True))
    assert (calls, escaped, done) == ([], None, [True])


def test_pyroute2_is_found_without_importing_it():
    """The unit tests' own interpreter has pyroute2, and a run that changes nothing must
    not import it: the check looks for it without importing it."""
    script = ('import sys\n'
              'from ansible_collections.xcnf.netkit.plugins.module_utils import _module_errors\n'
              'print(_module_errors.pyroute2_installed(), "pyroute2" in sys.modules)\n')
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert (done.returncode, done.stdout.split()) == (0, ['True', 'False']), done.stderr
