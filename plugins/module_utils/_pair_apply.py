# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying plans to the kernel, and undoing a run's changes when a later step fails.
Private to this collection.

Changes when the order or the requests of a change, or what a failure undoes, change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import random
import time

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, NetlinkError, error_message
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import (
    CREATION_SETTINGS, KIND, describe_netlink_error, reported, unsupported_setting_message,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_messages import (
    ADDR_GEN_MODES, IF_OPER_UP, link_facts,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_requests import (
    addrgenmode_request, create_request, delete_address_request, delete_request, end_attrs, group_delete_request,
    group_request, netns_request, policy_request, settings_request, sync_request, up_request,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_socket import open_netns
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import (
    IPV4_OFFLOAD_SIZES, end_settings, has_no_ipv6, is_single,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import (
    CONFIGURE, CREATE, DELETE, RECREATE, as_it_was, plan_one,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot

LINK_LOCAL_WAIT = 5.0
# From this many pairs on, deleting goes by device group (for one, it only costs requests).
GROUP_DELETE_MIN = 2


def raise_for(doing, code):
    raise NetkitError(describe_netlink_error(NetlinkError(code, os.strerror(code)), doing))


def describe_error(exc):
    if isinstance(exc, NetlinkError):
        return describe_netlink_error(exc, 'netlink')
    return error_message(exc)


def address_mode(link_local):
    return None if link_local is None else 'random' if link_local else 'none'


class PairCreator:
    """Creates new pairs in batches (see Kernel.write) and deletes them again if a later step fails.

    A new pair is five requests, as with ip: create it (down), set both ends' address
    generation mode, bring both ends up. The mode is set before an end comes up because
    the kernel makes the link-local address when the end gets a carrier and never again.
    """

    def __init__(self, kernel):
        self.kernel = kernel
        self.created = []
        # The primaries' ifindexes, by name: deleting again goes by ifindex, so that a device
        # someone else gave the name meanwhile is never deleted.
        self.created_index = {}

    def create(self, pairs):
        """Create pairs (wanted dicts); return those whose primary someone else created meanwhile."""
        answers = self._write_creates(pairs)
        for wanted, (code, echo) in zip(pairs, answers):
            if code == 0:
                self.created.append(wanted)
                self.created_index[wanted['name']] = self._created_index(wanted, echo)
        taken = []
        for wanted, (code, _echo) in zip(pairs, answers):
            if code == errno.EEXIST and self.kernel.link(None, wanted['name']) is not None:
                taken.append(wanted)
            elif code:
                raise_for('creating netkit pair %s' % wanted['name'], code)
        for netns, steps in sorted(self._configuration_steps().items(), key=lambda item: item[0] or ''):
            codes = self.kernel.write(netns, [request for _wanted, request in steps])
            for (wanted, _request), code in zip(steps, codes):
                if code:
                    raise_for('configuring new netkit pair %s' % wanted['name'], code)
        return taken

    def _write_creates(self, pairs):
        fds = {}
        try:
            for netns in set(wanted['peer_netns'] for wanted in pairs if wanted['peer_netns'] is not None):
                fds[netns] = open_netns(netns)
            return self.kernel.write_echoed(None, [create_request(wanted, fds.get(wanted['peer_netns']))
                                                   for wanted in pairs])
        finally:
            for fd in fds.values():
                os.close(fd)

    def _created_index(self, wanted, echo):
        if echo is not None:
            return link_facts(echo)['index']
        # A kernel that does not echo (before 6.3 none has netkit, but to be sure): the name
        # is exact (check_ifname refuses '%'), and nothing else had it a moment ago.
        link = self.kernel.link(None, wanted['name'])
        return link['index'] if link is not None else None

    def _configuration_steps(self):
        """{netns: [(wanted, request)]}: each end's mode, then the end up; the host first."""
        steps = {}
        for wanted in self.created:
            mode = address_mode(wanted.get('link_local'))
            ends = [(None, wanted['name'], wanted.get('mtu'))]
            if not is_single(wanted):
                ends.append((wanted['peer_netns'], wanted['peer_name'], wanted.get('peer_mtu')))
            for netns, name, mtu in ends:
                end = steps.setdefault(netns, [])
                if mode is not None and not has_no_ipv6(mtu):
                    end.append((wanted, addrgenmode_request(name, mode)))
                if wanted['up'] is not False:
                    end.append((wanted, up_request(name)))
        return steps

    def check_created(self, snapshot):
        """Fail on a created pair the kernel did not make as asked; the ends that will get a
        link-local address, for wait_for_link_local()."""
        ends = []
        for wanted in self.created:
            primary = snapshot.links().get(wanted['name'])
            try:
                if primary is None or primary['kind'] != KIND:
                    raise NetkitError('it was deleted or replaced by another program right after its creation')
                check_applied(wanted, primary['netkit'])
            except NetkitError as exc:
                raise NetkitError('netkit pair %s: %s' % (wanted['name'], exc))
            if wanted['up'] is not False and wanted.get('link_local'):
                ends.extend(pair_ends({'ifindex': primary['index'], 'peer_netns': wanted['peer_netns'],
                                       'peer_ifindex': None if is_single(wanted) else primary['link']}))
        return ends

    def delete_created(self):
        """Delete the pairs this run created, by ifindex; what to tell the user about it."""
        names = [wanted['name'] for wanted in self.created if self.created_index.get(wanted['name'])]
        self.created = []
        if not names:
            return ''
        codes = self.kernel.write(None, [delete_request(self.created_index[name]) for name in names])
        deleted = [name for name, code in zip(names, codes) if code in (0, errno.ENODEV)]
        kept = ['%s (%s)' % (name, os.strerror(code)) for name, code in zip(names, codes) if code not in (0, errno.ENODEV)]
        message = '; the pairs this run had created (%s) were deleted again' % ', '.join(deleted) if deleted else ''
        if kept:
            message += '; deleting these pairs this run had created failed, remove them by hand: %s' % ', '.join(kept)
        return message


def check_applied(wanted, settings):
    """Older kernels ignore attributes they do not know: never report what did not happen."""
    for key in CREATION_SETTINGS:
        value = wanted.get(key)
        if value is None or reported(settings, key) == value:
            continue
        if reported(settings, key) is None:
            raise NetkitError(unsupported_setting_message(key))
        raise NetkitError('the kernel made %s %s, not %s' % (key, reported(settings, key), value))


class PairApplier:
    """Makes an existing pair what the task wants.

    configure() returns the ends that will get a link-local address, for
    wait_for_link_local() to wait on once for all pairs of a run. restore() puts back
    what configure() changed when the run fails later on.
    """

    def __init__(self, kernel, wanted, snapshot=None):
        self.kernel = kernel
        self.wanted = wanted
        self.snapshot = snapshot
        self.before = None
        self.brought_up = []

    def configure(self, pair):
        """Apply the live settings (everything but the creation-time ones) to an existing pair."""
        wanted = self.wanted
        self.before = self.ends_as_they_are(pair)
        if wanted['peer_netns'] is not None and pair['peer_netns'] != wanted['peer_netns']:
            self.move_peer(pair['peer_netns'], pair['peer_ifindex'], wanted['peer_netns'])
            self.snapshot = Snapshot(self.kernel)
            pair = self.snapshot.pair(wanted['name'])
        policies = dict((key, wanted[key]) for key in ('policy', 'peer_policy')
                        if wanted.get(key) is not None and pair[key] != wanted[key])
        if policies:
            self.kernel.change(None, policy_request(pair['ifindex'], policies))
        ends = pair_ends(pair)
        for peer, (netns, index, _key) in zip((False, True), ends):
            changes = end_attrs(end_changes(end_settings(wanted, peer), end_settings(pair, peer)))
            if changes:
                self.kernel.change(netns, settings_request(index, changes))
        took_down = False
        asked = wanted.get('link_local')
        if asked is not None and (pair['link_local'] != asked or self.ipv6_restarts(pair)):
            self.reset_link_local(ends, [pair[key] if wanted.get(key) is None else wanted[key] for _n, _i, key in ends])
            took_down = True
        up = wanted['up'] if wanted.get('up') is not None else pair['up']
        if up is not None and (up != pair['up'] or (up and took_down)):
            self.set_up(ends, up)
        return ends if up and wanted.get('link_local') else ()

    def ipv6_restarts(self, pair):
        """Whether an end's MTU rises from below IPv6's minimum to above it: the kernel then
        starts the end's IPv6 afresh, with its default address generation mode (EUI-64)."""
        return any(has_no_ipv6(pair[key]) and not has_no_ipv6(self.wanted[key])
                   for key in ('mtu', 'peer_mtu') if self.wanted.get(key) is not None)

    def ends_as_they_are(self, pair):
        """What restore() puts back: the peer's namespace, the policies, and each end's MTU,
        address generation mode and up state."""
        snapshot = self.snapshot or Snapshot(self.kernel)
        names = (pair['name'], pair['peer_name'])
        return {'pair': pair, 'ends': [(netns, name, snapshot.link_by_index(netns, index))
                                       for (netns, index, _key), name in zip(pair_ends(pair), names)]}

    def move_peer(self, netns, index, target):
        fd = open_netns(target) if target is not None else os.open('/proc/self/ns/net', os.O_RDONLY | os.O_CLOEXEC)
        try:
            self.kernel.change(netns, netns_request(index, fd))
        finally:
            os.close(fd)

    def restore(self):
        """Best effort, after a later step of the run failed: put back what configure()
        changed. Returns what could not be put back (empty when all was)."""
        if self.before is None:
            return []
        before = self.before['pair']
        try:
            now = Snapshot(self.kernel).pair(before['name'])
            if now is None:
                return ['%s is gone' % before['name']]
            if now['peer_netns'] != before['peer_netns']:
                self.move_peer(now['peer_netns'], now['peer_ifindex'], before['peer_netns'])
                now = Snapshot(self.kernel).pair(before['name'])
            policies = dict((key, before[key]) for key in ('policy', 'peer_policy') if now[key] != before[key])
            if policies:
                self.kernel.change(None, policy_request(now['ifindex'], policies))
            indexes = (now['ifindex'], now['peer_ifindex'])
            ends = list(zip(self.before['ends'], indexes, (now['addrgenmode'], now['peer_addrgenmode'])))
            for (netns, _name, link), index, mode in ends:
                self.kernel.change(netns, settings_request(index, end_attrs(link)))
                if link['addrgenmode'] != mode and link['addrgenmode'] in ADDR_GEN_MODES:
                    # Down first: the kernel makes the end's link-local address anew when it comes up.
                    self.kernel.change(netns, up_request(index, False))
                    self.kernel.change(netns, addrgenmode_request(index, link['addrgenmode']))
            # The peer first, as set_up() does: the primary gets a carrier once the peer is up.
            for (netns, _name, link), index, _mode in reversed(ends):
                self.kernel.change(netns, up_request(index, link['up']))
        except (NetkitError, NetlinkError, OSError) as exc:
            return ['%s: %s' % (before['name'], describe_error(exc))]
        return []

    def set_up(self, ends, up):
        # The peer first: the primary only gets a carrier once the peer is up.
        for netns, index, _key in reversed(ends):
            self.kernel.change(netns, up_request(index, up))
        if up:
            self.brought_up.extend(ends)

    def reset_link_local(self, ends, mtus):
        """Set the kernel's address generation mode with both ends down, and drop their
        link-local addresses: the kernel makes a new one when an end comes up (an end
        that stays up keeps whatever it made before)."""
        snapshot = self.snapshot or Snapshot(self.kernel)
        mode = address_mode(self.wanted['link_local'])
        for netns, index, _key in ends:
            self.kernel.change(netns, up_request(index, False))
        for (netns, index, _key), mtu in zip(ends, mtus):
            if has_no_ipv6(mtu):
                # The kernel dropped the end's IPv6 state, addresses included, with the MTU.
                continue
            self.kernel.change(netns, addrgenmode_request(index, mode))
            for address in snapshot.addresses(netns, index):
                try:
                    self.kernel.change(netns, delete_address_request(index, address))
                except NetlinkError as exc:
                    # Taking an end down flushes its addresses already.
                    if exc.code != errno.EADDRNOTAVAIL:
                        raise


def end_changes(wanted, now):
    """The settings of one end (end_settings()) that differ. A GSO or GRO size up to 65536
    also sets the end's IPv4 one: an IPv4 size the task asks for goes along (the kernel sets
    it after the other)."""
    changes = dict((key, value) for key, value in wanted.items() if value is not None and value != now[key])
    for size, ipv4_size in IPV4_OFFLOAD_SIZES:
        if size in changes and wanted[ipv4_size] is not None:
            changes[ipv4_size] = wanted[ipv4_size]
    return changes


def pair_ends(pair):
    """(namespace, ifindex, the pair's MTU key) of each end of a pair: the primary, then its
    peer (a single device has none)."""
    ends = [(None, pair['ifindex'], 'mtu')]
    if pair['peer_ifindex'] is not None:
        ends.append((pair['peer_netns'], pair['peer_ifindex'], 'peer_mtu'))
    return ends


def wait_for_link_local(kernel, ends):
    """Wait until each of ends has a link-local address: one address dump per namespace and round."""
    deadline = time.time() + LINK_LOCAL_WAIT
    while ends:
        by_netns = {}
        for netns, index, _key in ends:
            by_netns.setdefault(netns, set()).add(index)
        # An interrupted dump may miss an address: that end is simply looked at again.
        addresses = dict((netns, kernel.addresses(netns, consistent=False)) for netns in by_netns)
        ends = [end for end in ends if not addresses[end[0]].get(end[1])]
        if not ends:
            return
        if time.time() > deadline:
            raise NetkitError('the kernel gave no link-local address to ifindex %s within %ss'
                              % (', '.join(str(end[1]) for end in ends), LINK_LOCAL_WAIT))
        time.sleep(0.05)


def linkwatch_behind(link):
    """Whether linkwatch has yet to act on an up link's carrier: it sets the operstate the
    carrier makes (and makes the end's own address) in work of its own. An end in dormant
    or testing link mode never reaches up: it only costs sync_linkwatch() a request."""
    return link['up'] and (link['operstate'] != IF_OPER_UP) == link['carrier']


def sync_linkwatch(kernel, snapshot, names, brought_up):
    """Have the kernel finish its linkwatch work for the ends of the pairs names, so that
    the addresses read afterwards have the one it makes an end itself (EUI-64 by default)
    once the end has its carrier. That work runs after the request that brought the end up
    has returned: on a loaded host, after the run's read.

    Asked for one link (not a dump), Linux 6.8+ first runs linkwatch's pending work for it
    (6.7 only waits for work in progress). Asked for are the ends whose operstate in
    snapshot shows linkwatch behind, and brought_up, the (namespace, ifindex, key) of the
    existing ends this run brought up: the kernel acts on an end going down only later
    (it is not running then), so coming back up it may still show the operstate from
    before. An end snapshot shows caught up is done: linkwatch holds the RTNL lock through
    its work on an end, and so does a link dump (an address dump does not).

    Best effort: a read or request that fails here (a namespace gone meanwhile) is left
    for the read of the result to report, and undoes nothing this run did."""
    try:
        ends = [(netns, link['index']) for netns, link in snapshot.end_links(names) if linkwatch_behind(link)]
        ends += [(netns, index) for netns, index, _key in brought_up]
        by_netns = {}
        for netns, index in ends:
            by_netns.setdefault(netns, {})[index] = sync_request(index)
        for netns, requests in by_netns.items():
            # What each answers does not matter (an end may be gone meanwhile), only that it has.
            kernel.write(netns, list(requests.values()))
    except (NetkitError, NetlinkError, OSError):
        pass


def delete_pairs(kernel, snapshot, plans):
    """Delete the pairs of plans by their primary's ifindex (a pair already gone counts as
    deleted): together as one device group when there are several, else one by one."""
    if len(plans) >= GROUP_DELETE_MIN and delete_as_group(kernel, snapshot, plans):
        return
    codes = kernel.write(None, [delete_request(plan.before['ifindex']) for plan in plans])
    for plan, code in zip(plans, codes):
        if code and code != errno.ENODEV:
            raise_for('deleting netkit pair %s' % plan.name, code)


def delete_as_group(kernel, snapshot, plans):
    """Move the primaries of plans into a device group nothing else is in, and delete the
    group: one unregistering wait for all. True when done; False when the group could not be
    used (a device of another program is in it, one of ours left it, or the kernel refused),
    with every primary back in its own group and nothing deleted, for deleting them one by one.

    The groups in use and the primaries' own are the snapshot's (what the plans were made
    on): only the read after the moves decides, and it reads the groups alone."""
    links = snapshot.links().values()
    planned = set(plan.before['ifindex'] for plan in plans)
    primaries = dict((link['index'], link) for link in links if link['index'] in planned
                     and link['kind'] == KIND and link['netkit']['primary'])
    group = unused_group(set(link['group'] for link in links))
    moved = []
    try:
        indexes = sorted(primaries)
        codes = kernel.write(None, [group_request(index, group) for index in indexes])
        moved = [index for index, code in zip(indexes, codes) if code == 0]
        if any(code not in (0, errno.ENODEV) for code in codes) or not moved:
            raise GroupUnusable()
        members = set(index for index, in_group in kernel.groups(None).items() if in_group == group)
        if members != set(moved) or kernel.write(None, [group_delete_request(group)])[0] != 0:
            raise GroupUnusable()
    except BaseException as exc:
        put_back(kernel, group, [primaries[index] for index in moved])
        if not isinstance(exc, GroupUnusable):
            raise
        return False
    left = missed_by_group_delete(kernel, primaries, moved)
    for index, code in zip(left, kernel.write(None, [delete_request(index) for index in left])):
        if code not in (0, errno.ENODEV):
            raise_for('deleting netkit pair %s' % primaries[index]['name'], code)
    return True


def missed_by_group_delete(kernel, primaries, moved):
    """The moved primaries still there after the group delete (someone moved them out of the
    group at the last moment): found by one read of the groups, rather than by a delete request
    per pair (most would only answer ENODEV), and confirmed by the links, so that a device that
    took a freed ifindex meanwhile is left alone. When the reads fail, every moved primary,
    deleted by its ifindex as before the group was used (the group delete cannot be undone)."""
    try:
        remaining = kernel.groups(None)
        left = [index for index in moved if index in remaining]
        if not left:
            return []
        links = dict((link['index'], link) for link in kernel.links(None))
    except (NetkitError, NetlinkError):
        return moved
    return [index for index in left if same_primary(links.get(index), primaries[index])]


def same_primary(link, primary):
    """Whether link is still the primary the snapshot had: a netkit primary with the same peer
    (its name may have changed)."""
    return (link is not None and link['kind'] == KIND and link['netkit']['primary']
            and link['link'] == primary['link'])


def put_back(kernel, group, links):
    """Put the primaries moved into group back into the groups they were in."""
    codes = kernel.write(None, [group_request(link['index'], link['group']) for link in links])
    stuck = ['%s (group %d)' % (link['name'], link['group'])
             for link, code in zip(links, codes) if code not in (0, errno.ENODEV)]
    if stuck:
        raise NetkitError('deleting netkit pairs as device group %d failed, and putting them back into their '
                          'groups failed too: set them by hand (ip link set NAME group GROUP): %s'
                          % (group, ', '.join(stuck)))


class GroupUnusable(Exception):
    """The run's device group cannot be deleted as it is: the pairs go one by one instead."""


def unused_group(used):
    """A device group number no device has: random, so that another program is unlikely to
    pick it in the moment the group is used."""
    while True:
        group = random.SystemRandom().randrange(1 << 16, 1 << 31)
        if group not in used:
            return group


def configure(applier, before):
    try:
        return applier.configure(before)
    except NetlinkError as exc:
        raise NetkitError(describe_netlink_error(exc, 'configuring netkit pair %s' % applier.wanted['name']))


def apply_plans(kernel, snapshot, plans):
    """Carry the plans out and return a snapshot read afterwards.

    Changes to existing pairs first, then re-creations and creations, then deletions, so
    that a step that fails has deleted nothing that was asked to stay. On a failure the
    pairs this run created are deleted again, the changed ones put back as they were
    (up or down, MTU, policies, namespace), the re-created ones made again as they were,
    and the error re-raised.
    """
    creator = PairCreator(kernel)
    appliers = []
    lost = []
    try:
        waiting = []
        for plan in plans:
            if plan.action == CONFIGURE:
                applier = PairApplier(kernel, plan.wanted, snapshot)
                appliers.append(applier)
                waiting.extend(configure(applier, plan.before))
        recreating = [plan for plan in plans if plan.action == RECREATE]
        # Before deleting: a failure halfway makes again those already gone (the others are there).
        lost = recreating
        delete_pairs(kernel, snapshot, recreating)
        taken = creator.create([plan.wanted for plan in plans if plan.action in (CREATE, RECREATE)])
        if taken:
            # Someone created these meanwhile: plan them again on what is there now, with every
            # check a found pair gets (its peer's name, settings fixed at creation).
            now = Snapshot(kernel)
            for wanted in taken:
                again = plan_one(now, dict(wanted, state='present'))
                if again.action == CREATE:
                    raise NetkitError('netkit pair %s was created and deleted again by another program meanwhile'
                                      % wanted['name'])
                if again.action is not None:
                    applier = PairApplier(kernel, again.wanted, now)
                    appliers.append(applier)
                    waiting.extend(configure(applier, again.before))
        after = Snapshot(kernel)
        waiting.extend(creator.check_created(after))
        sync_linkwatch(kernel, after, [plan.name for plan in plans if plan.action in (CONFIGURE, CREATE, RECREATE)],
                       [end for applier in appliers for end in applier.brought_up])
        wait_for_link_local(kernel, waiting)
        delete_pairs(kernel, snapshot, [plan for plan in plans if plan.action == DELETE])
        return after.without_addresses()
    except BaseException as exc:
        cleanup = creator.delete_created()
        not_restored = [failure for applier in reversed(appliers) for failure in applier.restore()]
        if not_restored:
            cleanup += '; putting back what this run had changed failed: %s' % '; '.join(not_restored)
        elif appliers:
            cleanup += '; the pairs this run had changed were put back as they were'
        if lost:
            cleanup += recreate_as_they_were(kernel, lost)
        if isinstance(exc, (NetkitError, NetlinkError, OSError)) and cleanup:
            raise NetkitError('%s%s' % (describe_error(exc), cleanup))
        raise


def recreate_as_they_were(kernel, plans):
    """After a failure, make the pairs a run had deleted to re-create them again as they were
    before it (best effort; their programs are gone either way); what to tell the user. A pair
    the failure came before is still there, and is left as it is."""
    restorer = PairCreator(kernel)
    try:
        restorer.create([as_it_was(plan) for plan in plans])
    except (NetkitError, NetlinkError, OSError) as exc:
        return ('; the pairs being re-created (%s) had been deleted first, and making them again as they were '
                'failed (%s): re-create them' % (', '.join(plan.name for plan in plans), describe_error(exc)))
    made = [wanted['name'] for wanted in restorer.created]
    if not made:
        return ''
    return '; the pairs being re-created (%s) were made again as they were before (without their programs)' % (
        ', '.join(made))
