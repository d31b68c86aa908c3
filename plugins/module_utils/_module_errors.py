# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error path of the collection's modules, private to it.

Every error a module expects (bad input, the kernel refusing, a file it cannot use,
pyroute2 missing where a module needs it) reaches the user as fail_json with a message,
with no traceback attached.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, NetlinkError, error_message


def pyroute2_installed():
    """Whether pyroute2 is there, found without importing it: a run that changes nothing
    never imports it (see _pyroute2.py)."""
    return importlib.util.find_spec('pyroute2') is not None


def fail_without_pyroute2(module):
    """For the modules that change pairs (netkit_pair, netkit_pairs): a host without
    pyroute2 fails every run, naming it, so that a run that changes nothing, or a check,
    does not pass where the change would fail. The read-only and BPF modules never use it."""
    if not pyroute2_installed():
        module.fail_json(msg=missing_required_lib('pyroute2'))


def run_or_fail(module, work, *args):
    """work(*args)'s value. On an error the collection expects, the module fails with a
    message instead; fail_json is called once the exception is handled, so that
    ansible-core attaches no traceback of it to the result."""
    try:
        return work(*args)
    except (NetkitError, NetlinkError, OSError) as exc:
        message = error_message(exc)
    return module.fail_json(msg=message)
