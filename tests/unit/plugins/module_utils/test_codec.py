# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hand-written netlink codec of module_utils/_netkit.py, with hypothesis.

What create_request() and the other request builders encode, link_facts() decodes back
to the same values, and pyroute2's decoder (an independent implementation) reads the
same. attributes(), link_facts() and address_facts() are fed arbitrary bytes: the
errors they may raise are pinned down here. No socket is opened.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _netkit as nk
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError

CHECK = settings(max_examples=200, deadline=None)

IFLA_LINKINFO = 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_NETKIT_PEER_INFO = 1
IFLA_NET_NS_FD = 28
IFLA_LINK_NETNSID = 37


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


def maybe(strategy):
    return st.one_of(st.none(), strategy)


def choice(key):
    return maybe(st.sampled_from(sorted(nk.VALUE_NAMES[key])))


wanted_pairs = st.fixed_dictionaries({
    'name': names, 'peer_name': names, 'mtu': maybe(st.integers(68, 65535)), 'peer_mtu': maybe(st.integers(68, 65535)),
    'mode': choice('mode'), 'policy': choice('policy'), 'peer_policy': choice('policy'), 'scrub': choice('scrub'),
    'peer_scrub': choice('scrub'), 'headroom': maybe(st.integers(0, 65535)), 'tailroom': maybe(st.integers(0, 65535)),
})
NETKIT_SETTINGS = sorted(nk.NETKIT_ATTR_IDS)


def info_data(body):
    """IFLA_INFO_DATA of an RTM_NEWLINK body (ifinfomsg first)."""
    return nk.attributes(nk.attributes(body, nk.IFINFOMSG.size)[IFLA_LINKINFO])[IFLA_INFO_DATA]


def pyroute2_decoded(body):
    nk.register_netkit_kind()
    msg = nk.ifinfmsg(nk._message(nk.RTM_NEWLINK, 0, 1, body))
    msg.decode()
    return msg


# ------------------------------------------------------------ round trips

@CHECK
@given(wanted=wanted_pairs, netns_fd=maybe(st.integers(0, 2 ** 31 - 1)))
@example(wanted=dict(name='a' * 15, peer_name='ü' * 7, mtu=68, peer_mtu=65535, mode='l2', policy='blackhole',
                     peer_policy='forward', scrub='none', peer_scrub='default', headroom=65535, tailroom=0),
         netns_fd=0)
def test_create_request_decodes_to_what_was_asked(wanted, netns_fd):
    body = nk.create_request(wanted, netns_fd=netns_fd)
    assert len(body) % 4 == 0, 'netlink attributes are 4-byte aligned'
    back = nk.link_facts(body)
    assert (back['name'], back['mtu'], back['kind'], back['up'], back['index']) == (
        wanted['name'], wanted['mtu'], 'netkit', False, 0)
    facts = back['netkit']
    assert facts['primary'] is False, 'a request carries no IFLA_NETKIT_PRIMARY'
    for key in NETKIT_SETTINGS:
        assert facts[key] == wanted[key], key
    # The sizes the kernel's netkit_policy checks: u16 for headroom and tailroom, u32 for the others.
    data = nk.attributes(info_data(body))
    for key, attr in nk.NETKIT_ATTR_IDS.items():
        if wanted[key] is not None:
            assert len(data[attr]) == (2 if key in ('headroom', 'tailroom') else 4), key
    # The peer: its own ifinfomsg and IFLA_* attributes, decoded the same way.
    peer_info = nk.attributes(info_data(body))[IFLA_NETKIT_PEER_INFO]
    peer = nk.link_facts(peer_info)
    assert (peer['name'], peer['mtu'], peer['kind']) == (wanted['peer_name'], wanted['peer_mtu'], None)
    peer_attrs = nk.attributes(peer_info, nk.IFINFOMSG.size)
    if netns_fd is None:
        assert IFLA_NET_NS_FD not in peer_attrs
    else:
        assert peer_attrs[IFLA_NET_NS_FD] == struct.pack('=I', netns_fd)


@CHECK
@given(wanted=wanted_pairs)
def test_pyroute2_reads_create_request_the_same(wanted):
    msg = pyroute2_decoded(nk.create_request(wanted))
    assert msg.get_attr('IFLA_IFNAME') == wanted['name']
    assert msg.get_attr('IFLA_MTU') == wanted['mtu']
    assert msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_KIND') == 'netkit'
    data = msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_DATA')
    for key in NETKIT_SETTINGS:
        number = data.get_attr(nk.ATTR[key])
        expected = wanted[key] if key not in nk.VALUE_NAMES or wanted[key] is None else nk.VALUE_NAMES[key][wanted[key]]
        assert number == expected, key
    peer = data.get_attr('IFLA_NETKIT_PEER_INFO')
    assert peer.get_attr('IFLA_IFNAME') == wanted['peer_name']
    assert peer.get_attr('IFLA_MTU') == wanted['peer_mtu']


@CHECK
@given(name=names, mode=st.sampled_from(sorted(nk.ADDR_GEN_MODES)))
def test_addrgenmode_request_round_trips(name, mode):
    back = nk.link_facts(nk.addrgenmode_request(name, mode))
    assert (back['name'], back['addrgenmode'], back['kind'], back['netkit']) == (name, mode, None, None)


@CHECK
@given(name=names, index=st.integers(0, 2 ** 31 - 1))
def test_up_and_delete_requests_round_trip(name, index):
    up = nk.link_facts(nk.up_request(name))
    assert (up['name'], up['up'], up['index']) == (name, True, 0)
    deleted = nk.link_facts(nk.delete_request(index))
    assert (deleted['name'], deleted['index'], deleted['up']) == (None, index, False)
    assert nk.link_facts(nk.delete_request(index)) == dict(nk.link_facts(nk.delete_request(0)), index=index)


@CHECK
@given(kind=st.integers(0, 0x3fff), value=st.one_of(st.integers(0, 2 ** 32 - 1), st.binary(max_size=64)))
def test_one_attribute_round_trips(kind, value):
    encoded = nk._attr(kind, value)
    assert len(encoded) % 4 == 0
    payload = struct.pack('=I', value) if isinstance(value, int) else value
    assert nk.attributes(encoded) == {kind: payload}
    # The flag bits of the type (NLA_F_NESTED, NLA_F_NET_BYTEORDER) are not part of it.
    assert nk.attributes(nk._attr(kind | 0x8000, value)) == {kind: payload}


@CHECK
@given(attrs=st.lists(st.tuples(st.integers(0, 0x3fff), st.binary(max_size=24)), max_size=8),
       wanted=st.sets(st.integers(0, 40), max_size=5))
def test_attributes_decodes_a_sequence_last_one_wins(attrs, wanted):
    data = b''.join(nk._attr(kind, value) for kind, value in attrs)
    expected = dict(attrs)
    assert nk.attributes(data) == expected
    assert nk.attributes(data, 0, wanted) == dict((k, v) for k, v in expected.items() if k in wanted)
    assert nk.attributes(b'\xff' * 4 + data, 4) == expected, 'offset skips a header'


# ------------------------------------------------------------ arbitrary bytes

@CHECK
@given(data=st.binary(max_size=200), offset=st.integers(0, 210))
@example(data=b'\x00\x00\x01\x00', offset=0)
@example(data=b'\x03\x00\x01\x00ab', offset=0)
@example(data=b'\xff\xff\x01\x00ab', offset=0)
def test_attributes_never_raises_on_arbitrary_bytes(data, offset):
    found = nk.attributes(data, offset)
    for kind, payload in found.items():
        assert 0 <= kind <= 0x3fff
        assert payload in data
        assert len(payload) <= max(0, len(data) - offset - 4)


def test_attributes_stops_at_a_length_below_the_header():
    good = nk._attr(3, b'nk0\0')
    assert nk.attributes(good + b'\x02\x00\x04\x00' + nk._attr(4, 1500)) == {3: b'nk0\0'}


def test_attributes_cuts_an_attribute_longer_than_the_data():
    # A length past the end gives what is there (the kernel never sends this).
    assert nk.attributes(b'\x40\x00\x04\x00\xdc\x05') == {4: b'\xdc\x05'}


LINK_FACT_KEYS = {'index', 'name', 'kind', 'up', 'carrier', 'mtu', 'link', 'link_netnsid', 'addrgenmode', 'netkit'}
# Attributes link_facts reads, with payloads of any size, and link info of kind netkit.
some_attrs = st.lists(st.tuples(st.sampled_from([3, 4, 5, 26, 33, 37, 99]), st.binary(max_size=12)), max_size=6)
netkit_linkinfo = st.lists(st.tuples(st.integers(0, 10), st.binary(max_size=8)), max_size=6).map(
    lambda attrs: nk._attr(IFLA_LINKINFO, nk._attr(IFLA_INFO_KIND, b'netkit\0') + nk._attr(
        IFLA_INFO_DATA, b''.join(nk._attr(kind, value) for kind, value in attrs))))
link_payloads = st.one_of(
    st.binary(max_size=80),
    st.tuples(st.binary(min_size=16, max_size=16), some_attrs, st.one_of(st.just(b''), netkit_linkinfo)).map(
        lambda parts: parts[0] + b''.join(nk._attr(kind, value) for kind, value in parts[1]) + parts[2]),
)


@CHECK
@given(payload=link_payloads)
@example(payload=b'\x00' * 15)
@example(payload=b'\x00' * 16 + nk._attr(IFLA_LINK_NETNSID, b'\x01\x02'))
@example(payload=b'\x00' * 16 + nk._attr(IFLA_LINK_NETNSID, 5))
def test_link_facts_on_arbitrary_bytes(payload):
    """link_facts() raises struct.error, and nothing else, on a payload shorter than an
    ifinfomsg (16 bytes) or with an IFLA_LINK_NETNSID that is not 4 bytes; it decodes
    anything else. The kernel sends neither; a reply that did would end the module with
    a traceback, as struct.error is not a NetkitError."""
    netnsid = nk.attributes(payload, 16).get(IFLA_LINK_NETNSID) if len(payload) >= 16 else None
    malformed = len(payload) < 16 or (netnsid is not None and len(netnsid) != 4)
    try:
        facts = nk.link_facts(payload)
    except struct.error:
        assert malformed
        return
    assert not malformed
    assert set(facts) == LINK_FACT_KEYS
    assert facts['index'] == struct.unpack_from('=i', payload, 4)[0]
    assert isinstance(facts['up'], bool) and isinstance(facts['carrier'], bool)
    assert facts['name'] is None or isinstance(facts['name'], str)
    if facts['kind'] == 'netkit':
        assert set(facts['netkit']) == {'primary'} | set(NETKIT_SETTINGS)
    else:
        assert facts['netkit'] is None


@CHECK
@given(payload=st.one_of(st.binary(max_size=60), st.binary(min_size=8, max_size=8).map(
    lambda head: head + nk._attr(nk.IFA_ADDRESS, b'\xfe\x80' + b'\x00' * 13 + b'\x01'))))
def test_address_facts_on_arbitrary_bytes(payload):
    """struct.error below an ifaddrmsg (8 bytes), else None or one link-local address."""
    try:
        found = nk.address_facts(payload)
    except struct.error:
        assert len(payload) < 8
        return
    assert len(payload) >= 8
    if found is not None:
        index, address = found
        assert address['address'].startswith('fe80:')
        assert index == struct.unpack_from('=I', payload, 4)[0]


class ChunkSocket:
    """recv() hands out the chunks given, then ends the test's reading."""

    def __init__(self, chunks):
        self.chunks = list(chunks)

    def recv(self, _size):
        if not self.chunks:
            raise EOFError
        return self.chunks.pop(0)


@CHECK
@given(chunks=st.lists(st.binary(max_size=64), max_size=4))
def test_replies_yield_messages_or_refuse_a_malformed_length(chunks):
    """_replies() never spins on a bad length: it yields what the lengths describe, or raises NetkitError."""
    replies = []
    try:
        for reply in nk._replies(ChunkSocket(chunks)):
            replies.append(reply)
            assert len(replies) <= sum(len(chunk) for chunk in chunks) // 16
    except EOFError:
        pass
    except NetkitError as exc:
        assert 'malformed netlink reply' in str(exc)


def test_replies_split_one_receive_into_messages():
    first = nk._message(nk.RTM_NEWLINK, 2, 7, b'abcd')
    second = nk._message(nk.NLMSG_DONE, 0, 7, b'\0' * 4)
    replies = []
    try:
        for reply in nk._replies(ChunkSocket([first + second])):
            replies.append(reply)
    except EOFError:
        pass
    assert replies == [(nk.RTM_NEWLINK, 2, 7, b'abcd'), (nk.NLMSG_DONE, 0, 7, b'\0' * 4)]
