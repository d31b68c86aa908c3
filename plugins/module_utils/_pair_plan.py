# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning: what each desired pair needs, decided on a snapshot before anything
changes, and what check mode predicts. Private to this collection.

Changes when the rules of what may change, and how, change. Reads the snapshot (and
whether a named namespace exists); never writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import dataclasses
import os
import typing

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import (
    CREATION_SETTINGS, IMPLIED_SETTINGS, KIND, release_has, unsupported_setting_message,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_socket import (
    NETNS_RUN_DIR, missing_netns_message, netns_path,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import (
    GSO_SIZES, IPV4_OFFLOAD_SIZES, IPV6_MIN_MTU, MAC_ADDRESSES, OFFLOAD_LEGACY_MAX_SIZE, PEER_SETTINGS, QUEUES,
    SETTINGS, check_address_mode, check_link_local_mtu, desired_pair, is_single,
)

CREATE, CONFIGURE, RECREATE, DELETE = 'create', 'configure', 'recreate', 'delete'
# The settings a plan compares with the pair's (the peer's name is not a setting but which pair it is).
COMPARED = frozenset(SETTINGS) - {'peer_name'}
# Settings only the kernel's creation of a pair sets: changing one means re-creating it.
FIXED_AT_CREATION = CREATION_SETTINGS + QUEUES
# netkit's queues from Linux 7.0 on (the release that added single devices): one TX queue,
# and RX queues for leasing from a physical device.
NETKIT_TX_QUEUES = 1
NETKIT_MAX_RX_QUEUES = 1024


@dataclasses.dataclass
class Plan:
    """What one entry asks of the kernel."""

    wanted: dict
    """The desired pair (desired_pair()); for a re-creation, with the old pair's settings carried over."""
    before: typing.Optional[dict]
    """The pair as the snapshot read it; None when its primary does not exist."""
    state: str
    """present or absent, as asked."""
    action: typing.Optional[str] = None
    """None (nothing to do), CREATE, CONFIGURE, RECREATE or DELETE."""
    pruned: bool = False
    """Deleted because prune_prefix matched it, not because an entry named it."""

    @property
    def name(self):
        return self.wanted['name']


def plan_pair(before, wanted):
    """Compare only what the task set; return (changes, blocked).

    changes: {setting: (before, after)} for settings that differ.
    blocked: the subset that only deleting and re-creating the pair can change.
    """
    changes = {key: (before.get(key), value) for key, value in wanted.items()
               if value is not None and key in COMPARED and before.get(key) != value}
    blocked = dict((key, changes[key]) for key in FIXED_AT_CREATION if key in changes)
    return changes, blocked


def blocked_message(name, blocked):
    details = ', '.join('%s is %s, the task wants %s' % (key, blocked[key][0], blocked[key][1])
                        for key in sorted(blocked))
    return ('netkit pair %s: %s; the kernel fixes these when it creates a pair. Set recreate=true to '
            'delete and re-create it (traffic stops meanwhile), or change the task.' % (name, details))


def plan_one(snapshot, params):
    """The Plan of one entry; raises NetkitError on input that cannot be carried out."""
    wanted = desired_pair(params)
    state = params.get('state') or 'present'
    before = snapshot.pair(wanted['name'])
    if before is not None and is_single(before) and state == 'present':
        check_single_asked(wanted)
    elif before is not None and before['peer_name'] is None and state == 'present':
        raise NetkitError('the peer of netkit primary %s is in a network namespace without a name under %s (%s); '
                          'this collection manages peers beside the primary or in named namespaces only: '
                          'name it (ip netns attach NAME PID) or manage the pair another way'
                          % (wanted['name'], NETNS_RUN_DIR, before['peer_netns']))
    if before is not None and not (is_single(before) or is_single(wanted)) and (
            before['peer_name'] != wanted['peer_name']) and (state == 'present' or params.get('peer_name') is not None):
        raise NetkitError('netkit primary %s has the peer %s, not %s; this task leaves that pair alone: '
                          'set peer_name: %s to manage it, or choose another name'
                          % (wanted['name'], before['peer_name'], wanted['peer_name'], before['peer_name']))
    if before is not None and state == 'absent':
        check_absent_matches(before, params)
    plan = Plan(wanted=wanted, before=before, state=state)
    if state == 'absent':
        plan.action = DELETE if before is not None else None
    elif before is None:
        check_creatable(snapshot, wanted)
        plan.action = CREATE
    else:
        check_changeable(snapshot, before, wanted)
        changes, blocked = plan_pair(before, wanted)
        if blocked and not params.get('recreate'):
            raise NetkitError(blocked_message(wanted['name'], blocked))
        if blocked and is_single(wanted) and before['policy'] != 'forward' and wanted['policy'] is None:
            raise NetkitError('netkit pair %s has policy %s, and a single device only forwards: set policy: forward '
                              'to re-create it as one' % (wanted['name'], before['policy']))
        if blocked:
            plan.action = RECREATE
            plan.wanted = carried_over(before, wanted)
        elif changes:
            plan.action = CONFIGURE
            plan.wanted = kept_link_local(before, wanted, changes)
    return plan


def check_absent_matches(before, params):
    """Deleting touches only what the entry describes: a single device for an entry of a pair
    (pairing pair, or a peer_name), or a pair for one of a single device, is left alone."""
    single = is_single(before)
    if single and (params.get('pairing') == 'pair' or params.get('peer_name') is not None):
        raise NetkitError('%s is a single netkit device (no peer), and this task deletes a pair; it leaves the device '
                          'alone: drop %s to delete it' % (before['name'], 'peer_name' if params.get('peer_name')
                                                           is not None else 'pairing'))
    if not single and is_single(params):
        raise NetkitError('%s is a netkit pair, and this task deletes a single device; it leaves the pair alone: drop '
                          'pairing to delete it' % before['name'])


def check_single_asked(wanted):
    """A single device is managed as one: a task that does not say so means a pair."""
    if wanted['pairing'] is None:
        raise NetkitError('%s is a single netkit device (no peer); set pairing: single to manage it, or '
                          'pairing: pair with recreate: true to make it a pair' % wanted['name'])


def kept_link_local(before, wanted, changes):
    """A peer that changes namespace loses its IPv6 settings: keep what it had, where it can."""
    if 'peer_netns' not in changes or wanted['link_local'] is not None or before['link_local'] is None:
        return wanted
    kept = dict(wanted, link_local=before['link_local'])
    try:
        check_link_local_mtu(kept, before)
    except NetkitError:
        return wanted
    return kept


def check_creatable(snapshot, wanted):
    """Fail before changing anything when the pair cannot be created as asked."""
    check_supported(snapshot, wanted)
    check_address_mode(wanted, wanted['mode'] or 'l3')
    check_gso_max_size(snapshot, wanted)
    if not is_single(wanted):
        check_new_peer(snapshot, wanted)


def check_new_peer(snapshot, wanted):
    """The peer a creation makes needs its namespace, and its name free there."""
    netns = wanted['peer_netns']
    if netns is not None and not os.path.exists(netns_path(netns)):
        raise NetkitError(missing_netns_message(netns))
    taken = snapshot.links(netns).get(wanted['peer_name'])
    if taken is not None:
        raise NetkitError('peer_name %s is taken: a %s device of that name exists%s; this task leaves it alone'
                          % (wanted['peer_name'], taken['kind'] or 'non-netkit',
                             ' in network namespace %s' % netns if netns else ''))


def kernel_has(snapshot, key):
    """Whether this kernel has the netkit setting key. It reports every netkit attribute it
    knows; with no netkit device to read that from, the release says (check mode too)."""
    known = snapshot.netkit_attributes()
    return key in known if known is not None else release_has(key)


def check_supported(snapshot, wanted):
    """Fail on a setting at creation that this kernel does not have, or a queue count it does not take."""
    for key in CREATION_SETTINGS:
        if wanted.get(key) not in (None, IMPLIED_SETTINGS.get(key)) and not kernel_has(snapshot, key):
            raise NetkitError(unsupported_setting_message(key))
    if not any(wanted.get(key) for key in QUEUES) or not kernel_has(snapshot, 'pairing'):
        return
    for key in ('numtxqueues', 'peer_numtxqueues'):
        if wanted.get(key) not in (None, NETKIT_TX_QUEUES):
            raise NetkitError('%s %d: netkit devices have one TX queue from Linux 7.0 on; drop %s'
                              % (key, wanted[key], key))
    for key in ('numrxqueues', 'peer_numrxqueues'):
        if (wanted.get(key) or 0) > NETKIT_MAX_RX_QUEUES:
            raise NetkitError('%s %d: netkit devices take at most %d RX queues from Linux 7.0 on; lower %s'
                              % (key, wanted[key], NETKIT_MAX_RX_QUEUES, key))


def check_changeable(snapshot, before, wanted):
    """Fail before changing anything when an existing pair cannot become what is asked."""
    check_supported(snapshot, wanted)
    check_address_mode(wanted, wanted.get('mode') or before['mode'])
    check_link_local_mtu(wanted, before)
    check_gso_max_size(snapshot, wanted, before)
    if is_single(wanted):
        return
    if is_single(before):
        # Re-created as a pair: the peer is new.
        check_new_peer(snapshot, wanted)
        return
    target = wanted['peer_netns']
    if target is not None and target != before['peer_netns']:
        if not os.path.exists(netns_path(target)):
            raise NetkitError(missing_netns_message(target))
        taken = snapshot.links(target).get(before['peer_name'])
        if taken is not None:
            raise NetkitError('peer_netns %s has a %s device named %s already; the peer cannot move there'
                              % (target, taken['kind'] or 'non-netkit', before['peer_name']))


def check_gso_max_size(snapshot, wanted, before=None):
    """The kernel takes no GSO size above a device's tso_max_size."""
    for key in GSO_SIZES:
        if wanted.get(key) is None:
            continue
        limit = snapshot.tso_max_size(before)
        if limit is not None and wanted[key] > limit:
            raise NetkitError('%s %d is more than netkit devices take on this host (their tso_max_size is %d)'
                              % (key, wanted[key], limit))


def carried_over(before, wanted):
    """What re-creating a pair makes: the old pair's settings, changed where the task says,
    so that re-creating for one setting loses none of the others (the peer's namespace,
    MTUs, policies, link-local addresses, up or down)."""
    kept = dict((key, before.get(key)) for key in SETTINGS if before.get(key) is not None)
    kept.update((key, value) for key, value in wanted.items() if value is not None)
    for size, ipv4_size in IPV4_OFFLOAD_SIZES:
        if wanted.get(ipv4_size) is None and (wanted.get(size) or OFFLOAD_LEGACY_MAX_SIZE + 1) <= OFFLOAD_LEGACY_MAX_SIZE:
            # As in place: the kernel sets the IPv4 size along with a general one up to 65536.
            kept[ipv4_size] = wanted[size]
    if is_single(kept):
        # A pair re-created as a single device keeps nothing of its peer, and forwards.
        kept.update((key, None) for key in PEER_SETTINGS + ('policy',) if wanted.get(key) is None)
    if kept.get('mode') != 'l2':
        # MACs are L2's: a pair re-created in L3 has none.
        kept.update((key, None) for key in MAC_ADDRESSES)
    if wanted.get('link_local') is None and kept.get('link_local'):
        try:
            check_link_local_mtu(kept, kept)
        except NetkitError:
            # The task's new MTU leaves no room for IPv6: the old addresses cannot come back.
            kept.pop('link_local')
    return dict(wanted, **kept)


def as_it_was(plan):
    """The desired pair that makes the pair of a re-creating plan again as it was before."""
    unset = dict((key, None) for key in SETTINGS if key != 'peer_name')
    return carried_over(plan.before, dict(plan.wanted, **unset))


def device_keys(plan):
    """(namespace, name) of each device an entry names: its primary, and its peer where it is known."""
    keys = [(None, plan.wanted['name'])]
    before = plan.before or {}
    if plan.state == 'present' and is_single(plan.wanted):
        return keys
    if plan.state == 'present':
        netns = plan.wanted['peer_netns'] if plan.wanted['peer_netns'] is not None else before.get('peer_netns')
        keys.append((netns, plan.wanted['peer_name']))
    elif plan.before is not None and before['peer_name'] is not None:
        keys.append((before['peer_netns'], before['peer_name']))
    return keys


def plan_pairs(snapshot, pairs, prune_prefix=None):
    """Plan every entry before anything changes, so that bad input changes nothing."""
    plans = []
    seen = {}
    for position, params in enumerate(pairs):
        try:
            plan = plan_one(snapshot, params)
        except NetkitError as exc:
            raise NetkitError('%s%s' % (entry_label(pairs, position, params), exc))
        # Any state: an entry that creates a pair and one that deletes it would flip every run.
        for key in device_keys(plan):
            if key in seen:
                raise NetkitError('%sthe device %s is named by pairs[%d] already; each device belongs to '
                                  'one entry' % (entry_label(pairs, position, params), key[1], seen[key]))
            seen[key] = position
        plans.append(plan)
    if prune_prefix:
        listed = set(plan.name for plan in plans)
        for name, link in sorted(snapshot.links().items()):
            if (name.startswith(prune_prefix) and name not in listed and link['kind'] == KIND
                    and link['netkit']['primary']):
                plans.append(Plan(wanted={'name': name}, before=snapshot.pair_from_primary(link), state='absent',
                                  action=DELETE, pruned=True))
    return plans


def entry_label(pairs, position, params):
    """'pairs[3] (nk3): ' for an entry of a list; nothing for a single pair."""
    return 'pairs[%d] (%s): ' % (position, params.get('name')) if len(pairs) > 1 else ''


def predict_after(before, wanted):
    """The pair as it will be once wanted is applied (for check mode's diff)."""
    after = dict(before or {})
    after.update(dict((key, value) for key, value in wanted.items() if value is not None))
    if before is None or is_single(before):
        # What the kernel makes unasked (a single device re-created as a pair has no peer settings before).
        for key, default in (('pairing', 'pair'), ('mode', 'l3'), ('policy', 'forward'), ('peer_policy', 'forward'),
                             ('scrub', 'default'), ('peer_scrub', 'default')):
            if after.get(key) is None:
                after[key] = default
        after.setdefault('peer_netns', None)
    if after['mode'] != 'l2':
        after.update(address=None, peer_address=None)
    for size, ipv4_size in IPV4_OFFLOAD_SIZES:
        changing = wanted.get(size) is not None and wanted[size] != (before or {}).get(size)
        if changing and wanted.get(ipv4_size) is None and wanted[size] <= OFFLOAD_LEGACY_MAX_SIZE:
            # The kernel sets the IPv4 limit along with the other one.
            after[ipv4_size] = wanted[size]
    for key in ('mtu', 'peer_mtu'):
        old, new = (before or {}).get(key), wanted.get(key)
        if wanted.get('link_local') is None and None not in (old, new) and (old < IPV6_MIN_MTU) != (new < IPV6_MIN_MTU):
            # The kernel drops an end's IPv6 below 1280 and starts it afresh above: unknown until read.
            after['link_local'] = None
    if before is None or (wanted.get('link_local') is not None
                          and wanted['link_local'] != before.get('link_local')):
        after['addresses'] = after['peer_addresses'] = ['(chosen by the kernel when applied)'] \
            if wanted.get('link_local') else []
    if is_single(after):
        # A single device has no peer, whatever the pair it replaces had.
        after.update((key, None) for key in PEER_SETTINGS + ('peer_ifindex', 'peer_addrgenmode'))
        after.update(policy='forward', peer_addresses=[])
    return after


def diff_view(pair):
    """The part of a pair dict worth showing in --diff."""
    if pair is None:
        return {'state': 'absent'}
    view = dict((key, pair.get(key)) for key in ('name',) + SETTINGS + ('addresses', 'peer_addresses'))
    view['state'] = 'present'
    return view
