# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's lock: this collection's runs on one host take turns. Private to the collection.

It lives in a directory only root can create (/run is root's, 0755), so no other user
can make the file first and hold every run off, or swap in a link to something else.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import os
import stat
import time

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError

LOCK_DIR = '/run/xcnf-netkit'
LOCK_NAME = 'lock'
LOCK_WAIT = 300


def lock_path():
    return os.path.join(LOCK_DIR, LOCK_NAME)


def _check_owned_by_root(info, path, kind, check):
    if not check(info.st_mode):
        raise NetkitError('%s is not a %s; the xcnf.netkit lock must be; remove it' % (path, kind))
    if info.st_uid != 0 or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise NetkitError('%s is owned by uid %d with mode %o; the xcnf.netkit lock must be root\'s and '
                          'writable by root only: remove it' % (path, info.st_uid, stat.S_IMODE(info.st_mode)))


def _open_lock():
    try:
        os.mkdir(LOCK_DIR, 0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise NetkitError('cannot create %s (%s): runs that change netkit pairs need root (become: true)'
                              % (LOCK_DIR, exc.strerror))
    _check_owned_by_root(os.lstat(LOCK_DIR), LOCK_DIR, 'directory', stat.S_ISDIR)
    path = lock_path()
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise NetkitError('cannot open the xcnf.netkit lock %s: %s' % (path, exc.strerror))
    try:
        _check_owned_by_root(os.fstat(fd), path, 'regular file', stat.S_ISREG)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def host_lock(exclusive):
    """Hold the host's xcnf.netkit lock while reading and changing the kernel.

    Runs that change pairs or attachments hold it exclusively, check runs and readers
    shared: a run never plans on another run's half-configured pair (it plans once that
    run is done). The kernel releases it when the process ends, also when it is killed.
    """
    fd = _open_lock()
    try:
        deadline = time.time() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.time() > deadline:
                    raise NetkitError('another xcnf.netkit run has held %s for %ss; if none runs, look for '
                                      'a process that holds it (fuser %s)' % (lock_path(), LOCK_WAIT, lock_path()))
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def reading_lock():
    """The shared lock for a reader, when this user can take it: readers that are not root
    cannot open root's lock, and cannot disturb a run either, so they read without it."""
    if os.geteuid() != 0:
        yield
        return
    with host_lock(exclusive=False):
        yield
