# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netkit link kind of module_utils/_netkit_kind.py against the kernel's.

NETKIT_ATTRIBUTES is the one table of IFLA_NETKIT_* ids: here it meets the kernel's uapi
numbers (include/uapi/linux/if_link.h), written out independently, and the netkit
attributes a kernel sent (fixtures/). Releases and error messages too. No socket.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import os
import platform
import struct

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _netkit_kind as kind
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, NetlinkError
from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import attribute_ids, ifinfmsg, netkit_data

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')

# enum IFLA_NETKIT_* of include/uapi/linux/if_link.h.
UAPI_IDS = {'peer_info': 1, 'primary': 2, 'policy': 3, 'peer_policy': 4, 'mode': 5, 'scrub': 6, 'peer_scrub': 7,
            'headroom': 8, 'tailroom': 9, 'pairing': 10}
# What the kernel puts in and takes from each (netkit_fill_info(), netkit_policy in drivers/net/netkit.c).
UAPI_TYPES = {'peer_info': 'peer_info', 'primary': 'uint8', 'policy': 'uint32', 'peer_policy': 'uint32',
              'mode': 'uint32', 'scrub': 'uint32', 'peer_scrub': 'uint32', 'headroom': 'uint16', 'tailroom': 'uint16',
              'pairing': 'uint32'}
# enum netkit_mode, enum netkit_action (NETKIT_PASS, NETKIT_DROP), enum netkit_scrub,
# enum netkit_pairing (NETKIT_DEVICE_PAIR, NETKIT_DEVICE_SINGLE).
UAPI_VALUES = {'mode': {'l2': 0, 'l3': 1}, 'policy': {'forward': 0, 'blackhole': 2},
               'scrub': {'none': 0, 'default': 1}, 'pairing': {'pair': 0, 'single': 1}}
# The release that added each attribute.
RELEASES = {'peer_info': '6.7', 'primary': '6.7', 'policy': '6.7', 'peer_policy': '6.7', 'mode': '6.7',
            'scrub': '6.12', 'peer_scrub': '6.12', 'headroom': '6.14', 'tailroom': '6.14', 'pairing': '7.0'}


def captured(name):
    with open(os.path.join(FIXTURES, 'rtm_newlink_%s.hex' % name)) as handle:
        return binascii.unhexlify(handle.read().strip())


def attributes(data):
    """{type: payload} of a run of netlink attributes (test's own, independent of the collection's)."""
    found, offset = {}, 0
    while offset + 4 <= len(data):
        length, number = struct.unpack_from('=HH', data, offset)
        found[number & 0x3fff] = data[offset + 4:offset + length]
        offset += (length + 3) & ~3
    return found


def info_data_bytes(reply):
    # nlmsghdr (16) + ifinfomsg (16), then the IFLA_* attributes: IFLA_LINKINFO (18), its IFLA_INFO_DATA (2).
    return attributes(attributes(attributes(reply[32:])[18])[2])


# ------------------------------------------------------------ the kernel's numbers

def test_netkit_attribute_ids_are_the_kernels():
    assert dict((attr.key, attr.id) for attr in kind.NETKIT_ATTRIBUTES) == UAPI_IDS
    assert [attr.id for attr in kind.NETKIT_ATTRIBUTES] == sorted(UAPI_IDS.values()), 'in id order, each once'


def test_netkit_attribute_types_are_the_kernels():
    assert dict((attr.key, attr.type) for attr in kind.NETKIT_ATTRIBUTES) == UAPI_TYPES


def test_netkit_value_names_are_the_kernels():
    names = dict((attr.key, attr.names) for attr in kind.NETKIT_ATTRIBUTES)
    assert names == {'peer_info': None, 'primary': None, 'policy': UAPI_VALUES['policy'],
                     'peer_policy': UAPI_VALUES['policy'], 'mode': UAPI_VALUES['mode'],
                     'scrub': UAPI_VALUES['scrub'], 'peer_scrub': UAPI_VALUES['scrub'],
                     'headroom': None, 'tailroom': None, 'pairing': UAPI_VALUES['pairing']}


def test_netkit_attributes_name_their_releases():
    assert dict((attr.key, attr.since) for attr in kind.NETKIT_ATTRIBUTES) == RELEASES
    assert kind.NETKIT_MIN_KERNEL == (6, 7)


def test_settings_are_the_attributes_a_user_can_ask_for():
    assert set(kind.SETTING_ATTRIBUTES) == set(UAPI_IDS) - {'peer_info', 'primary'}
    assert set(kind.CREATION_SETTINGS) == {'pairing', 'mode', 'scrub', 'peer_scrub', 'headroom', 'tailroom'}
    assert set(kind.CREATION_SETTINGS) <= set(kind.SETTING_ATTRIBUTES)


def test_what_a_kernel_that_does_not_report_pairing_has_is_a_pair():
    """Before 7.0 the kernel sends no IFLA_NETKIT_PAIRING, and every netkit device is one of a pair."""
    assert kind.IMPLIED_SETTINGS == {'pairing': 'pair'}
    assert set(kind.IMPLIED_SETTINGS) <= set(kind.CREATION_SETTINGS)
    assert kind.reported({'pairing': None, 'mode': 'l3'}, 'pairing') == 'pair'
    assert kind.reported({}, 'pairing') == 'pair'
    assert kind.reported({'pairing': 'single'}, 'pairing') == 'single'
    assert kind.reported({'pairing': 'pair'}, 'pairing') == 'pair'


@pytest.mark.parametrize('key', ['mode', 'scrub', 'peer_scrub', 'headroom', 'tailroom', 'policy', 'peer_policy'])
def test_a_setting_a_kernel_does_not_report_is_unknown(key):
    """Only pairing has a value all kernels share: headroom unreported is not 0, nor scrub 'default'."""
    assert kind.reported({key: None}, key) is None
    assert kind.reported({}, key) is None
    value = 0 if key.endswith('room') else 'forward'
    assert kind.reported({key: value}, key) == value


def test_pyroute2_is_taught_the_same_table():
    assert attribute_ids(netkit_data) == dict(
        [('IFLA_NETKIT_UNSPEC', 0)] + [('IFLA_NETKIT_' + key.upper(), number) for key, number in UAPI_IDS.items()])
    # Taught on import: a request encodes before any socket exists.
    ifinfo = ifinfmsg.ifinfo()
    assert ifinfo.data_map[kind.KIND] is netkit_data


def test_encodes_netkit_attributes_as_the_kernel_does():
    """The kernel's own IFLA_INFO_DATA for nkcap, re-encoded from its values by pyroute2
    with netkit_data: the same attributes, sizes included."""
    data = netkit_data()
    data['attrs'] = [['IFLA_NETKIT_PRIMARY', 1], ['IFLA_NETKIT_POLICY', 2], ['IFLA_NETKIT_PEER_POLICY', 0],
                     ['IFLA_NETKIT_MODE', 0], ['IFLA_NETKIT_SCRUB', 0], ['IFLA_NETKIT_PEER_SCRUB', 0]]
    data.encode()
    assert attributes(bytes(data.data[4:data.length])) == info_data_bytes(captured('nkcap'))


@pytest.mark.parametrize('name', ['nkcap', 'nkcapp', 'nkl3', 'nkl3p'])
def test_the_kernel_sends_the_sizes_the_table_says(name):
    sizes = {'uint8': 1, 'uint16': 2, 'uint32': 4}
    sent = info_data_bytes(captured(name))
    assert sent, 'a netkit device reports its IFLA_INFO_DATA'
    for attr in kind.NETKIT_ATTRIBUTES:
        if attr.id in sent:
            assert len(sent[attr.id]) == sizes[attr.type], attr.key


# ------------------------------------------------------------ values

@pytest.mark.parametrize('key', sorted(kind.SETTING_ATTRIBUTES))
def test_values_round_trip_through_their_numbers(key):
    names = kind.SETTING_ATTRIBUTES[key].names
    for value in (names or {0: 0, 64: 64, 65535: 65535}):
        assert kind.decode_value(key, kind.encode_value(key, value)) == value
    assert kind.decode_value(key, None) is None


def test_encode_value_gives_the_kernels_number():
    assert [kind.encode_value('mode', 'l3'), kind.encode_value('peer_policy', 'blackhole'),
            kind.encode_value('scrub', 'default'), kind.encode_value('headroom', 128)] == [1, 2, 1, 128]
    assert [kind.encode_value('pairing', 'pair'), kind.encode_value('pairing', 'single')] == [0, 1]


def test_a_number_without_a_name_is_shown_as_it_is():
    assert kind.decode_value('mode', 7) == '7'
    assert kind.decode_value('policy', 1) == '1'
    assert kind.decode_value('tailroom', 7) == 7


# ------------------------------------------------------------ releases

@pytest.mark.parametrize('release,version', [
    ('6.12.117+deb13-cloud-amd64', (6, 12)), ('6.1.0-28-amd64', (6, 1)), ('7.3', (7, 3)), ('6.7.0rc1', (6, 7)),
    ('6', (6, 0)), ('6.14-rc2', (6, 14)), ('5.15.0-91-generic', (5, 15)),
])
def test_kernel_version(release, version):
    assert kind.kernel_version(release) == version


def test_kernel_version_of_this_host():
    assert kind.kernel_version() == kind.kernel_version(platform.release())


def test_old_kernel_gets_a_clear_error():
    with pytest.raises(NetkitError, match=r'netkit needs Linux 6\.7\+ built with CONFIG_NETKIT; '
                                          r'this host runs 6\.1\.0-28-amd64$'):
        kind.check_kernel('6.1.0-28-amd64')
    assert kind.check_kernel('6.7.0') is None
    assert kind.check_kernel('7.0') is None


@pytest.mark.parametrize('key,release,has', [
    ('mode', '6.7.0', True), ('scrub', '6.11.9', False), ('scrub', '6.12.1', True), ('peer_scrub', '6.12', True),
    ('headroom', '6.13.2', False), ('headroom', '6.14.0', True), ('tailroom', '7.0', True),
    ('policy', '6.6.30', False), ('pairing', '6.19.2', False), ('pairing', '7.0', True),
    ('pairing', '7.3.1-amd64', True),
])
def test_release_has(key, release, has):
    assert kind.release_has(key, release) is has


def test_unsupported_setting_message_names_the_release():
    assert kind.unsupported_setting_message('headroom') == (
        'headroom needs Linux 6.14+; this host runs %s' % platform.release())
    assert kind.unsupported_setting_message('peer_scrub').startswith('peer_scrub needs Linux 6.12+; ')
    assert kind.unsupported_setting_message('pairing').startswith('pairing needs Linux 7.0+; ')


# ------------------------------------------------------------ netlink errors

def test_a_kernel_without_netkit_is_named_as_such():
    message = kind.describe_netlink_error(NetlinkError(errno.EOPNOTSUPP), 'creating netkit pair nk0')
    assert message == kind.not_supported_message()
    assert message.endswith('this host runs %s' % platform.release())


@pytest.mark.parametrize('code,message', [
    (errno.EPERM, 'creating netkit pair nk0: operation not permitted; managing netkit needs CAP_NET_ADMIN '
                  '(use become: true)'),
    (errno.EEXIST, 'creating netkit pair nk0: %s' % os.strerror(errno.EEXIST)),
    (errno.ENODEV, 'creating netkit pair nk0: %s' % os.strerror(errno.ENODEV)),
])
def test_other_netlink_errors_say_what_was_being_done(code, message):
    assert kind.describe_netlink_error(NetlinkError(code), 'creating netkit pair nk0') == message
