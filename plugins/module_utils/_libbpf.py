# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libbpf and the kernel's BPF structs, through ctypes. Private to this collection.

Changes when libbpf's API or the kernel's BPF uapi changes. No maintained Python
binding covers netkit attachment (PyPI's pylibbpf is 0.0.x), so the calls are declared
here with their C signatures, the kernel structs (include/uapi/linux/bpf.h) as ctypes
structures, and libbpf's errors (a negative errno or errno, and what it logged) are
turned into BpfError in one place: Libbpf.error().
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import ctypes.util
import os
import re

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError

LIBBPF_MIN = (1, 3)
# enum bpf_attach_type: BPF_NETKIT_PRIMARY, BPF_NETKIT_PEER.
HOOKS = {'primary': 54, 'peer': 55}
ATTACH_TYPE_HOOKS = dict((value, key) for key, value in HOOKS.items())
BPF_PROG_TYPE_SCHED_CLS = 3
BPF_LINK_TYPE_NETKIT = 13
BPF_MAP_TYPE_ARRAY = 2
BPF_MAP_TYPE_RINGBUF = 27
BPF_OBJ_NAME_LEN = 16
# bpf_mprog's slots on a hook (BPF_MPROG_MAX): what a query needs room for.
MPROG_SLOTS = 64
# Attach flags (include/uapi/linux/bpf.h): place relative to a program or (BPF_F_LINK) a link.
BPF_F_REPLACE = 1 << 2
BPF_F_BEFORE = 1 << 3
BPF_F_AFTER = 1 << 4
BPF_F_LINK = 1 << 13
LIBBPF_WARN = 0
# How much of what libbpf logged (the verifier's log, for one) an error carries.
LOG_LINES = 30


class BpfError(NetkitError):
    """An error to report as it is."""


class BpfProgInfo(ctypes.Structure):
    """struct bpf_prog_info, up to the fields read (the kernel fills what the size given asks for)."""

    _fields_ = [
        ('type', ctypes.c_uint32), ('id', ctypes.c_uint32), ('tag', ctypes.c_uint8 * 8),
        ('jited_prog_len', ctypes.c_uint32), ('xlated_prog_len', ctypes.c_uint32),
        ('jited_prog_insns', ctypes.c_uint64), ('xlated_prog_insns', ctypes.c_uint64),
        ('load_time', ctypes.c_uint64), ('created_by_uid', ctypes.c_uint32), ('nr_map_ids', ctypes.c_uint32),
        ('map_ids', ctypes.c_uint64), ('name', ctypes.c_char * BPF_OBJ_NAME_LEN),
    ]


class BpfNetkitOpts(ctypes.Structure):
    """libbpf's struct bpf_netkit_opts: where a new link goes, and the hook revision it expects."""

    _fields_ = [('sz', ctypes.c_size_t), ('flags', ctypes.c_uint32), ('relative_fd', ctypes.c_uint32),
                ('relative_id', ctypes.c_uint32), ('expected_revision', ctypes.c_uint64)]


class BpfProgQueryOpts(ctypes.Structure):
    """libbpf's struct bpf_prog_query_opts: a hook's programs and links in order, and its revision."""

    _fields_ = [('sz', ctypes.c_size_t), ('query_flags', ctypes.c_uint32), ('attach_flags', ctypes.c_uint32),
                ('prog_ids', ctypes.POINTER(ctypes.c_uint32)), ('count', ctypes.c_uint32),
                ('prog_attach_flags', ctypes.POINTER(ctypes.c_uint32)), ('link_ids', ctypes.POINTER(ctypes.c_uint32)),
                ('link_attach_flags', ctypes.POINTER(ctypes.c_uint32)), ('revision', ctypes.c_uint64)]


class BpfLinkUpdateOpts(ctypes.Structure):
    """libbpf's struct bpf_link_update_opts: with BPF_F_REPLACE, swap only if old_prog_fd still runs."""

    _fields_ = [('sz', ctypes.c_size_t), ('flags', ctypes.c_uint32), ('old_prog_fd', ctypes.c_uint32),
                ('old_map_fd', ctypes.c_uint32)]


class BpfNetkitLinkInfo(ctypes.Structure):
    """The netkit member of struct bpf_link_info's union."""

    _fields_ = [('ifindex', ctypes.c_uint32), ('attach_type', ctypes.c_uint32)]


class BpfLinkInfoUnion(ctypes.Union):
    # Other members hold __aligned_u64 fields: the union starts 8-aligned.
    _fields_ = [('netkit', BpfNetkitLinkInfo), ('aligned', ctypes.c_uint64 * 2)]


class BpfLinkInfo(ctypes.Structure):
    """struct bpf_link_info, with the netkit member of its union."""

    _fields_ = [('type', ctypes.c_uint32), ('id', ctypes.c_uint32), ('prog_id', ctypes.c_uint32),
                ('info', BpfLinkInfoUnion)]


class BpfMapInfo(ctypes.Structure):
    """struct bpf_map_info, up to the fields read."""

    _fields_ = [('type', ctypes.c_uint32), ('id', ctypes.c_uint32), ('key_size', ctypes.c_uint32),
                ('value_size', ctypes.c_uint32), ('max_entries', ctypes.c_uint32), ('map_flags', ctypes.c_uint32),
                ('name', ctypes.c_char * BPF_OBJ_NAME_LEN)]


PRINT_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
RING_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
# Kernel addresses (the verifier prints some as it loads maps) are not for the module's result.
KERNEL_ADDRESS = re.compile(r'0xffff[0-9a-f]{12}')
# What libbpf warned about since the last take_log(): libbpf has one print callback per
# process, so the log and the callback are the process's, set once and never freed.
LOG = []
LIBC = ctypes.CDLL(None)
LIBC.vasprintf.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_void_p]
LIBC.free.argtypes = [ctypes.c_void_p]


def _logged(level, fmt, args):
    """libbpf's print callback: keep its warnings (the verifier's log is one) for Libbpf.error()."""
    if level != LIBBPF_WARN:
        return 0
    text = ctypes.c_void_p()
    # va_list travels as a pointer on the ABIs Linux runs (x86_64, arm64, s390x, ppc64le):
    # formatted once, into memory of the size it needs.
    if LIBC.vasprintf(ctypes.byref(text), fmt, args) >= 0:
        try:
            LOG.extend(ctypes.string_at(text.value).decode('utf-8', 'replace').splitlines())
        finally:
            LIBC.free(text)
    return 0


PRINT = PRINT_CALLBACK(_logged)


class Libbpf:
    """The libbpf calls this collection uses, with their C signatures."""

    SIGNATURES = {
        'libbpf_major_version': (ctypes.c_uint32, []),
        'libbpf_minor_version': (ctypes.c_uint32, []),
        'libbpf_set_print': (ctypes.c_void_p, [PRINT_CALLBACK]),
        'bpf_object__open_file': (ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_void_p]),
        'bpf_object__load': (ctypes.c_int, [ctypes.c_void_p]),
        'bpf_object__close': (None, [ctypes.c_void_p]),
        'bpf_object__next_program': (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p]),
        'bpf_object__next_map': (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p]),
        'bpf_program__name': (ctypes.c_char_p, [ctypes.c_void_p]),
        'bpf_program__section_name': (ctypes.c_char_p, [ctypes.c_void_p]),
        'bpf_program__type': (ctypes.c_int, [ctypes.c_void_p]),
        'bpf_program__set_autoload': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_bool]),
        'bpf_program__set_expected_attach_type': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int]),
        'bpf_program__fd': (ctypes.c_int, [ctypes.c_void_p]),
        'bpf_program__attach_netkit': (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(BpfNetkitOpts)]),
        'bpf_map__name': (ctypes.c_char_p, [ctypes.c_void_p]),
        'bpf_map__is_internal': (ctypes.c_bool, [ctypes.c_void_p]),
        'bpf_map__set_pin_path': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
        'bpf_link__pin': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
        'bpf_link__destroy': (ctypes.c_int, [ctypes.c_void_p]),
        'bpf_link__fd': (ctypes.c_int, [ctypes.c_void_p]),
        'bpf_link_detach': (ctypes.c_int, [ctypes.c_int]),
        'bpf_link_update': (ctypes.c_int, [ctypes.c_int, ctypes.c_int, ctypes.POINTER(BpfLinkUpdateOpts)]),
        'bpf_prog_query_opts': (ctypes.c_int, [ctypes.c_int, ctypes.c_int, ctypes.POINTER(BpfProgQueryOpts)]),
        'bpf_map__fd': (ctypes.c_int, [ctypes.c_void_p]),
        'bpf_map__initial_value': (ctypes.c_void_p, [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)]),
        'bpf_map_create': (ctypes.c_int, [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32, ctypes.c_uint32,
                                          ctypes.c_uint32, ctypes.c_void_p]),
        'bpf_map_update_elem': (ctypes.c_int, [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64]),
        'bpf_obj_pin': (ctypes.c_int, [ctypes.c_int, ctypes.c_char_p]),
        'bpf_obj_get': (ctypes.c_int, [ctypes.c_char_p]),
        'bpf_obj_get_info_by_fd': (ctypes.c_int, [ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]),
        'bpf_prog_get_fd_by_id': (ctypes.c_int, [ctypes.c_uint32]),
        'bpf_map_lookup_elem': (ctypes.c_int, [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]),
        'ring_buffer__new': (ctypes.c_void_p, [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
        'ring_buffer__poll': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int]),
        'ring_buffer__free': (None, [ctypes.c_void_p]),
    }

    def __init__(self):
        try:
            # By its soname first: find_library() runs ldconfig, which costs more than the rest of a run.
            self.lib = ctypes.CDLL('libbpf.so.1', use_errno=True)
        except OSError:
            self.lib = None
        try:
            self.lib = self.lib or ctypes.CDLL(ctypes.util.find_library('bpf') or 'libbpf.so.1', use_errno=True)
        except OSError:
            raise BpfError('libbpf is missing on this host: install libbpf1 (Debian/Ubuntu) or libbpf, '
                           'version %d.%d or newer' % LIBBPF_MIN)
        try:
            self.version = (self.lib.libbpf_major_version(), self.lib.libbpf_minor_version())
        except AttributeError:
            self.version = (0, 0)
        if self.version < LIBBPF_MIN:
            raise BpfError('libbpf %d.%d is too old: netkit attachment needs libbpf %d.%d or newer'
                           % (self.version + LIBBPF_MIN))
        for name, (restype, argtypes) in self.SIGNATURES.items():
            function = getattr(self.lib, name)
            function.restype = restype
            function.argtypes = argtypes
        self.lib.libbpf_set_print(PRINT)

    def __getattr__(self, name):
        return getattr(self.lib, name)

    @staticmethod
    def take_log():
        """What libbpf warned about since the last call, kernel addresses masked; the log starts afresh."""
        lines = [KERNEL_ADDRESS.sub('0xffff...', line) for line in LOG]
        del LOG[:]
        return lines

    def error(self, doing, code=None, hint=''):
        """The BpfError of a failed call: code is its negative errno (or errno), None to take
        the errno it left; with the last lines libbpf logged since the operation began (the
        verifier's reason and the end of its log are at the end)."""
        code = abs(code) if code else ctypes.get_errno()
        message = '%s: %s%s' % (doing, os.strerror(code) if code else 'unknown error', hint)
        log = self.take_log()
        if log:
            message += '\nlibbpf said (its last %d lines):\n%s' % (min(len(log), LOG_LINES), '\n'.join(log[-LOG_LINES:]))
        return BpfError(message)

    def object_info(self, fd, info):
        """Fill info (one of the Bpf*Info structures) for the object of fd."""
        size = ctypes.c_uint32(ctypes.sizeof(info))
        if self.lib.bpf_obj_get_info_by_fd(fd, ctypes.byref(info), ctypes.byref(size)) != 0:
            raise self.error('reading BPF object info')
        return info

    def open_pinned(self, path):
        fd = self.lib.bpf_obj_get(path.encode())
        if fd < 0:
            raise self.error('cannot open the pin %s' % path)
        return fd


def program_info(lib, fd):
    """id, tag, name and type of a loaded program."""
    info = lib.object_info(fd, BpfProgInfo())
    return {'program_id': info.id, 'tag': bytes(info.tag).hex(), 'type': info.type,
            'program': info.name.decode('utf-8', 'replace')}


def program_map_ids(lib, fd):
    """The ids of the maps a loaded program uses."""
    count = lib.object_info(fd, BpfProgInfo()).nr_map_ids
    ids = (ctypes.c_uint32 * max(count, 1))()
    info = BpfProgInfo(nr_map_ids=count, map_ids=ctypes.addressof(ids))
    lib.object_info(fd, info)
    return set(ids[:min(count, info.nr_map_ids)])


def query_hook(lib, ifindex, hook):
    """(revision, [(program id, link id or 0), ...] in the order they run) of a hook of the
    netkit primary ifindex."""
    programs = (ctypes.c_uint32 * MPROG_SLOTS)()
    links = (ctypes.c_uint32 * MPROG_SLOTS)()
    opts = BpfProgQueryOpts(sz=ctypes.sizeof(BpfProgQueryOpts), prog_ids=programs, link_ids=links, count=MPROG_SLOTS)
    rc = lib.bpf_prog_query_opts(ifindex, HOOKS[hook], ctypes.byref(opts))
    if rc != 0:
        raise lib.error('reading what runs on the %s hook of ifindex %d' % (hook, ifindex), rc)
    count = min(opts.count, MPROG_SLOTS)
    return opts.revision, list(zip(programs[:count], links[:count]))


def pinned_kind(fd):
    """'link', 'prog' or 'map': what a BPF file descriptor holds (the kernel says so in its fdinfo)."""
    with open('/proc/self/fdinfo/%d' % fd) as fdinfo:
        keys = set(line.split(':', 1)[0] for line in fdinfo)
    for kind in ('link', 'prog', 'map'):
        if kind + '_type' in keys:
            return kind
    return None


def link_info(lib, fd):
    """id, program id, ifindex and hook of a link (ifindex and hook None for a link not netkit's)."""
    info = lib.object_info(fd, BpfLinkInfo())
    netkit = info.type == BPF_LINK_TYPE_NETKIT
    return {'link_id': info.id, 'program_id': info.prog_id,
            'ifindex': info.info.netkit.ifindex if netkit else None,
            'hook': ATTACH_TYPE_HOOKS.get(info.info.netkit.attach_type) if netkit else None}


def map_info(lib, fd):
    info = lib.object_info(fd, BpfMapInfo())
    return {'type': info.type, 'id': info.id, 'key_size': info.key_size, 'value_size': info.value_size,
            'max_entries': info.max_entries}
