# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel's BPF structs and numbers as module_utils/_libbpf.py declares them, against
the kernel's layout (include/uapi/linux/bpf.h), and libbpf's option structs against its
own (libbpf's bpf.h and libbpf.h, on a 64-bit host), written out here; how a hook's query
is read back; and how a libbpf error is worded. No libbpf call is made: loading and
attaching are tested in the VM."""

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
    BpfError, BpfLinkInfo, BpfLinkUpdateOpts, BpfMapInfo, BpfNetkitLinkInfo, BpfNetkitOpts, BpfProgInfo,
    BpfProgQueryOpts, Libbpf, query_hook,
)

# libbpf's option structs start with a size_t and hold pointers: their layout is LP64's.
lp64 = pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="libbpf's option structs as laid out on LP64")


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


def layout(structure):
    return [(field, offset(structure, field)) for field, _type in structure._fields_], ctypes.sizeof(structure)


@lp64
def test_netkit_opts_are_laid_out_as_libbpfs():
    """struct bpf_netkit_opts {size_t sz; __u32 flags; __u32 relative_fd; __u32 relative_id;
    __u64 expected_revision; size_t :0;}: libbpf reads as much as sz says."""
    assert layout(BpfNetkitOpts) == ([('sz', 0), ('flags', 8), ('relative_fd', 12), ('relative_id', 16),
                                      ('expected_revision', 24)], 32)
    assert BpfNetkitOpts.expected_revision.size == 8


@lp64
def test_prog_query_opts_are_laid_out_as_libbpfs():
    """struct bpf_prog_query_opts {size_t sz; __u32 query_flags; __u32 attach_flags; __u32 *prog_ids;
    __u32 count (prog_cnt); __u32 *prog_attach_flags; __u32 *link_ids; __u32 *link_attach_flags;
    __u64 revision; size_t :0;}."""
    assert layout(BpfProgQueryOpts) == ([
        ('sz', 0), ('query_flags', 8), ('attach_flags', 12), ('prog_ids', 16), ('count', 24),
        ('prog_attach_flags', 32), ('link_ids', 40), ('link_attach_flags', 48), ('revision', 56)], 64)
    assert (BpfProgQueryOpts.count.size, BpfProgQueryOpts.revision.size) == (4, 8)


@lp64
def test_link_update_opts_are_laid_out_as_libbpfs():
    """struct bpf_link_update_opts {size_t sz; __u32 flags; __u32 old_prog_fd; __u32 old_map_fd; size_t :0;}."""
    assert layout(BpfLinkUpdateOpts) == ([('sz', 0), ('flags', 8), ('old_prog_fd', 12), ('old_map_fd', 16)], 24)


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


def test_attach_flags_are_the_kernels():
    # BPF_F_REPLACE, BPF_F_BEFORE, BPF_F_AFTER, BPF_F_LINK of include/uapi/linux/bpf.h.
    assert (_libbpf.BPF_F_REPLACE, _libbpf.BPF_F_BEFORE, _libbpf.BPF_F_AFTER, _libbpf.BPF_F_LINK) == (4, 8, 16, 8192)
    assert _libbpf.MPROG_SLOTS == 64, 'BPF_MPROG_MAX'


def test_the_attach_and_query_calls_take_the_option_structs():
    signatures = Libbpf.SIGNATURES
    assert signatures['bpf_program__attach_netkit'][1][2] is ctypes.POINTER(BpfNetkitOpts)
    assert signatures['bpf_prog_query_opts'][1][2] is ctypes.POINTER(BpfProgQueryOpts)
    assert signatures['bpf_link_update'][1][2] is ctypes.POINTER(BpfLinkUpdateOpts)


# ------------------------------------------------------------ reading a hook back

class QueryingLib:
    """What query_hook() asks of a Libbpf: bpf_prog_query_opts() answered from data, as the kernel fills opts."""

    def __init__(self, running, revision, rc=0):
        self.running, self.revision, self.rc = running, revision, rc
        self.asked = []

    def bpf_prog_query_opts(self, target, attach_type, opts_ref):
        opts = opts_ref._obj
        self.asked.append((target, attach_type, opts.sz, opts.count))
        if self.rc:
            return self.rc
        for slot, (program_id, link_id) in enumerate(self.running[:opts.count]):
            opts.prog_ids[slot], opts.link_ids[slot] = program_id, link_id
        opts.count, opts.revision = len(self.running), self.revision
        return 0

    def error(self, doing, code=0):
        return BpfError('%s: %s' % (doing, os.strerror(abs(code))))


def test_a_hook_is_read_in_the_order_it_runs_with_its_revision():
    lib = QueryingLib([(31, 40), (32, 0), (33, 41)], revision=2 ** 40 + 5)
    assert query_hook(lib, 7, 'peer') == (2 ** 40 + 5, [(31, 40), (32, 0), (33, 41)])
    assert lib.asked == [(7, 55, ctypes.sizeof(BpfProgQueryOpts), 64)]
    assert query_hook(QueryingLib([], revision=1), 7, 'primary') == (1, [])


def test_a_hook_reported_longer_than_its_slots_is_read_to_the_last_slot():
    running = [(100 + slot, 200 + slot) for slot in range(70)]
    revision, read = query_hook(QueryingLib(running, revision=3), 7, 'primary')
    assert read == running[:64]


def test_a_query_the_kernel_refuses_says_which_hook():
    with pytest.raises(BpfError, match='^reading what runs on the primary hook of ifindex 7: '):
        query_hook(QueryingLib([], revision=1, rc=-errno.EINVAL), 7, 'primary')


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
