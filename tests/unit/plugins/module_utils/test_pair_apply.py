# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of module_utils/_pair_apply.py that decide without writing: the requests
that configure a new pair and their order, what a created pair is checked against (on
hosts given as data, pair_hosts.py), and the error messages. Carrying plans out, and
undoing them, is tested in the VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, NetlinkError
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_messages import link_facts
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_apply import (
    GROUP_DELETE_MIN, PairApplier, PairCreator, address_mode, check_applied, describe_error, end_changes,
    linkwatch_behind, pair_ends, raise_for, sync_linkwatch, unused_group,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import desired_pair
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.pair_hosts import (
    entry, host, host7, link, netkit,
)


def wanted(**values):
    return desired_pair(entry(**values))


def creator_of(*pairs):
    """A PairCreator as create() leaves it once the kernel made pairs (no kernel needed after)."""
    creator = PairCreator(kernel=None)
    creator.created = list(pairs)
    return creator


def steps_of(creator):
    """{netns: [(device, what its request does)]}, each request decoded back from its bytes."""
    decoded = {}
    for netns, steps in creator._configuration_steps().items():
        for _pair, request in steps:
            facts = link_facts(request.encode(1)[16:])
            does = 'addrgenmode %s' % facts['addrgenmode'] if facts['addrgenmode'] else 'up' if facts['up'] else 'down'
            decoded.setdefault(netns, []).append((facts['name'], does))
    return decoded


# ------------------------------------------------------------ configuring new pairs

def test_each_end_gets_its_address_mode_before_it_comes_up():
    """The kernel makes an end's link-local address when it gets a carrier, and never again."""
    assert steps_of(creator_of(wanted(name='nk0', link_local=True), wanted(name='nk1', link_local=False))) == {
        None: [('nk0', 'addrgenmode random'), ('nk0', 'up'), ('nk0p', 'addrgenmode random'), ('nk0p', 'up'),
               ('nk1', 'addrgenmode none'), ('nk1', 'up'), ('nk1p', 'addrgenmode none'), ('nk1p', 'up')]}


def test_each_end_is_configured_in_its_namespace():
    assert steps_of(creator_of(wanted(name='nk0', peer_netns='blue'))) == {
        None: [('nk0', 'up')], 'blue': [('nk0p', 'up')]}


def test_without_link_local_or_up_nothing_is_sent():
    assert steps_of(creator_of(wanted(name='nk0', up=False))) == {}
    assert steps_of(creator_of(wanted(name='nk0', up=False, link_local=True))) == {
        None: [('nk0', 'addrgenmode random'), ('nk0p', 'addrgenmode random')]}


def test_an_end_without_ipv6_gets_no_address_mode():
    """Below 1280 the kernel has no IPv6 state for an end: no mode to set."""
    assert steps_of(creator_of(wanted(name='nk0', link_local=False, mtu=1000))) == {
        None: [('nk0', 'up'), ('nk0p', 'addrgenmode none'), ('nk0p', 'up')]}


def test_a_single_device_is_configured_alone():
    assert steps_of(creator_of(wanted(name='nks0', pairing='single', link_local=True),
                               wanted(name='nks1', pairing='single', up=False, link_local=False))) == {
        None: [('nks0', 'addrgenmode random'), ('nks0', 'up'), ('nks1', 'addrgenmode none')]}
    assert steps_of(creator_of(wanted(name='nks0', pairing='single', up=False))) == {}


def test_address_mode():
    assert [address_mode(None), address_mode(True), address_mode(False)] == [None, 'random', 'none']


def test_deleting_again_what_was_not_created_sends_nothing():
    creator = creator_of(wanted(name='nk0'))
    assert creator.delete_created() == '', 'no ifindex known: nothing of this run to delete'
    assert creator.created == []


# ------------------------------------------------------------ checking what the kernel made

def test_a_created_pair_is_checked_against_what_was_asked():
    creator = creator_of(wanted(name='nk0', mode='l2'))
    with pytest.raises(NetkitError, match='^netkit pair nk0: the kernel made mode l3, not l2$'):
        creator.check_created(Snapshot(host()))


def test_a_setting_the_kernel_ignored_is_not_reported_as_made():
    creator = creator_of(wanted(name='nk0', headroom=64))
    with pytest.raises(NetkitError, match='^netkit pair nk0: headroom needs Linux 6.14+'):
        creator.check_created(Snapshot(host()))


def test_a_created_pair_that_is_gone_or_replaced_is_an_error():
    for kernel in (host(), host(extra=[link('nk5', 30, kind='dummy')])):
        with pytest.raises(NetkitError, match='^netkit pair nk5: it was deleted or replaced by another program'):
            creator_of(wanted(name='nk5')).check_created(Snapshot(kernel))


def test_the_ends_to_wait_for_are_those_that_get_link_local_addresses():
    creator = creator_of(wanted(name='nk0', link_local=True), wanted(name='nk1', link_local=True, up=False),
                         wanted(name='nk2'))
    assert creator.check_created(Snapshot(host())) == [(None, 5, 'mtu'), (None, 4, 'peer_mtu')]
    creator = creator_of(wanted(name='nk1', peer_netns='blue', link_local=True))
    assert creator.check_created(Snapshot(host())) == [(None, 7, 'mtu'), ('blue', 3, 'peer_mtu')]


def test_the_ends_to_wait_for_of_a_single_device_are_its_one():
    creator = creator_of(wanted(name='nks0', pairing='single', link_local=True))
    assert creator.check_created(Snapshot(host7())) == [(None, 20, 'mtu')]


@pytest.mark.parametrize('up, carrier, operstate, behind', [
    (True, True, 6, False), (True, False, 2, False), (True, False, 3, False),
    # Carrier on: down, lower layer down, or unknown (a new device) until linkwatch has acted.
    (True, True, 2, True), (True, True, 3, True), (True, True, 0, True),
    # Carrier off, still up.
    (True, False, 6, True),
    # Down: the kernel reports it down whatever linkwatch has to do, and takes its addresses on down.
    (False, False, 2, False), (False, True, 2, False),
])
def test_linkwatch_is_behind_while_an_up_ends_operstate_and_carrier_disagree(up, carrier, operstate, behind):
    found = link('nk0', 5, 4, up=up, operstate=operstate)
    found['carrier'] = carrier
    assert linkwatch_behind(found) is behind


def sent_syncs(kernel, names, brought_up=(), fails=None, tried=None):
    """{namespace: [ifindex]} of the requests sync_linkwatch() sends on kernel, one send per
    namespace; fails: what each send raises instead, tried: the namespaces it was tried in."""
    sent = {}

    def write(netns, requests):
        assert netns not in sent
        if tried is not None:
            tried.append(netns)
        if fails is not None:
            raise fails
        sent[netns] = [request.index for request in requests]
        return [0] * len(requests)
    kernel.write = write
    sync_linkwatch(kernel, Snapshot(kernel), names, list(brought_up))
    return sent


def test_ends_linkwatch_has_acted_on_are_not_asked_for():
    assert sent_syncs(host(), ['nk0', 'nk1']) == {}


def test_the_ends_linkwatch_is_behind_on_are_asked_for_in_their_namespaces():
    behind = [link('nk3', 31, 30, operstate=0, data=netkit()),
              link('nk3p', 30, 31, operstate=6, data=netkit(primary=False))]
    kernel = host(extra=behind)
    kernel._links['blue'][0]['operstate'] = 2
    assert sent_syncs(kernel, ['nk0', 'nk1', 'nk3']) == {None: [31], 'blue': [3]}


def test_ends_brought_up_are_asked_for_whatever_their_operstate_once_each():
    """An end that went down and came up again may still show the operstate from before."""
    brought_up = [(None, 5, 'mtu'), (None, 4, 'peer_mtu'), (None, 5, 'mtu')]
    assert sent_syncs(host(), ['nk0'], brought_up) == {None: [5, 4]}


def test_names_without_pairs_ask_for_nothing():
    assert sent_syncs(host(), ['nk0p', 've0', 'missing']) == {}


@pytest.mark.parametrize('error', [OSError(errno.ENOBUFS, 'no buffer'), NetlinkError(errno.ENODEV, 'gone'),
                                   NetkitError('network namespace blue does not exist')])
def test_a_failing_sync_is_left_for_the_read_of_the_result(error):
    tried = []
    sent_syncs(host(), ['nk0'], [(None, 5, 'mtu')], fails=error, tried=tried)
    assert tried == [None]


def test_a_single_device_the_kernel_made_a_pair_is_an_error():
    """A kernel before 7.0 ignores IFLA_NETKIT_PAIRING, and reports none: what it made is a pair."""
    creator = creator_of(wanted(name='nk0', pairing='single'))
    with pytest.raises(NetkitError, match='^netkit pair nk0: the kernel made pairing pair, not single$'):
        creator.check_created(Snapshot(host()))
    assert creator_of(wanted(name='nks0', pairing='single')).check_created(Snapshot(host7())) == []


@pytest.mark.parametrize('asked,made,message', [
    (dict(pairing='single'), dict(pairing='single'), None),
    (dict(pairing='pair'), dict(pairing='pair'), None),
    (dict(pairing='pair'), dict(pairing=None), None),
    (dict(pairing='single'), dict(pairing=None), 'the kernel made pairing pair, not single'),
    (dict(pairing='single'), dict(pairing='pair'), 'the kernel made pairing pair, not single'),
    (dict(mode='l2'), dict(mode='l2'), None),
    (dict(mode=None), dict(mode='l3'), None),
    (dict(scrub='none', mode='l3'), dict(scrub='none', mode='l3'), None),
    (dict(mode='l2'), dict(mode='l3'), 'the kernel made mode l3, not l2'),
    (dict(scrub='none'), dict(scrub=None), 'scrub needs Linux 6.12+'),
    (dict(tailroom=0), dict(tailroom=None), 'tailroom needs Linux 6.14+'),
    # Live settings are not fixed at creation: configuring them is checked by reading back.
    (dict(policy='blackhole'), dict(policy='forward'), None),
])
def test_check_applied(asked, made, message):
    settings = netkit(**made)
    if message is None:
        assert check_applied(asked, settings) is None
    else:
        with pytest.raises(NetkitError) as info:
            check_applied(asked, settings)
        assert str(info.value).startswith(message)


# ------------------------------------------------------------ changing existing pairs

def test_ipv6_restarts_when_an_end_rises_above_its_minimum():
    pair = Snapshot(host()).pair('nk2')
    assert PairApplier(None, wanted(name='nk2', mtu=1500)).ipv6_restarts(pair) is True
    assert PairApplier(None, wanted(name='nk2', mtu=1200)).ipv6_restarts(pair) is False
    assert PairApplier(None, wanted(name='nk2')).ipv6_restarts(pair) is False
    assert PairApplier(None, wanted(name='nk0', mtu=9000)).ipv6_restarts(Snapshot(host()).pair('nk0')) is False


def test_what_restore_puts_back_is_read_from_the_snapshot():
    snapshot = Snapshot(host())
    pair = snapshot.pair('nk1')
    kept = PairApplier(None, wanted(name='nk1'), snapshot).ends_as_they_are(pair)
    assert kept['pair'] is pair
    assert [(netns, name, link_['index'], link_['mtu']) for netns, name, link_ in kept['ends']] == [
        (None, 'nk1', 7, 9000), ('blue', 'nk1p', 3, 4000)]


def test_a_pair_has_two_ends_and_a_single_device_one():
    snapshot = Snapshot(host7())
    assert pair_ends(snapshot.pair('nk1')) == [(None, 7, 'mtu'), ('blue', 3, 'peer_mtu')]
    assert pair_ends(snapshot.pair('nks0')) == [(None, 20, 'mtu')]
    kept = PairApplier(None, wanted(name='nks0', pairing='single'), snapshot).ends_as_they_are(snapshot.pair('nks0'))
    assert [(netns, name, link_['index']) for netns, name, link_ in kept['ends']] == [(None, 'nks0', 20)]


def test_an_end_changes_what_differs_and_the_ipv4_size_the_kernel_would_overwrite():
    now = {'address': None, 'mtu': 1500, 'txqueuelen': 1000, 'gso_max_size': 196608, 'gro_max_size': 65536,
           'gso_ipv4_max_size': 196608, 'gro_ipv4_max_size': 65536}
    asked = dict.fromkeys(now)
    assert end_changes(dict(asked, mtu=1500, gso_ipv4_max_size=196608), now) == {}
    assert end_changes(dict(asked, mtu=9000, address='02:00:00:00:00:01'), now) == {
        'mtu': 9000, 'address': '02:00:00:00:00:01'}
    # A GSO size of at most 65536 sets the IPv4 one too: the asked IPv4 size goes along, though it is as it is.
    assert end_changes(dict(asked, gso_max_size=65536, gso_ipv4_max_size=196608), now) == {
        'gso_max_size': 65536, 'gso_ipv4_max_size': 196608}
    assert end_changes(dict(asked, gso_max_size=65536), now) == {'gso_max_size': 65536}
    assert end_changes(dict(asked, gro_max_size=32768, gro_ipv4_max_size=65536), now) == {
        'gro_max_size': 32768, 'gro_ipv4_max_size': 65536}


def test_restore_without_configure_has_nothing_to_put_back():
    assert PairApplier(None, wanted(name='nk0')).restore() == []


# ------------------------------------------------------------ deleting

def test_an_unused_group_is_one_no_device_has():
    used = set(range(1 << 16, (1 << 16) + 1000))
    for _round in range(200):
        group = unused_group(used | {0, 1})
        assert (1 << 16) <= group < (1 << 31) and group not in used, 'above the groups people name by hand'
    assert GROUP_DELETE_MIN >= 2, 'one pair is deleted by its ifindex'


# ------------------------------------------------------------ messages

def test_raise_for_says_what_was_being_done():
    with pytest.raises(NetkitError, match='^creating netkit pair nk0: %s$' % os.strerror(errno.EEXIST)):
        raise_for('creating netkit pair nk0', errno.EEXIST)
    with pytest.raises(NetkitError, match='^netkit needs Linux 6.7'):
        raise_for('creating netkit pair nk0', errno.EOPNOTSUPP)


def test_describe_error():
    assert describe_error(NetlinkError(errno.ENODEV)) == 'netlink: %s' % os.strerror(errno.ENODEV)
    assert describe_error(NetlinkError(errno.EOPNOTSUPP)).startswith('netkit needs Linux 6.7+')
    assert describe_error(NetkitError('as it is')) == 'as it is'
    assert describe_error(OSError(errno.ENOENT, 'No such file or directory', '/run/netns/red')) == (
        'No such file or directory (/run/netns/red)')
