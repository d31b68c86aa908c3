# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf's reconciling: a pair's hooks run what the task names, through BPF links
pinned in bpffs. Private to this collection.

Changes when how programs are attached, swapped or detached changes. One link per hook
and pin directory, so that it outlives the module; a changed program is swapped into
its link (bpf_link__update_program), so the hook is never without one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_object import LoadedObject, check_object_file
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_pins import (
    check_pin_tree, link_pin_path, make_pin_dir, managed_entries, map_pin_path, leftovers, mount_bpffs, pin_dir_of,
    remove_made_dirs, remove_pin_dir, unpin_link,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._host_lock import host_lock, reading_lock
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import (
    BPF_OBJ_NAME_LEN, HOOKS, BpfError, Libbpf, link_info, program_info,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import KIND, describe_netlink_error
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_socket import Kernel
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import check_ifname, is_single
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot
from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import NetlinkError

# The kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a program's name.
PROGRAM_NAME_LEN = BPF_OBJ_NAME_LEN - 1


def resolve_primary(device, missing_ok=False):
    """{name, ifindex, peer_ifindex, single} of the primary of the netkit pair device belongs to.

    With missing_ok, a device that does not exist gives its name with null indexes: the
    pins a deleted pair left behind are found by its primary's name.
    """
    check_ifname('device', device)
    kernel = Kernel()
    try:
        snapshot = Snapshot(kernel)
        link = snapshot.links().get(device)
        if link is None and missing_ok:
            return {'name': device, 'ifindex': None, 'peer_ifindex': None, 'single': False}
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
        single = is_single(link['netkit'])
        return {'name': link['name'], 'ifindex': link['index'], 'peer_ifindex': None if single else link['link'],
                'single': single}
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


def read_attachment(lib, pin_dir, hook):
    """What the pinned link of a hook runs, or None when there is no pin."""
    path = link_pin_path(pin_dir, hook)
    if not os.path.exists(path):
        return None
    fd = lib.open_pinned(path)
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


def attachments(lib, pin_dir):
    return dict((hook, read_attachment(lib, pin_dir, hook)) for hook in sorted(HOOKS))


def attach(lib, loaded, name, hook, ifindex, pin_dir):
    lib.take_log()
    link = lib.bpf_program__attach_netkit(loaded.programs[name], ifindex, None)
    if not link:
        raise lib.error('attaching %s to the %s hook of ifindex %d' % (name, hook, ifindex))
    try:
        rc = lib.bpf_link__pin(link, link_pin_path(pin_dir, hook).encode())
        if rc != 0:
            raise lib.error('pinning the link at %s' % link_pin_path(pin_dir, hook), rc)
    finally:
        # Closes this process's reference; the pin keeps the link (and its program) attached.
        lib.bpf_link__destroy(link)


def swap(lib, loaded, name, hook, pin_dir):
    path = link_pin_path(pin_dir, hook)
    lib.take_log()
    link = lib.bpf_link__open(path.encode())
    if not link:
        raise lib.error('opening the pinned link %s' % path)
    try:
        rc = lib.bpf_link__update_program(link, loaded.programs[name])
        if rc != 0:
            raise lib.error('swapping %s into the %s hook' % (name, hook), rc)
    finally:
        lib.bpf_link__destroy(link)


def diff_view(state):
    return dict((hook, '%s (tag %s)' % (seen['program'], seen['tag']) if seen else None)
                for hook, seen in sorted(state.items()))


def end_index(device, hook):
    """The ifindex a live link of hook reports: the primary's, or the peer's for the peer hook."""
    return device['ifindex'] if hook == 'primary' else device['peer_ifindex']


def reconcile_attachments(params, check_mode):
    """Make the pinned attachments of one pair what params ask for."""
    with reading_lock() if check_mode else host_lock(exclusive=True):
        return _reconcile_attachments(params, check_mode)


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
    if device['single']:
        raise BpfError('device %s is a single netkit device (pairing single), and the kernel attaches no programs '
                       'to those; attach them to a pair' % device['name'])
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
        remove_made_dirs(made)
        raise
    try:
        after, map_pins = _attach_hooks(lib, loaded, device, hooks, before, pin_dir, check_mode)
    except BaseException:
        if not check_mode:
            # The kernel refused a link: maps pinned for links that never came go, and so do the
            # directories this run made (pins of links that are in place stay).
            remove_pin_dir(pin_dir)
            remove_made_dirs([path for path in made if os.path.isdir(path)])
        raise
    changed = any(after[hook] is not before[hook] for hook in HOOKS)
    if changed and not check_mode:
        after = attachments(lib, pin_dir)
    return {'changed': changed, 'before': before, 'after': after, 'pin_path': pin_dir, 'map_pins': map_pins}


def _attach_hooks(lib, loaded, device, hooks, before, pin_dir, check_mode):
    """Attach (or swap in) the loaded programs of hooks; (what each hook has afterwards, the map pins)."""
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
                unpin_link(pin_dir, hook)
                attach(lib, loaded, name, hook, device['ifindex'], pin_dir)
        return after, [map_pin_path(pin_dir, name) for name in loaded.map_names]
    finally:
        loaded.close()


def detach_hooks(lib, pin_dir, gone, check_mode):
    """Unpin the links of the hooks in gone, then the maps and the directory once no link is left."""
    before = attachments(lib, pin_dir)
    after = dict((hook, None if hook in gone else seen) for hook, seen in before.items())
    removed = leftovers(pin_dir, [hook for hook, seen in after.items() if seen])
    if not check_mode:
        for hook in gone:
            unpin_link(pin_dir, hook)
        remove_pin_dir(pin_dir)
    return {'changed': before != after or bool(removed), 'before': before, 'after': after,
            'pin_path': pin_dir, 'map_pins': []}
