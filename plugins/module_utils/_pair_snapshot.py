# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's netkit pairs as the collection reports them, read from one snapshot of the
kernel. Private to this collection.

Changes when what a pair reports changes (its keys, link_local's meaning). One link dump
and one address dump per namespace, read when first needed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import KIND, SETTING_ATTRIBUTES, reported
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import IPV6_MIN_MTU, OFFLOAD_SIZES, is_single

# Link facts each end of a pair has of its own: the pair reports them as KEY and peer_KEY.
END_FACTS = ('address', 'mtu', 'txqueuelen', 'numrxqueues', 'numtxqueues')


def link_local_state(end):
    """True when an end has one kernel-made random link-local address (or will get it
    on up), False when it has none and will not get one, None for anything else."""
    addresses = end['addresses']
    if end['addrgenmode'] is None and not addresses and (end.get('mtu') or 0) < IPV6_MIN_MTU:
        # Below IPv6's minimum MTU the kernel keeps no IPv6 state for the end at all.
        return False
    if end['addrgenmode'] == 'random':
        if not end['up'] or not end['carrier']:
            return True if not addresses else None
        if len(addresses) == 1 and addresses[0]['stable_privacy']:
            return True
        return None
    if end['addrgenmode'] == 'none' and not addresses:
        return False
    return None


class Snapshot:
    """One dump of links and addresses per namespace, read on demand."""

    def __init__(self, kernel):
        self.kernel = kernel
        self._links = {}
        self._by_index = {}
        self._addresses = {}
        self._netns_ids = None

    def links(self, netns=None):
        if netns not in self._links:
            links = self.kernel.links(netns)
            self._links[netns] = dict((link['name'], link) for link in links)
            self._by_index[netns] = dict((link['index'], link) for link in links)
        return self._links[netns]

    def link_by_index(self, netns, index):
        self.links(netns)
        return self._by_index[netns].get(index)

    def addresses(self, netns, index):
        if netns not in self._addresses:
            self._addresses[netns] = self.kernel.addresses(netns)
        return self._addresses[netns].get(index, [])

    def without_addresses(self):
        """This snapshot, its address dumps forgotten (to read them again after a wait)."""
        self._addresses = {}
        return self

    def netns_name(self, nsid):
        if self._netns_ids is None:
            self._netns_ids = self.kernel.netns_ids()
        return self._netns_ids.get(nsid)

    def pair(self, name):
        """The pair whose primary is name, None when no device has that name.

        Raises NetkitError when name belongs to something this collection does not own.
        """
        link = self.links().get(name)
        if link is None:
            return None
        if link['kind'] != KIND:
            raise NetkitError('a %s device named %s already exists and is not a netkit pair; this task '
                              'leaves it alone: remove it or choose another name'
                              % (link['kind'] or 'non-netkit', name))
        if not link['netkit']['primary']:
            raise NetkitError('%s is the peer end of a netkit pair; name must be the primary (the end '
                              'created first)' % name)
        return self.pair_from_primary(link)

    def pair_from_primary(self, link):
        single = is_single(link['netkit'])
        peer_netns, peer = (None, None) if single else self.peer_of(link)
        primary_end = self.end(None, link)
        peer_end = self.end(peer_netns, peer) if peer else None
        pair = dict((key, reported(link['netkit'], key)) for key in SETTING_ATTRIBUTES)
        pair.update({
            'name': link['name'], 'ifindex': link['index'],
            'peer_name': peer['name'] if peer else None, 'peer_ifindex': None if single else link['link'],
            'peer_netns': peer_netns,
            # Both up, both down, or (null) one of each.
            'up': link['up'] if single or (peer and peer['up'] == link['up']) else None,
            'addrgenmode': link['addrgenmode'], 'peer_addrgenmode': peer['addrgenmode'] if peer else None,
            'addresses': [a['address'] for a in primary_end['addresses']],
            'peer_addresses': [a['address'] for a in peer_end['addresses']] if peer_end else [],
        })
        for key in END_FACTS:
            pair[key] = link[key]
            pair['peer_' + key] = peer[key] if peer else None
        for key in OFFLOAD_SIZES:
            # One setting for both ends: null when they differ.
            pair[key] = link[key] if single or (peer and peer[key] == link[key]) else None
        states = set([link_local_state(primary_end)] + ([link_local_state(peer_end) if peer_end else None]
                                                        if not single else []))
        pair['link_local'] = states.pop() if len(states) == 1 else None
        return pair

    def peer_of(self, primary):
        """(the peer's namespace, the peer's link) of a pair's primary: None for the host
        namespace; a namespace with no name here reads as 'nsid:N', its peer as None."""
        if primary['link_netnsid'] is None:
            return None, self.link_by_index(None, primary['link'])
        netns = self.netns_name(primary['link_netnsid'])
        if netns is None:
            return 'nsid:%d' % primary['link_netnsid'], None
        return netns, self.link_by_index(netns, primary['link'])

    def end_links(self, names):
        """(namespace, link) of each end of the pairs whose primaries are names: a name that
        is no netkit primary has none, nor has a peer in a namespace with no name here."""
        for name in names:
            primary = self.links().get(name)
            if primary is None or primary['kind'] != KIND or not primary['netkit']['primary']:
                continue
            yield None, primary
            if not is_single(primary['netkit']):
                netns, peer = self.peer_of(primary)
                if peer is not None:
                    yield netns, peer

    def end(self, netns, link):
        return {'netns': netns, 'index': link['index'], 'up': link['up'], 'carrier': link['carrier'],
                'mtu': link['mtu'],
                'addrgenmode': link['addrgenmode'], 'addresses': self.addresses(netns, link['index'])}

    def netkit_attributes(self):
        """The netkit settings this kernel reports (it reports every one it knows), read from
        any netkit device of a pair in the host namespace (a single device has no peer
        settings to report); None when there is none to read."""
        for link in self.links().values():
            if link['kind'] == KIND and not is_single(link['netkit']):
                return set(key for key, value in link['netkit'].items() if value is not None)
        return None

    def tso_max_size(self, pair=None):
        """The largest GSO size the ends of pair take (tso_max_size), or, without a pair, what
        any netkit device of the host namespace takes (the same for all on a kernel); None
        when nothing tells."""
        if pair is None:
            sizes = [link['tso_max_size'] for link in self.links().values() if link['kind'] == KIND]
        else:
            ends = [self.link_by_index(None, pair['ifindex'])]
            if pair['peer_ifindex'] is not None:
                ends.append(self.link_by_index(pair['peer_netns'], pair['peer_ifindex']))
            sizes = [end['tso_max_size'] for end in ends if end is not None]
        sizes = [size for size in sizes if size is not None]
        return min(sizes) if sizes else None

    def all_pairs(self):
        return [self.pair_from_primary(link) for link in sorted(self.links().values(), key=lambda link: link['name'])
                if link['kind'] == KIND and link['netkit']['primary']]
