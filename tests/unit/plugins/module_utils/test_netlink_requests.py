# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The requests that change the kernel (_netlink_requests.py), encoded by pyroute2:
what each carries, read back by the collection's decoder and by pyroute2's. Test input
helpers are test_netlink_messages.py's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import os
import socket
import struct
import subprocess
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_messages as nm
from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_requests as nr
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import (
    NETKIT_ATTRIBUTES, SETTING_ATTRIBUTES, encode_value, nla_name,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import ifaddrmsg
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.test_netlink_messages import (
    BOTH_ENDS, CHECK, END_FACTS, IFF_UP, IFLA_ADDRESS, IFLA_GRO_IPV4_MAX_SIZE, IFLA_GRO_MAX_SIZE,
    IFLA_GROUP, IFLA_GSO_IPV4_MAX_SIZE, IFLA_GSO_MAX_SIZE, IFLA_IFNAME, IFLA_LINKINFO, IFLA_MTU, IFLA_NET_NS_FD,
    IFLA_NETKIT_PAIRING, IFLA_NETKIT_PEER_INFO, IFLA_NUM_RX_QUEUES, IFLA_NUM_TX_QUEUES, IFLA_TXQLEN,
    NETKIT_DEVICE_SINGLE, NETKIT_SETTINGS, NLM_F_ACK, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REQUEST,
    NLMSG_HEADER_SIZE, PYROUTE2_NAMES, RTM_DELADDR, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, assert_type_and_flags, body,
    devices, end_facts, header, indexes, info_data, maybe, pyroute2_link, wanted_pairs, wanted_singles,
)


def test_encode_writes_the_whole_message_header_included():
    request = nr.delete_request(7)
    data = request.encode(41, NLM_F_REQUEST | NLM_F_ACK)
    assert len(data) == NLMSG_HEADER_SIZE + 16
    assert header(data) == (len(data), RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 41, 0)
    assert nm.IFINFOMSG.unpack_from(data, NLMSG_HEADER_SIZE) == (socket.AF_UNSPEC, 0, 7, 0, 0)


@CHECK
@given(wanted=wanted_pairs, first=st.integers(0, 2 ** 32 - 1), second=st.integers(0, 2 ** 32 - 1),
       flags=st.sampled_from([0, NLM_F_REQUEST | NLM_F_ACK]))
def test_a_request_encodes_afresh_each_time(wanted, first, second, flags):
    """Kernel.read() sends a request again when a dump was interrupted: the same bytes, its new sequence number."""
    for request in (nr.create_request(wanted), nm.links_request(), nr.addrgenmode_request(wanted['name'], 'random')):
        one, two = request.encode(first, flags), request.encode(second, flags)
        assert header(one)[3] == first and header(two)[3] == second
        assert one[:8] + one[12:] == two[:8] + two[12:]
        assert header(one)[2] == request.flags | flags


@CHECK
@given(requests=st.lists(st.tuples(indexes, st.integers(0, 2 ** 32 - 1), st.sampled_from(['delete', 'group', 'sync'])),
                         min_size=1, max_size=6),
       group=st.integers(1, 2 ** 32 - 1), flags=st.sampled_from([0, NLM_F_REQUEST | NLM_F_ACK]))
def test_a_device_request_is_pyroute2s_encoding_with_its_index_and_sequence_number(requests, group, flags):
    """Requests of one kind share one encoding, each with its own ifindex and sequence
    number: byte for byte what pyroute2 encodes for the request afresh, in any order."""
    for index, seq, kind in requests:
        request = {'delete': nr.delete_request, 'sync': nr.sync_request}.get(
            kind, lambda index: nr.group_request(index, group))(index)
        assert request.encode(seq, flags) == nr.Request.encode(request, seq, flags)


@pytest.mark.parametrize('request_,msg_type,flags', [
    pytest.param(nr.create_request(dict(name='nk0', peer_name='nk0p')), RTM_NEWLINK,
                 NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, id='create'),
    pytest.param(nr.addrgenmode_request('nk0', 'none'), RTM_NEWLINK, 0, id='addrgenmode'),
    pytest.param(nr.up_request('nk0'), RTM_NEWLINK, 0, id='up'),
    pytest.param(nr.settings_request(5, [['IFLA_MTU', 1500], ['IFLA_TXQLEN', 1000]]), RTM_NEWLINK, 0, id='settings'),
    pytest.param(nr.netns_request(5, 3), RTM_NEWLINK, 0, id='netns'),
    pytest.param(nr.policy_request(5, {'policy': 'forward'}), RTM_NEWLINK, 0, id='policy'),
    pytest.param(nr.delete_request(5), RTM_DELLINK, 0, id='delete'),
    pytest.param(nr.group_request(5, 70000), RTM_NEWLINK, 0, id='group'),
    pytest.param(nr.group_delete_request(70000), RTM_DELLINK, 0, id='group_delete'),
    pytest.param(nr.sync_request(5), RTM_GETLINK, 0, id='sync'),
    pytest.param(nr.delete_address_request(5, {'address': 'fe80::1', 'prefixlen': 64}), RTM_DELADDR, 0,
                 id='delete_address'),
])
def test_each_request_has_the_kernels_type_and_flags(request_, msg_type, flags):
    assert_type_and_flags(request_, msg_type, flags)


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
    payload = body(nr.create_request(wanted, netns_fd=netns_fd))
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
    payload = body(nr.create_request(wanted))
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
    payload = body(nr.create_request(wanted, netns_fd=7))
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
    assert nr.create_request(dict(wanted, pairing='pair')).encode(1) == nr.create_request(wanted).encode(1)
    assert nr.create_request(dict(wanted, pairing=None)).encode(1) == nr.create_request(wanted).encode(1)


def test_create_request_for_a_single_device():
    """One device: its name, its queue counts and its kind, IFLA_NETKIT_PAIRING single and no peer."""
    payload = body(nr.create_request(dict(name='nks0', peer_name=None, pairing='single', numrxqueues=8,
                                          numtxqueues=1, policy='forward')))
    attrs = nm.attributes(payload, 16)
    assert set(attrs) == {IFLA_IFNAME, IFLA_NUM_RX_QUEUES, IFLA_NUM_TX_QUEUES, IFLA_LINKINFO}
    assert (attrs[IFLA_NUM_RX_QUEUES], attrs[IFLA_NUM_TX_QUEUES]) == (struct.pack('=I', 8), struct.pack('=I', 1))
    assert nm.attributes(info_data(payload)) == {IFLA_NETKIT_PAIRING: struct.pack('=I', NETKIT_DEVICE_SINGLE),
                                                 3: struct.pack('=I', 0)}, 'pairing single, policy forward'


@CHECK
@given(wanted=wanted_singles, netns_fd=maybe(st.integers(0, 2 ** 31 - 1)))
def test_a_single_device_is_created_without_a_peer(wanted, netns_fd):
    request = nr.create_request(wanted, netns_fd)
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
    msg = pyroute2_link(nr.create_request(wanted, netns_fd))
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
    request = nr.addrgenmode_request(device, mode)
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
    payload = body(nr.up_request(device, up))
    _family, _type, index, flags, change = nm.IFINFOMSG.unpack_from(payload)
    assert (flags, change) == (IFF_UP if up else 0, IFF_UP)
    back = nm.link_facts(payload)
    assert back['up'] is up
    assert (back['name'], index) == ((device, 0) if isinstance(device, str) else (None, device))


@CHECK
@given(index=indexes, mtu=st.integers(68, 65535), fd=st.integers(0, 2 ** 31 - 1), txqueuelen=st.integers(0, 2 ** 32 - 1),
       gso=st.integers(1, 524280))
def test_settings_netns_and_delete_requests_name_the_device_by_index(index, mtu, fd, txqueuelen, gso):
    moved = body(nr.netns_request(index, fd))
    assert nm.attributes(moved, 16) == {IFLA_NET_NS_FD: struct.pack('=I', fd)}
    assert nm.link_facts(moved)['index'] == index
    resized = nm.link_facts(body(nr.settings_request(index, [['IFLA_MTU', mtu], ['IFLA_TXQLEN', txqueuelen],
                                                             ['IFLA_GSO_MAX_SIZE', gso], ['IFLA_GRO_MAX_SIZE', gso]])))
    assert (resized['index'], resized['mtu'], resized['name'], resized['up']) == (index, mtu, None, False)
    assert (resized['txqueuelen'], resized['gso_max_size'], resized['gro_max_size']) == (txqueuelen, gso, gso)
    deleted = body(nr.delete_request(index))
    assert nm.attributes(deleted, 16) == {}, 'never by name: a name can change hands meanwhile'
    assert nm.link_facts(deleted) == dict(nm.link_facts(body(nr.delete_request(1))), index=index)


@CHECK
@given(index=indexes, group=st.integers(1, 2 ** 32 - 1))
def test_group_requests_move_a_device_into_a_group_and_delete_the_group(index, group):
    moved = nr.group_request(index, group)
    back = nm.link_facts(body(moved))
    assert (back['index'], back['group'], back['name'], back['mtu']) == (index, group, None, None)
    assert pyroute2_link(moved).get_attr('IFLA_GROUP') == group
    deleted = body(nr.group_delete_request(group))
    assert nm.IFINFOMSG.unpack_from(deleted)[2] == 0, 'no ifindex: every device of the group'
    assert nm.attributes(deleted, 16) == {IFLA_GROUP: struct.pack('=I', group)}


@CHECK
@given(index=indexes, policies=st.dictionaries(st.sampled_from(['policy', 'peer_policy']), st.sampled_from(
    sorted(SETTING_ATTRIBUTES['policy'].names)), min_size=1))
def test_policy_request_carries_only_the_policies(index, policies):
    request = nr.policy_request(index, policies)
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
    request = nr.delete_address_request(index, {'address': address, 'prefixlen': prefixlen})
    payload = body(request)
    assert nm.IFADDRMSG.unpack_from(payload)[:2] == (socket.AF_INET6, prefixlen)
    assert nm.address_facts(payload) == (index, {'address': address, 'prefixlen': prefixlen, 'stable_privacy': False})
    msg = ifaddrmsg(request.encode(1))
    msg.decode()
    assert (msg['index'], msg['prefixlen'], msg.get_attr('IFA_ADDRESS')) == (index, prefixlen, address)


def test_requests_encode_netkit_attributes_before_any_socket_exists():
    """Importing the requests teaches pyroute2 the kind: a fresh interpreter encodes a policy
    request without ever making a Kernel."""
    script = ('from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_requests as nr\n'
              'print(nr.policy_request(3, {"policy": "blackhole"}).encode(1).hex())\n')
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0, done.stderr
    data = nm.attributes(info_data(bytes.fromhex(done.stdout.strip())[NLMSG_HEADER_SIZE:]))
    assert data == {3: struct.pack('=I', 2)}, 'IFLA_NETKIT_POLICY blackhole'
