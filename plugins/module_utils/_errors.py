# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error path of the collection's modules, private to it.

Every error a module expects (bad input, the kernel refusing, a file it cannot use)
reaches the user as fail_json with a message, never as a traceback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib


class NetkitError(Exception):
    """An error to report to the user as it is; nothing was left half-done by it."""


def os_error_message(exc):
    where = ' (%s)' % exc.filename if getattr(exc, 'filename', None) else ''
    return '%s%s' % (exc.strerror or exc, where)


@contextlib.contextmanager
def failing_module(module):
    """Turn the errors a module expects into module.fail_json, outside the except block so
    that ansible-core attaches no traceback of them to the result."""
    try:
        yield
        return
    except NetkitError as exc:
        message = str(exc)
    except OSError as exc:
        message = os_error_message(exc)
    module.fail_json(msg=message)
