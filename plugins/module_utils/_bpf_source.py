# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each of the collection's links was loaded from, recorded beside its pin. Private to
this collection.

Changes when the record's layout changes. The kernel's tag of a program covers its
instructions but not the contents of the maps it reads (.rodata, .data), so a rebuild that
changes a constant keeps the tag. The record is a one-element array map pinned as
source_<hook>_<program>: the id of the program the link ran when it was written, and the
digest of what that program was loaded from. It lives and dies with the pins (bpffs), and
a record whose program id is not the link's program any more (someone swapped it) is stale.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import os

from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import BPF_MAP_TYPE_ARRAY, map_info, pinned_kind

RECORD_MAP_NAME = b'xcnf_source'


class SourceRecord(ctypes.Structure):
    _fields_ = [('program_id', ctypes.c_uint32), ('reserved', ctypes.c_uint32), ('digest', ctypes.c_uint8 * 32)]


KEY = ctypes.c_uint32(0)


def is_record(lib, fd):
    if pinned_kind(fd) != 'map':
        return False
    info = map_info(lib, fd)
    return (info['type'] == BPF_MAP_TYPE_ARRAY and info['key_size'] == ctypes.sizeof(KEY)
            and info['value_size'] == ctypes.sizeof(SourceRecord) and info['max_entries'] >= 1)


def read_source(lib, path):
    """(program id, digest hex) recorded at path, or None when there is no record there."""
    if not os.path.exists(path):
        return None
    fd = lib.open_pinned(path)
    try:
        if not is_record(lib, fd):
            return None
        record = SourceRecord()
        if lib.bpf_map_lookup_elem(fd, ctypes.byref(KEY), ctypes.byref(record)) != 0:
            return None
        return record.program_id, bytes(record.digest).hex()
    finally:
        os.close(fd)


def write_source(lib, path, program_id, digest):
    """Record (program id, digest) at path, in the pinned record there or a new one."""
    record = SourceRecord(program_id=program_id, digest=(ctypes.c_uint8 * 32)(*bytes.fromhex(digest)))
    fd = lib.open_pinned(path) if os.path.exists(path) else -1
    if fd >= 0 and not is_record(lib, fd):
        # Not a record this collection made: a record pin's name is the collection's, so it goes.
        os.close(fd)
        os.unlink(path)
        fd = -1
    made = fd < 0
    if made:
        fd = lib.bpf_map_create(BPF_MAP_TYPE_ARRAY, RECORD_MAP_NAME, ctypes.sizeof(KEY), ctypes.sizeof(SourceRecord),
                                1, None)
        if fd < 0:
            raise lib.error('making the record %s' % path, fd)
    try:
        rc = lib.bpf_map_update_elem(fd, ctypes.byref(KEY), ctypes.byref(record), 0)
        if rc != 0:
            raise lib.error('writing the record %s' % path, rc)
        if made:
            rc = lib.bpf_obj_pin(fd, path.encode())
            if rc != 0:
                raise lib.error('pinning the record %s' % path, rc)
    finally:
        os.close(fd)
