# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf_info's readers, module_utils/_bpf_observer.py: the IPv6 observer's event
and counter layouts against its C source (roles/netkit/files/ipv6_observer.bpf.c), the
decoding of an event, and the parameters refused before anything is opened. Reading
the pinned maps is tested in the VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import os
import re
import socket
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_observer import (
    DIRECTIONS, MAX_WATCH, OBJECT_NAME, Counter, Ipv6Event, decode_ipv6_event, read_observer,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import BpfError

CHECK = settings(max_examples=200, deadline=None)
SOURCE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'netkit', 'files',
                      'ipv6_observer.bpf.c')
# struct ipv6_event as the C source lays it out: two addresses, payload_len, nexthdr,
# hop_limit, direction, and padding to 40 bytes.
IPV6_EVENT = struct.Struct('=16s16sHBBB3x')


def params(**values):
    base = dict(device='nk0', pin_path=None, watch=0, max_events=10, counters_map='counters', events_map='ipv6_events')
    base.update(values)
    return base


# ------------------------------------------------------------ the layouts of the C source

def test_an_event_is_laid_out_as_the_c_struct():
    assert ctypes.sizeof(Ipv6Event) == 40 == IPV6_EVENT.size
    offsets = dict((name, getattr(Ipv6Event, name).offset) for name, _type in Ipv6Event._fields_)
    assert offsets == {'saddr': 0, 'daddr': 16, 'payload_len': 32, 'nexthdr': 34, 'hop_limit': 35, 'direction': 36,
                       'pad': 37}


def test_a_counter_is_two_u64():
    assert ctypes.sizeof(Counter) == 16
    assert (Counter.packets.offset, Counter.bytes.offset) == (0, 8)


C_SIZES = {'__u8': 1, '__u16': 2, '__u32': 4, '__u64': 8}


def c_struct(name):
    """[(field, offset, size)] of a struct of the C source, laid out as the compiler does
    (each field at its natural alignment), and the struct's size."""
    with open(SOURCE) as handle:
        source = handle.read()
    body = re.search(r'struct %s \{(.*?)\};' % name, source, re.S).group(1)
    fields, offset, widest = [], 0, 1
    for c_type, field, count in re.findall(r'^\s*(__u\d+)\s+(\w+)(?:\[(\d+)\])?;', body, re.M):
        size = C_SIZES[c_type]
        offset = (offset + size - 1) // size * size
        fields.append((field, offset, size * int(count or 1)))
        offset += size * int(count or 1)
        widest = max(widest, size)
    return fields, (offset + widest - 1) // widest * widest


def ctypes_layout(structure):
    return [(field, getattr(structure, field).offset, getattr(structure, field).size)
            for field, _type in structure._fields_], ctypes.sizeof(structure)


def test_the_event_is_the_c_sources():
    assert ctypes_layout(Ipv6Event) == c_struct('ipv6_event')


def test_the_counter_is_the_c_sources():
    assert ctypes_layout(Counter) == c_struct('counters')


def test_directions_are_the_c_sources():
    with open(SOURCE) as handle:
        enum = re.search(r'enum direction \{(.*?)\}', handle.read(), re.S).group(1)
    numbers = dict((name.lower(), int(number)) for name, number in re.findall(r'(\w+)\s*=\s*(\d+)', enum))
    assert dict((name, position) for position, name in enumerate(DIRECTIONS)) == numbers


# ------------------------------------------------------------ decoding an event

def test_decodes_an_observer_event():
    source = bytes(bytearray([0xfe, 0x80] + [0] * 13 + [1]))
    destination = bytes(bytearray([0xff, 0x02] + [0] * 13 + [2]))
    raw = IPV6_EVENT.pack(source, destination, 16, 58, 255, 1)
    assert decode_ipv6_event(raw) == {
        'source': 'fe80::1', 'destination': 'ff02::2', 'next_header': 58,
        'payload_length': 16, 'hop_limit': 255, 'direction': 'from_peer'}


@CHECK
@given(saddr=st.binary(min_size=16, max_size=16), daddr=st.binary(min_size=16, max_size=16),
       payload_len=st.integers(0, 65535), nexthdr=st.integers(0, 255), hop_limit=st.integers(0, 255),
       direction=st.integers(0, 255), tail=st.binary(max_size=8))
def test_decodes_any_event(saddr, daddr, payload_len, nexthdr, hop_limit, direction, tail):
    """What the ring buffer hands over may be longer than the struct: the rest is not read."""
    event = decode_ipv6_event(IPV6_EVENT.pack(saddr, daddr, payload_len, nexthdr, hop_limit, direction) + tail)
    assert event == {
        'source': socket.inet_ntop(socket.AF_INET6, saddr), 'destination': socket.inet_ntop(socket.AF_INET6, daddr),
        'next_header': nexthdr, 'payload_length': payload_len, 'hop_limit': hop_limit,
        'direction': DIRECTIONS[direction] if direction < 2 else str(direction)}


# ------------------------------------------------------------ parameters

@pytest.mark.parametrize('watch', [float('nan'), float('inf'), -1.0, 3601.0, -0.001])
def test_a_watch_that_could_not_end_or_is_not_a_number_is_refused(watch):
    with pytest.raises(BpfError, match='watch takes 0 to 3600 seconds'):
        read_observer(params(watch=watch))


def test_a_negative_max_events_is_refused():
    with pytest.raises(BpfError, match='max_events 0 or more'):
        read_observer(params(max_events=-1))
    assert MAX_WATCH == 3600


@pytest.mark.parametrize('key', ['counters_map', 'events_map'])
@pytest.mark.parametrize('name', ['', 'a' * 16, 'a.b', '../x', 'a b', 'map-1', 'ü', '\nx', 'counters\n', 'a\0'])
def test_map_names_are_bpf_object_names(key, name):
    with pytest.raises(BpfError, match='^%s .* is not a BPF map name' % key):
        read_observer(params(**{key: name}))


@pytest.mark.parametrize('name', ['a', 'counters', 'ipv6_events', 'A' * 15, '_0'])
def test_bpf_object_names(name):
    assert OBJECT_NAME.match(name)
