# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pair's parameters: the argument spec of netkit_pair (and of each netkit_pairs
entry), and their validation into the desired pair. Private to this collection.

Changes when an option is added or its rules change. Nothing here reads the kernel.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError

IFNAMSIZ = 16
# '/', ':', '%', whitespace (as str.isspace() has it) and control characters.
NOT_IN_IFNAME = re.compile(r'[/:%\s\x00-\x1f\x7f]')
# IPv6 needs this MTU (RFC 8200); below it the kernel drops a device's IPv6 state.
IPV6_MIN_MTU = 1280
# Keys of the pair dict that a user can ask for, in the order diffs show them.
SETTINGS = ('pairing', 'peer_name', 'peer_netns', 'mode', 'scrub', 'peer_scrub', 'headroom', 'tailroom',
            'numrxqueues', 'peer_numrxqueues', 'numtxqueues', 'peer_numtxqueues', 'policy', 'peer_policy',
            'address', 'peer_address', 'mtu', 'peer_mtu', 'txqueuelen', 'peer_txqueuelen',
            'gso_max_size', 'gro_max_size', 'gso_ipv4_max_size', 'gro_ipv4_max_size', 'up', 'link_local')
TXQUEUELEN = ('txqueuelen', 'peer_txqueuelen')
# Settings of both ends at once (as Cilium sets them for BIG TCP).
OFFLOAD_SIZES = ('gso_max_size', 'gro_max_size', 'gso_ipv4_max_size', 'gro_ipv4_max_size')
GSO_SIZES = ('gso_max_size', 'gso_ipv4_max_size')
# Each offload size and its IPv4 counterpart, which the kernel sets along with it up to
# OFFLOAD_LEGACY_MAX_SIZE (its GSO_LEGACY_MAX_SIZE).
IPV4_OFFLOAD_SIZES = (('gso_max_size', 'gso_ipv4_max_size'), ('gro_max_size', 'gro_ipv4_max_size'))
OFFLOAD_LEGACY_MAX_SIZE = 65536
# The kernel's GSO_MAX_SIZE and GRO_MAX_SIZE (8 * 65535): no device takes more.
OFFLOAD_MAX_SIZE = 524280
# Queue counts, fixed when the kernel creates a device.
QUEUES = ('numrxqueues', 'peer_numrxqueues', 'numtxqueues', 'peer_numtxqueues')
# The kernel's limit on a device's queues (rtnl_create_link).
MAX_QUEUES = 4096
MAC_ADDRESSES = ('address', 'peer_address')
# {setting: (least, most, what an error says)} of the settings that are numbers, in the order they are checked.
NUMBER_LIMITS = dict(
    [(key, (68, 65535, '%(key)s %(value)d is out of range: netkit takes 68 to 65535')) for key in ('mtu', 'peer_mtu')]
    + [(key, (0, 65535, '%(key)s must be 0 to 65535 bytes')) for key in ('headroom', 'tailroom')]
    + [(key, (0, 0xffffffff, '%(key)s %(value)d is out of range: 0 to 4294967295 packets')) for key in TXQUEUELEN]
    + [(key, (1, OFFLOAD_MAX_SIZE, '%%(key)s %%(value)d is out of range: 1 to %d bytes (the kernel takes no more)'
              % OFFLOAD_MAX_SIZE)) for key in OFFLOAD_SIZES]
    + [(key, (1, MAX_QUEUES, '%%(key)s %%(value)d is out of range: 1 to %d queues' % MAX_QUEUES)) for key in QUEUES])
MAC_ADDRESS = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')
# What a single device (pairing single, Linux 7.0+) has none of.
PEER_SETTINGS = ('peer_name', 'peer_netns', 'scrub', 'peer_scrub', 'peer_policy', 'peer_numrxqueues',
                 'peer_numtxqueues', 'peer_address', 'peer_mtu', 'peer_txqueuelen')

PAIR_ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    peer_name=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    pairing=dict(type='str', choices=['pair', 'single']),
    mode=dict(type='str', choices=['l2', 'l3']),
    scrub=dict(type='str', choices=['default', 'none']),
    peer_scrub=dict(type='str', choices=['default', 'none']),
    headroom=dict(type='int'),
    tailroom=dict(type='int'),
    numrxqueues=dict(type='int'),
    peer_numrxqueues=dict(type='int'),
    numtxqueues=dict(type='int'),
    peer_numtxqueues=dict(type='int'),
    policy=dict(type='str', choices=['forward', 'blackhole']),
    peer_policy=dict(type='str', choices=['forward', 'blackhole']),
    address=dict(type='str'),
    peer_address=dict(type='str'),
    mtu=dict(type='int'),
    peer_mtu=dict(type='int'),
    txqueuelen=dict(type='int'),
    peer_txqueuelen=dict(type='int'),
    gso_max_size=dict(type='int'),
    gro_max_size=dict(type='int'),
    gso_ipv4_max_size=dict(type='int'),
    gro_ipv4_max_size=dict(type='int'),
    up=dict(type='bool', default=True),
    peer_netns=dict(type='str'),
    link_local=dict(type='bool'),
    recreate=dict(type='bool', default=False),
)


def check_ifname(param, value):
    """Raise unless value names exactly one interface: what the kernel's dev_valid_name
    accepts, without '%' (the kernel would expand it to a number: nk%d makes nk0, which
    no later run could find) and without control characters (a NUL would cut it short)."""
    if not value:
        raise NetkitError('%s must not be empty' % param)
    encoded = utf8(param, value)
    if len(encoded) >= IFNAMSIZ:
        raise NetkitError('%s %r is %d bytes long; interface names have at most %d bytes'
                          % (param, value, len(encoded), IFNAMSIZ - 1))
    # The kernel's isspace() also takes the byte 0xa0 (in the UTF-8 of a, S, G with accents) for a space.
    if value in ('.', '..') or NOT_IN_IFNAME.search(value) or b'\xa0' in encoded:
        raise NetkitError("%s %r is not a valid interface name (no '/', ':', '%%', whitespace, control "
                          "characters, '.' or '..')" % (param, value))


def utf8(param, value):
    try:
        return value.encode('utf-8')
    except UnicodeError:
        raise NetkitError('%s %r is not valid UTF-8' % (param, value))


def check_netns_name(name):
    if (not name or '/' in name or name in ('.', '..') or len(utf8('peer_netns', name)) > 255
            or any(ord(c) < 32 or ord(c) == 127 for c in name)):
        raise NetkitError('peer_netns %r is not a network namespace name (as in `ip netns list`: no '
                          "'/', control characters, '.' or '..')" % name)


def default_peer_name(name):
    """The peer's default name, name + 'p', as veth pairs are often named."""
    peer = name + 'p'
    if len(peer.encode('utf-8')) >= IFNAMSIZ:
        raise NetkitError('peer_name defaults to name + "p" = %r, which is longer than %d bytes; '
                          'shorten name to at most %d bytes or set peer_name'
                          % (peer, IFNAMSIZ - 1, IFNAMSIZ - 2))
    return peer


def desired_pair(params):
    """The settings a task asks for, validated; None means "leave as it is"."""
    check_ifname('name', params['name'])
    wanted = {key: params.get(key) for key in SETTINGS}
    wanted['name'] = params['name']
    if is_single(wanted):
        check_single(wanted)
    # Deleting needs the primary only; a 15-byte name has no room for the default peer name.
    if wanted['peer_name'] is None and params.get('state') != 'absent' and not is_single(wanted):
        wanted['peer_name'] = default_peer_name(params['name'])
    if wanted['peer_name'] is not None:
        check_ifname('peer_name', wanted['peer_name'])
    if wanted['peer_name'] == wanted['name'] and not wanted['peer_netns']:
        raise NetkitError('peer_name must differ from name when both ends are in one namespace')
    if wanted['peer_netns'] is not None:
        check_netns_name(wanted['peer_netns'])
    for key in NUMBER_LIMITS:
        least, most, message = NUMBER_LIMITS[key]
        if wanted[key] is not None and not least <= wanted[key] <= most:
            raise NetkitError(message % {'key': key, 'value': wanted[key]})
    for key in MAC_ADDRESSES:
        if wanted[key] is not None:
            wanted[key] = mac_address(key, wanted[key])
    if None not in (wanted['address'], wanted['peer_address']) and wanted['address'] == wanted['peer_address']:
        raise NetkitError('address and peer_address are both %s; the two ends of a pair need different MACs'
                          % wanted['address'])
    check_link_local_mtu(wanted, wanted)
    return wanted


def is_single(settings):
    """Whether settings (a pair dict, wanted or read, or a device's netkit facts) are a single device's."""
    return settings.get('pairing') == 'single'


def check_single(wanted):
    """A single device has no peer, no scrub and forwards: refuse what says otherwise."""
    refused = [key for key in PEER_SETTINGS if wanted.get(key) is not None]
    if refused:
        raise NetkitError('pairing single makes one device without a peer; drop %s (they need a pair)'
                          % ', '.join(refused))
    if wanted.get('policy') not in (None, 'forward'):
        raise NetkitError('policy %s: a single device only forwards (the kernel takes no other policy for it); '
                          'drop policy or use pairing pair' % wanted['policy'])


def mac_address(param, value):
    """A unicast MAC as the kernel reports it (lower case, colons); raise on anything else."""
    address = value.strip().lower().replace('-', ':')
    if address.isdigit():
        raise NetkitError('%s %r is a number, not a MAC address: YAML reads an unquoted MAC of decimal digits '
                          "(such as 52:54:00:12:34:56) as a number; quote it ('52:54:00:12:34:56')" % (param, value))
    if not MAC_ADDRESS.match(address):
        raise NetkitError('%s %r is not a MAC address (six bytes in hex, such as 02:00:5e:10:00:01)' % (param, value))
    first = int(address[:2], 16)
    if first & 1 or address == '00:00:00:00:00:00':
        raise NetkitError('%s %s is a %s address; an end needs a unicast MAC (an even first byte, not all zero): '
                          'for example a locally administered one, 02:xx:xx:xx:xx:xx'
                          % (param, address, 'multicast' if first & 1 else 'zero'))
    return address


def check_address_mode(wanted, mode):
    """MACs belong to L2 ends: in L3 mode the kernel refuses them (EOPNOTSUPP)."""
    asked = [key for key in MAC_ADDRESSES if wanted.get(key) is not None]
    if asked and mode != 'l2':
        raise NetkitError('%s: netkit devices have MAC addresses in mode l2 only, and this device is %s; '
                          'set mode: l2 (with recreate: true for an existing device) or drop %s'
                          % (', '.join(asked), mode, ' and '.join(asked)))


def end_settings(pair, peer):
    """One end's link settings in a pair dict (wanted, or read), keyed as link_facts() keys them."""
    prefix = 'peer_' if peer else ''
    settings = dict((key, pair.get(prefix + key)) for key in ('address', 'mtu', 'txqueuelen'))
    settings.update((key, pair.get(key)) for key in OFFLOAD_SIZES)
    return settings


def has_no_ipv6(mtu):
    return mtu is not None and mtu < IPV6_MIN_MTU


def check_link_local_mtu(wanted, pair):
    """IPv6 link-local addresses need an MTU of 1280 or more on both ends."""
    if not wanted.get('link_local'):
        return
    for key in ('mtu', 'peer_mtu'):
        mtu = wanted.get(key) if wanted.get(key) is not None else pair.get(key)
        if has_no_ipv6(mtu):
            raise NetkitError('link_local needs an MTU of at least %d on both ends (IPv6), and %s is %d: '
                              'raise %s or drop link_local' % (IPV6_MIN_MTU, key, mtu, key))
