# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts given as data, for test_pair_snapshot.py and test_pair_plan.py (not a test module).

The real Snapshot reads a FakeKernel that returns link and address facts in the shape
link_facts() and Kernel.addresses() decode them, so Snapshot.pair_from_primary() and
netkit_attributes() run as they do on a host. No socket, no netkit, no root.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import PAIR_ARGUMENT_SPEC


class FakeKernel:
    """What Snapshot asks of a Kernel, answered from data: links and addresses per namespace, nsids."""

    def __init__(self, links, addresses=None, netns_ids=None):
        self._links = links
        self._addresses = addresses or {}
        self._netns_ids = netns_ids or {}

    def links(self, netns=None):
        return copy.deepcopy(self._links.get(netns, []))

    def addresses(self, netns=None, consistent=True):
        return copy.deepcopy(self._addresses.get(netns, {}))

    def netns_ids(self):
        return dict(self._netns_ids)


def netkit(primary=True, rooms=False, **settings):
    """IFLA_INFO_DATA as link_facts() decodes it; rooms: the kernel reports headroom and tailroom (6.14+)."""
    facts = {'primary': primary, 'mode': 'l3', 'policy': 'forward', 'peer_policy': 'forward', 'scrub': 'default',
             'peer_scrub': 'default', 'headroom': 0 if rooms else None, 'tailroom': 0 if rooms else None,
             'pairing': None}
    facts.update(settings)
    return facts


def netkit7(primary=True, **settings):
    """IFLA_INFO_DATA of an end of a pair on Linux 7.0+: every attribute, pairing among them (0: a pair)."""
    return netkit(primary=primary, rooms=True, pairing='pair', **settings)


def single(**settings):
    """IFLA_INFO_DATA of a single device (pairing single, Linux 7.0+): no peer policy and no scrub
    attributes; primary, as the collection manages it as the primary of a pair without a peer."""
    facts = netkit(rooms=True, pairing='single', peer_policy=None, scrub=None, peer_scrub=None)
    facts.update(settings)
    return facts


def link(name, index, peer=None, kind='netkit', netnsid=None, mtu=1500, up=True, addrgenmode='random', data=None,
         group=0, address=None, **facts):
    """One link as link_facts() decodes it; facts: other link facts (numrxqueues=8, ...)."""
    found = {'index': index, 'name': name, 'kind': kind, 'up': up, 'carrier': up, 'mtu': mtu, 'link': peer,
             # Linkwatch has acted: up with a carrier (6), or down (2).
             'operstate': 6 if up else 2,
             'link_netnsid': netnsid, 'addrgenmode': addrgenmode, 'group': group, 'address': address,
             # The kernel's defaults for a netkit device (6.12).
             'txqueuelen': 1000, 'gso_max_size': 65536, 'gro_max_size': 65536, 'tso_max_size': 524280,
             'gso_ipv4_max_size': 65536, 'gro_ipv4_max_size': 65536, 'numrxqueues': 1, 'numtxqueues': 1,
             'netkit': (data if data is not None else netkit()) if kind == 'netkit' else None}
    assert set(facts) <= set(found), 'not a link fact: %s' % ', '.join(sorted(set(facts) - set(found)))
    found.update(facts)
    return found


def link_local(address):
    return [{'address': address, 'prefixlen': 64, 'stable_privacy': True}]


def host(rooms=False, extra=()):
    """A host with:
    nk0/nk0p   both ends here, link-local addresses, defaults;
    nk1/nk1p   the peer in network namespace blue (nsid 1), mode l2, blackhole, MTUs 9000 and 4000;
    nk2/nk2p   MTU 1000 on both ends (no IPv6);
    other0     a netkit pair outside the prefix nk; ve0 and nkv, veth devices; lo."""
    data = dict(rooms=rooms)
    links = {
        None: [
            link('lo', 1, kind=None, addrgenmode='eui64'),
            link('nk0', 5, 4, data=netkit(**data)), link('nk0p', 4, 5, data=netkit(primary=False, **data)),
            link('nk1', 7, 3, netnsid=1, mtu=9000, data=netkit(mode='l2', policy='blackhole', **data)),
            link('nk2', 9, 8, mtu=1000, addrgenmode=None, data=netkit(**data)),
            link('nk2p', 8, 9, mtu=1000, addrgenmode=None, data=netkit(primary=False, **data)),
            link('other0', 11, 10, data=netkit(**data)), link('other0p', 10, 11, data=netkit(primary=False, **data)),
            link('ve0', 12, 13, kind='veth'), link('ve0p', 13, 12, kind='veth'), link('nkv', 14, 15, kind='veth'),
        ] + list(extra),
        'blue': [link('nk1p', 3, 7, netnsid=0, mtu=4000, data=netkit(primary=False, mode='l2', **data))],
    }
    addresses = {None: {5: link_local('fe80::5'), 4: link_local('fe80::4'), 11: link_local('fe80::11'),
                        10: link_local('fe80::10')},
                 'blue': {3: link_local('fe80::3')}}
    return FakeKernel(links, addresses, {1: 'blue'})


# The MACs of host7()'s l2 pair nk1 (locally administered, as Cilium sets them).
NK1_MAC, NK1P_MAC = '02:5e:10:00:00:01', '02:5e:10:00:00:02'


def host7(extra=(), single_device=True):
    """A Linux 7.x host, whose netkit devices report pairing (and headroom and tailroom), with:
    nk0/nk0p   both ends here, link-local addresses, defaults;
    nk1/nk1p   the peer in network namespace blue (nsid 1), mode l2 with MACs NK1_MAC and NK1P_MAC,
               blackhole, peer scrub none, MTUs 9000 and 4000;
    nks0       (single_device) a single device: IFLA_LINK 0, 8 RX queues, a link-local address;
    other0     a netkit pair outside the prefix nk; lo."""
    links = {
        None: [
            link('lo', 1, kind=None, addrgenmode='eui64'),
            link('nk0', 5, 4, data=netkit7()), link('nk0p', 4, 5, data=netkit7(primary=False)),
            link('nk1', 7, 3, netnsid=1, mtu=9000, address=NK1_MAC,
                 data=netkit7(mode='l2', policy='blackhole', peer_scrub='none')),
            link('other0', 11, 10, data=netkit7()), link('other0p', 10, 11, data=netkit7(primary=False)),
        ] + ([link('nks0', 20, 0, data=single(), numrxqueues=8)] if single_device else []) + list(extra),
        'blue': [link('nk1p', 3, 7, netnsid=0, mtu=4000, address=NK1P_MAC,
                      data=netkit7(primary=False, mode='l2', policy='forward', peer_policy='blackhole',
                                   scrub='none', peer_scrub='default'))],
    }
    addresses = {None: {5: link_local('fe80::5'), 4: link_local('fe80::4'), 11: link_local('fe80::11'),
                        10: link_local('fe80::10'), 20: link_local('fe80::20')},
                 'blue': {3: link_local('fe80::3')}}
    return FakeKernel(links, addresses, {1: 'blue'})


def entry(**values):
    """One entry of netkit_pairs' list as Ansible hands it over: every option, defaults filled in."""
    params = dict((key, spec.get('default')) for key, spec in PAIR_ARGUMENT_SPEC.items())
    params.update(values)
    return params
