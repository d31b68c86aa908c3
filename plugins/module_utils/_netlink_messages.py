# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rtnetlink messages of this collection: the requests it sends, and the facts it
reads from the kernel's replies. Private to this collection.

Changes when a request or the facts read change. Every request is built by pyroute2's
own message classes (ifinfmsg with the netkit kind taught, ifaddrmsg, nsidmsg). Replies
are decoded here instead, reading only the attributes used and skipping the rest by
length: pyroute2's decoder measured about 100 times slower than the kernel's reply for
2,000 links (45-75 s against 0.5 s under TCG). The attribute ids and struct layouts the
decoder uses are pyroute2's, and NETKIT_ATTRIBUTES's for netkit's own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct
import sys

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import (
    IMPLIED_SETTINGS, KIND, NETKIT_ATTRIBUTES, SETTING_ATTRIBUTES, decode_value, encode_value, nla_name,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import end_settings, is_single
from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import HAS_PYROUTE2, attribute_ids, struct_format

if HAS_PYROUTE2:
    from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import (
        IFA_F_STABLE_PRIVACY, IFF_UP, NLM_F_CREATE, NLM_F_DUMP, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REQUEST, RTM_DELADDR,
        RTM_DELLINK, RTM_GETADDR, RTM_GETLINK, RTM_GETNSID, RTM_NEWLINK, ifaddrmsg, ifinfmsg, nlmsg, nsidmsg,
    )

    IFLA = attribute_ids(ifinfmsg)
    IFLA_INFO = attribute_ids(ifinfmsg.ifinfo)
    AF_SPEC_AF_INET6 = attribute_ids(ifinfmsg.af_spec_inet)['AF_INET6']
    IFLA_INET6_ADDR_GEN_MODE = attribute_ids(ifinfmsg.af_spec_inet.inet6)['IFLA_INET6_ADDR_GEN_MODE']
    IFA = attribute_ids(ifaddrmsg)
    IFA_ADDRESS, IFA_FLAGS = IFA['IFA_ADDRESS'], IFA['IFA_FLAGS']
    NETNSA_NSID = attribute_ids(nsidmsg)['NETNSA_NSID']
    NLMSG_HEADER = struct.Struct(struct_format(nlmsg.header))
    IFINFOMSG = struct.Struct(struct_format(ifinfmsg.fields))
    IFADDRMSG = struct.Struct(struct_format(ifaddrmsg.fields))
    RTGENMSG = struct.Struct(struct_format(nsidmsg.fields))
    # The link attributes link_facts() reads (the rest of a message is skipped), as constants:
    # link_facts() runs for every link of every dump.
    (IFLA_IFNAME, IFLA_ADDRESS, IFLA_MTU, IFLA_LINK, IFLA_LINKINFO, IFLA_AF_SPEC, IFLA_CARRIER, IFLA_LINK_NETNSID,
     IFLA_GROUP) = LINK_ATTR_IDS = tuple(IFLA[name] for name in (
         'IFLA_IFNAME', 'IFLA_ADDRESS', 'IFLA_MTU', 'IFLA_LINK', 'IFLA_LINKINFO', 'IFLA_AF_SPEC', 'IFLA_CARRIER',
         'IFLA_LINK_NETNSID', 'IFLA_GROUP'))
    # Link facts that are one u32 each: {fact: attribute id}.
    LINK_U32 = dict((fact, IFLA[name]) for fact, name in (
        ('txqueuelen', 'IFLA_TXQLEN'), ('gso_max_size', 'IFLA_GSO_MAX_SIZE'),
        ('gro_max_size', 'IFLA_GRO_MAX_SIZE'), ('tso_max_size', 'IFLA_TSO_MAX_SIZE'),
        ('gso_ipv4_max_size', 'IFLA_GSO_IPV4_MAX_SIZE'), ('gro_ipv4_max_size', 'IFLA_GRO_IPV4_MAX_SIZE'),
        ('numrxqueues', 'IFLA_NUM_RX_QUEUES'), ('numtxqueues', 'IFLA_NUM_TX_QUEUES')))
    LINK_ATTRS = frozenset(LINK_ATTR_IDS + tuple(LINK_U32.values()))
    GROUP_ONLY = (IFLA_GROUP,)
    IFLA_INFO_KIND, IFLA_INFO_DATA = IFLA_INFO['IFLA_INFO_KIND'], IFLA_INFO['IFLA_INFO_DATA']
    AF_INET6_ONLY = (AF_SPEC_AF_INET6,)
    ADDR_GEN_MODE_ONLY = (IFLA_INET6_ADDR_GEN_MODE,)

NETKIT_IDS = dict((attr.key, attr.id) for attr in NETKIT_ATTRIBUTES)
SETTING_IDS = tuple((key, NETKIT_IDS[key]) for key in SETTING_ATTRIBUTES)
ADDR_GEN_MODES = {'eui64': 0, 'none': 1, 'stable_secret': 2, 'random': 3}
ADDR_GEN_MODE_NAMES = dict((number, name) for name, number in ADDR_GEN_MODES.items())
# IFLA_EXT_MASK: no statistics in link dumps (they are most of each message).
RTEXT_FILTER_SKIP_STATS = 1 << 3
ATTR_HEADER = struct.Struct('=HH')


class Request:
    """One netlink request: its type, its flags and a function that builds its pyroute2
    message afresh (a pyroute2 message encodes once)."""

    def __init__(self, msg_type, flags, build):
        self.type = msg_type
        self.flags = flags
        self.build = build

    def encode(self, seq, flags=0):
        msg = self.build()
        msg['header']['type'] = self.type
        msg['header']['flags'] = self.flags | flags
        msg['header']['sequence_number'] = seq
        msg.encode()
        return msg.data


# Where a request's sequence number and its ifinfomsg's ifi_index lie in the encoded message
# (struct nlmsghdr: len u32, type u16, flags u16, seq u32; struct ifinfomsg: family u8, pad u8, type u16, index s32).
SEQ_AT = struct.Struct('=I'), 8
IFINDEX_AT = struct.Struct('=i'), 16 + 4


class DeviceRequest(Request):
    """A request about the device index whose message differs from device to device only in
    the index: pyroute2 encodes it once per type, flags and attributes, and each device's
    request is a copy with its index and sequence number put in. Encoding the same message
    afresh for each of 1,000 pairs is a tenth of deleting them as a group."""

    ENCODED = {}

    def __init__(self, msg_type, index, attrs=()):
        frozen = tuple(tuple(attr) for attr in attrs)
        Request.__init__(self, msg_type, 0, lambda: _link(index=index, attrs=[list(attr) for attr in frozen]))
        self.index = index
        self.key = (msg_type, frozen)

    def encode(self, seq, flags=0):
        key = self.key + (self.flags | flags,)
        template = DeviceRequest.ENCODED.get(key)
        if template is None:
            template = DeviceRequest.ENCODED[key] = Request.encode(self, seq, flags)
        data = bytearray(template)
        for (field, offset), value in ((SEQ_AT, seq), (IFINDEX_AT, self.index)):
            field.pack_into(data, offset, value)
        return bytes(data)


def _link(index=0, flags=0, change=0, attrs=()):
    msg = ifinfmsg()
    msg['family'] = socket.AF_UNSPEC
    msg['index'] = index
    msg['flags'] = flags
    msg['change'] = change
    msg['attrs'] = list(attrs)
    return msg


def _device(device):
    """The index of a device given by ifindex, or the IFLA_IFNAME attribute of one given by name."""
    if isinstance(device, int):
        return {'index': device}
    return {'attrs': [['IFLA_IFNAME', device]]}


def _with_attrs(device, attrs):
    fields = _device(device)
    fields['attrs'] = fields.get('attrs', []) + attrs
    return fields


# ---------------------------------------------------------------- requests

# An end's link settings (see end_settings()) and the attribute that carries each.
END_ATTRS = (('address', 'IFLA_ADDRESS'), ('mtu', 'IFLA_MTU'), ('txqueuelen', 'IFLA_TXQLEN'),
             ('gso_max_size', 'IFLA_GSO_MAX_SIZE'), ('gro_max_size', 'IFLA_GRO_MAX_SIZE'),
             ('gso_ipv4_max_size', 'IFLA_GSO_IPV4_MAX_SIZE'), ('gro_ipv4_max_size', 'IFLA_GRO_IPV4_MAX_SIZE'))
# An end's queue counts, which only its creation sets, and their attributes.
QUEUE_ATTRS = (('numrxqueues', 'IFLA_NUM_RX_QUEUES'), ('numtxqueues', 'IFLA_NUM_TX_QUEUES'))


def end_attrs(settings, table=END_ATTRS):
    """The link attributes of an end's settings ({'mtu': 1500, ...}; None leaves one out)."""
    return [[name, settings[key]] for key, name in table if settings.get(key) is not None]


def new_end_attrs(wanted, peer):
    """The link attributes that create one end of wanted: its settings and its queue counts."""
    prefix = 'peer_' if peer else ''
    queues = dict((key, wanted.get(prefix + key)) for key, _name in QUEUE_ATTRS)
    return end_attrs(end_settings(wanted, peer)) + end_attrs(queues, QUEUE_ATTRS)


def create_request(wanted, netns_fd=None):
    """RTM_NEWLINK that creates a pair (or a single device), its ends down, and echoes the new primary."""
    def build():
        data = []
        if not is_single(wanted):
            peer = [['IFLA_IFNAME', wanted['peer_name']]] + new_end_attrs(wanted, peer=True)
            if netns_fd is not None:
                peer.append(['IFLA_NET_NS_FD', netns_fd])
            data.append(['IFLA_NETKIT_PEER_INFO', {'attrs': peer}])
        # A pair is what every kernel makes unasked: the attribute is sent for a single device only.
        settings = [attr for attr in NETKIT_ATTRIBUTES if attr.key in SETTING_ATTRIBUTES
                    and wanted.get(attr.key) not in (None, IMPLIED_SETTINGS.get(attr.key))]
        data.extend([nla_name(attr), encode_value(attr.key, wanted[attr.key])] for attr in settings)
        attrs = [['IFLA_IFNAME', wanted['name']]] + new_end_attrs(wanted, peer=False)
        attrs.append(['IFLA_LINKINFO', {'attrs': [['IFLA_INFO_KIND', KIND], ['IFLA_INFO_DATA', {'attrs': data}]]}])
        return _link(attrs=attrs)
    return Request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, build)


def addrgenmode_request(device, mode):
    """RTM_NEWLINK that sets the IPv6 address generation mode of a device (ifindex or name)."""
    attrs = [['IFLA_AF_SPEC', {'attrs': [['AF_INET6', {'attrs': [['IFLA_INET6_ADDR_GEN_MODE', ADDR_GEN_MODES[mode]]]}]]}]]
    return Request(RTM_NEWLINK, 0, lambda: _link(**_with_attrs(device, attrs)))


def up_request(device, up=True):
    """RTM_NEWLINK that brings a device (ifindex or name) up, or down."""
    return Request(RTM_NEWLINK, 0, lambda: _link(flags=IFF_UP if up else 0, change=IFF_UP, **_device(device)))


def settings_request(index, attrs):
    """RTM_NEWLINK that sets link attributes ([[IFLA_* name, value]]) of the device index."""
    return Request(RTM_NEWLINK, 0, lambda: _link(index=index, attrs=[list(attr) for attr in attrs]))


def netns_request(index, netns_fd):
    """RTM_NEWLINK that moves the device index into the network namespace of netns_fd."""
    return Request(RTM_NEWLINK, 0, lambda: _link(index=index, attrs=[['IFLA_NET_NS_FD', netns_fd]]))


def policy_request(index, policies):
    """RTM_NEWLINK that sets the policies ({'policy' or 'peer_policy': value}) of the primary index."""
    def build():
        data = [[nla_name(SETTING_ATTRIBUTES[key]), encode_value(key, value)] for key, value in sorted(policies.items())]
        return _link(index=index, attrs=[['IFLA_LINKINFO', {'attrs': [['IFLA_INFO_KIND', KIND],
                                                                      ['IFLA_INFO_DATA', {'attrs': data}]]}]])
    return Request(RTM_NEWLINK, 0, build)


def delete_request(index):
    """RTM_DELLINK of the device index (never by name: a name can change hands meanwhile)."""
    return DeviceRequest(RTM_DELLINK, index)


def group_request(index, group):
    """RTM_NEWLINK that puts the device index into the device group group."""
    return DeviceRequest(RTM_NEWLINK, index, [['IFLA_GROUP', group]])


def group_delete_request(group):
    """RTM_DELLINK of every device in the group: the kernel unregisters them together, with one
    wait for the RCU grace period instead of one per device."""
    return Request(RTM_DELLINK, 0, lambda: _link(attrs=[['IFLA_GROUP', group]]))


def delete_address_request(index, address):
    def build():
        msg = ifaddrmsg()
        msg['family'] = socket.AF_INET6
        msg['prefixlen'] = address['prefixlen']
        msg['index'] = index
        msg['attrs'] = [['IFA_ADDRESS', address['address']]]
        return msg
    return Request(RTM_DELADDR, 0, build)


def links_request(name=None):
    """RTM_GETLINK: a dump of every link, or the link called name."""
    attrs = [['IFLA_EXT_MASK', RTEXT_FILTER_SKIP_STATS]]
    if name is not None:
        attrs.insert(0, ['IFLA_IFNAME', name])
    return Request(RTM_GETLINK, NLM_F_REQUEST | (NLM_F_DUMP if name is None else 0), lambda: _link(attrs=attrs))


def addresses_request():
    """RTM_GETADDR: a dump of the IPv6 addresses of a namespace."""
    def build():
        msg = ifaddrmsg()
        msg['family'] = socket.AF_INET6
        return msg
    return Request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, build)


def nsid_request(netns_fd):
    """RTM_GETNSID: the id this namespace has for the namespace of netns_fd."""
    def build():
        msg = nsidmsg()
        msg['attrs'] = [['NETNSA_FD', netns_fd]]
        return msg
    return Request(RTM_GETNSID, NLM_F_REQUEST, build)


# ---------------------------------------------------------------- replies

def attributes(data, offset=0, wanted=None):
    """{type: payload} of the netlink attributes in data from offset on (only the wanted types)."""
    found = {}
    end = len(data)
    unpack = ATTR_HEADER.unpack_from
    while offset + 4 <= end:
        length, kind = unpack(data, offset)
        if length < 4:
            break
        kind &= 0x3fff
        if wanted is None or kind in wanted:
            found[kind] = data[offset + 4:offset + length]
        offset += (length + 3) & ~3
    return found


def messages(data):
    """(type, flags, seq, payload) of each netlink message in one datagram."""
    offset = 0
    while offset + NLMSG_HEADER.size <= len(data):
        length, kind, flags, seq, _pid = NLMSG_HEADER.unpack_from(data, offset)
        if length < NLMSG_HEADER.size:
            raise NetkitError('malformed netlink reply (message length %d)' % length)
        yield kind, flags, seq, data[offset + NLMSG_HEADER.size:offset + length]
        offset += (length + 3) & ~3


def error_code(payload):
    """The errno of an NLMSG_ERROR payload (0 for an acknowledgement)."""
    return -struct.unpack_from('=i', payload)[0]


def _uint(payload, default=None):
    if payload is None:
        return default
    return int.from_bytes(payload, sys.byteorder)


def _int32(payload):
    return struct.unpack('=i', payload)[0] if payload is not None else None


def _mac(payload):
    """A MAC as 'aa:bb:...'; None for none, or for all zeros (what an L3 device reports)."""
    if not payload or not any(bytearray(payload)):
        return None
    return ':'.join('%02x' % byte for byte in bytearray(payload))


def _string(payload):
    return payload.split(b'\0', 1)[0].decode('utf-8', 'replace') if payload is not None else None


def link_facts(payload):
    """The facts this collection uses from one RTM_NEWLINK message (without its nlmsghdr)."""
    _family, _type, index, flags, _change = IFINFOMSG.unpack_from(payload)
    attrs = attributes(payload, IFINFOMSG.size, LINK_ATTRS)
    get = attrs.get
    info = attributes(get(IFLA_LINKINFO, b''))
    kind = _string(info.get(IFLA_INFO_KIND))
    netnsid = get(IFLA_LINK_NETNSID)
    inet6 = attributes(attributes(get(IFLA_AF_SPEC, b''), 0, AF_INET6_ONLY).get(AF_SPEC_AF_INET6, b''), 0,
                       ADDR_GEN_MODE_ONLY)
    gen_mode = inet6.get(IFLA_INET6_ADDR_GEN_MODE)
    facts = {
        'index': index,
        'name': _string(get(IFLA_IFNAME)),
        'address': _mac(get(IFLA_ADDRESS)),
        'kind': kind,
        'up': bool(flags & IFF_UP),
        'carrier': bool(_uint(get(IFLA_CARRIER), 0)),
        'mtu': _uint(get(IFLA_MTU)),
        'link': _uint(get(IFLA_LINK)),
        'link_netnsid': _int32(netnsid) if netnsid is not None else None,
        'group': _uint(get(IFLA_GROUP), 0),
        'addrgenmode': None if gen_mode is None else ADDR_GEN_MODE_NAMES.get(_uint(gen_mode), str(_uint(gen_mode))),
        'netkit': netkit_facts(attributes(info.get(IFLA_INFO_DATA, b''))) if kind == KIND else None,
    }
    for fact, attr_id in LINK_U32.items():
        facts[fact] = _uint(get(attr_id))
    return facts


def link_group(payload):
    """(ifindex, device group) of one RTM_NEWLINK message: all a group check needs, read
    without decoding the rest."""
    return IFINFOMSG.unpack_from(payload)[2], _uint(attributes(payload, IFINFOMSG.size, GROUP_ONLY).get(IFLA_GROUP), 0)


def netkit_facts(data):
    """Decode the {type: payload} of a netkit link's IFLA_INFO_DATA; what the kernel did not send is None."""
    facts = {'primary': bool(_uint(data.get(NETKIT_IDS['primary']), 0))}
    for key, attr_id in SETTING_IDS:
        facts[key] = decode_value(key, _uint(data.get(attr_id)))
    return facts


def address_facts(payload):
    """(ifindex, address) for an IPv6 link-local address of an RTM_NEWADDR message, else None."""
    _family, prefixlen, flags, _scope, index = IFADDRMSG.unpack_from(payload)
    attrs = attributes(payload, IFADDRMSG.size)
    raw = attrs.get(IFA_ADDRESS)
    if raw is None or len(raw) != 16 or raw[:2] != b'\xfe\x80':
        return None
    flags = _uint(attrs.get(IFA_FLAGS), flags)
    return index, {'address': socket.inet_ntop(socket.AF_INET6, raw), 'prefixlen': prefixlen,
                   'stable_privacy': bool(flags & IFA_F_STABLE_PRIVACY)}


def nsid_of(payload):
    """The nsid of an RTM_NEWNSID reply, None when the namespace has none (-1)."""
    nsid = _int32(attributes(payload, RTGENMSG.size).get(NETNSA_NSID))
    return nsid if nsid is not None and nsid >= 0 else None
