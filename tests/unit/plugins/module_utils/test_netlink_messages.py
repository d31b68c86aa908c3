# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The requests and the reply decoders of module_utils/_netlink_messages.py, with hypothesis.

What each request carries, its pyroute2-built bytes decoded back: by this collection's
own decoders (link_facts, attributes, address_facts) and by pyroute2's (an independent
implementation), which read the same. The decoders are fed arbitrary bytes, the errors
they may raise pinned down here, and the RTM_NEWLINK replies a kernel sent (fixtures/).
The ids and struct layouts the decoders take from pyroute2 are checked against the
kernel's uapi numbers, written out here. No socket is opened.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import os
import socket
import struct
import subprocess
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_messages as nm
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import (
    NETKIT_ATTRIBUTES, SETTING_ATTRIBUTES, encode_value, nla_name,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import ifaddrmsg, ifinfmsg, nsidmsg

CHECK = settings(max_examples=200, deadline=None)
FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')

# The kernel's numbers (include/uapi/linux/{netlink,rtnetlink,if_link,if_addr,net_namespace}.h).
NLMSG_HEADER_SIZE = 16
NLM_F_REQUEST, NLM_F_ACK, NLM_F_ECHO = 0x1, 0x4, 0x8
NLM_F_EXCL, NLM_F_CREATE, NLM_F_DUMP = 0x200, 0x400, 0x300
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_DELADDR, RTM_GETADDR, RTM_GETNSID = 16, 17, 18, 21, 22, 90
NLMSG_DONE = 3
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK = 1, 3, 4, 5
IFLA_TXQLEN, IFLA_LINKINFO, IFLA_GROUP, IFLA_NET_NS_FD, IFLA_EXT_MASK = 13, 18, 27, 28, 29
IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES, IFLA_LINK_NETNSID = 31, 32, 37
IFLA_GSO_MAX_SIZE, IFLA_GRO_MAX_SIZE, IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE = 41, 58, 63, 64
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_NETKIT_PEER_INFO, IFLA_NETKIT_PRIMARY, IFLA_NETKIT_PAIRING = 1, 2, 10
NETKIT_DEVICE_PAIR, NETKIT_DEVICE_SINGLE = 0, 1
IFA_ADDRESS = 1
NETNSA_NSID, NETNSA_FD = 1, 3
RTEXT_FILTER_SKIP_STATS = 1 << 3
IFF_UP = 0x1
NETKIT_SETTINGS = sorted(SETTING_ATTRIBUTES)


# ------------------------------------------------------------ test helpers (test input only)

def nla(kind, value):
    """One netlink attribute as the kernel lays it out: an int as u32, bytes as they are."""
    payload = struct.pack('=I', value) if isinstance(value, int) else value
    length = 4 + len(payload)
    return struct.pack('=HH', length, kind) + payload + b'\0' * (-length % 4)


def nlmsg(msg_type, flags, seq, payload):
    """A netlink message: nlmsghdr (pid 0) and payload."""
    return struct.pack('=IHHII', NLMSG_HEADER_SIZE + len(payload), msg_type, flags, seq, 0) + payload


def header(data):
    """(length, type, flags, seq, pid) of a netlink message's nlmsghdr."""
    return struct.unpack_from('=IHHII', data)


def body(request, seq=1):
    """What a request carries after its nlmsghdr: what link_facts() and address_facts() decode."""
    return request.encode(seq)[NLMSG_HEADER_SIZE:]


def info_data(payload):
    """IFLA_INFO_DATA of an RTM_NEWLINK payload (ifinfomsg first)."""
    return nm.attributes(nm.attributes(payload, 16)[IFLA_LINKINFO])[IFLA_INFO_DATA]


def pyroute2_link(request):
    msg = ifinfmsg(request.encode(1))
    msg.decode()
    return msg


def valid_ifname(text):
    try:
        size = len(text.encode('utf-8'))
    except UnicodeEncodeError:
        return False
    return 1 <= size <= 15 and text not in ('.', '..') and not any(
        c in '/:%' or c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text)


names = st.one_of(
    st.sampled_from(['nk0', 'nk0p', 'a' * 15, 'ü' * 7, 'x.y', '\U0001f600' * 3]),
    st.text(st.characters(codec='utf-8', exclude_categories=('Cc', 'Cs', 'Zs', 'Zl', 'Zp')), min_size=1, max_size=15)
    .map(lambda text: text.encode('utf-8')[:15].decode('utf-8', 'ignore')).filter(valid_ifname),
)
indexes = st.integers(1, 2 ** 31 - 1)
devices = st.one_of(names, indexes)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


def choice(key):
    return maybe(st.sampled_from(sorted(SETTING_ATTRIBUTES[key].names)))


# Unicast MACs as mac_address() normalises them (lower case, colons).
macs = st.binary(min_size=6, max_size=6).map(
    lambda raw: ':'.join('%02x' % byte for byte in bytearray(bytes([raw[0] & 0xfe]) + raw[1:]))).filter(
    lambda mac: mac != '00:00:00:00:00:00')
sizes = maybe(st.integers(1, 524280))
queues = maybe(st.integers(1, 4096))
# A pair's wanted settings; pairing pair or None (what every kernel makes unasked).
wanted_pairs = st.fixed_dictionaries({
    'name': names, 'peer_name': names, 'mtu': maybe(st.integers(68, 65535)), 'peer_mtu': maybe(st.integers(68, 65535)),
    'pairing': maybe(st.just('pair')),
    'mode': choice('mode'), 'policy': choice('policy'), 'peer_policy': choice('policy'), 'scrub': choice('scrub'),
    'peer_scrub': choice('scrub'), 'headroom': maybe(st.integers(0, 65535)), 'tailroom': maybe(st.integers(0, 65535)),
    'address': maybe(macs), 'peer_address': maybe(macs), 'txqueuelen': maybe(st.integers(0, 2 ** 32 - 1)),
    'peer_txqueuelen': maybe(st.integers(0, 2 ** 32 - 1)), 'gso_max_size': sizes, 'gro_max_size': sizes,
    'gso_ipv4_max_size': sizes, 'gro_ipv4_max_size': sizes, 'numrxqueues': queues, 'peer_numrxqueues': queues,
    'numtxqueues': queues, 'peer_numtxqueues': queues,
})
# A single device's: what desired_pair() lets through with pairing single (no peer settings).
wanted_singles = st.fixed_dictionaries({
    'name': names, 'peer_name': st.none(), 'pairing': st.just('single'), 'mtu': maybe(st.integers(68, 65535)),
    'mode': choice('mode'), 'policy': maybe(st.just('forward')), 'headroom': maybe(st.integers(0, 65535)),
    'tailroom': maybe(st.integers(0, 65535)), 'address': maybe(macs), 'txqueuelen': maybe(st.integers(0, 2 ** 32 - 1)),
    'gso_max_size': sizes, 'gro_max_size': sizes, 'gso_ipv4_max_size': sizes, 'gro_ipv4_max_size': sizes,
    'numrxqueues': queues, 'numtxqueues': queues,
})
# What link_facts() reads of an end, by the keys of a wanted pair (the primary's; the peer's with peer_).
END_FACTS = ('address', 'mtu', 'txqueuelen', 'numrxqueues', 'numtxqueues')
BOTH_ENDS = ('gso_max_size', 'gro_max_size', 'gso_ipv4_max_size', 'gro_ipv4_max_size')


# The IFLA_* names pyroute2 (with the collection's subclass for the IPv4 sizes) gives each.
PYROUTE2_NAMES = {'address': 'IFLA_ADDRESS', 'mtu': 'IFLA_MTU', 'txqueuelen': 'IFLA_TXQLEN',
                  'numrxqueues': 'IFLA_NUM_RX_QUEUES', 'numtxqueues': 'IFLA_NUM_TX_QUEUES',
                  'gso_max_size': 'IFLA_GSO_MAX_SIZE', 'gro_max_size': 'IFLA_GRO_MAX_SIZE',
                  'gso_ipv4_max_size': 'IFLA_GSO_IPV4_MAX_SIZE', 'gro_ipv4_max_size': 'IFLA_GRO_IPV4_MAX_SIZE'}


def end_facts(wanted, prefix=''):
    """What link_facts() of an end must read back, from the keys of wanted."""
    expected = dict((key, wanted.get(prefix + key)) for key in END_FACTS)
    expected.update((key, wanted.get(key)) for key in BOTH_ENDS)
    return expected


# ------------------------------------------------------------ the kernel's ids and layouts

def test_the_ids_the_decoder_takes_from_pyroute2_are_the_kernels():
    assert (nm.IFLA['IFLA_IFNAME'], nm.IFLA['IFLA_MTU'], nm.IFLA['IFLA_LINK']) == (3, 4, 5)
    assert nm.IFLA['IFLA_LINKINFO'] == 18
    assert (nm.IFLA['IFLA_AF_SPEC'], nm.IFLA['IFLA_EXT_MASK'], nm.IFLA['IFLA_CARRIER']) == (26, 29, 33)
    assert (nm.IFLA['IFLA_LINK_NETNSID'], nm.IFLA['IFLA_NET_NS_FD'], nm.IFLA['IFLA_GROUP']) == (37, 28, 27)
    assert (nm.IFLA_INFO['IFLA_INFO_KIND'], nm.IFLA_INFO['IFLA_INFO_DATA']) == (1, 2)
    assert (nm.AF_SPEC_AF_INET6, nm.IFLA_INET6_ADDR_GEN_MODE) == (10, 8)
    assert (nm.IFA['IFA_ADDRESS'], nm.IFA['IFA_FLAGS']) == (1, 8)
    assert nm.NETNSA_NSID == 1
    assert (nm.IFLA['IFLA_ADDRESS'], nm.IFLA['IFLA_NUM_TX_QUEUES'], nm.IFLA['IFLA_NUM_RX_QUEUES']) == (1, 31, 32)
    # IFLA_TXQLEN 13, IFLA_GSO_MAX_SIZE 41, IFLA_GRO_MAX_SIZE 58, IFLA_TSO_MAX_SIZE 59,
    # IFLA_GSO_IPV4_MAX_SIZE 63, IFLA_GRO_IPV4_MAX_SIZE 64 (not in pyroute2: its subclass adds them).
    assert nm.LINK_U32 == {'txqueuelen': 13, 'gso_max_size': 41, 'gro_max_size': 58, 'tso_max_size': 59,
                           'gso_ipv4_max_size': 63, 'gro_ipv4_max_size': 64, 'numtxqueues': 31, 'numrxqueues': 32}
    assert nm.LINK_ATTRS == frozenset((1, 3, 4, 5, 13, 18, 26, 27, 31, 32, 33, 37, 41, 58, 59, 63, 64))
    # The same ids as the constants link_facts() and address_facts() read them by.
    assert (nm.IFLA_IFNAME, nm.IFLA_ADDRESS, nm.IFLA_MTU, nm.IFLA_LINK, nm.IFLA_LINKINFO, nm.IFLA_AF_SPEC,
            nm.IFLA_CARRIER, nm.IFLA_LINK_NETNSID, nm.IFLA_GROUP) == (3, 1, 4, 5, 18, 26, 33, 37, 27)
    assert (nm.IFLA_INFO_KIND, nm.IFLA_INFO_DATA, nm.IFA_ADDRESS, nm.IFA_FLAGS) == (1, 2, 1, 8)


def test_the_struct_layouts_the_decoder_takes_from_pyroute2_are_the_kernels():
    # struct nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid.
    assert nm.NLMSG_HEADER.size == 16
    assert nm.NLMSG_HEADER.unpack(struct.pack('=IHHII', 1, 2, 3, 4, 5)) == (1, 2, 3, 4, 5)
    # struct ifinfomsg: u8 family, pad, u16 type, s32 index, u32 flags, u32 change.
    assert nm.IFINFOMSG.size == 16
    assert nm.IFINFOMSG.unpack(struct.pack('=BxHiII', 10, 772, -2, 3, 4)) == (10, 772, -2, 3, 4)
    # struct ifaddrmsg: u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index.
    assert nm.IFADDRMSG.size == 8
    assert nm.IFADDRMSG.unpack(struct.pack('=BBBBI', 10, 64, 0x80, 253, 7)) == (10, 64, 0x80, 253, 7)
    # struct rtgenmsg: u8 family, attributes after NLMSG_ALIGN(1).
    assert nm.RTGENMSG.size == 4
    assert nm.ATTR_HEADER.size == 4


def test_netkit_ids_of_the_decoder_are_netkit_attributes():
    assert nm.NETKIT_IDS == dict((attr.key, attr.id) for attr in NETKIT_ATTRIBUTES)


# ------------------------------------------------------------ Request.encode

def test_encode_writes_the_whole_message_header_included():
    request = nm.delete_request(7)
    data = request.encode(41, NLM_F_REQUEST | NLM_F_ACK)
    assert len(data) == NLMSG_HEADER_SIZE + 16
    assert header(data) == (len(data), RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 41, 0)
    assert nm.IFINFOMSG.unpack_from(data, NLMSG_HEADER_SIZE) == (socket.AF_UNSPEC, 0, 7, 0, 0)


@CHECK
@given(wanted=wanted_pairs, first=st.integers(0, 2 ** 32 - 1), second=st.integers(0, 2 ** 32 - 1),
       flags=st.sampled_from([0, NLM_F_REQUEST | NLM_F_ACK]))
def test_a_request_encodes_afresh_each_time(wanted, first, second, flags):
    """Kernel.read() sends a request again when a dump was interrupted: the same bytes, its new sequence number."""
    for request in (nm.create_request(wanted), nm.links_request(), nm.addrgenmode_request(wanted['name'], 'random')):
        one, two = request.encode(first, flags), request.encode(second, flags)
        assert header(one)[3] == first and header(two)[3] == second
        assert one[:8] + one[12:] == two[:8] + two[12:]
        assert header(one)[2] == request.flags | flags


@CHECK
@given(requests=st.lists(st.tuples(indexes, st.integers(0, 2 ** 32 - 1), st.sampled_from(['delete', 'group'])),
                         min_size=1, max_size=6),
       group=st.integers(1, 2 ** 32 - 1), flags=st.sampled_from([0, NLM_F_REQUEST | NLM_F_ACK]))
def test_a_device_request_is_pyroute2s_encoding_with_its_index_and_sequence_number(requests, group, flags):
    """Requests of one kind share one encoding, each with its own ifindex and sequence
    number: byte for byte what pyroute2 encodes for the request afresh, in any order."""
    for index, seq, kind in requests:
        request = nm.delete_request(index) if kind == 'delete' else nm.group_request(index, group)
        assert request.encode(seq, flags) == nm.Request.encode(request, seq, flags)


@pytest.mark.parametrize('request_,msg_type,flags', [
    pytest.param(nm.create_request(dict(name='nk0', peer_name='nk0p')), RTM_NEWLINK,
                 NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, id='create'),
    pytest.param(nm.addrgenmode_request('nk0', 'none'), RTM_NEWLINK, 0, id='addrgenmode'),
    pytest.param(nm.up_request('nk0'), RTM_NEWLINK, 0, id='up'),
    pytest.param(nm.settings_request(5, [['IFLA_MTU', 1500], ['IFLA_TXQLEN', 1000]]), RTM_NEWLINK, 0, id='settings'),
    pytest.param(nm.netns_request(5, 3), RTM_NEWLINK, 0, id='netns'),
    pytest.param(nm.policy_request(5, {'policy': 'forward'}), RTM_NEWLINK, 0, id='policy'),
    pytest.param(nm.delete_request(5), RTM_DELLINK, 0, id='delete'),
    pytest.param(nm.group_request(5, 70000), RTM_NEWLINK, 0, id='group'),
    pytest.param(nm.group_delete_request(70000), RTM_DELLINK, 0, id='group_delete'),
    pytest.param(nm.delete_address_request(5, {'address': 'fe80::1', 'prefixlen': 64}), RTM_DELADDR, 0,
                 id='delete_address'),
    pytest.param(nm.links_request(), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, id='links'),
    pytest.param(nm.links_request('nk0'), RTM_GETLINK, NLM_F_REQUEST, id='link'),
    pytest.param(nm.addresses_request(), RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, id='addresses'),
    pytest.param(nm.nsid_request(3), RTM_GETNSID, NLM_F_REQUEST, id='nsid'),
])
def test_each_request_has_the_kernels_type_and_flags(request_, msg_type, flags):
    data = request_.encode(9)
    assert header(data) == (len(data), msg_type, flags, 9, 0)
    assert len(data) % 4 == 0, 'netlink messages are 4-byte aligned'
    assert [message[:3] for message in nm.messages(data)] == [(msg_type, flags, 9)]


# ------------------------------------------------------------ what the requests carry

@CHECK
@given(wanted=wanted_pairs, netns_fd=maybe(st.integers(0, 2 ** 31 - 1)))
@example(wanted=dict(name='a' * 15, peer_name='ü' * 7, pairing='pair', mtu=68, peer_mtu=65535, mode='l2',
                     policy='blackhole', peer_policy='forward', scrub='none', peer_scrub='default', headroom=65535,
                     tailroom=0, address='02:00:5e:10:00:01', peer_address='fe:ff:ff:ff:ff:ff', txqueuelen=0,
                     peer_txqueuelen=2 ** 32 - 1, gso_max_size=524280, gro_max_size=1, gso_ipv4_max_size=196608,
                     gro_ipv4_max_size=524280, numrxqueues=4096, peer_numrxqueues=1, numtxqueues=1,
                     peer_numtxqueues=4096),
         netns_fd=0)
def test_create_request_decodes_to_what_was_asked(wanted, netns_fd):
    payload = body(nm.create_request(wanted, netns_fd=netns_fd))
    assert len(payload) % 4 == 0, 'netlink attributes are 4-byte aligned'
    back = nm.link_facts(payload)
    assert (back['name'], back['kind'], back['up'], back['index']) == (wanted['name'], 'netkit', False, 0)
    assert dict((key, back[key]) for key in END_FACTS + BOTH_ENDS) == end_facts(wanted)
    facts = back['netkit']
    assert facts['primary'] is False, 'a request carries no IFLA_NETKIT_PRIMARY'
    assert facts['pairing'] is None, 'a pair is what every kernel makes unasked: no IFLA_NETKIT_PAIRING'
    for key in NETKIT_SETTINGS:
        if key != 'pairing':
            assert facts[key] == wanted[key], key
    # The sizes the kernel's netkit_policy checks: u16 for headroom and tailroom, u32 for the others.
    data = nm.attributes(info_data(payload))
    for attr in NETKIT_ATTRIBUTES:
        if attr.key in SETTING_ATTRIBUTES and attr.id in data:
            assert len(data[attr.id]) == (2 if attr.key in ('headroom', 'tailroom') else 4), attr.key
    # The peer: its own ifinfomsg and IFLA_* attributes, decoded the same way; its queue counts
    # and MAC are its own, the offload sizes those of both ends.
    peer_info = data[IFLA_NETKIT_PEER_INFO]
    peer = nm.link_facts(peer_info)
    assert (peer['name'], peer['kind']) == (wanted['peer_name'], None)
    assert dict((key, peer[key]) for key in END_FACTS + BOTH_ENDS) == end_facts(wanted, 'peer_')
    peer_attrs = nm.attributes(peer_info, 16)
    if netns_fd is None:
        assert IFLA_NET_NS_FD not in peer_attrs
    else:
        assert peer_attrs[IFLA_NET_NS_FD] == struct.pack('=I', netns_fd)


@CHECK
@given(wanted=wanted_pairs)
def test_the_new_link_attributes_have_the_kernels_ids_and_sizes(wanted):
    """IFLA_ADDRESS (6 bytes), the queue counts and the IPv4 offload sizes (u32), read by their
    uapi ids from the bytes, on both ends; what the task leaves unset is not sent."""
    payload = body(nm.create_request(wanted))
    peer_info = nm.attributes(info_data(payload))[IFLA_NETKIT_PEER_INFO]
    ids = {'address': IFLA_ADDRESS, 'numrxqueues': IFLA_NUM_RX_QUEUES, 'numtxqueues': IFLA_NUM_TX_QUEUES,
           'txqueuelen': IFLA_TXQLEN, 'gso_max_size': IFLA_GSO_MAX_SIZE, 'gro_max_size': IFLA_GRO_MAX_SIZE,
           'gso_ipv4_max_size': IFLA_GSO_IPV4_MAX_SIZE, 'gro_ipv4_max_size': IFLA_GRO_IPV4_MAX_SIZE}
    for attrs, prefix in ((nm.attributes(payload, 16), ''), (nm.attributes(peer_info, 16), 'peer_')):
        for key, attr_id in ids.items():
            value = wanted[key if key in BOTH_ENDS else prefix + key]
            if value is None:
                assert attr_id not in attrs, prefix + key
            elif key == 'address':
                assert attrs[attr_id] == binascii.unhexlify(value.replace(':', '')), prefix + key
            else:
                assert attrs[attr_id] == struct.pack('=I', value), prefix + key


def test_create_request_carries_each_setting_once_with_its_kernel_size():
    wanted = dict(name='nk0', peer_name='nk0p', mode='l2', policy='blackhole', peer_policy=None,
                  scrub='none', peer_scrub='default', headroom=64, tailroom=None, mtu=9000, peer_mtu=4000, up=True)
    payload = body(nm.create_request(wanted, netns_fd=7))
    back = nm.link_facts(payload)
    assert (back['name'], back['mtu'], back['kind'], back['up']) == ('nk0', 9000, 'netkit', False)
    facts = back['netkit']
    assert (facts['mode'], facts['policy'], facts['scrub'], facts['peer_scrub']) == (
        'l2', 'blackhole', 'none', 'default')
    assert facts['peer_policy'] is None and facts['tailroom'] is None
    assert facts['headroom'] == 64
    data = nm.attributes(info_data(payload))
    assert data[8] == struct.pack('=H', 64), 'IFLA_NETKIT_HEADROOM is a u16'
    assert data[5] == struct.pack('=I', 0) and data[3] == struct.pack('=I', 2), 'mode l2, policy blackhole'
    assert IFLA_NETKIT_PAIRING not in data
    peer = nm.attributes(data[IFLA_NETKIT_PEER_INFO], 16)  # after the peer's ifinfomsg
    assert peer[IFLA_IFNAME] == b'nk0p\0'
    assert peer[IFLA_MTU] == struct.pack('=I', 4000)
    assert peer[IFLA_NET_NS_FD] == struct.pack('=I', 7)


def test_asking_for_a_pair_sends_what_asking_for_nothing_sends():
    """IFLA_NETKIT_PAIRING goes out for a single device only: a kernel before 7.0 would ignore it,
    and one from 7.0 on makes a pair without it."""
    wanted = dict(name='nk0', peer_name='nk0p', mode='l2', numrxqueues=4, address='02:00:5e:10:00:01')
    assert nm.create_request(dict(wanted, pairing='pair')).encode(1) == nm.create_request(wanted).encode(1)
    assert nm.create_request(dict(wanted, pairing=None)).encode(1) == nm.create_request(wanted).encode(1)


def test_create_request_for_a_single_device():
    """One device: its name, its queue counts and its kind, IFLA_NETKIT_PAIRING single and no peer."""
    payload = body(nm.create_request(dict(name='nks0', peer_name=None, pairing='single', numrxqueues=8,
                                          numtxqueues=1, policy='forward')))
    attrs = nm.attributes(payload, 16)
    assert set(attrs) == {IFLA_IFNAME, IFLA_NUM_RX_QUEUES, IFLA_NUM_TX_QUEUES, IFLA_LINKINFO}
    assert (attrs[IFLA_NUM_RX_QUEUES], attrs[IFLA_NUM_TX_QUEUES]) == (struct.pack('=I', 8), struct.pack('=I', 1))
    assert nm.attributes(info_data(payload)) == {IFLA_NETKIT_PAIRING: struct.pack('=I', NETKIT_DEVICE_SINGLE),
                                                 3: struct.pack('=I', 0)}, 'pairing single, policy forward'


@CHECK
@given(wanted=wanted_singles, netns_fd=maybe(st.integers(0, 2 ** 31 - 1)))
def test_a_single_device_is_created_without_a_peer(wanted, netns_fd):
    request = nm.create_request(wanted, netns_fd)
    payload = body(request)
    back = nm.link_facts(payload)
    assert (back['name'], back['kind'], back['up']) == (wanted['name'], 'netkit', False)
    assert dict((key, back[key]) for key in END_FACTS + BOTH_ENDS) == end_facts(wanted)
    assert back['netkit']['pairing'] == 'single'
    for key in ('mode', 'policy', 'headroom', 'tailroom'):
        assert back['netkit'][key] == wanted[key], key
    data = nm.attributes(info_data(payload))
    assert IFLA_NETKIT_PEER_INFO not in data, 'no peer to describe'
    assert data[IFLA_NETKIT_PAIRING] == struct.pack('=I', NETKIT_DEVICE_SINGLE)
    assert IFLA_NET_NS_FD not in nm.attributes(payload, 16), "a peer's namespace is nothing of the device's"
    msg = pyroute2_link(request)
    info = msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_DATA')
    assert info.get_attr('IFLA_NETKIT_PAIRING') == NETKIT_DEVICE_SINGLE
    assert info.get_attr('IFLA_NETKIT_PEER_INFO') is None
    assert (msg.get_attr('IFLA_NUM_RX_QUEUES'), msg.get_attr('IFLA_NUM_TX_QUEUES')) == (
        wanted['numrxqueues'], wanted['numtxqueues'])
    assert msg.get_attr('IFLA_ADDRESS') == wanted['address']


@CHECK
@given(wanted=wanted_pairs, netns_fd=maybe(st.integers(0, 2 ** 31 - 1)))
def test_pyroute2_reads_create_request_the_same(wanted, netns_fd):
    msg = pyroute2_link(nm.create_request(wanted, netns_fd))
    assert msg['header']['type'] == RTM_NEWLINK
    assert msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_KIND') == 'netkit'
    data = msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_DATA')
    for key in NETKIT_SETTINGS:
        number = data.get_attr(nla_name(SETTING_ATTRIBUTES[key]))
        sent = None if key == 'pairing' else wanted[key]
        assert number == (None if sent is None else encode_value(key, sent)), key
    peer = data.get_attr('IFLA_NETKIT_PEER_INFO')
    for end, prefix in ((msg, ''), (peer, 'peer_')):
        assert end.get_attr('IFLA_IFNAME') == wanted[prefix + 'name']
        for key, name in PYROUTE2_NAMES.items():
            value = wanted[key if key in BOTH_ENDS else prefix + key]
            assert end.get_attr(name) == value, prefix + key
    assert peer.get_attr('IFLA_NET_NS_FD') == netns_fd


@CHECK
@given(device=devices, mode=st.sampled_from(sorted(nm.ADDR_GEN_MODES)))
def test_addrgenmode_request_round_trips(device, mode):
    request = nm.addrgenmode_request(device, mode)
    back = nm.link_facts(body(request))
    by_name = isinstance(device, str)
    assert (back['name'], back['index']) == ((device, 0) if by_name else (None, device))
    assert (back['addrgenmode'], back['kind'], back['netkit'], back['up']) == (mode, None, None, False)
    msg = pyroute2_link(request)
    inet6 = msg.get_attr('IFLA_AF_SPEC').get_attr('AF_INET6')
    assert inet6.get_attr('IFLA_INET6_ADDR_GEN_MODE') == nm.ADDR_GEN_MODES[mode]


def test_address_generation_modes_are_the_kernels():
    # enum in6_addr_gen_mode of include/uapi/linux/if_link.h.
    assert nm.ADDR_GEN_MODES == {'eui64': 0, 'none': 1, 'stable_secret': 2, 'random': 3}


@CHECK
@given(device=devices, up=st.booleans())
def test_up_request_sets_only_the_up_flag(device, up):
    payload = body(nm.up_request(device, up))
    _family, _type, index, flags, change = nm.IFINFOMSG.unpack_from(payload)
    assert (flags, change) == (IFF_UP if up else 0, IFF_UP)
    back = nm.link_facts(payload)
    assert back['up'] is up
    assert (back['name'], index) == ((device, 0) if isinstance(device, str) else (None, device))


@CHECK
@given(index=indexes, mtu=st.integers(68, 65535), fd=st.integers(0, 2 ** 31 - 1), txqueuelen=st.integers(0, 2 ** 32 - 1),
       gso=st.integers(1, 524280))
def test_settings_netns_and_delete_requests_name_the_device_by_index(index, mtu, fd, txqueuelen, gso):
    moved = body(nm.netns_request(index, fd))
    assert nm.attributes(moved, 16) == {IFLA_NET_NS_FD: struct.pack('=I', fd)}
    assert nm.link_facts(moved)['index'] == index
    resized = nm.link_facts(body(nm.settings_request(index, [['IFLA_MTU', mtu], ['IFLA_TXQLEN', txqueuelen],
                                                             ['IFLA_GSO_MAX_SIZE', gso], ['IFLA_GRO_MAX_SIZE', gso]])))
    assert (resized['index'], resized['mtu'], resized['name'], resized['up']) == (index, mtu, None, False)
    assert (resized['txqueuelen'], resized['gso_max_size'], resized['gro_max_size']) == (txqueuelen, gso, gso)
    deleted = body(nm.delete_request(index))
    assert nm.attributes(deleted, 16) == {}, 'never by name: a name can change hands meanwhile'
    assert nm.link_facts(deleted) == dict(nm.link_facts(body(nm.delete_request(1))), index=index)


@CHECK
@given(index=indexes, group=st.integers(1, 2 ** 32 - 1))
def test_group_requests_move_a_device_into_a_group_and_delete_the_group(index, group):
    moved = nm.group_request(index, group)
    back = nm.link_facts(body(moved))
    assert (back['index'], back['group'], back['name'], back['mtu']) == (index, group, None, None)
    assert pyroute2_link(moved).get_attr('IFLA_GROUP') == group
    deleted = body(nm.group_delete_request(group))
    assert nm.IFINFOMSG.unpack_from(deleted)[2] == 0, 'no ifindex: every device of the group'
    assert nm.attributes(deleted, 16) == {IFLA_GROUP: struct.pack('=I', group)}


@CHECK
@given(index=indexes, policies=st.dictionaries(st.sampled_from(['policy', 'peer_policy']), st.sampled_from(
    sorted(SETTING_ATTRIBUTES['policy'].names)), min_size=1))
def test_policy_request_carries_only_the_policies(index, policies):
    request = nm.policy_request(index, policies)
    back = nm.link_facts(body(request))
    assert (back['index'], back['kind'], back['name'], back['mtu']) == (index, 'netkit', None, None)
    assert dict((key, value) for key, value in back['netkit'].items() if value not in (None, False)) == policies
    data = pyroute2_link(request).get_nested('IFLA_LINKINFO', 'IFLA_INFO_DATA')
    for key, value in policies.items():
        assert data.get_attr(nla_name(SETTING_ATTRIBUTES[key])) == encode_value(key, value)


@CHECK
@given(index=indexes, prefixlen=st.integers(0, 128), tail=st.binary(min_size=14, max_size=14))
def test_delete_address_request_round_trips(index, prefixlen, tail):
    address = socket.inet_ntop(socket.AF_INET6, b'\xfe\x80' + tail)
    request = nm.delete_address_request(index, {'address': address, 'prefixlen': prefixlen})
    payload = body(request)
    assert nm.IFADDRMSG.unpack_from(payload)[:2] == (socket.AF_INET6, prefixlen)
    assert nm.address_facts(payload) == (index, {'address': address, 'prefixlen': prefixlen, 'stable_privacy': False})
    msg = ifaddrmsg(request.encode(1))
    msg.decode()
    assert (msg['index'], msg['prefixlen'], msg.get_attr('IFA_ADDRESS')) == (index, prefixlen, address)


@CHECK
@given(name=maybe(names))
def test_links_request_asks_for_no_statistics(name):
    payload = body(nm.links_request(name))
    attrs = nm.attributes(payload, 16)
    assert attrs[IFLA_EXT_MASK] == struct.pack('=I', RTEXT_FILTER_SKIP_STATS)
    assert set(attrs) == ({IFLA_EXT_MASK} if name is None else {IFLA_EXT_MASK, IFLA_IFNAME})
    assert nm.link_facts(payload)['name'] == name


def test_addresses_request_dumps_ipv6_only():
    payload = body(nm.addresses_request())
    assert payload == struct.pack('=BBBBI', socket.AF_INET6, 0, 0, 0, 0)


@CHECK
@given(fd=st.integers(0, 2 ** 31 - 1))
def test_nsid_request_names_the_namespace_by_fd(fd):
    request = nm.nsid_request(fd)
    assert nm.attributes(body(request), 4) == {NETNSA_FD: struct.pack('=I', fd)}
    msg = nsidmsg(request.encode(1))
    msg.decode()
    assert msg.get_attr('NETNSA_FD') == fd


# ------------------------------------------------------------ attributes()

@CHECK
@given(kind=st.integers(0, 0x3fff), value=st.one_of(st.integers(0, 2 ** 32 - 1), st.binary(max_size=64)))
def test_one_attribute_round_trips(kind, value):
    payload = struct.pack('=I', value) if isinstance(value, int) else value
    assert nm.attributes(nla(kind, value)) == {kind: payload}
    # The flag bits of the type (NLA_F_NESTED, NLA_F_NET_BYTEORDER) are not part of it.
    assert nm.attributes(nla(kind | 0x8000, value)) == {kind: payload}
    assert nm.attributes(nla(kind | 0x4000, value)) == {kind: payload}


@CHECK
@given(attrs=st.lists(st.tuples(st.integers(0, 0x3fff), st.binary(max_size=24)), max_size=8),
       wanted=st.sets(st.integers(0, 40), max_size=5))
def test_attributes_decodes_a_sequence_last_one_wins(attrs, wanted):
    data = b''.join(nla(kind, value) for kind, value in attrs)
    expected = dict(attrs)
    assert nm.attributes(data) == expected
    assert nm.attributes(data, 0, wanted) == dict((k, v) for k, v in expected.items() if k in wanted)
    assert nm.attributes(b'\xff' * 4 + data, 4) == expected, 'offset skips a header'


@CHECK
@given(data=st.binary(max_size=200), offset=st.integers(0, 210))
@example(data=b'\x00\x00\x01\x00', offset=0)
@example(data=b'\x03\x00\x01\x00ab', offset=0)
@example(data=b'\xff\xff\x01\x00ab', offset=0)
def test_attributes_never_raises_on_arbitrary_bytes(data, offset):
    found = nm.attributes(data, offset)
    for kind, payload in found.items():
        assert 0 <= kind <= 0x3fff
        assert payload in data
        assert len(payload) <= max(0, len(data) - offset - 4)


def test_attributes_stops_at_a_length_below_the_header():
    good = nla(3, b'nk0\0')
    assert nm.attributes(good + b'\x02\x00\x04\x00' + nla(4, 1500)) == {3: b'nk0\0'}


def test_attributes_cuts_an_attribute_longer_than_the_data():
    # A length past the end gives what is there (the kernel never sends this).
    assert nm.attributes(b'\x40\x00\x04\x00\xdc\x05') == {4: b'\xdc\x05'}


# ------------------------------------------------------------ link_facts() and address_facts() on arbitrary bytes

LINK_FACT_KEYS = {'index', 'name', 'address', 'kind', 'up', 'carrier', 'mtu', 'link', 'link_netnsid', 'addrgenmode',
                  'netkit', 'group', 'txqueuelen', 'gso_max_size', 'gro_max_size', 'tso_max_size', 'gso_ipv4_max_size',
                  'gro_ipv4_max_size', 'numrxqueues', 'numtxqueues'}
# Attributes link_facts reads, with payloads of any size, and link info of kind netkit.
some_attrs = st.lists(st.tuples(st.sampled_from([1, 3, 4, 5, 13, 26, 27, 31, 32, 33, 37, 41, 58, 59, 63, 64, 99]),
                                st.binary(max_size=12)), max_size=6)
netkit_linkinfo = st.lists(st.tuples(st.integers(0, 11), st.binary(max_size=8)), max_size=6).map(
    lambda attrs: nla(IFLA_LINKINFO, nla(IFLA_INFO_KIND, b'netkit\0') + nla(
        IFLA_INFO_DATA, b''.join(nla(kind, value) for kind, value in attrs))))
link_payloads = st.one_of(
    st.binary(max_size=80),
    st.tuples(st.binary(min_size=16, max_size=16), some_attrs, st.one_of(st.just(b''), netkit_linkinfo)).map(
        lambda parts: parts[0] + b''.join(nla(kind, value) for kind, value in parts[1]) + parts[2]),
)


@CHECK
@given(payload=link_payloads)
@example(payload=b'\x00' * 15)
@example(payload=b'\x00' * 16 + nla(IFLA_LINK_NETNSID, b'\x01\x02'))
@example(payload=b'\x00' * 16 + nla(IFLA_LINK_NETNSID, 5))
def test_link_facts_on_arbitrary_bytes(payload):
    """link_facts() raises struct.error, and nothing else, on a payload shorter than an
    ifinfomsg (16 bytes) or with an IFLA_LINK_NETNSID that is not 4 bytes; it decodes
    anything else. The kernel sends neither; a reply that did would end the module with
    a traceback, as struct.error is not a NetkitError."""
    netnsid = nm.attributes(payload, 16).get(IFLA_LINK_NETNSID) if len(payload) >= 16 else None
    malformed = len(payload) < 16 or (netnsid is not None and len(netnsid) != 4)
    try:
        facts = nm.link_facts(payload)
    except struct.error:
        assert malformed
        return
    assert not malformed
    assert set(facts) == LINK_FACT_KEYS
    assert facts['index'] == struct.unpack_from('=i', payload, 4)[0]
    assert isinstance(facts['up'], bool) and isinstance(facts['carrier'], bool)
    assert facts['name'] is None or isinstance(facts['name'], str)
    raw = nm.attributes(payload, 16).get(IFLA_ADDRESS)
    if raw and any(bytearray(raw)):
        assert facts['address'] == ':'.join('%02x' % byte for byte in bytearray(raw))
    else:
        assert facts['address'] is None, 'no address, or zeros (an L3 device)'
    if facts['kind'] == 'netkit':
        assert set(facts['netkit']) == {'primary'} | set(NETKIT_SETTINGS)
    else:
        assert facts['netkit'] is None


@CHECK
@given(payload=st.one_of(st.binary(max_size=60), st.binary(min_size=8, max_size=8).map(
    lambda head: head + nla(IFA_ADDRESS, b'\xfe\x80' + b'\x00' * 13 + b'\x01'))))
def test_address_facts_on_arbitrary_bytes(payload):
    """struct.error below an ifaddrmsg (8 bytes), else None or one link-local address."""
    try:
        found = nm.address_facts(payload)
    except struct.error:
        assert len(payload) < 8
        return
    assert len(payload) >= 8
    if found is not None:
        index, address = found
        assert address['address'].startswith('fe80:')
        assert index == struct.unpack_from('=I', payload, 4)[0]


@pytest.mark.parametrize('address,flags,ifa_flags,expected', [
    (b'\xfe\x80' + b'\0' * 13 + b'\x01', 0, None, {'address': 'fe80::1', 'prefixlen': 64, 'stable_privacy': False}),
    (b'\xfe\x80' + b'\0' * 13 + b'\x01', 0, 0x800, {'address': 'fe80::1', 'prefixlen': 64, 'stable_privacy': True}),
    # IFA_FLAGS, when there, has the last word over ifaddrmsg's 8-bit flags.
    (b'\xfe\x80' + b'\0' * 13 + b'\x01', 0x80, 0, {'address': 'fe80::1', 'prefixlen': 64, 'stable_privacy': False}),
    (b'\x20\x01' + b'\0' * 13 + b'\x01', 0, 0x800, None),
    (b'\xfe\x80\0\0', 0, None, None),
])
def test_address_facts_reads_link_local_addresses_only(address, flags, ifa_flags, expected):
    payload = struct.pack('=BBBBI', socket.AF_INET6, 64, flags, 253, 6) + nla(IFA_ADDRESS, address)
    if ifa_flags is not None:
        payload += nla(8, ifa_flags)
    assert nm.address_facts(payload) == (None if expected is None else (6, expected))


# ------------------------------------------------------------ messages(), error_code(), nsid_of()

@CHECK
@given(data=st.binary(max_size=120))
@example(data=b'\x00' * 16)
@example(data=b'\x0f\x00\x00\x00' + b'\x00' * 12)
def test_messages_yield_what_the_lengths_describe_or_refuse_a_malformed_length(data):
    """messages() never spins on a bad length: it yields what the lengths describe, or raises NetkitError."""
    found = []
    try:
        for message in nm.messages(data):
            found.append(message)
            assert len(found) <= len(data) // 16
    except NetkitError as exc:
        assert 'malformed netlink reply' in str(exc)
        assert header(data[sum(16 + (len(m[3]) + 3) // 4 * 4 for m in found):])[0] < 16
        return
    for kind, flags, seq, payload in found:
        assert 0 <= kind < 2 ** 16 and 0 <= flags < 2 ** 16 and 0 <= seq < 2 ** 32
        assert payload in data


@CHECK
@given(parts=st.lists(st.tuples(st.integers(0, 2 ** 16 - 1), st.integers(0, 2 ** 16 - 1), st.integers(0, 2 ** 32 - 1),
                                st.binary(max_size=24).map(lambda raw: raw + b'\0' * (-len(raw) % 4))), max_size=5))
def test_messages_split_one_datagram_into_its_messages(parts):
    assert list(nm.messages(b''.join(nlmsg(*part) for part in parts))) == parts


@pytest.mark.parametrize('code', [0, 1, 2, 17, 19, 95, 4095])
def test_error_code_is_the_errno_of_an_nlmsgerr(code):
    # struct nlmsgerr: a negative errno (0 for an ack), then the request's nlmsghdr.
    assert nm.error_code(struct.pack('=i', -code) + b'\0' * 16) == code


@pytest.mark.parametrize('attrs,nsid', [
    (nla(NETNSA_NSID, struct.pack('=i', 3)), 3),
    (nla(NETNSA_NSID, struct.pack('=i', 0)), 0),
    (nla(NETNSA_NSID, struct.pack('=i', -1)), None),
    (b'', None),
])
def test_nsid_of_a_reply(attrs, nsid):
    assert nm.nsid_of(struct.pack('=B3x', socket.AF_UNSPEC) + attrs) == nsid


# ------------------------------------------------------------ what a kernel sent

def captured(name):
    with open(os.path.join(FIXTURES, 'rtm_newlink_%s.hex' % name)) as handle:
        return binascii.unhexlify(handle.read().strip())


def only_message(reply):
    [(kind, _flags, _seq, payload)] = list(nm.messages(reply))
    assert kind == RTM_NEWLINK
    return payload


def test_decodes_an_l2_primary_the_kernel_sent():
    facts = nm.link_facts(only_message(captured('nkcap')))
    assert facts['name'] == 'nkcap'
    assert facts['kind'] == 'netkit'
    assert facts['addrgenmode'] == 'random'
    assert facts['link'] is not None
    assert facts['netkit'] == {'primary': True, 'mode': 'l2', 'policy': 'blackhole', 'peer_policy': 'forward',
                               'scrub': 'none', 'peer_scrub': 'none', 'headroom': None, 'tailroom': None,
                               'pairing': None}
    # An L2 device's random MAC (5a:fb:... in the bytes, written out here), the kernel's queues and IPv4 sizes.
    assert facts['address'] == '5a:fb:4c:a3:05:f4'
    assert (facts['numrxqueues'], facts['numtxqueues'], facts['gso_ipv4_max_size'], facts['gro_ipv4_max_size']) == (
        1, 1, 65536, 65536)


def test_decodes_the_peer_of_that_pair():
    facts = nm.link_facts(only_message(captured('nkcapp')))
    assert facts['name'] == 'nkcapp'
    assert facts['netkit']['primary'] is False
    assert facts['addrgenmode'] == 'eui64'
    assert facts['link'] == nm.link_facts(only_message(captured('nkcap')))['index']


def test_decodes_the_kernel_defaults():
    facts = nm.link_facts(only_message(captured('nkl3')))
    assert facts['netkit'] == {'primary': True, 'mode': 'l3', 'policy': 'forward', 'peer_policy': 'forward',
                               'scrub': 'default', 'peer_scrub': 'default', 'headroom': None, 'tailroom': None,
                               'pairing': None}, '6.12 reports no pairing'
    assert facts['up'] is False
    assert facts['address'] is None, 'an L3 device reports a MAC of zeros'
    assert nm.attributes(only_message(captured('nkl3')), 16)[IFLA_ADDRESS] == b'\0' * 6


@pytest.mark.parametrize('name', ['nkcap', 'nkcapp', 'nkl3', 'nkl3p'])
def test_pyroute2_reads_what_the_kernel_sent_the_same(name):
    reply = captured(name)
    msg = ifinfmsg(reply)
    msg.decode()
    facts = nm.link_facts(only_message(reply))
    assert (msg['index'], bool(msg['flags'] & IFF_UP)) == (facts['index'], facts['up'])
    assert (msg.get_attr('IFLA_IFNAME'), msg.get_attr('IFLA_MTU'), msg.get_attr('IFLA_LINK')) == (
        facts['name'], facts['mtu'], facts['link'])
    assert msg.get_attr('IFLA_LINK_NETNSID') == facts['link_netnsid']
    for key, name in PYROUTE2_NAMES.items():
        if key != 'address':
            assert facts[key] is not None, '6.12 reports %s' % name
            assert msg.get_attr(name) == facts[key], key
    # An L3 device's MAC of zeros reads as none.
    assert msg.get_attr('IFLA_ADDRESS') == (facts['address'] or '00:00:00:00:00:00')
    assert msg.get_attr('IFLA_GROUP') == facts['group']
    assert bool(msg.get_attr('IFLA_CARRIER')) is facts['carrier']
    mode = msg.get_attr('IFLA_AF_SPEC').get_attr('AF_INET6').get_attr('IFLA_INET6_ADDR_GEN_MODE')
    assert nm.ADDR_GEN_MODE_NAMES[mode] == facts['addrgenmode']
    assert msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_KIND') == facts['kind'] == 'netkit'
    data = msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_DATA')
    assert bool(data.get_attr('IFLA_NETKIT_PRIMARY')) is facts['netkit']['primary']
    for key in NETKIT_SETTINGS:
        number = data.get_attr(nla_name(SETTING_ATTRIBUTES[key]))
        value = facts['netkit'][key]
        assert number == (None if value is None else encode_value(key, value)), key


def linux7_link(name, index, link, mode, pairing, address, numrxqueues, ipv4_sizes=(65536, 65536), primary=True,
                netkit_extra=b''):
    """An RTM_NEWLINK payload laid out as Linux 7.x sends one for a netkit device (the attributes
    of the fixtures, in the kernel's order, with 7.0's IFLA_NETKIT_PAIRING): test input, built here
    with the kernel's numbers."""
    def u8(value):
        return struct.pack('=B', value)

    def u16(value):
        return struct.pack('=H', value)

    netkit = (nla(IFLA_NETKIT_PRIMARY, u8(primary)) + nla(3, 0) + netkit_extra + nla(5, mode)
              + nla(8, u16(0)) + nla(9, u16(0)) + nla(IFLA_NETKIT_PAIRING, pairing))
    attrs = (nla(IFLA_IFNAME, name.encode() + b'\0') + nla(IFLA_TXQLEN, 1000) + nla(IFLA_MTU, 1500)
             + nla(IFLA_GROUP, 0) + nla(IFLA_NUM_TX_QUEUES, 1) + nla(IFLA_NUM_RX_QUEUES, numrxqueues)
             + nla(IFLA_GSO_MAX_SIZE, 65536) + nla(IFLA_GSO_IPV4_MAX_SIZE, ipv4_sizes[0])
             + nla(IFLA_GRO_MAX_SIZE, 65536) + nla(IFLA_GRO_IPV4_MAX_SIZE, ipv4_sizes[1]) + nla(59, 524280)
             + nla(33, u8(1)) + nla(IFLA_ADDRESS, address) + nla(2, b'\xff' * 6) + nla(IFLA_LINK, link)
             + nla(IFLA_LINKINFO, nla(IFLA_INFO_KIND, b'netkit\0') + nla(IFLA_INFO_DATA, netkit))
             + nla(26, nla(10, nla(8, u8(3)))))
    return struct.pack('=BxHiII', socket.AF_UNSPEC, 1, index, IFF_UP | 0x40 | 0x10000, 0) + attrs


LINUX7_LINKS = {
    # A single device in l3 mode with 8 RX queues: IFLA_LINK 0, no peer policy, no scrub, a MAC of zeros.
    'single': linux7_link('nks0', 20, 0, mode=1, pairing=NETKIT_DEVICE_SINGLE, address=b'\0' * 6, numrxqueues=8),
    # The primary of an l2 pair, with its MAC and BIG TCP over IPv4: pairing 0, the peer's policy and scrubs.
    'pair': linux7_link('nk1', 7, 3, mode=0, pairing=NETKIT_DEVICE_PAIR, address=b'\x02\x5e\x10\0\0\x01',
                        numrxqueues=1, ipv4_sizes=(196608, 131072),
                        netkit_extra=nla(4, 2) + nla(6, 1) + nla(7, 0)),
}


def test_decodes_a_single_device_as_linux_7_reports_it():
    facts = nm.link_facts(LINUX7_LINKS['single'])
    assert facts['netkit'] == {'primary': True, 'mode': 'l3', 'policy': 'forward', 'peer_policy': None,
                               'scrub': None, 'peer_scrub': None, 'headroom': 0, 'tailroom': 0, 'pairing': 'single'}
    assert (facts['name'], facts['index'], facts['link'], facts['up'], facts['carrier']) == ('nks0', 20, 0, True, True)
    assert facts['address'] is None, 'l3: a MAC of zeros'
    assert (facts['numrxqueues'], facts['numtxqueues'], facts['gso_ipv4_max_size'], facts['gro_ipv4_max_size']) == (
        8, 1, 65536, 65536)
    assert facts['addrgenmode'] == 'random'


def test_decodes_an_end_of_a_pair_that_reports_pairing():
    facts = nm.link_facts(LINUX7_LINKS['pair'])
    assert facts['netkit'] == {'primary': True, 'mode': 'l2', 'policy': 'forward', 'peer_policy': 'blackhole',
                               'scrub': 'default', 'peer_scrub': 'none', 'headroom': 0, 'tailroom': 0,
                               'pairing': 'pair'}
    assert (facts['address'], facts['link'], facts['numrxqueues']) == ('02:5e:10:00:00:01', 3, 1)
    assert (facts['gso_max_size'], facts['gso_ipv4_max_size'], facts['gro_ipv4_max_size']) == (65536, 196608, 131072)


@pytest.mark.parametrize('name', sorted(LINUX7_LINKS))
def test_pyroute2_reads_what_linux_7_sends_the_same(name):
    payload = LINUX7_LINKS[name]
    msg = ifinfmsg(nlmsg(RTM_NEWLINK, 0, 1, payload))
    msg.decode()
    facts = nm.link_facts(payload)
    assert (msg['index'], msg.get_attr('IFLA_IFNAME'), msg.get_attr('IFLA_LINK')) == (
        facts['index'], facts['name'], facts['link'])
    for key, pyroute2_name in PYROUTE2_NAMES.items():
        if key != 'address':
            assert msg.get_attr(pyroute2_name) == facts[key], key
    assert msg.get_attr('IFLA_ADDRESS') == (facts['address'] or '00:00:00:00:00:00')
    data = msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_DATA')
    for key in NETKIT_SETTINGS:
        number = data.get_attr(nla_name(SETTING_ATTRIBUTES[key]))
        value = facts['netkit'][key]
        assert number == (None if value is None else encode_value(key, value)), key


def test_an_empty_address_generation_mode_reads_as_the_kernels_default():
    """A zero-length IFLA_INET6_ADDR_GEN_MODE (the kernel sends one byte) decodes as mode 0, eui64."""
    payload = b'\0' * 16 + nla(nm.IFLA_AF_SPEC, nla(nm.AF_SPEC_AF_INET6, nla(nm.IFLA_INET6_ADDR_GEN_MODE, b'')))
    assert nm.link_facts(payload)['addrgenmode'] == 'eui64'


def test_requests_encode_netkit_attributes_before_any_socket_exists():
    """Importing the messages teaches pyroute2 the kind: a fresh interpreter encodes a policy
    request without ever making a Kernel."""
    script = ('from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_messages as nm\n'
              'print(nm.policy_request(3, {"policy": "blackhole"}).encode(1).hex())\n')
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0, done.stderr
    data = nm.attributes(info_data(bytes.fromhex(done.stdout.strip())[NLMSG_HEADER_SIZE:]))
    assert data == {3: struct.pack('=I', 2)}, 'IFLA_NETKIT_POLICY blackhole'


@pytest.mark.parametrize('name', ['nkcap', 'nkcapp', 'nkl3', 'nkl3p'])
@pytest.mark.parametrize('group', [0, 7, 2 ** 31 - 1])
def test_the_group_reader_reads_what_link_facts_reads(name, group):
    """link_group() (the group check after moving pairs) against the full decoder, on what the
    kernel sent, with IFLA_GROUP set to group."""
    payload = only_message(captured(name))
    offset = nm.IFINFOMSG.size
    while offset + 4 <= len(payload):
        length, kind = struct.unpack_from('=HH', payload, offset)
        assert length >= 4
        if kind == nm.IFLA_GROUP:
            payload = payload[:offset + 4] + struct.pack('=I', group) + payload[offset + 8:]
        offset += (length + 3) & ~3
    facts = nm.link_facts(payload)
    assert facts['group'] == group
    assert nm.link_group(payload) == (facts['index'], group)
