# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf's reconciling: a pair's hooks run the programs a task lists, in its order and
at its place among other tools' programs, through BPF links pinned in bpffs. Private to this
collection.

Changes when how programs are read, attached, swapped or detached changes (where they go
is _bpf_plan's). Every attach carries the hook's revision as read (expected_revision), so
a writer that got there first makes the kernel refuse it (ESTALE) and the run undoes what
it did; a swap names the program it replaces (BPF_F_REPLACE). Links this collection did
not pin are never detached, swapped or moved.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import os

from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_object import LoadedObject, check_object_file
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_pins import (
    PIN_ROOT, check_pin_tree, check_program_names, leftovers, link_pin_path, link_pins, make_pin_dir, managed_entries,
    mount_bpffs, pin_dir_of, remove_made_dirs, remove_pin_dir, source_pin_path, unpin,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_plan import POSITIONS, PlanError, plan_hook
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_source import read_source, write_source
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetlinkError
from ansible_collections.xcnf.netkit.plugins.module_utils._host_lock import host_lock, reading_lock
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import (
    BPF_F_AFTER, BPF_F_BEFORE, BPF_F_LINK, BPF_F_REPLACE, BPF_OBJ_NAME_LEN, HOOKS, BpfError, BpfLinkUpdateOpts,
    BpfNetkitOpts, Libbpf, link_info, pinned_kind, program_info, query_hook,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import KIND, describe_netlink_error
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_socket import Kernel
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import check_ifname, is_single
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot

# The kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a program's name.
PROGRAM_NAME_LEN = BPF_OBJ_NAME_LEN - 1
ANCHORS = ('program', 'program_id', 'link_id', 'pin')


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


def listed_by_hook(programs):
    """{hook: [program names in the order listed]}; a program at most once per hook."""
    check_program_names([program['name'] for program in programs])
    listed = dict((hook, []) for hook in HOOKS)
    for program in programs:
        if program['name'] in listed[program['attach']]:
            raise BpfError('programs: %s is listed twice for the %s hook; a hook runs a program once'
                           % (program['name'], program['attach']))
        listed[program['attach']].append(program['name'])
    return listed


def placements(placement, listed):
    """{hook: (position, anchor kind, anchor value)} for the hooks with programs listed."""
    placement = placement or {}
    result = {}
    for hook in HOOKS:
        spec = placement.get(hook) or {}
        if spec and not listed[hook]:
            raise BpfError('placement.%s is set, but programs lists nothing for the %s hook' % (hook, hook))
        position = spec.get('position') or 'last'
        if position not in POSITIONS:
            raise BpfError('placement.%s.position %r: one of %s' % (hook, position, ', '.join(POSITIONS)))
        given = [key for key in ANCHORS if spec.get(key) is not None]
        if position in ('first', 'last') and given:
            raise BpfError('placement.%s: %s takes no anchor (%s given)' % (hook, position, ', '.join(given)))
        if position in ('before', 'after') and len(given) != 1:
            raise BpfError('placement.%s: %s needs exactly one anchor of %s' % (hook, position, ', '.join(ANCHORS)))
        result[hook] = (position, given[0] if given else None, spec.get(given[0]) if given else None)
    return result


def running_program(lib, program_id):
    """{program, tag} of a loaded program, None values once it is gone."""
    fd = lib.bpf_prog_get_fd_by_id(program_id)
    if fd < 0:
        return {'program': None, 'tag': None}
    try:
        info = program_info(lib, fd)
    finally:
        os.close(fd)
    return {'program': info['program'], 'tag': info['tag']}


def pinned_link(lib, path):
    fd = lib.open_pinned(path)
    try:
        return link_info(lib, fd)
    finally:
        os.close(fd)


def holder_here(lib, link):
    """The netkit primary of this network namespace whose hook runs link; None when none does
    (its pair is in another namespace, or was deleted meanwhile). A link reports its device's
    ifindex, the peer's for the peer hook, and an ifindex is its namespace's own: only asking
    each primary's hook tells."""
    kernel = Kernel()
    try:
        primaries = [each for each in kernel.links(None) if each['kind'] == KIND and each['netkit']['primary']]
    except NetlinkError:
        return None
    finally:
        kernel.close()
    for primary in primaries:
        try:
            running = query_hook(lib, primary['index'], link['hook'])[1]
        except BpfError:
            # Deleted since the dump.
            continue
        if link['link_id'] in [link_id for _program, link_id in running]:
            return primary['name']
    return None


def refuse_others_links(lib, state, device, pin_dir):
    """Fail, before anything changes, when pin_dir holds a link attached to another pair:
    removing its pin would detach the program from a device the task did not name."""
    if not state['others']:
        return
    path, link = state['others'][0]
    holder = holder_here(lib, link)
    where = ('%s, not %s' % (holder, device['name']) if holder else
             'a pair that is not in this network namespace (its device has ifindex %d there), not %s'
             % (link['ifindex'], device['name']))
    how = ('netkit_bpf with state=absent, device=%s and pin_path=%s detaches it' % (holder, pin_dir) if holder else
           'netkit_bpf with state=absent and pin_path=%s, run in that namespace for that pair, detaches it'
           % pin_dir)
    raise BpfError('pin_path %s holds %s, a link attached to the %s hook of %s: unpinning it would detach that '
                   'program. Give each pair a pin_path of its own (the pins of a renamed pair stay where they '
                   'were); %s. Nothing was changed' % (pin_dir, os.path.basename(path), link['hook'], where, how))


def read_hook(lib, device, hook, pin_dir, listed=()):
    """What runs on a hook, in order, and this collection's pins of it.

    Returns {'revision', 'entries', 'stale', 'others'}: each entry {program, program_id, tag, link_id,
    owner (the listed name of a link pinned in pin_dir, None for another's), link_pin,
    source (its record: (program id, digest) or None)}; stale, the link pins in pin_dir whose
    links run nowhere (their pair was deleted); others, (pin path, link_info()) of the link pins
    whose links run elsewhere (a pin_path shared, a pair renamed)."""
    revision, running = query_hook(lib, device['ifindex'], hook) if device['ifindex'] else (0, [])
    pinned = {}
    stale = []
    others = []
    for pin_name, name in link_pins(pin_dir)[hook]:
        path = os.path.join(pin_dir, pin_name)
        link = pinned_link(lib, path)
        if link['link_id'] in [link_id for _program, link_id in running if link_id]:
            pinned[link['link_id']] = (path, name)
        elif link['ifindex']:
            # Attached, but not on this hook of this device: another device's (in this
            # namespace or another, where the same ifindex can be another device).
            others.append((path, link))
        else:
            stale.append((path, name))
    entries = []
    for program_id, link_id in running:
        entry = dict(running_program(lib, program_id), program_id=program_id, link_id=link_id or None,
                     owner=None, link_pin=None, source=None)
        if link_id in pinned:
            path, name = pinned[link_id]
            if name is None:
                # A link_<hook> pin of a release before lists: it is the listed program of its name.
                name = next((each for each in listed if each[:PROGRAM_NAME_LEN] == entry['program']),
                            '%s (pinned as %s)' % (entry['program'], os.path.basename(path)))
            entry.update(owner=name, link_pin=path, source=read_source(lib, source_pin_path(pin_dir, hook, name)))
        entries.append(entry)
    return {'revision': revision, 'entries': entries, 'stale': stale, 'others': others}


def find_anchor(lib, entries, hook, device, kind, value):
    """The index in entries of the other tool's program or link the placement names."""
    if kind == 'pin':
        value = pinned_anchor(lib, value)
        kind = 'link_id' if value[0] == 'link' else 'program_id'
        value = value[1]
    if kind == 'program':
        matches = [index for index, entry in enumerate(entries) if entry['program'] == value[:PROGRAM_NAME_LEN]]
    else:
        matches = [index for index, entry in enumerate(entries) if entry[kind] == value]
    if not matches:
        others = ', '.join('%s (program id %d)' % (entry['program'], entry['program_id'])
                           for entry in entries if entry['owner'] is None) or 'none'
        raise BpfError('placement.%s.%s %s: nothing of that %s runs on the %s hook of %s (others\' programs '
                       'there: %s)' % (hook, kind, value, kind.replace('_', ' '), hook, device['name'], others))
    if len(matches) > 1:
        raise BpfError('placement.%s.program %s: %d programs of that name run on the %s hook; name one by '
                       'program_id or link_id' % (hook, value, len(matches), hook))
    if entries[matches[0]]['owner'] is not None:
        raise BpfError('placement.%s.%s %s is one of this collection\'s own links in this pin directory; the '
                       'order of programs places those' % (hook, kind, value))
    return matches[0]


def pinned_anchor(lib, path):
    """('link', link id) or ('prog', program id) of a pin that placement names."""
    if not path.startswith(PIN_ROOT + os.sep) or os.path.normpath(path) != path:
        raise BpfError('placement pin %r is not a path below %s' % (path, PIN_ROOT))
    fd = lib.open_pinned(path)
    try:
        kind = pinned_kind(fd)
        if kind == 'link':
            return 'link', link_info(lib, fd)['link_id']
        if kind == 'prog':
            return 'prog', program_info(lib, fd)['program_id']
    finally:
        os.close(fd)
    raise BpfError('placement pin %s holds a %s, not a program or a link' % (path, kind))


def plan_for(lib, device, hook, pin_dir, listed, placement, wanted):
    """(what the hook has, the plan for it) with wanted {name: loaded program info}."""
    state = read_hook(lib, device, hook, pin_dir, listed)
    entries = [dict(entry, fresh=bool(entry['owner'] in wanted and entry['source'] == (
        entry['program_id'], wanted[entry['owner']]['digest']))) for entry in state['entries']]
    position, kind, value = placement
    anchor = find_anchor(lib, entries, hook, device, kind, value) if kind else None
    try:
        plan = plan_hook(entries, listed, position, anchor)
    except PlanError as exc:
        raise BpfError('programs for the %s hook of %s: %s' % (hook, device['name'], exc))
    return state, plan


def kept_links(state, plan):
    """[(listed name, the entry of the link kept for it)] of a plan."""
    return [(name, state['entries'][index]) for name, index in zip(plan['keep'], plan['kept'])]


def entry_view(entry):
    return dict((key, entry[key]) for key in ('program', 'program_id', 'tag', 'link_id', 'link_pin'))


def predicted(state, plan, hook, pin_dir, wanted):
    """The hook's entries once plan is carried out (what check mode reports)."""
    kept = dict(kept_links(state, plan))
    after = []
    for kind, key in plan['order']:
        if kind == 'entry':
            after.append(state['entries'][key])
            continue
        entry = dict(kept.get(key) or {'program_id': None, 'link_id': None}, owner=key,
                     link_pin=link_pin_path(pin_dir, hook, key))
        if key in plan['swap'] or key not in kept:
            entry.update(program=wanted[key]['program'], tag=wanted[key]['tag'], program_id=None,
                         source=(None, wanted[key]['digest']))
        after.append(entry)
    return after


def hook_view(entries):
    """A hook's entries as the result shows them, in the order they run."""
    return [dict(entry_view(entry), owned=entry['owner'] is not None) for entry in entries]


def attachments_view(hooks):
    """{hook: [the collection's links, in order]}, each with the listed name and the digest."""
    return dict((hook, [dict(entry_view(entry), name=entry['owner'],
                             digest=entry['source'][1] if entry['source'] else None)
                        for entry in entries if entry['owner'] is not None])
                for hook, entries in hooks.items())


def diff_line(entry):
    if entry['owner'] is not None:
        return '%s (tag %s)' % (entry['program'], entry['tag'])
    return '%s (tag %s, program id %s: not this collection\'s)' % (entry['program'], entry['tag'], entry['program_id'])


def diff_view(hooks):
    return dict((hook, [diff_line(entry) for entry in entries]) for hook, entries in sorted(hooks.items()))


class Changes:
    """The links a run attached (not pinned yet) and the swaps it made, so that a failure
    before anything is detached or pinned can put every hook back as it was."""

    def __init__(self, lib):
        self.lib = lib
        self.new = {}
        self.swapped = []
        self.fds = []

    def open_pinned(self, path):
        fd = self.lib.open_pinned(path)
        self.fds.append(fd)
        return fd

    def undo(self):
        for link_fd, old_fd, new_fd in reversed(self.swapped):
            self.lib.bpf_link_update(link_fd, old_fd, ctypes.byref(
                BpfLinkUpdateOpts(sz=ctypes.sizeof(BpfLinkUpdateOpts), flags=BPF_F_REPLACE, old_prog_fd=new_fd)))
        self.swapped = []
        for link in self.new.values():
            # An unpinned link is this process's only reference: destroying it detaches it.
            self.lib.bpf_link__destroy(link)
        self.new = {}

    def close(self):
        for fd in self.fds:
            os.close(fd)
        self.fds = []


def attach_options(changes, hook, state, plan, where, reference, revision):
    flags = {'before': BPF_F_BEFORE, 'after': BPF_F_AFTER, 'last': 0}[where]
    opts = BpfNetkitOpts(sz=ctypes.sizeof(BpfNetkitOpts), expected_revision=revision)
    if reference is None:
        opts.flags = flags
        return opts
    kind, key = reference
    if kind == 'listed':
        new = changes.new.get((hook, key))
        if new:
            opts.relative_fd = changes.lib.bpf_link__fd(new)
        else:
            entry = dict(kept_links(state, plan))[key]
            opts.relative_fd = changes.open_pinned(entry['link_pin'])
        opts.flags = flags | BPF_F_LINK
        return opts
    entry = state['entries'][key]
    if entry['link_id']:
        opts.relative_id, opts.flags = entry['link_id'], flags | BPF_F_LINK
    else:
        opts.relative_id, opts.flags = entry['program_id'], flags
    return opts


def attach_all(lib, changes, loaded, device, hook, state, plan):
    """Attach the plan's new links in order, each expecting the hook's revision so far."""
    # The kernel reports revision 1 for every empty hook, whatever its own revision is: the
    # first attach there cannot carry it, so the hook is read again right after it instead.
    revision = state['revision'] if state['entries'] else None
    for name, where, reference in plan['attach']:
        opts = attach_options(changes, hook, state, plan, where, reference, revision or 0)
        lib.take_log()
        link = lib.bpf_program__attach_netkit(loaded.programs[name], device['ifindex'], ctypes.byref(opts))
        if not link:
            code = ctypes.get_errno()
            if code == errno.ESTALE:
                raise changed_meanwhile(device, hook)
            raise lib.error('attaching %s to the %s hook of %s' % (name, hook, device['name']), code)
        changes.new[(hook, name)] = link
        if revision is None:
            revision, running = query_hook(lib, device['ifindex'], hook)
            if [link_id for _program, link_id in running] != [link_info(lib, lib.bpf_link__fd(link))['link_id']]:
                raise changed_meanwhile(device, hook)
        else:
            revision += 1


def changed_meanwhile(device, hook):
    return BpfError('the %s hook of %s changed after it was read (another writer attached or detached a program); '
                    'nothing was changed: run the task again' % (hook, device['name']))


def swap_all(lib, changes, loaded, device, hook, state, plan):
    """Swap the changed programs into their links, each only if its link still runs the old one."""
    for name, entry in kept_links(state, plan):
        if name not in plan['swap']:
            continue
        link_fd = changes.open_pinned(entry['link_pin'])
        old_fd = lib.bpf_prog_get_fd_by_id(entry['program_id'])
        if old_fd < 0:
            raise lib.error('the program %s of the %s hook of %s went away meanwhile'
                            % (entry['program'], hook, device['name']))
        changes.fds.append(old_fd)
        new_fd = lib.bpf_program__fd(loaded.programs[name])
        rc = lib.bpf_link_update(link_fd, new_fd, ctypes.byref(
            BpfLinkUpdateOpts(sz=ctypes.sizeof(BpfLinkUpdateOpts), flags=BPF_F_REPLACE, old_prog_fd=old_fd)))
        if rc != 0:
            raise lib.error('swapping %s into its link on the %s hook of %s' % (name, hook, device['name']), rc)
        changes.swapped.append((link_fd, old_fd, new_fd))


def detach_link(lib, path):
    """Detach a pinned link of this collection now (not when bpffs lets go of it), then unpin it."""
    fd = lib.bpf_obj_get(path.encode())
    if fd >= 0:
        try:
            lib.bpf_link_detach(fd)
        finally:
            os.close(fd)
    unpin(path)


def settle(lib, changes, loaded, hook, state, plan, pin_dir):
    """After every attach and swap went through: detach what goes, pin and record what came."""
    for index in plan['detach']:
        entry = state['entries'][index]
        detach_link(lib, entry['link_pin'])
        unpin(source_pin_path(pin_dir, hook, entry['owner']))
    for path, name in state['stale']:
        unpin(path)
        if name:
            unpin(source_pin_path(pin_dir, hook, name))
    for name, entry in kept_links(state, plan):
        if entry['link_pin'] != link_pin_path(pin_dir, hook, name):
            # The link kept for a newly listed program (or a link_<hook> pin of a release
            # before lists) takes the program's name, and the old name's record goes.
            unpin(source_pin_path(pin_dir, hook, entry['owner']))
            os.rename(entry['link_pin'], link_pin_path(pin_dir, hook, name))
    for name in plan['swap']:
        info = loaded.info(name)
        write_source(lib, source_pin_path(pin_dir, hook, name), info['program_id'], info['digest'])
    for (link_hook, name), link in list(changes.new.items()):
        if link_hook != hook:
            continue
        path = link_pin_path(pin_dir, hook, name)
        rc = lib.bpf_link__pin(link, path.encode())
        if rc != 0:
            raise lib.error('pinning the link at %s' % path, rc)
        info = loaded.info(name)
        write_source(lib, source_pin_path(pin_dir, hook, name), info['program_id'], info['digest'])
        # The pin holds the link now: this process's reference goes.
        lib.bpf_link__destroy(changes.new.pop((link_hook, name)))


def is_noop(state, plan):
    return not (plan['attach'] or plan['swap'] or plan['detach'] or state['stale'])


def optional_libbpf():
    try:
        return Libbpf()
    except BpfError:
        return None


def reconcile_attachments(params, check_mode):
    """Make the pinned attachments of one pair what params ask for."""
    with reading_lock() if check_mode else host_lock(exclusive=True):
        return _reconcile_attachments(params, check_mode)


def _reconcile_attachments(params, check_mode):
    listed = listed_by_hook(params['programs'] or [])
    if params['state'] == 'absent' and params.get('placement'):
        raise BpfError('placement is for state=present')
    device = resolve_primary(params['device'], missing_ok=params['state'] == 'absent')
    if params['state'] == 'absent' and not params.get('pin_path') and '.' in device['name']:
        # bpffs refuses a dot in a name: nothing was ever pinned for this pair.
        return {'changed': False, 'before': dict((hook, []) for hook in HOOKS),
                'after': dict((hook, []) for hook in HOOKS), 'pin_path': None, 'map_pins': []}
    pin_dir = pin_dir_of(params, device['name'])
    check_pin_tree(pin_dir)
    if params['state'] == 'absent':
        # libbpf is needed only when there is something of ours to detach: absent works on
        # hosts without it (and then reports nothing of the hooks).
        lib = Libbpf() if managed_entries(pin_dir) else optional_libbpf()
        return detach_hooks(lib, device, pin_dir, [hook for hook in HOOKS if listed[hook]] or list(HOOKS), check_mode)
    if device['single']:
        raise BpfError('device %s is a single netkit device (pairing single), and the kernel attaches no programs '
                       'to those; attach them to a pair' % device['name'])
    if not params['object']:
        raise BpfError('object is required with state=present')
    hooks = [hook for hook in sorted(HOOKS) if listed[hook]]
    if not hooks:
        raise BpfError('programs is required with state=present: a list of {name, attach}')
    where = placements(params.get('placement'), listed)
    lib = Libbpf()
    check_object_file(params['object'])
    # Every hook, before loading pins the object's maps in pin_dir: a directory another device's
    # links use is not this pair's, whichever hooks the task names.
    for hook in HOOKS:
        refuse_others_links(lib, read_hook(lib, device, hook, pin_dir), device, pin_dir)
    made = []
    if not check_mode:
        mount_bpffs()
        made = make_pin_dir(pin_dir)
    first_hook = {}
    for hook in hooks:
        for name in listed[hook]:
            first_hook.setdefault(name, hook)
    try:
        loaded = LoadedObject(lib, params['object'], first_hook, map_pin_dir=None if check_mode else pin_dir)
    except BaseException:
        # The kernel refused the object: leave no directory this run made for it.
        remove_made_dirs(made)
        raise
    try:
        return _attach(lib, loaded, device, pin_dir, listed, where, hooks, check_mode, made)
    finally:
        loaded.close()


def _attach(lib, loaded, device, pin_dir, listed, where, hooks, check_mode, made):
    wanted = dict((name, loaded.info(name)) for name in set(sum(listed.values(), [])))
    try:
        plans = dict((hook, plan_for(lib, device, hook, pin_dir, listed[hook], where[hook], wanted)) for hook in hooks)
    except BaseException:
        if not check_mode:
            forget_made(pin_dir, made)
        raise
    before = dict((hook, plans[hook][0]['entries'] if hook in plans else read_hook(lib, device, hook, pin_dir)['entries'])
                  for hook in HOOKS)
    changed = not all(is_noop(*plans[hook]) for hook in hooks)
    if check_mode or not changed:
        after = dict(before, **dict((hook, predicted(plans[hook][0], plans[hook][1], hook, pin_dir, wanted))
                                    for hook in hooks)) if changed else before
        return result(changed, before, after, pin_dir, loaded)
    apply_plans(lib, loaded, device, pin_dir, plans, made)
    after = dict((hook, read_hook(lib, device, hook, pin_dir, listed[hook])['entries']) for hook in HOOKS)
    return result(True, before, after, pin_dir, loaded)


def forget_made(pin_dir, made):
    """After a refusal: the maps loading pinned for links that never came go (while no link of
    the collection's is pinned there), and so do the directories this run made."""
    remove_pin_dir(pin_dir)
    remove_made_dirs([path for path in made if os.path.isdir(path)])


def apply_plans(lib, loaded, device, pin_dir, plans, made):
    changes = Changes(lib)
    try:
        try:
            for hook, (state, plan) in sorted(plans.items()):
                attach_all(lib, changes, loaded, device, hook, state, plan)
            for hook, (state, plan) in sorted(plans.items()):
                swap_all(lib, changes, loaded, device, hook, state, plan)
            # Every attach and swap went through: the swaps stay whatever happens next.
            changes.swapped = []
        except BaseException:
            changes.undo()
            forget_made(pin_dir, made)
            raise
        for hook, (state, plan) in sorted(plans.items()):
            settle(lib, changes, loaded, hook, state, plan, pin_dir)
    finally:
        changes.undo()
        changes.close()


def result(changed, before, after, pin_dir, loaded):
    return {'changed': changed, 'before': before, 'after': after, 'pin_path': pin_dir,
            'map_pins': [os.path.join(pin_dir, 'map_' + name) for name in loaded.map_names]}


def detach_hooks(lib, device, pin_dir, gone, check_mode):
    """Detach and unpin the collection's links of the hooks in gone, then the maps and the
    directory once no link is left. Other tools' programs stay."""
    states = dict((hook, hook_state(lib, device, hook, pin_dir)) for hook in HOOKS)
    for hook in gone:
        refuse_others_links(lib, states[hook], device, pin_dir)
    before = dict((hook, state['entries']) for hook, state in states.items())
    after = dict((hook, [entry for entry in entries if hook not in gone or entry['owner'] is None])
                 for hook, entries in before.items())
    removed = leftovers(pin_dir, [hook for hook in HOOKS if link_pins(pin_dir)[hook] and hook not in gone])
    gone_pins = [(hook, name, pin) for hook in gone for pin, name in link_pins(pin_dir)[hook]]
    if not check_mode:
        for hook, name, pin in gone_pins:
            detach_link(lib, os.path.join(pin_dir, pin))
            if name:
                unpin(source_pin_path(pin_dir, hook, name))
        remove_pin_dir(pin_dir)
    return {'changed': bool(gone_pins) or bool(removed), 'before': before, 'after': after, 'pin_path': pin_dir,
            'map_pins': []}


def hook_state(lib, device, hook, pin_dir):
    """read_hook(); nothing without libbpf (then nothing of the collection's is pinned)."""
    if lib is None:
        return {'revision': 0, 'entries': [], 'stale': [], 'others': []}
    return read_hook(lib, device, hook, pin_dir)


def hook_entries(lib, device, hook, pin_dir):
    """What runs on a hook, in order; nothing without libbpf or without the device (the
    links a deleted pair left pinned run nowhere)."""
    return hook_state(lib, device, hook, pin_dir)['entries']
