# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the kernel over rtnetlink: the read requests and the facts read from the
replies, by the kernel's ABI numbers. Private to this collection.

Changes when what is read changes. The numbers are those of include/uapi/linux/netlink.h,
rtnetlink.h, if_link.h, if_addr.h and net_namespace.h, which the kernel never renumbers;
the unit tests check each against pyroute2's tables. pyroute2 itself is not loaded here,
so that a run that changes nothing never loads it (the requests that change something are
built by pyroute2 in _netlink_requests.py). Replies are decoded here, reading only the
attributes used and skipping the rest by length: pyroute2's decoder measured about 100
times slower than the kernel's reply for 2,000 links (45-75 s against 0.5 s under TCG).
The walks over a link's attributes are remembered (AttributeWalks, LINK_KINDS): links set up
alike are laid out alike, which halved decoding 2,000 netkit links (0.50 to 0.19 s under TCG).
A remembered walk also reads every number it found, nested ones too (the address generation
mode in IFLA_AF_SPEC), with one more unpack: 0.20 to 0.11 s.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct
import sys

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import (
    KIND, NETKIT_ATTRIBUTES, SETTING_ATTRIBUTES, decode_value,
)

NETLINK_ROUTE = 0
# Message types and flags (netlink.h, rtnetlink.h).
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_DELADDR, RTM_GETADDR = 21, 22
RTM_GETNSID = 90
NLM_F_REQUEST, NLM_F_ACK, NLM_F_ECHO, NLM_F_DUMP_INTR = 0x1, 0x4, 0x8, 0x10
NLM_F_EXCL, NLM_F_CREATE, NLM_F_DUMP = 0x200, 0x400, 0x300
IFF_UP = 0x1
# A link's IFLA_OPERSTATE once linkwatch has acted on its carrier (RFC 2863's up, as the kernel numbers it).
IF_OPER_UP = 6
IFA_F_STABLE_PRIVACY = 0x800
# The attributes read or sent: {name: id}.
IFLA = {
    'IFLA_ADDRESS': 1, 'IFLA_IFNAME': 3, 'IFLA_MTU': 4, 'IFLA_LINK': 5, 'IFLA_TXQLEN': 13, 'IFLA_OPERSTATE': 16,
    'IFLA_LINKINFO': 18,
    'IFLA_AF_SPEC': 26, 'IFLA_GROUP': 27, 'IFLA_NET_NS_FD': 28, 'IFLA_EXT_MASK': 29, 'IFLA_NUM_TX_QUEUES': 31,
    'IFLA_NUM_RX_QUEUES': 32, 'IFLA_CARRIER': 33, 'IFLA_LINK_NETNSID': 37, 'IFLA_GSO_MAX_SIZE': 41,
    'IFLA_GRO_MAX_SIZE': 58, 'IFLA_TSO_MAX_SIZE': 59, 'IFLA_GSO_IPV4_MAX_SIZE': 63, 'IFLA_GRO_IPV4_MAX_SIZE': 64,
}
IFLA_INFO = {'IFLA_INFO_KIND': 1, 'IFLA_INFO_DATA': 2}
# IFLA_AF_SPEC's AF_INET6 (the address family) and its IFLA_INET6_ADDR_GEN_MODE.
AF_SPEC_AF_INET6 = socket.AF_INET6
IFLA_INET6_ADDR_GEN_MODE = 8
IFA = {'IFA_ADDRESS': 1, 'IFA_FLAGS': 8}
IFA_ADDRESS, IFA_FLAGS = IFA['IFA_ADDRESS'], IFA['IFA_FLAGS']
NETNSA = {'NETNSA_NSID': 1, 'NETNSA_FD': 3}
NETNSA_NSID = NETNSA['NETNSA_NSID']
# struct nlmsghdr, ifinfomsg, ifaddrmsg and rtgenmsg (padded to NLMSG_ALIGN), natively packed.
NLMSG_HEADER = struct.Struct('=IHHII')
IFINFOMSG = struct.Struct('=BxHiII')
IFADDRMSG = struct.Struct('=BBBBI')
RTGENMSG = struct.Struct('=B3x')
ATTR_HEADER = struct.Struct('=HH')
# The link attributes link_facts() reads (the rest of a message is skipped), as constants:
# link_facts() runs for every link of every dump.
(IFLA_IFNAME, IFLA_ADDRESS, IFLA_MTU, IFLA_LINK, IFLA_LINKINFO, IFLA_AF_SPEC, IFLA_CARRIER, IFLA_LINK_NETNSID,
 IFLA_GROUP, IFLA_OPERSTATE) = LINK_ATTR_IDS = tuple(IFLA[name] for name in (
     'IFLA_IFNAME', 'IFLA_ADDRESS', 'IFLA_MTU', 'IFLA_LINK', 'IFLA_LINKINFO', 'IFLA_AF_SPEC', 'IFLA_CARRIER',
     'IFLA_LINK_NETNSID', 'IFLA_GROUP', 'IFLA_OPERSTATE'))
# Link facts that are one u32 each: {fact: attribute id}.
LINK_U32 = dict((fact, IFLA[name]) for fact, name in (
    ('txqueuelen', 'IFLA_TXQLEN'), ('gso_max_size', 'IFLA_GSO_MAX_SIZE'),
    ('gro_max_size', 'IFLA_GRO_MAX_SIZE'), ('tso_max_size', 'IFLA_TSO_MAX_SIZE'),
    ('gso_ipv4_max_size', 'IFLA_GSO_IPV4_MAX_SIZE'), ('gro_ipv4_max_size', 'IFLA_GRO_IPV4_MAX_SIZE'),
    ('numrxqueues', 'IFLA_NUM_RX_QUEUES'), ('numtxqueues', 'IFLA_NUM_TX_QUEUES')))
# The link facts that are one unsigned integer: (fact, attribute id, the fact when the kernel sends none).
LINK_UINTS = tuple((fact, attr_id, None) for fact, attr_id in LINK_U32.items()) + (
    ('mtu', IFLA_MTU, None), ('link', IFLA_LINK, None), ('group', IFLA_GROUP, 0), ('carrier', IFLA_CARRIER, 0),
    ('operstate', IFLA_OPERSTATE, None))
BYTE_ORDER = sys.byteorder
GROUP_ONLY = (IFLA_GROUP,)
IFLA_INFO_KIND, IFLA_INFO_DATA = IFLA_INFO['IFLA_INFO_KIND'], IFLA_INFO['IFLA_INFO_DATA']

NETKIT_IDS = dict((attr.key, attr.id) for attr in NETKIT_ATTRIBUTES)
# The IFLA_NETKIT_* attributes that are values, {id: key}, and a netkit link's facts before its values are read.
NETKIT_VALUES = dict((attr_id, key) for key, attr_id in NETKIT_IDS.items() if key != 'peer_info')
NETKIT_UNSENT = dict(dict.fromkeys(SETTING_ATTRIBUTES), primary=0)
ADDR_GEN_MODES = {'eui64': 0, 'none': 1, 'stable_secret': 2, 'random': 3}
ADDR_GEN_MODE_NAMES = dict((number, name) for name, number in ADDR_GEN_MODES.items())
# IFLA_EXT_MASK: no statistics in link dumps (they are most of each message).
RTEXT_FILTER_SKIP_STATS = 1 << 3


# ---------------------------------------------------------------- read requests

class ReadRequest:
    """One read request: its type, its flags and its body after the header (a struct and
    plain attributes, encoded here once)."""

    def __init__(self, msg_type, flags, body):
        self.type = msg_type
        self.flags = flags
        self.body = body

    def encode(self, seq, flags=0):
        return NLMSG_HEADER.pack(NLMSG_HEADER.size + len(self.body), self.type, self.flags | flags, seq, 0) + self.body


def attribute(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    return ATTR_HEADER.pack(ATTR_HEADER.size + len(payload), kind) + payload + b'\0' * (-len(payload) % 4)


def links_request(name=None):
    """RTM_GETLINK: a dump of every link, or the link called name."""
    attrs = attribute(IFLA['IFLA_EXT_MASK'], struct.pack('=I', RTEXT_FILTER_SKIP_STATS))
    if name is not None:
        attrs = attribute(IFLA_IFNAME, name.encode('utf-8') + b'\0') + attrs
    return ReadRequest(RTM_GETLINK, NLM_F_REQUEST | (NLM_F_DUMP if name is None else 0),
                       IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0) + attrs)


def addresses_request():
    """RTM_GETADDR: a dump of the IPv6 addresses of a namespace."""
    return ReadRequest(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, IFADDRMSG.pack(socket.AF_INET6, 0, 0, 0, 0))


def nsid_request(netns_fd):
    """RTM_GETNSID: the id this namespace has for the namespace of netns_fd."""
    return ReadRequest(RTM_GETNSID, NLM_F_REQUEST,
                       RTGENMSG.pack(socket.AF_UNSPEC) + attribute(NETNSA['NETNSA_FD'], struct.pack('=I', netns_fd)))


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


class AttributeWalks:
    """What walks over payloads from one offset on find: ({type: payload} of the wanted
    attributes, {name: integer} of the numbers), as attributes() finds each.

    numbers: {path: name} of unsigned integers in the host's byte order, each at a path of
    attribute types through nested attributes: (IFLA_MTU,), or (IFLA_AF_SPEC, AF_INET6,
    IFLA_INET6_ADDR_GEN_MODE).

    The links of one kind on one kernel are laid out alike, and walking 30-40 headers per link in
    Python is most of decoding a large dump. So each walk is remembered by payload length (a
    Layout), and reused when one unpack finds every header it visited where, and as, it found
    it: then the walk would visit the same offsets and find the same attributes. Names of
    different lengths pad to the same size, so one payload length has a few layouts (as many as
    name lengths mod 4)."""

    # Layouts kept in all, per payload length, and headers at most in one (a few MiB in all).
    KEPT, PER_LENGTH, HEADERS = 256, 4, 128

    def __init__(self, wanted, offset=0, numbers=None):
        self.wanted, self.offset = frozenset(wanted), offset
        self.numbers = dict(numbers or {})
        if len(set(self.numbers.values())) != len(self.numbers):
            raise ValueError('each number path needs a name of its own: %r' % self.numbers)
        # The paths of the attributes a number is nested in.
        self.containers = frozenset(path[:depth] for path in self.numbers for depth in range(1, len(path)))
        self.top = self.wanted | frozenset(path[0] for path in self.numbers)
        # {payload length: [Layout]}
        self.layouts = {}
        self.kept = 0

    def __call__(self, payload):
        alike = self.layouts.get(len(payload), ())
        for layout in alike:
            if layout.headers.unpack_from(payload) == layout.read:
                return layout.found(payload)
        if self.kept < self.KEPT and len(alike) < self.PER_LENGTH:
            layout = self.layout(payload)
            if layout is not None:
                self.layouts.setdefault(len(payload), []).append(layout)
                self.kept += 1
                return layout.found(payload)
        return self.walk(payload)

    def walk(self, payload):
        """What a walk finds, without remembering it: attributes() at each level."""
        found = attributes(payload, self.offset, self.top)
        numbers = {}
        for path, name in self.numbers.items():
            raw = found.get(path[0])
            for kind in path[1:]:
                raw = attributes(raw, 0, (kind,)).get(kind) if raw is not None else None
            if raw is not None:
                numbers[name] = _uint(raw)
        return dict((kind, found[kind]) for kind in self.wanted if kind in found), numbers

    def layout(self, payload):
        """The Layout of a walk over payload; None when walk() is to read it: a malformed header,
        an attribute the walk reads (wanted, a number or a number's container) found twice, more
        than HEADERS headers, a number of a size no struct code reads, or one with another number
        in it."""
        headers, numbers, wanted, seen = [], [], [], set()

        def visit(offset, end, prefix):
            while offset + 4 <= end:
                length, raw_kind = ATTR_HEADER.unpack_from(payload, offset)
                path = prefix + (raw_kind & 0x3fff,)
                read = path in self.numbers or path in self.containers or (not prefix and path[0] in self.wanted)
                if length < 4 or (read and path in seen):
                    return False
                seen.add(path)
                headers.append((offset, length, raw_kind))
                stop = min(offset + length, end)
                if path in self.numbers:
                    code = UINT_CODES.get(stop - offset - 4)
                    if code is None or path in self.containers:
                        return False
                    numbers.append((offset + 4, code, self.numbers[path]))
                if not prefix and path[0] in self.wanted:
                    wanted.append((path[0], offset + 4, offset + length))
                if path in self.containers and not visit(offset + 4, stop, path):
                    return False
                offset += (length + 3) & ~3
            return True

        if not visit(self.offset, len(payload), ()) or len(headers) > self.HEADERS:
            return None
        return Layout(headers, numbers, wanted)


class Layout:
    """Where one walk found every header it visited, and the wanted attributes and numbers."""

    def __init__(self, headers, numbers, wanted):
        self.headers = packed_at([(offset, 'HH') for offset, _length, _kind in headers])
        self.read = tuple(value for _offset, length, kind in headers for value in (length, kind))
        self.numbers = packed_at([(offset, code) for offset, code, _name in numbers])
        self.names = tuple(name for _offset, _code, name in numbers)
        self.wanted = tuple(wanted)

    def found(self, payload):
        return ({kind: payload[start:end] for kind, start, end in self.wanted},
                dict(zip(self.names, self.numbers.unpack_from(payload))))


# Struct codes of the unsigned integers a Layout reads, by size.
UINT_CODES = {1: 'B', 2: 'H', 4: 'I', 8: 'Q'}


def packed_at(fields):
    """A Struct reading the fields [(offset, struct codes)], in the order of their offsets."""
    fmt, position = ['='], 0
    for offset, codes in fields:
        fmt.append('%dx%s' % (offset - position, codes))
        position = offset + struct.calcsize('=' + codes)
    return struct.Struct(''.join(fmt))


# The link facts that are one unsigned integer each, by their paths (see AttributeWalks).
LINK_NUMBERS = dict(((attr_id,), fact) for fact, attr_id, _unsent in LINK_UINTS)
LINK_NUMBERS[(IFLA_AF_SPEC, AF_SPEC_AF_INET6, IFLA_INET6_ADDR_GEN_MODE)] = 'addrgenmode'
LINK_UNSENT = dict((fact, unsent) for fact, _attr_id, unsent in LINK_UINTS)
link_attributes = AttributeWalks((IFLA_IFNAME, IFLA_ADDRESS, IFLA_LINKINFO, IFLA_LINK_NETNSID), IFINFOMSG.size,
                                 LINK_NUMBERS)


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
    """An unsigned integer attribute, read as far as the kernel's widest (a u64): a longer one
    (never sent) would make a number too long to turn into a string or JSON."""
    return default if payload is None else int.from_bytes(payload[:8], BYTE_ORDER)


def _int32(payload):
    return struct.unpack('=i', payload)[0] if payload is not None else None


def _mac(payload):
    """A MAC as 'aa:bb:...'; None for none, or for all zeros (what an L3 device reports)."""
    if not payload or not payload.strip(b'\0'):
        return None
    return payload.hex(':')


def _string(payload):
    return payload.split(b'\0', 1)[0].decode('utf-8', 'replace') if payload is not None else None


def link_facts(payload):
    """The facts this collection uses from one RTM_NEWLINK message (without its nlmsghdr)."""
    _family, _type, index, flags, _change = IFINFOMSG.unpack_from(payload)
    attrs, numbers = link_attributes(payload)
    get = attrs.get
    facts = dict(LINK_UNSENT, index=index, up=bool(flags & IFF_UP))
    facts.update(numbers)
    mode = numbers.get('addrgenmode')
    kind, netkit = link_kind(get(IFLA_LINKINFO, b''))
    netnsid = get(IFLA_LINK_NETNSID)
    facts.update(
        name=_string(get(IFLA_IFNAME)), address=_mac(get(IFLA_ADDRESS)), kind=kind, carrier=bool(facts['carrier']),
        link_netnsid=_int32(netnsid) if netnsid is not None else None,
        addrgenmode=None if mode is None else ADDR_GEN_MODE_NAMES.get(mode, str(mode)), netkit=netkit)
    return facts


# {IFLA_LINKINFO payload: what link_kind() makes of it}: links set up alike carry the same bytes.
LINK_KINDS = {}


def link_kind(linkinfo):
    """(kind, netkit facts or None) of a link's IFLA_LINKINFO payload (bytes or a bytearray)."""
    linkinfo = bytes(linkinfo)
    known = LINK_KINDS.get(linkinfo)
    if known is None:
        info = attributes(linkinfo)
        kind = _string(info.get(IFLA_INFO_KIND))
        known = kind, netkit_facts(attributes(info.get(IFLA_INFO_DATA, b''), 0, NETKIT_VALUES)) if kind == KIND else None
        if len(LINK_KINDS) < AttributeWalks.KEPT:
            LINK_KINDS[linkinfo] = known
    kind, netkit = known
    return kind, None if netkit is None else dict(netkit)


def link_group(payload):
    """(ifindex, device group) of one RTM_NEWLINK message: all a group check needs, read
    without decoding the rest."""
    return IFINFOMSG.unpack_from(payload)[2], _uint(attributes(payload, IFINFOMSG.size, GROUP_ONLY).get(IFLA_GROUP), 0)


def netkit_facts(data):
    """Decode the {type: payload} of a netkit link's IFLA_INFO_DATA; what the kernel did not send is None."""
    facts = dict(NETKIT_UNSENT)
    for attr_id, raw in data.items():
        key = NETKIT_VALUES[attr_id]
        # Each is a u32 at most, read as the kernel's nla_get_u32() reads it: a longer value
        # (never sent) would make a number too long to turn into a string.
        facts[key] = decode_value(key, int.from_bytes(raw[:4], BYTE_ORDER))
    facts['primary'] = bool(facts['primary'])
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
