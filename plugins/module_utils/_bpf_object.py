# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A BPF object file: what root may load from it, and loading its wanted programs.
Private to this collection.

Changes when the rules for object files, or how their programs and maps are loaded, change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import hashlib
import os
import stat
import struct

from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_pins import map_pin_path
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import (
    BPF_PROG_TYPE_SCHED_CLS, HOOKS, BpfError, map_info, program_info, program_map_ids,
)

ELF_MAGIC = b'\x7fELF'
EM_BPF = 247


def check_object_file(path):
    """Fail clearly on a missing file, one that is not a BPF ELF object, or one another user
    could change between this check and the load (root loads what the file holds then)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise BpfError('object %s does not exist on the target' % path)
        raise BpfError('object %s cannot be read: %s' % (path, exc.strerror))
    if not stat.S_ISREG(info.st_mode):
        raise BpfError('object %s is not a regular file' % path)
    check_root_only(path, info, 'object')
    directory = os.path.dirname(os.path.realpath(path))
    while True:
        check_root_only(directory, os.stat(directory), 'the directory of object %s,' % path)
        if directory == os.path.dirname(directory):
            break
        directory = os.path.dirname(directory)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        header = os.read(fd, 20)
    finally:
        os.close(fd)
    if len(header) < 20 or header[:4] != ELF_MAGIC:
        raise BpfError('object %s is not an ELF file; give a BPF object built with clang -target bpf' % path)
    byteorder = '<' if header[5] == 1 else '>'
    machine = struct.unpack(byteorder + 'H', header[18:20])[0]
    if machine != EM_BPF:
        raise BpfError('object %s is an ELF file for machine %d, not BPF (%d); build it with clang -target bpf'
                       % (path, machine, EM_BPF))


def check_root_only(path, info, what):
    """Raise unless only root can change path: owned by root, writable by nobody else (a
    directory others can write must be sticky, as /tmp is: then they cannot replace root's files)."""
    writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if info.st_uid != 0 or (writable and not (stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX)):
        raise BpfError('%s %s is owned by uid %d with mode %o: another user could change what root loads; '
                       'keep objects in root\'s directories, writable by root only'
                       % (what, path, info.st_uid, stat.S_IMODE(info.st_mode)))


def section_of(map_name):
    """The section of one of an object's own maps: libbpf names them <object name>.<section>,
    and the object's name is its file's, which the digest must not depend on."""
    return map_name[map_name.index(b'.'):] if b'.' in map_name else map_name


class LoadedObject:
    """A BPF object opened and loaded with only the wanted programs."""

    def __init__(self, lib, path, hooks_by_program, map_pin_dir=None):
        self.lib = lib
        self.path = path
        # The caller has run check_object_file(path), before it made a pin directory for it.
        lib.take_log()
        self.obj = lib.bpf_object__open_file(path.encode(), None)
        if not self.obj:
            raise lib.error('libbpf cannot open %s' % path)
        try:
            self.programs = self._select(hooks_by_program)
            self.map_names = self._map_names(map_pin_dir)
            rc = lib.bpf_object__load(self.obj)
            if rc != 0:
                raise lib.error('the kernel refused to load %s' % path, rc,
                                hint=' (`bpftool prog load %s /sys/fs/bpf/x` shows the whole verifier log)' % path)
        except BaseException:
            self.close()
            raise

    def _select(self, hooks_by_program):
        programs = {}
        prog = self.lib.bpf_object__next_program(self.obj, None)
        while prog:
            name = self.lib.bpf_program__name(prog).decode()
            wanted = name in hooks_by_program
            self.lib.bpf_program__set_autoload(prog, wanted)
            if wanted:
                if self.lib.bpf_program__type(prog) != BPF_PROG_TYPE_SCHED_CLS:
                    raise BpfError('program %s of %s is in section %s, which is not a netkit program; use '
                                   'SEC("netkit/primary") or SEC("netkit/peer")'
                                   % (name, self.path, self.lib.bpf_program__section_name(prog).decode()))
                self.lib.bpf_program__set_expected_attach_type(prog, HOOKS[hooks_by_program[name]])
                programs[name] = prog
            prog = self.lib.bpf_object__next_program(self.obj, prog)
        missing = sorted(set(hooks_by_program) - set(programs))
        if missing:
            raise BpfError('object %s has no program %s' % (self.path, ', '.join(missing)))
        return programs

    def _map_names(self, pin_dir):
        names = []
        bpf_map = self.lib.bpf_object__next_map(self.obj, None)
        while bpf_map:
            if not self.lib.bpf_map__is_internal(bpf_map):
                name = self.lib.bpf_map__name(bpf_map).decode()
                names.append(name)
                if pin_dir is not None:
                    # Reused when already pinned (counters survive a swap), pinned at load otherwise.
                    self.lib.bpf_map__set_pin_path(bpf_map, map_pin_path(pin_dir, name).encode())
            bpf_map = self.lib.bpf_object__next_map(self.obj, bpf_map)
        return names

    def info(self, name):
        """The loaded program's id, tag, name and type, and the digest of what it was loaded from."""
        fd = self.lib.bpf_program__fd(self.programs[name])
        info = program_info(self.lib, fd)
        info['digest'] = self._digest(fd, info['tag'])
        return info

    def _digest(self, fd, tag):
        """sha256 of the program's tag (its instructions) and of the initial contents of the
        object's own maps it reads (.rodata, .data, .bss), which the tag leaves out."""
        used = program_map_ids(self.lib, fd)
        digest = hashlib.sha256(b'tag ' + tag.encode())
        internal = []
        bpf_map = self.lib.bpf_object__next_map(self.obj, None)
        while bpf_map:
            if self.lib.bpf_map__is_internal(bpf_map):
                internal.append(bpf_map)
            bpf_map = self.lib.bpf_object__next_map(self.obj, bpf_map)
        for section, bpf_map in sorted((section_of(self.lib.bpf_map__name(each)), each) for each in internal):
            if map_info(self.lib, self.lib.bpf_map__fd(bpf_map))['id'] not in used:
                continue
            size = ctypes.c_size_t()
            data = self.lib.bpf_map__initial_value(bpf_map, ctypes.byref(size))
            contents = ctypes.string_at(data, size.value) if data else b''
            digest.update(b'\0map %s %d\0' % (section, len(contents)) + contents)
        return digest.hexdigest()

    def close(self):
        if self.obj:
            self.lib.bpf_object__close(self.obj)
            self.obj = None
