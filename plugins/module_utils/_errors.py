# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's errors and how they are told. Private to this collection.

NetkitError is an error to tell the user as it is; NetlinkError is the kernel refusing a
request the collection sent; error_message() words the errors the collection expects
(these two and OS errors). Nothing here needs
Ansible: the reconcilers run in the kernel suite without it (see _module_errors.py for
the modules' side).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os


class NetkitError(Exception):
    """An error to report to the user as it is; nothing was left half-done by it."""


class NetlinkError(Exception):
    """The kernel's answer to a netlink request was an error: code is its errno. The
    collection's own, raised by its own sockets (_netlink_socket.py), so that reading the
    kernel needs no pyroute2."""

    def __init__(self, code, message=None):
        Exception.__init__(self, code, message or os.strerror(code))
        self.code = code


def os_error_message(exc):
    where = ' (%s)' % exc.filename if getattr(exc, 'filename', None) else ''
    return '%s%s' % (exc.strerror or exc, where)


def netlink_error_message(exc, doing):
    code = getattr(exc, 'code', None)
    if code == errno.EPERM:
        return '%s: operation not permitted; managing netkit needs CAP_NET_ADMIN (use become: true)' % doing
    return '%s: %s' % (doing, os.strerror(code) if code else exc)


def error_message(exc):
    """The message of an error the collection expects, or None for one it does not."""
    if isinstance(exc, NetkitError):
        return str(exc)
    if isinstance(exc, NetlinkError):
        return netlink_error_message(exc, 'netlink')
    if isinstance(exc, OSError):
        return os_error_message(exc)
    return None
