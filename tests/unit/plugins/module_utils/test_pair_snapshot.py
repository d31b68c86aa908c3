# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's pairs as module_utils/_pair_snapshot.py reads them, on hosts given as data
(pair_hosts.py), and the link-local state of one end. No socket, no netkit, no root."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot, link_local_state
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.pair_hosts import (
    NK1_MAC, NK1P_MAC, FakeKernel, host, host7, link, link_local, netkit, netkit7, single,
)


class Counting:
    """A kernel stand-in that counts what Snapshot asks of the one it wraps."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.asked = []

    def links(self, netns=None):
        self.asked.append(('links', netns))
        return self.kernel.links(netns)

    def addresses(self, netns=None, consistent=True):
        self.asked.append(('addresses', netns))
        return self.kernel.addresses(netns, consistent)

    def netns_ids(self):
        self.asked.append(('netns_ids', None))
        return self.kernel.netns_ids()


# ------------------------------------------------------------ reading pairs

def test_snapshot_reads_pairs_as_the_host_has_them():
    snapshot = Snapshot(host())
    pair = snapshot.pair('nk1')
    assert (pair['peer_name'], pair['peer_netns'], pair['peer_ifindex'], pair['ifindex']) == ('nk1p', 'blue', 3, 7)
    assert (pair['mtu'], pair['peer_mtu'], pair['mode'], pair['policy']) == (9000, 4000, 'l2', 'blackhole')
    assert snapshot.pair('nk0')['link_local'] is True
    assert snapshot.pair('nk0')['addresses'] == ['fe80::5'] and snapshot.pair('nk0')['peer_addresses'] == ['fe80::4']
    assert snapshot.pair('nk2')['link_local'] is False, 'below 1280 an end has no IPv6'
    assert snapshot.pair('nk9') is None
    assert [p['name'] for p in snapshot.all_pairs()] == ['nk0', 'nk1', 'nk2', 'other0']


def test_a_pair_has_the_keys_the_modules_report():
    pair = Snapshot(host()).pair('nk0')
    assert pair == {
        'name': 'nk0', 'ifindex': 5, 'mtu': 1500, 'peer_name': 'nk0p', 'peer_ifindex': 4, 'peer_netns': None,
        'peer_mtu': 1500, 'up': True, 'mode': 'l3', 'policy': 'forward', 'peer_policy': 'forward',
        'scrub': 'default', 'peer_scrub': 'default', 'headroom': None, 'tailroom': None,
        'addrgenmode': 'random', 'peer_addrgenmode': 'random', 'addresses': ['fe80::5'],
        'peer_addresses': ['fe80::4'], 'link_local': True,
        'txqueuelen': 1000, 'peer_txqueuelen': 1000, 'gso_max_size': 65536, 'gro_max_size': 65536,
        # Before 7.0 the kernel reports no pairing: a pair all the same.
        'pairing': 'pair', 'address': None, 'peer_address': None, 'numrxqueues': 1, 'peer_numrxqueues': 1,
        'numtxqueues': 1, 'peer_numtxqueues': 1, 'gso_ipv4_max_size': 65536, 'gro_ipv4_max_size': 65536}


def test_a_peer_in_an_unnamed_namespace_is_known_by_its_nsid():
    # Index 23 in the host namespace is another device: the peer's index counts in its own namespace.
    kernel = host(extra=[link('nk4', 22, 23, netnsid=3), link('dummy0', 23, kind='dummy')])
    pair = Snapshot(kernel).pair('nk4')
    assert (pair['peer_netns'], pair['peer_ifindex'], pair['peer_name'], pair['peer_mtu']) == ('nsid:3', 23, None, None)
    assert pair['up'] is None and pair['link_local'] is None, 'unknown for an end that cannot be read'
    assert pair['peer_addresses'] == [] and pair['peer_addrgenmode'] is None


def test_ends_up_and_down_make_up_unknown():
    kernel = host(extra=[link('nk3', 20, 21, up=True), link('nk3p', 21, 20, up=False, data=netkit(primary=False))])
    assert Snapshot(kernel).pair('nk3')['up'] is None
    kernel = host(extra=[link('nk3', 20, 21, up=False), link('nk3p', 21, 20, up=False, data=netkit(primary=False))])
    assert Snapshot(kernel).pair('nk3')['up'] is False


def test_ends_with_different_link_local_states_make_it_unknown():
    kernel = host(extra=[link('nk3', 20, 21), link('nk3p', 21, 20, addrgenmode='none', data=netkit(primary=False))])
    pair = Snapshot(kernel).pair('nk3')
    assert pair['link_local'] is None
    assert (pair['addrgenmode'], pair['peer_addrgenmode']) == ('random', 'none')


@pytest.mark.parametrize('name,message', [
    ('ve0', 'a veth device named ve0 already exists and is not a netkit pair'),
    ('lo', 'a non-netkit device named lo already exists'),
    ('nk0p', 'nk0p is the peer end of a netkit pair; name must be the primary'),
])
def test_names_of_devices_that_are_not_primaries_are_refused(name, message):
    with pytest.raises(NetkitError) as info:
        Snapshot(host()).pair(name)
    assert message in str(info.value)


def test_netkit_attributes_are_what_the_kernel_reports():
    assert Snapshot(host()).netkit_attributes() == {'primary', 'mode', 'policy', 'peer_policy', 'scrub', 'peer_scrub'}
    assert 'headroom' in Snapshot(host(rooms=True)).netkit_attributes()
    assert Snapshot(FakeKernel({None: [link('lo', 1, kind=None)]})).netkit_attributes() is None


def test_one_dump_per_namespace():
    kernel = Counting(host())
    snapshot = Snapshot(kernel)
    for _round in range(3):
        snapshot.all_pairs()
        snapshot.pair('nk1')
    assert sorted(kernel.asked, key=str) == sorted([('links', None), ('links', 'blue'), ('addresses', None),
                                                    ('addresses', 'blue'), ('netns_ids', None)], key=str)


def test_without_addresses_reads_them_again():
    fake = host()
    kernel = Counting(fake)
    snapshot = Snapshot(kernel)
    snapshot.pair('nk0')
    assert snapshot.without_addresses() is snapshot
    fake._addresses[None][5] = link_local('fe80::55')
    assert snapshot.pair('nk0')['addresses'] == ['fe80::55']
    assert kernel.asked.count(('addresses', None)) == 2 and kernel.asked.count(('links', None)) == 1


def test_link_by_index_counts_in_its_namespace():
    snapshot = Snapshot(host())
    assert snapshot.link_by_index(None, 5)['name'] == 'nk0'
    assert snapshot.link_by_index('blue', 3)['name'] == 'nk1p'
    assert snapshot.link_by_index('blue', 5) is None
    assert snapshot.netns_name(1) == 'blue' and snapshot.netns_name(2) is None


def test_end_links_are_both_ends_of_each_named_primary():
    kernel = host(extra=[link('nk4', 22, 23, netnsid=3), link('nk5', 24, kind='netkit', data=single())])
    names = ['nk0', 'nk1', 'nk0p', 've0', 'nk4', 'nk5', 'nk9']
    # nk0p is a peer, ve0 a veth, nk9 missing: none has ends; nk4's peer is in a namespace with no name.
    assert [(netns, found['name'], found['index']) for netns, found in Snapshot(kernel).end_links(names)] == [
        (None, 'nk0', 5), (None, 'nk0p', 4), (None, 'nk1', 7), ('blue', 'nk1p', 3), (None, 'nk4', 22),
        (None, 'nk5', 24)]


# ------------------------------------------------------------ a Linux 7.x host

def test_pairs_report_pairing_macs_and_queue_counts():
    snapshot = Snapshot(host7())
    pair = snapshot.pair('nk1')
    assert (pair['pairing'], pair['address'], pair['peer_address']) == ('pair', NK1_MAC, NK1P_MAC)
    assert (pair['numrxqueues'], pair['peer_numrxqueues'], pair['numtxqueues'], pair['peer_numtxqueues']) == (
        1, 1, 1, 1)
    assert (pair['peer_name'], pair['peer_ifindex'], pair['peer_netns'], pair['peer_scrub']) == (
        'nk1p', 3, 'blue', 'none')
    assert snapshot.pair('nk0')['pairing'] == 'pair'
    assert snapshot.pair('nk0')['address'] is None, 'l3: no MAC'


def test_each_end_reports_its_own_queue_counts_and_mac():
    kernel = host7(extra=[link('nk3', 30, 31, numrxqueues=8, numtxqueues=1, address='02:00:00:00:00:03',
                               data=netkit7(mode='l2')),
                          link('nk3p', 31, 30, numrxqueues=2, numtxqueues=1, address='02:00:00:00:00:04',
                               data=netkit7(primary=False, mode='l2'))])
    pair = Snapshot(kernel).pair('nk3')
    assert (pair['numrxqueues'], pair['peer_numrxqueues']) == (8, 2)
    assert (pair['address'], pair['peer_address']) == ('02:00:00:00:00:03', '02:00:00:00:00:04')


@pytest.mark.parametrize('key', ['gso_ipv4_max_size', 'gro_ipv4_max_size', 'gso_max_size', 'gro_max_size'])
def test_an_offload_size_is_the_pairs_when_both_ends_have_it(key):
    same = host7(extra=[link('nk3', 30, 31, data=netkit7(), **{key: 196608}),
                        link('nk3p', 31, 30, data=netkit7(primary=False), **{key: 196608})])
    assert Snapshot(same).pair('nk3')[key] == 196608
    differ = host7(extra=[link('nk3', 30, 31, data=netkit7(), **{key: 196608}),
                          link('nk3p', 31, 30, data=netkit7(primary=False), **{key: 65536})])
    pair = Snapshot(differ).pair('nk3')
    assert pair[key] is None, 'the ends differ'
    others = set(['gso_ipv4_max_size', 'gro_ipv4_max_size', 'gso_max_size', 'gro_max_size']) - {key}
    assert all(pair[other] == 65536 for other in others)


def test_a_single_device_is_a_pair_without_a_peer():
    pair = Snapshot(host7()).pair('nks0')
    assert (pair['pairing'], pair['name'], pair['ifindex'], pair['numrxqueues'], pair['numtxqueues']) == (
        'single', 'nks0', 20, 8, 1)
    for key in ('peer_name', 'peer_ifindex', 'peer_netns', 'peer_mtu', 'peer_txqueuelen', 'peer_address',
                'peer_numrxqueues', 'peer_numtxqueues', 'peer_addrgenmode', 'peer_policy', 'scrub', 'peer_scrub'):
        assert pair[key] is None, key
    assert pair['peer_addresses'] == []
    # Up, link-local and the offload sizes are the primary's alone (IFLA_LINK 0 is no device's index).
    assert (pair['up'], pair['link_local'], pair['addresses']) == (True, True, ['fe80::20'])
    assert (pair['gso_max_size'], pair['gso_ipv4_max_size'], pair['mtu']) == (65536, 65536, 1500)


def test_a_single_device_reports_what_its_one_end_is():
    kernel = host7(single_device=False, extra=[
        link('nks1', 30, 0, up=False, addrgenmode='none', data=single(), gso_ipv4_max_size=196608)])
    pair = Snapshot(kernel).pair('nks1')
    assert (pair['up'], pair['link_local'], pair['gso_ipv4_max_size']) == (False, False, 196608)


def test_a_single_devices_link_is_not_read_as_a_peer():
    """A device whose index is what a single device reports as IFLA_LINK stays nothing of it."""
    kernel = host7(single_device=False, extra=[link('nks1', 30, 12, data=single()),
                                               link('dummy0', 12, kind='dummy')])
    pair = Snapshot(kernel).pair('nks1')
    assert (pair['peer_name'], pair['peer_ifindex'], pair['up']) == (None, None, True)


def test_a_single_device_is_among_all_pairs_and_its_gso_limit_is_its_own():
    snapshot = Snapshot(host7())
    assert [p['name'] for p in snapshot.all_pairs()] == ['nk0', 'nk1', 'nks0', 'other0']
    kernel = host7()
    for found in kernel._links[None]:
        if found['name'] == 'nks0':
            found['tso_max_size'] = 65536
    snapshot = Snapshot(kernel)
    assert snapshot.tso_max_size(snapshot.pair('nks0')) == 65536
    assert snapshot.tso_max_size(snapshot.pair('nk0')) == 524280
    assert snapshot.tso_max_size() == 65536, 'a new pair: what every netkit device takes'


def test_netkit_attributes_of_a_host_that_reports_pairing():
    assert Snapshot(host7()).netkit_attributes() == {'primary', 'mode', 'policy', 'peer_policy', 'scrub',
                                                     'peer_scrub', 'headroom', 'tailroom', 'pairing'}
    assert 'pairing' not in Snapshot(host(rooms=True)).netkit_attributes()


# ------------------------------------------------------------ link-local state

def end(mode='random', up=True, carrier=True, addresses=(), mtu=1500):
    return {'addrgenmode': mode, 'up': up, 'carrier': carrier, 'mtu': mtu,
            'addresses': [{'address': a, 'prefixlen': 64, 'stable_privacy': sp} for a, sp in addresses]}


@pytest.mark.parametrize('the_end,state', [
    (end(addresses=[('fe80::7c10:f58c:21cb:eb1d', True)]), True),
    (end(up=False), True),
    (end(carrier=False), True),
    (end(up=False, addresses=[('fe80::1', True)]), None),
    (end(addresses=[('fe80::200:ff:fe00:0', False)]), None),
    (end(addresses=[('fe80::1', True), ('fe80::2', False)]), None),
    (end(addresses=[]), None),
    (end(mode='eui64', addresses=[('fe80::200:ff:fe00:0', False)]), None),
    (end(mode='none'), False),
    (end(mode='none', addresses=[('fe80::1', False)]), None),
    # Below 1280 the kernel keeps no IPv6 state for the end: no mode, no address.
    (end(mode=None, mtu=1279), False),
    (end(mode=None, mtu=1280), None),
    (end(mode=None, mtu=None), False),
])
def test_link_local_state(the_end, state):
    assert link_local_state(the_end) is state
