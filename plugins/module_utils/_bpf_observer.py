# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf_info's readers: a pair's attachments, and the IPv6 observer's pinned maps
(its counters and its ring buffer of events). Private to this collection.

Changes when the observer's maps (roles/netkit/files/ipv6_observer.bpf.c) change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import os
import re
import socket
import time

from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_attach import (
    attachments_view, hook_entries, hook_view, resolve_primary,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_pins import map_pin_path, pin_dir_of
from ansible_collections.xcnf.netkit.plugins.module_utils._host_lock import reading_lock
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import (
    HOOKS, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_RINGBUF, RING_CALLBACK, BpfError, Libbpf, map_info,
)

DIRECTIONS = ('to_peer', 'from_peer')
MAX_EVENTS = 1000
MAX_WATCH = 3600
# A BPF object name as the kernel keeps it (BPF_OBJ_NAME_LEN - 1), as used for map pins.
OBJECT_NAME = re.compile(r'[A-Za-z0-9_]{1,15}')


class Ipv6Event(ctypes.Structure):
    """struct ipv6_event of roles/netkit/files/ipv6_observer.bpf.c."""

    _fields_ = [('saddr', ctypes.c_uint8 * 16), ('daddr', ctypes.c_uint8 * 16), ('payload_len', ctypes.c_uint16),
                ('nexthdr', ctypes.c_uint8), ('hop_limit', ctypes.c_uint8), ('direction', ctypes.c_uint8),
                ('pad', ctypes.c_uint8 * 3)]


class Counter(ctypes.Structure):
    """One value of the observer's counters array: packets and bytes of a direction."""

    _fields_ = [('packets', ctypes.c_uint64), ('bytes', ctypes.c_uint64)]


def read_counters(lib, path):
    """The observer's packet and byte counters per direction, from its pinned array."""
    fd = lib.open_pinned(path)
    try:
        info = map_info(lib, fd)
        if (info['type'] != BPF_MAP_TYPE_ARRAY or info['key_size'] != ctypes.sizeof(ctypes.c_uint32)
                or info['value_size'] != ctypes.sizeof(Counter)):
            raise BpfError('%s is not the observer\'s counters map (an array of two u64 per direction)' % path)
        counters = {}
        for key, direction in enumerate(DIRECTIONS[:info['max_entries']]):
            value = Counter()
            if lib.bpf_map_lookup_elem(fd, ctypes.byref(ctypes.c_uint32(key)), ctypes.byref(value)) != 0:
                raise lib.error('reading %s' % path)
            counters[direction] = {'packets': value.packets, 'bytes': value.bytes}
        return counters
    finally:
        os.close(fd)


def decode_ipv6_event(data):
    event = Ipv6Event.from_buffer_copy(data[:ctypes.sizeof(Ipv6Event)])
    return {'source': socket.inet_ntop(socket.AF_INET6, bytes(event.saddr)),
            'destination': socket.inet_ntop(socket.AF_INET6, bytes(event.daddr)),
            'next_header': event.nexthdr, 'payload_length': event.payload_len, 'hop_limit': event.hop_limit,
            'direction': DIRECTIONS[event.direction] if event.direction < len(DIRECTIONS) else str(event.direction)}


def watch_events(lib, path, seconds, limit=MAX_EVENTS):
    """The observer's IPv6 events that arrive in its ring buffer within seconds (at most limit)."""
    fd = lib.open_pinned(path)
    events = []

    def collect(_ctx, data, size):
        if len(events) < limit and size >= ctypes.sizeof(Ipv6Event):
            events.append(decode_ipv6_event(ctypes.string_at(data, size)))
        return 0

    callback = RING_CALLBACK(collect)
    try:
        if map_info(lib, fd)['type'] != BPF_MAP_TYPE_RINGBUF:
            raise BpfError('%s is not a ring buffer' % path)
        ring = lib.ring_buffer__new(fd, ctypes.cast(callback, ctypes.c_void_p), None, None)
        if not ring:
            raise lib.error('reading the ring buffer %s' % path)
        try:
            deadline = time.time() + seconds
            while len(events) < limit:
                remaining = deadline - time.time()
                if remaining <= 0:
                    break
                rc = lib.ring_buffer__poll(ring, int(min(remaining, 0.2) * 1000))
                if rc < 0 and -rc != errno.EINTR:
                    raise lib.error('polling the ring buffer %s' % path, rc)
        finally:
            lib.ring_buffer__free(ring)
    finally:
        os.close(fd)
    return events


def read_observer(params):
    """Attachments of a pair's pin directory, the observer's counters and, if asked, its events."""
    for key in ('counters_map', 'events_map'):
        if not OBJECT_NAME.fullmatch(params[key]):
            raise BpfError('%s %r is not a BPF map name (letters, digits and "_", at most 15)' % (key, params[key]))
    if not 0 <= params['watch'] <= MAX_WATCH or params['max_events'] < 0:
        raise BpfError('watch takes 0 to %d seconds and max_events 0 or more' % MAX_WATCH)
    lib = Libbpf()
    with reading_lock():
        result = _read_observer(lib, params)
    # Watching takes no lock: it may last long, and reads only what the programs send.
    if params['watch']:
        events_pin = map_pin_path(result['pin_path'], params['events_map'])
        if not os.path.exists(events_pin):
            raise BpfError('no ring buffer pinned at %s: attach the observer first' % events_pin)
        result['events'] = watch_events(lib, events_pin, params['watch'], params['max_events'])
    return result


def _read_observer(lib, params):
    """The pin directory's links and, with a device, everything on its hooks in the order it runs."""
    device = resolve_primary(params['device']) if params.get('device') else None
    pin_dir = pin_dir_of(params, device and device['name'])
    if device and device['single']:
        raise BpfError('device %s is a single netkit device: no programs run on it' % device['name'])
    # Without the device only the collection's own links are known, by their pins.
    hooks = dict((hook, hook_entries(lib, device or {'ifindex': None}, hook, pin_dir)) for hook in HOOKS)
    result = {'pin_path': pin_dir, 'attachments': attachments_view(hooks),
              'hooks': dict((hook, hook_view(entries)) for hook, entries in hooks.items()) if device else None,
              'counters': None, 'events': []}
    counters_pin = map_pin_path(pin_dir, params['counters_map'])
    if os.path.exists(counters_pin):
        result['counters'] = read_counters(lib, counters_pin)
    return result
