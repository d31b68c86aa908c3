# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What root may load, module_utils/_bpf_object.py: check_object_file() and
check_root_only() on files of the build and of a tmp_path. Loading is tested in the VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import struct
import sys

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_object import check_object_file, check_root_only
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import BpfError

OBSERVER = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'netkit', 'files',
                        'ipv6_observer.bpf.o')
EM_BPF = 247  # include/uapi/linux/elf-em.h
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='only root can own what root loads')


def elf_header(machine, big_endian=False):
    """The first 20 bytes of an ELF file: e_ident (class, data, version), e_type, e_machine."""
    order = '>' if big_endian else '<'
    return b'\x7fELF' + bytes(bytearray([2, 2 if big_endian else 1, 1, 0])) + b'\0' * 8 + struct.pack(
        order + 'HH', 1, machine)


@pytest.fixture
def objects(tmp_path):
    """A directory only root can change, as check_object_file() wants the object's to be."""
    os.chmod(str(tmp_path), 0o700)
    return tmp_path


@needs_root
def test_accepts_the_observer_object_the_build_makes():
    assert check_object_file(OBSERVER) is None


@needs_root
@pytest.mark.parametrize('big_endian', [False, True])
def test_accepts_a_bpf_elf_header_of_either_byte_order(objects, big_endian):
    path = objects / 'x.o'
    path.write_bytes(elf_header(EM_BPF, big_endian) + b'\0' * 44)
    os.chmod(str(path), 0o644)
    assert check_object_file(str(path)) is None


@needs_root
@pytest.mark.parametrize('content,message', [
    (b'not an object\n', 'is not an ELF file'),
    (b'\x7fELF\x02\x01', 'is not an ELF file'),
    (b'', 'is not an ELF file'),
    (elf_header(62), 'an ELF file for machine 62, not BPF'),
    (elf_header(EM_BPF, big_endian=True)[:18] + struct.pack('<H', EM_BPF), 'for machine 63232, not BPF'),
    (None, 'not BPF'),
])
def test_rejects_files_that_are_not_bpf_objects(objects, content, message):
    path = objects / 'x.o'
    if content is None:
        with open(sys.executable, 'rb') as handle:
            content = handle.read(64)
    path.write_bytes(content)
    with pytest.raises(BpfError, match=message):
        check_object_file(str(path))


def test_rejects_a_missing_object(tmp_path):
    with pytest.raises(BpfError, match='does not exist on the target'):
        check_object_file(str(tmp_path / 'missing.o'))


def test_rejects_what_is_not_a_regular_file(tmp_path):
    with pytest.raises(BpfError, match='is not a regular file'):
        check_object_file(str(tmp_path))


@needs_root
def test_rejects_an_object_others_can_change(objects):
    path = objects / 'x.o'
    path.write_bytes(elf_header(EM_BPF))
    os.chmod(str(path), 0o666)
    with pytest.raises(BpfError, match=r'^object .*x\.o is owned by uid 0 with mode 666: another user could change'):
        check_object_file(str(path))


@needs_root
def test_rejects_an_object_in_a_directory_others_can_change(objects):
    directory = objects / 'shared'
    directory.mkdir()
    os.chmod(str(directory), 0o777)
    path = directory / 'x.o'
    path.write_bytes(elf_header(EM_BPF))
    os.chmod(str(path), 0o644)
    with pytest.raises(BpfError, match='^the directory of object .*, .*shared is owned by uid 0 with mode 777'):
        check_object_file(str(path))
    os.chmod(str(directory), 0o1777)
    assert check_object_file(str(path)) is None, 'sticky, as /tmp: others cannot replace root\'s files'


class Info:
    """The two fields of an os.stat_result that check_root_only() reads."""

    def __init__(self, uid, mode):
        self.st_uid = uid
        self.st_mode = mode


@pytest.mark.parametrize('uid,mode,refused', [
    (0, stat.S_IFREG | 0o644, False), (0, stat.S_IFREG | 0o600, False), (0, stat.S_IFDIR | 0o755, False),
    (0, stat.S_IFDIR | 0o1777, False), (1000, stat.S_IFREG | 0o644, True), (0, stat.S_IFREG | 0o664, True),
    (0, stat.S_IFREG | 0o1666, True), (0, stat.S_IFDIR | 0o775, True), (65534, stat.S_IFDIR | 0o755, True),
])
def test_check_root_only(uid, mode, refused):
    """Owned by root and writable by nobody else; a directory others can write must be sticky."""
    if refused:
        with pytest.raises(BpfError, match='owned by uid %d with mode %o' % (uid, stat.S_IMODE(mode))):
            check_root_only('/x', Info(uid, mode), 'object')
    else:
        assert check_root_only('/x', Info(uid, mode), 'object') is None
