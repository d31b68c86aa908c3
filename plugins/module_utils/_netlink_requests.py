# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The requests that change the kernel: links created, configured, moved and deleted,
addresses deleted. Private to this collection.

Changes when a change request changes. Each is built by pyroute2's own message classes
(ifinfmsg with the netkit kind taught, ifaddrmsg), so importing this module loads
pyroute2: only _pair_apply.py does, once there is something to change. The message
types and flags are those the replies are read by (_netlink_messages.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct

from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import (
    IMPLIED_SETTINGS, KIND, NETKIT_ATTRIBUTES, SETTING_ATTRIBUTES, encode_value, nla_name,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_messages import (
    ADDR_GEN_MODES, IFF_UP, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, RTM_DELADDR, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK,
    RTEXT_FILTER_SKIP_STATS,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import end_settings, is_single
from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import HAS_PYROUTE2

if HAS_PYROUTE2:
    from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import ifaddrmsg, ifinfmsg


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


def sync_request(index):
    """RTM_GETLINK of the device index, without statistics: sent for when its answer comes,
    not for what it says (see sync_linkwatch())."""
    return DeviceRequest(RTM_GETLINK, index, [['IFLA_EXT_MASK', RTEXT_FILTER_SKIP_STATS]])


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
