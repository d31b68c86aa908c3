# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""All libbpf knowledge of the collection, private to it.

libbpf (Debian's libbpf1, 1.3 or newer for netkit) is driven through ctypes: no
maintained Python binding covers netkit attachment (PyPI's pylibbpf is 0.0.x).
Programs are attached with BPF links pinned in bpffs, one link per hook and pin
directory, so they outlive the module; a changed program is swapped into its link
(bpf_link__update_program), so the hook is never without one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import ctypes.util
import errno
import os
import re
import socket
import stat
import struct
import time

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._host_lock import host_lock, reading_lock
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit import (
    KIND, Kernel, NetlinkError, Snapshot, check_ifname, describe_netlink_error,
)

LIBBPF_MIN = (1, 3)
PIN_ROOT = '/sys/fs/bpf'
DEFAULT_PIN_DIR = os.path.join(PIN_ROOT, 'xcnf-netkit')
# The kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a program's name.
PROGRAM_NAME_LEN = 15
HOOKS = {'primary': 54, 'peer': 55}  # BPF_NETKIT_PRIMARY, BPF_NETKIT_PEER
ATTACH_TYPE_HOOKS = dict((value, key) for key, value in HOOKS.items())
BPF_PROG_TYPE_SCHED_CLS = 3
BPF_LINK_TYPE_NETKIT = 13
BPFFS_MAGIC = 0xcafe4a11
INFO_SIZE = 256
ELF_MAGIC = b'\x7fELF'
EM_BPF = 247
# The entries of a pin directory this collection makes, and so the only ones it removes.
LINK_PIN_NAMES = frozenset('link_' + hook for hook in HOOKS)
MAP_PIN_PREFIX = 'map_'
# A BPF object name as the kernel keeps it (BPF_OBJ_NAME_LEN - 1), as used for map pins.
OBJECT_NAME = re.compile(r'^[A-Za-z0-9_]{1,15}$')


class BpfError(NetkitError):
    """An error to report as it is."""


def _errno_message(code):
    return os.strerror(abs(code)) if code else 'unknown error'


class Libbpf:
    """The libbpf calls this collection uses, with their C signatures."""

    SIGNATURES = {
        'libbpf_major_version': (ctypes.c_uint32, []),
        'libbpf_minor_version': (ctypes.c_uint32, []),
        'libbpf_set_print': (ctypes.c_void_p, [ctypes.c_void_p]),
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
        'bpf_program__attach_netkit': (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]),
        'bpf_map__name': (ctypes.c_char_p, [ctypes.c_void_p]),
        'bpf_map__is_internal': (ctypes.c_bool, [ctypes.c_void_p]),
        'bpf_map__set_pin_path': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
        'bpf_link__pin': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
        'bpf_link__open': (ctypes.c_void_p, [ctypes.c_char_p]),
        'bpf_link__update_program': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
        'bpf_link__destroy': (ctypes.c_int, [ctypes.c_void_p]),
        'bpf_obj_get': (ctypes.c_int, [ctypes.c_char_p]),
        'bpf_obj_get_info_by_fd': (ctypes.c_int, [ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]),
        'bpf_prog_get_fd_by_id': (ctypes.c_int, [ctypes.c_uint32]),
        'bpf_map_lookup_elem': (ctypes.c_int, [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]),
        'ring_buffer__new': (ctypes.c_void_p, [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
        'ring_buffer__poll': (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int]),
        'ring_buffer__free': (None, [ctypes.c_void_p]),
    }

    def __init__(self):
        path = ctypes.util.find_library('bpf') or 'libbpf.so.1'
        try:
            self.lib = ctypes.CDLL(path, use_errno=True)
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
        # libbpf prints to stderr by default; errors come back as return codes instead.
        self.lib.libbpf_set_print(None)

    def __getattr__(self, name):
        return getattr(self.lib, name)

    @staticmethod
    def errno():
        return ctypes.get_errno()


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


def object_info(lib, fd):
    buf = ctypes.create_string_buffer(INFO_SIZE)
    size = ctypes.c_uint32(INFO_SIZE)
    if lib.bpf_obj_get_info_by_fd(fd, buf, ctypes.byref(size)) != 0:
        raise BpfError('reading BPF object info: %s' % _errno_message(lib.errno()))
    return buf.raw


def program_info(lib, fd):
    """id, tag and name of a loaded program (struct bpf_prog_info)."""
    raw = object_info(lib, fd)
    prog_type, prog_id = struct.unpack_from('II', raw, 0)
    tag = raw[8:16].hex()
    name = raw[64:80].split(b'\0', 1)[0].decode('utf-8', 'replace')
    return {'program_id': prog_id, 'tag': tag, 'program': name, 'type': prog_type}


def link_info(lib, fd):
    """id, program id, ifindex and hook of a netkit link (struct bpf_link_info)."""
    raw = object_info(lib, fd)
    link_type, link_id, prog_id = struct.unpack_from('III', raw, 0)
    ifindex, attach_type = struct.unpack_from('II', raw, 16)
    if link_type != BPF_LINK_TYPE_NETKIT:
        return {'link_id': link_id, 'program_id': prog_id, 'ifindex': None, 'hook': None}
    return {'link_id': link_id, 'program_id': prog_id, 'ifindex': ifindex,
            'hook': ATTACH_TYPE_HOOKS.get(attach_type)}


def is_bpffs(path):
    try:
        return _fs_magic(path) == BPFFS_MAGIC
    except OSError:
        return False


def _fs_magic(path):
    # struct statfs starts with f_type (long) on Linux.
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(256)
    if libc.statfs(path.encode(), buf) != 0:
        raise OSError(ctypes.get_errno(), 'statfs')
    return struct.unpack_from('l', buf.raw, 0)[0]


class LoadedObject:
    """A BPF object opened and loaded with only the wanted programs."""

    def __init__(self, lib, path, hooks_by_program, map_pin_dir=None):
        self.lib = lib
        self.path = path
        # The caller has run check_object_file(path), before it made a pin directory for it.
        self.obj = lib.bpf_object__open_file(path.encode(), None)
        if not self.obj:
            raise BpfError('libbpf cannot open %s: %s' % (path, _errno_message(lib.errno())))
        try:
            self.programs = self._select(hooks_by_program)
            self.map_names = self._map_names(map_pin_dir)
            rc = lib.bpf_object__load(self.obj)
            if rc != 0:
                raise BpfError('the kernel refused to load %s: %s (run `bpftool prog load %s /sys/fs/bpf/x` '
                               'for the verifier log)' % (path, _errno_message(rc), path))
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
        return program_info(self.lib, self.lib.bpf_program__fd(self.programs[name]))

    def close(self):
        if self.obj:
            self.lib.bpf_object__close(self.obj)
            self.obj = None


def link_pin_path(pin_dir, hook):
    return os.path.join(pin_dir, 'link_' + hook)


def map_pin_path(pin_dir, name):
    return os.path.join(pin_dir, 'map_' + name)


def read_attachment(lib, pin_dir, hook):
    """What the pinned link of a hook runs, or None when there is no pin."""
    path = link_pin_path(pin_dir, hook)
    if not os.path.exists(path):
        return None
    fd = lib.bpf_obj_get(path.encode())
    if fd < 0:
        raise BpfError('cannot open the pinned link %s: %s' % (path, _errno_message(lib.errno())))
    try:
        link = link_info(lib, fd)
    finally:
        os.close(fd)
    attachment = {'hook': hook, 'link_pin': path, 'link_id': link['link_id'], 'ifindex': link['ifindex'],
                  'program_id': link['program_id'], 'program': None, 'tag': None}
    prog_fd = lib.bpf_prog_get_fd_by_id(link['program_id'])
    if prog_fd >= 0:
        try:
            info = program_info(lib, prog_fd)
        finally:
            os.close(prog_fd)
        attachment.update(program=info['program'], tag=info['tag'])
    return attachment


def attach(lib, loaded, name, hook, ifindex, pin_dir):
    link = lib.bpf_program__attach_netkit(loaded.programs[name], ifindex, None)
    if not link:
        raise BpfError('attaching %s to the %s hook of ifindex %d: %s'
                       % (name, hook, ifindex, _errno_message(lib.errno())))
    try:
        rc = lib.bpf_link__pin(link, link_pin_path(pin_dir, hook).encode())
        if rc != 0:
            raise BpfError('pinning the link at %s: %s' % (link_pin_path(pin_dir, hook), _errno_message(rc)))
    finally:
        # Closes this process's reference; the pin keeps the link (and its program) attached.
        lib.bpf_link__destroy(link)


def swap(lib, loaded, name, hook, pin_dir):
    path = link_pin_path(pin_dir, hook)
    link = lib.bpf_link__open(path.encode())
    if not link:
        raise BpfError('opening the pinned link %s: %s' % (path, _errno_message(lib.errno())))
    try:
        rc = lib.bpf_link__update_program(link, loaded.programs[name])
        if rc != 0:
            raise BpfError('swapping %s into the %s hook: %s' % (name, hook, _errno_message(rc)))
    finally:
        lib.bpf_link__destroy(link)


def detach(pin_dir, hook):
    """Unpin a hook's link: with the last reference gone, the kernel detaches it."""
    try:
        os.unlink(link_pin_path(pin_dir, hook))
        return True
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return False
        raise


def managed_entries(pin_dir):
    """The entries of pin_dir this collection made: link and map pins (nothing else)."""
    try:
        names = os.listdir(pin_dir)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return []
        raise
    return sorted(name for name in names if name in LINK_PIN_NAMES or name.startswith(MAP_PIN_PREFIX))


def leftovers(pin_dir, hooks_left):
    """What remove_pin_dir() would remove once the hooks in hooks_left are the only ones
    still attached: the map pins (and the directory, if that empties it) when no link is left."""
    if hooks_left:
        return []
    entries = [name for name in managed_entries(pin_dir) if name not in LINK_PIN_NAMES]
    if os.path.isdir(pin_dir) and not set(os.listdir(pin_dir)) - set(managed_entries(pin_dir)):
        entries.append('.')
    return entries


def remove_pin_dir(pin_dir):
    """Once no link is pinned in pin_dir: unpin its maps, and remove the directory if that
    empties it (an entry this collection did not make is left, and so is the directory)."""
    if any(name in LINK_PIN_NAMES for name in managed_entries(pin_dir)):
        return
    for name in managed_entries(pin_dir):
        os.unlink(os.path.join(pin_dir, name))
    if os.path.isdir(pin_dir) and not os.listdir(pin_dir):
        os.rmdir(pin_dir)


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


def check_pin_path(path):
    """Refuse a pin directory this collection must not make or remove things in: anything
    but a normalised path below the bpffs mount, or one with a component that is a link,
    not a directory, or that a user other than root owns or can write."""
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


# ---------------------------------------------------------------- reconciling

def resolve_primary(device, missing_ok=False):
    """{name, ifindex, peer_ifindex} of the primary of the netkit pair device belongs to.

    With missing_ok, a device that does not exist gives its name with null indexes: the
    pins a deleted pair left behind are found by its primary's name.
    """
    check_ifname('device', device)
    kernel = Kernel()
    try:
        snapshot = Snapshot(kernel)
        link = snapshot.links().get(device)
        if link is None and missing_ok:
            return {'name': device, 'ifindex': None, 'peer_ifindex': None}
        if link is None:
            raise BpfError('device %s does not exist' % device)
        if link['kind'] != KIND:
            raise BpfError('device %s is a %s device, not netkit; programs attach to netkit pairs only'
                           % (device, link['kind'] or 'non-netkit'))
        if not link['netkit']['primary']:
            link = snapshot.link_by_index(None, link['link']) if link['link_netnsid'] is None else None
            if link is None:
                raise BpfError('device %s is a netkit peer whose primary is in another network namespace; give '
                               'the primary as device' % device)
        return {'name': link['name'], 'ifindex': link['index'], 'peer_ifindex': link['link']}
    except NetlinkError as exc:
        raise BpfError(describe_netlink_error(exc, 'reading the links'))
    finally:
        kernel.close()


def hooks_of(programs):
    """{program name: hook}; each hook and each program at most once."""
    hooks = {}
    for program in programs:
        if program['attach'] in hooks.values():
            raise BpfError('programs: two programs for the %s hook; each hook takes one' % program['attach'])
        if program['name'] in hooks:
            raise BpfError('programs: %s is listed twice; a program attaches to one hook' % program['name'])
        hooks[program['name']] = program['attach']
    return hooks


def attachments(lib, pin_dir):
    return dict((hook, read_attachment(lib, pin_dir, hook)) for hook in sorted(HOOKS))


def diff_view(state):
    return dict((hook, '%s (tag %s)' % (seen['program'], seen['tag']) if seen else None)
                for hook, seen in sorted(state.items()))


def pin_dir_of(params, primary):
    """The pin directory: pin_path as given, or the primary's under DEFAULT_PIN_DIR; checked."""
    if params.get('pin_path'):
        check_pin_path(params['pin_path'])
        return params['pin_path']
    check_pin_names('device', [primary])
    return os.path.join(DEFAULT_PIN_DIR, primary)


def reconcile_attachments(params, check_mode):
    """Make the pinned attachments of one pair what params ask for."""
    with reading_lock() if check_mode else host_lock(exclusive=True):
        return _reconcile_attachments(params, check_mode)


def end_index(device, hook):
    """The ifindex a live link of hook reports: the primary's, or the peer's for the peer hook."""
    return device['ifindex'] if hook == 'primary' else device['peer_ifindex']


def _reconcile_attachments(params, check_mode):
    hooks = hooks_of(params['programs'] or [])
    device = resolve_primary(params['device'], missing_ok=params['state'] == 'absent')
    if params['state'] == 'absent' and not params.get('pin_path') and '.' in device['name']:
        # bpffs refuses a dot in a name: nothing was ever pinned for this pair.
        return {'changed': False, 'before': dict.fromkeys(HOOKS), 'after': dict.fromkeys(HOOKS),
                'pin_path': None, 'map_pins': []}
    pin_dir = pin_dir_of(params, device['name'])
    check_pin_tree(pin_dir)
    if params['state'] == 'absent':
        # libbpf only when there is something of ours to read: absent works on hosts without it.
        lib = Libbpf() if managed_entries(pin_dir) else None
        return detach_hooks(lib, pin_dir, set(hooks.values()) or set(HOOKS), check_mode)
    if not params['object']:
        raise BpfError('object is required with state=present')
    if not hooks:
        raise BpfError('programs is required with state=present: a list of {name, attach}')
    lib = Libbpf()
    check_object_file(params['object'])
    before = attachments(lib, pin_dir)
    made = []
    if not check_mode:
        mount_bpffs()
        made = make_pin_dir(pin_dir)
    try:
        loaded = LoadedObject(lib, params['object'], hooks, map_pin_dir=None if check_mode else pin_dir)
    except BaseException:
        # The kernel refused the object: leave no directory this run made for it.
        for path in reversed(made):
            if not os.listdir(path):
                os.rmdir(path)
        raise
    try:
        after = dict(before)
        for name, hook in sorted(hooks.items()):
            wanted = loaded.info(name)
            current = before[hook]
            # A link whose device was deleted reports ifindex 0; one whose device was renamed
            # (and another pair took the name) reports that device's: neither is in place.
            alive = bool(current and current['ifindex'] and current['ifindex'] == end_index(device, hook))
            if alive and current['tag'] == wanted['tag'] and current['program'] == name[:PROGRAM_NAME_LEN]:
                continue
            after[hook] = dict(wanted, hook=hook, link_pin=link_pin_path(pin_dir, hook),
                               ifindex=end_index(device, hook))
            if check_mode:
                continue
            if alive:
                swap(lib, loaded, name, hook, pin_dir)
            else:
                # No link, or one left behind by a pair that was deleted or renamed since.
                detach(pin_dir, hook)
                attach(lib, loaded, name, hook, device['ifindex'], pin_dir)
        map_pins = [map_pin_path(pin_dir, name) for name in loaded.map_names]
    finally:
        loaded.close()
    changed = any(after[hook] is not before[hook] for hook in HOOKS)
    if changed and not check_mode:
        after = attachments(lib, pin_dir)
    return {'changed': changed, 'before': before, 'after': after, 'pin_path': pin_dir, 'map_pins': map_pins}


def detach_hooks(lib, pin_dir, gone, check_mode):
    """Unpin the links of the hooks in gone, then the maps and the directory once no link is left."""
    before = attachments(lib, pin_dir)
    after = dict((hook, None if hook in gone else seen) for hook, seen in before.items())
    removed = leftovers(pin_dir, [hook for hook, seen in after.items() if seen])
    if not check_mode:
        for hook in gone:
            detach(pin_dir, hook)
        remove_pin_dir(pin_dir)
    return {'changed': before != after or bool(removed), 'before': before, 'after': after,
            'pin_path': pin_dir, 'map_pins': []}


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


# ---------------------------------------------------------------- reading the observer

BPF_MAP_TYPE_ARRAY = 2
BPF_MAP_TYPE_RINGBUF = 27
DIRECTIONS = ('to_peer', 'from_peer')
# struct ipv6_event of roles/netkit/files/ipv6_observer.bpf.c
IPV6_EVENT = struct.Struct('=16s16sHBBB3x')
RING_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
MAX_EVENTS = 1000
MAX_WATCH = 3600


def map_info(lib, fd):
    """type, key and value size and entries of a map (struct bpf_map_info)."""
    map_type, map_id, key_size, value_size, max_entries = struct.unpack_from('IIIII', object_info(lib, fd), 0)
    return {'type': map_type, 'id': map_id, 'key_size': key_size, 'value_size': value_size,
            'max_entries': max_entries}


def open_pinned(lib, path):
    fd = lib.bpf_obj_get(path.encode())
    if fd < 0:
        raise BpfError('cannot open the pin %s: %s' % (path, _errno_message(lib.errno())))
    return fd


def read_counters(lib, path):
    """The observer's packet and byte counters per direction, from its pinned array."""
    fd = open_pinned(lib, path)
    try:
        info = map_info(lib, fd)
        if info['type'] != BPF_MAP_TYPE_ARRAY or info['key_size'] != 4 or info['value_size'] != 16:
            raise BpfError('%s is not the observer\'s counters map (an array of two u64 per direction)' % path)
        counters = {}
        for key, direction in enumerate(DIRECTIONS[:info['max_entries']]):
            value = ctypes.create_string_buffer(16)
            if lib.bpf_map_lookup_elem(fd, ctypes.byref(ctypes.c_uint32(key)), value) != 0:
                raise BpfError('reading %s: %s' % (path, _errno_message(lib.errno())))
            packets, size = struct.unpack('=QQ', value.raw)
            counters[direction] = {'packets': packets, 'bytes': size}
        return counters
    finally:
        os.close(fd)


def decode_ipv6_event(data):
    saddr, daddr, payload_len, nexthdr, hop_limit, direction = IPV6_EVENT.unpack(data[:IPV6_EVENT.size])
    return {'source': socket.inet_ntop(socket.AF_INET6, saddr),
            'destination': socket.inet_ntop(socket.AF_INET6, daddr),
            'next_header': nexthdr, 'payload_length': payload_len, 'hop_limit': hop_limit,
            'direction': DIRECTIONS[direction] if direction < len(DIRECTIONS) else str(direction)}


def watch_events(lib, path, seconds, limit=MAX_EVENTS):
    """The observer's IPv6 events that arrive in its ring buffer within seconds (at most limit)."""
    fd = open_pinned(lib, path)
    events = []

    def collect(_ctx, data, size):
        if len(events) < limit and size >= IPV6_EVENT.size:
            events.append(decode_ipv6_event(ctypes.string_at(data, size)))
        return 0

    callback = RING_CALLBACK(collect)
    try:
        if map_info(lib, fd)['type'] != BPF_MAP_TYPE_RINGBUF:
            raise BpfError('%s is not a ring buffer' % path)
        ring = lib.ring_buffer__new(fd, ctypes.cast(callback, ctypes.c_void_p), None, None)
        if not ring:
            raise BpfError('reading the ring buffer %s: %s' % (path, _errno_message(lib.errno())))
        try:
            deadline = time.time() + seconds
            while len(events) < limit:
                remaining = deadline - time.time()
                if remaining <= 0:
                    break
                rc = lib.ring_buffer__poll(ring, int(min(remaining, 0.2) * 1000))
                if rc < 0 and -rc != errno.EINTR:
                    raise BpfError('polling the ring buffer %s: %s' % (path, _errno_message(rc)))
        finally:
            lib.ring_buffer__free(ring)
    finally:
        os.close(fd)
    return events


def read_observer(params):
    """Attachments of a pair's pin directory, the observer's counters and, if asked, its events."""
    for key in ('counters_map', 'events_map'):
        if not OBJECT_NAME.match(params[key]):
            raise BpfError('%s %r is not a BPF map name (letters, digits and "_", at most 15)' % (key, params[key]))
    if not 0 <= params['watch'] <= MAX_WATCH or params['max_events'] < 0:
        raise BpfError('watch takes 0 to %d seconds and max_events 0 or more' % MAX_WATCH)
    lib = Libbpf()
    with reading_lock():
        result = _read_observer(lib, params)
    # Watching takes no lock: it may last long, and reads only what the programs send.
    if params['watch']:
        events_pin = map_pin_path(result['pin_path'], params['events_map'])
        if not os.path.exists(events_pin):
            raise BpfError('no ring buffer pinned at %s: attach the observer first' % events_pin)
        result['events'] = watch_events(lib, events_pin, params['watch'], params['max_events'])
    return result


def _read_observer(lib, params):
    if params.get('pin_path'):
        pin_dir = pin_dir_of(params, None)
    else:
        pin_dir = pin_dir_of(params, resolve_primary(params['device'])['name'])
    result = {'pin_path': pin_dir, 'attachments': attachments(lib, pin_dir), 'counters': None, 'events': []}
    counters_pin = map_pin_path(pin_dir, params['counters_map'])
    if os.path.exists(counters_pin):
        result['counters'] = read_counters(lib, counters_pin)
    return result
