# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How module_utils/_errors.py words the errors the collection expects. Pure logic."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import (
    NetkitError, NetlinkError, error_message, netlink_error_message, os_error_message,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import BpfError


def test_error_message_of_what_the_collection_does_not_expect_is_none():
    assert error_message(ValueError('x')) is None
    assert error_message(NetkitError('as it is')) == 'as it is'


def test_os_error_message():
    assert os_error_message(OSError(errno.EEXIST, 'File exists', '/sys/fs/bpf/x')) == 'File exists (/sys/fs/bpf/x)'
    assert os_error_message(OSError(errno.EEXIST, 'File exists')) == 'File exists'
    assert os_error_message(OSError('no errno')) == 'no errno'


def test_netlink_error_message():
    assert netlink_error_message(NetlinkError(errno.EEXIST), 'creating nk0') == 'creating nk0: %s' % os.strerror(
        errno.EEXIST)
    assert netlink_error_message(NetlinkError(errno.EPERM), 'creating nk0').startswith(
        'creating nk0: operation not permitted; managing netkit needs CAP_NET_ADMIN')
    assert netlink_error_message(ValueError('without a code'), 'reading') == 'reading: without a code'


def test_error_message_of_each_expected_error():
    assert error_message(BpfError('pin_path x')) == 'pin_path x', 'a BpfError is a NetkitError'
    assert error_message(NetlinkError(errno.ENODEV)) == 'netlink: %s' % os.strerror(errno.ENODEV)
    assert error_message(FileNotFoundError(errno.ENOENT, 'No such file or directory', '/x')) == (
        'No such file or directory (/x)')
