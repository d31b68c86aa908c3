# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel's BPF structs and numbers as module_utils/_libbpf.py declares them, against
the kernel's layout (include/uapi/linux/bpf.h), written out here; and how a libbpf error
is worded. No libbpf call is made: loading and attaching are tested in the VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import ctypes.util
import errno
import os

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _libbpf
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import (
    BpfError, BpfLinkInfo, BpfMapInfo, BpfNetkitLinkInfo, BpfProgInfo, Libbpf,
)


def offset(structure, field):
    return getattr(structure, field).offset


# ------------------------------------------------------------ struct layouts

def test_prog_info_is_laid_out_as_the_kernels():
    """struct bpf_prog_info, up to name: the kernel fills as much as the size given asks for."""
    assert [(field, offset(BpfProgInfo, field)) for field, _type in BpfProgInfo._fields_] == [
        ('type', 0), ('id', 4), ('tag', 8), ('jited_prog_len', 16), ('xlated_prog_len', 20),
        ('jited_prog_insns', 24), ('xlated_prog_insns', 32), ('load_time', 40), ('created_by_uid', 48),
        ('nr_map_ids', 52), ('map_ids', 56), ('name', 64)]
    assert BpfProgInfo.tag.size == 8 and BpfProgInfo.name.size == 16
    assert ctypes.sizeof(BpfProgInfo) == 80


def test_link_info_is_laid_out_as_the_kernels():
    """struct bpf_link_info: type, id, prog_id, then a union of 8-byte alignment whose
    netkit member is {__u32 ifindex; __u32 attach_type;}."""
    assert (offset(BpfLinkInfo, 'type'), offset(BpfLinkInfo, 'id'), offset(BpfLinkInfo, 'prog_id')) == (0, 4, 8)
    assert offset(BpfLinkInfo, 'info') == 16
    assert (offset(BpfNetkitLinkInfo, 'ifindex'), offset(BpfNetkitLinkInfo, 'attach_type')) == (0, 4)
    # In the whole struct: the netkit ifindex at 16, its attach_type at 20.
    info = BpfLinkInfo()
    raw = (ctypes.c_uint8 * ctypes.sizeof(info)).from_buffer(info)
    ctypes.memmove(ctypes.addressof(raw) + 16, (ctypes.c_uint32 * 2)(7, 55), 8)
    assert (info.info.netkit.ifindex, info.info.netkit.attach_type) == (7, 55)
    assert ctypes.alignment(BpfLinkInfo) == 8


def test_map_info_is_laid_out_as_the_kernels():
    assert [(field, offset(BpfMapInfo, field)) for field, _type in BpfMapInfo._fields_] == [
        ('type', 0), ('id', 4), ('key_size', 8), ('value_size', 12), ('max_entries', 16), ('map_flags', 20),
        ('name', 24)]
    assert BpfMapInfo.name.size == 16


def test_a_name_the_kernel_fills_is_read_up_to_its_nul():
    info = BpfProgInfo()
    ctypes.memmove(ctypes.addressof(info) + 64, b'observe_primar\0', 15)
    assert info.name == b'observe_primar'


# ------------------------------------------------------------ the kernel's numbers

def test_bpf_numbers_are_the_kernels():
    # enum bpf_attach_type: BPF_NETKIT_PRIMARY, BPF_NETKIT_PEER.
    assert _libbpf.HOOKS == {'primary': 54, 'peer': 55}
    assert _libbpf.ATTACH_TYPE_HOOKS == {54: 'primary', 55: 'peer'}
    # enum bpf_prog_type, bpf_link_type, bpf_map_type.
    assert (_libbpf.BPF_PROG_TYPE_SCHED_CLS, _libbpf.BPF_LINK_TYPE_NETKIT) == (3, 13)
    assert (_libbpf.BPF_MAP_TYPE_ARRAY, _libbpf.BPF_MAP_TYPE_RINGBUF) == (2, 27)
    assert _libbpf.BPF_OBJ_NAME_LEN == 16


# ------------------------------------------------------------ errors

def libbpf_logged(*lines):
    """A Libbpf as its callback leaves it once libbpf logged lines (no library loaded)."""
    lib = Libbpf.__new__(Libbpf)
    lib.take_log()
    _libbpf.LOG.extend(lines)
    return lib


def test_bpf_errors_are_told_as_they_are():
    assert issubclass(BpfError, NetkitError)


@pytest.mark.parametrize('code', [-errno.EINVAL, errno.EINVAL])
def test_an_error_names_the_errno_either_sign(code):
    error = libbpf_logged().error('the kernel refused to load x.o', code)
    assert isinstance(error, BpfError)
    assert str(error) == 'the kernel refused to load x.o: %s' % os.strerror(errno.EINVAL)


def test_an_error_carries_the_last_lines_libbpf_logged_once():
    lib = libbpf_logged(*['line %d' % n for n in range(40)])
    message = str(lib.error('loading', -errno.EACCES))
    assert message.startswith('loading: %s\nlibbpf said (its last 30 lines):\n' % os.strerror(errno.EACCES))
    assert message.splitlines()[2:] == ['line %d' % n for n in range(40 - _libbpf.LOG_LINES, 40)]
    assert _libbpf.LOG == [], 'told once'
    assert str(lib.error('again', -errno.EACCES)) == 'again: %s' % os.strerror(errno.EACCES)


def test_an_error_without_a_code_takes_the_errno_the_call_left():
    """ctypes' copy of errno, which a call through CDLL(use_errno=True) leaves."""
    saved = ctypes.set_errno(errno.ENOENT)
    try:
        assert str(libbpf_logged().error('cannot open the pin /sys/fs/bpf/x')) == (
            'cannot open the pin /sys/fs/bpf/x: %s' % os.strerror(errno.ENOENT))
        ctypes.set_errno(0)
        assert str(libbpf_logged().error('attaching')) == 'attaching: unknown error'
    finally:
        ctypes.set_errno(saved)


def test_libbpf_loads_or_says_what_the_host_lacks():
    """This host's libbpf: new enough, or a BpfError that says what to install."""
    try:
        lib = Libbpf()
    except BpfError as exc:
        assert 'libbpf' in str(exc) and ('is missing on this host' in str(exc) or 'is too old' in str(exc))
        assert 'version 1.3 or newer' in str(exc) or 'needs libbpf 1.3 or newer' in str(exc)
        return
    assert lib.version >= _libbpf.LIBBPF_MIN
    assert lib.bpf_object__open_file.argtypes == [ctypes.c_char_p, ctypes.c_void_p]


def test_kernel_addresses_in_the_log_are_masked():
    lib = libbpf_logged('0: (18) r1 = 0xffff8881047a3c00', 'r2 = 0x1234')
    assert str(lib.error('loading', -errno.EACCES)).splitlines()[2:] == ['0: (18) r1 = 0xffff...', 'r2 = 0x1234']


def test_the_callback_formats_a_long_warning_whole():
    """libbpf hands the verifier's log over in one warning of any length: this host's libbpf
    (any version) warns about an object path it cannot open, here one of 6,000 bytes."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library('bpf') or 'libbpf.so.1')
    except OSError:
        pytest.skip('no libbpf on this host')
    lib.libbpf_set_print.argtypes = [_libbpf.PRINT_CALLBACK]
    lib.bpf_object__open_file.restype = ctypes.c_void_p
    lib.bpf_object__open_file.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.libbpf_set_print(_libbpf.PRINT)
    Libbpf.take_log()
    path = '/nonexistent/' + 'x' * 6000
    assert not lib.bpf_object__open_file(path.encode(), None)
    assert any(path in line for line in Libbpf.take_log())
