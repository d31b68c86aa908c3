# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record of what a link was loaded from, module_utils/_bpf_source.py: its layout and
its map's name. Writing and reading records on bpffs is tested in the VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import sys

from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_source import KEY, RECORD_MAP_NAME, SourceRecord, read_source
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import BPF_OBJ_NAME_LEN


def test_a_record_is_a_program_id_and_a_sha256():
    """{__u32 program_id; __u32 reserved; __u8 digest[32];}: 40 bytes, the value of a one-element array."""
    assert [(field, getattr(SourceRecord, field).offset) for field, _type in SourceRecord._fields_] == [
        ('program_id', 0), ('reserved', 4), ('digest', 8)]
    assert SourceRecord.digest.size == 32
    assert ctypes.sizeof(SourceRecord) == 40
    assert ctypes.sizeof(KEY) == 4 and KEY.value == 0


def test_a_record_keeps_the_digest_it_was_given():
    digest = bytes(range(32))
    record = SourceRecord(program_id=7, digest=(ctypes.c_uint8 * 32)(*digest))
    assert (record.program_id, bytes(record.digest).hex()) == (7, digest.hex())
    assert bytes(record) == (7).to_bytes(4, sys.byteorder) + bytes(4) + digest


def test_the_record_maps_name_fits_the_kernels():
    assert len(RECORD_MAP_NAME) < BPF_OBJ_NAME_LEN
    assert RECORD_MAP_NAME == b'xcnf_source'


def test_no_record_is_none(tmp_path):
    """A link pinned before records were kept has none: read as None, and nothing is opened."""
    assert read_source(None, str(tmp_path / 'source_primary_a')) is None
