# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bpffs: where the collection pins, what it may make and remove there, and the checks
that keep it inside. Private to this collection.

Changes when the pin layout or the rules of the pin tree change. Only entries named
link_<hook>_<program> (link_<hook> from before programs were lists), source_<hook>_<program>
and map_<name> are ever removed, and a directory only when that empties it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import os
import re
import stat

from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import HOOKS, BpfError

PIN_ROOT = '/sys/fs/bpf'
DEFAULT_PIN_DIR = os.path.join(PIN_ROOT, 'xcnf-netkit')
BPFFS_MAGIC = 0xcafe4a11
# A program's name as a task gives it: a C function's, so that it can name pins.
PROGRAM_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]{0,127}')
# The entries of a pin directory this collection makes, and so the only ones it removes: a
# link per listed program (link_<hook> is the one link of a hook pinned by releases before
# programs were lists), the record of what it was loaded from, and the object's maps.
LINK_PIN = re.compile(r'link_(primary|peer)(?:_(%s))?' % PROGRAM_NAME.pattern)
SOURCE_PIN = re.compile(r'source_(primary|peer)_(%s)' % PROGRAM_NAME.pattern)
MAP_PIN_PREFIX = 'map_'


class Statfs(ctypes.Structure):
    """The start of struct statfs: f_type, a long on Linux (the rest is room for the kernel to fill)."""

    _fields_ = [('f_type', ctypes.c_long), ('rest', ctypes.c_char * 248)]


def link_pin_path(pin_dir, hook, program):
    return os.path.join(pin_dir, 'link_%s_%s' % (hook, program))


def source_pin_path(pin_dir, hook, program):
    return os.path.join(pin_dir, 'source_%s_%s' % (hook, program))


def check_program_names(names):
    for name in names:
        if not PROGRAM_NAME.fullmatch(name):
            raise BpfError('programs: %r is not a program name (a C function\'s: letters, digits and "_", not starting '
                           'with a digit, at most 128)' % name)


def map_pin_path(pin_dir, name):
    return os.path.join(pin_dir, MAP_PIN_PREFIX + name)


def pin_dir_of(params, primary):
    """The pin directory: pin_path as given, or the primary's under DEFAULT_PIN_DIR; checked."""
    if params.get('pin_path'):
        check_pin_path(params['pin_path'])
        return params['pin_path']
    check_pin_names('device', [primary])
    return os.path.join(DEFAULT_PIN_DIR, primary)


def check_pin_path(path):
    """Refuse a pin directory this collection must not make or remove things in: anything
    but a normalised path below the bpffs mount whose names bpffs takes."""
    prefix = PIN_ROOT + os.sep
    if not path.startswith(prefix) or os.path.normpath(path) != path or path == prefix:
        raise BpfError('pin_path %r is not a directory below %s (absolute, without "..", "." or a trailing "/"); '
                       'pins live on bpffs only' % (path, PIN_ROOT))
    check_pin_names('pin_path', path[len(prefix):].split(os.sep))


def check_pin_names(param, names):
    # bpffs refuses names with a dot (EPERM).
    for name in names:
        if not name or '.' in name or any(ord(c) < 32 or ord(c) == 127 or 0xd800 <= ord(c) <= 0xdfff for c in name):
            raise BpfError('%s: %r cannot name a directory on bpffs (no ".", no control characters)'
                           % (param, name))


def check_owned_by_root(path):
    """Raise unless path, when it exists, is a real directory only root can change."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return
        raise
    if not stat.S_ISDIR(info.st_mode):
        raise BpfError('%s is not a directory (a link, or a file); this collection pins in directories only'
                       % path)
    writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if info.st_uid != 0 or (writable and not info.st_mode & stat.S_ISVTX):
        raise BpfError('%s is owned by uid %d with mode %o: other users could change what is pinned there; '
                       'make it root\'s and 0700, or remove it' % (path, info.st_uid, stat.S_IMODE(info.st_mode)))


def check_pin_tree(pin_dir):
    """check_owned_by_root for the bpffs mount and every directory down to pin_dir."""
    path = PIN_ROOT
    check_owned_by_root(path)
    for part in pin_dir[len(PIN_ROOT) + 1:].split(os.sep):
        path = os.path.join(path, part)
        check_owned_by_root(path)


def is_bpffs(path):
    libc = ctypes.CDLL(None, use_errno=True)
    buf = Statfs()
    if libc.statfs(path.encode(), ctypes.byref(buf)) != 0:
        return False
    return buf.f_type == BPFFS_MAGIC


def mount_bpffs(root=PIN_ROOT):
    """Mount bpffs at root unless it is there; mode 0700 as iproute2 and systemd mount it
    (the kernel's default is 1777: anyone could make pin directories there)."""
    if is_bpffs(root):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if not os.path.isdir(root):
        os.makedirs(root)
    if libc.mount(b'bpf', root.encode(), b'bpf', 0, b'mode=0700') != 0:
        raise BpfError('mounting bpffs at %s: %s' % (root, os.strerror(ctypes.get_errno())))
    return True


def make_pin_dir(pin_dir):
    """Create the pin directory and its parents, readable by root only; those it made, outermost first."""
    missing = []
    path = pin_dir
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for path in reversed(missing):
        os.mkdir(path, 0o700)
    check_pin_tree(pin_dir)
    return list(reversed(missing))


def remove_made_dirs(made):
    """Remove the directories make_pin_dir() made, innermost first, those still empty."""
    for path in reversed(made):
        if not os.listdir(path):
            os.rmdir(path)


def managed_entries(pin_dir):
    """The entries of pin_dir this collection made: link and map pins (nothing else)."""
    try:
        names = os.listdir(pin_dir)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return []
        raise
    return sorted(name for name in names
                  if LINK_PIN.fullmatch(name) or SOURCE_PIN.fullmatch(name) or name.startswith(MAP_PIN_PREFIX))


def link_pins(pin_dir):
    """{hook: [(pin name, listed program name, or None for a link_<hook> pin)]} of pin_dir."""
    pins = dict((hook, []) for hook in HOOKS)
    for name in managed_entries(pin_dir):
        match = LINK_PIN.fullmatch(name)
        if match:
            pins[match.group(1)].append((name, match.group(2)))
    return pins


def leftovers(pin_dir, links_left):
    """What remove_pin_dir() would remove once links_left links are the only ones still
    pinned: the map pins (and the directory, if that empties it) when no link is left."""
    if links_left:
        return []
    entries = [name for name in managed_entries(pin_dir) if not LINK_PIN.fullmatch(name)]
    if os.path.isdir(pin_dir) and not set(os.listdir(pin_dir)) - set(managed_entries(pin_dir)):
        entries.append('.')
    return entries


def remove_pin_dir(pin_dir):
    """Once no link is pinned in pin_dir: unpin its maps, and remove the directory if that
    empties it (an entry this collection did not make is left, and so is the directory)."""
    if any(LINK_PIN.fullmatch(name) for name in managed_entries(pin_dir)):
        return
    for name in managed_entries(pin_dir):
        os.unlink(os.path.join(pin_dir, name))
    if os.path.isdir(pin_dir) and not os.listdir(pin_dir):
        os.rmdir(pin_dir)


def unpin(path):
    """Remove a pin; False when it was not there."""
    try:
        os.unlink(path)
        return True
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return False
        raise
