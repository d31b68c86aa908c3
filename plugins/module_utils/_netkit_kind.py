# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kernel's netkit link kind is, and the releases that have each part of it.
Private to this collection.

Changes when the kernel's netkit interface changes (IFLA_NETKIT_* of
include/uapi/linux/if_link.h). NETKIT_ATTRIBUTES is the one table of its attribute
ids: pyroute2 is taught the kind from it (_pyroute2.py), requests are encoded and replies
decoded by it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import errno
import platform

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, netlink_error_message

KIND = 'netkit'
NETKIT_MIN_KERNEL = (6, 7)
MODES = {'l2': 0, 'l3': 1}
POLICIES = {'forward': 0, 'blackhole': 2}
SCRUBS = {'none': 0, 'default': 1}
PAIRINGS = {'pair': 0, 'single': 1}

# One IFLA_NETKIT_* attribute: its id, the key of the pair dict it fills, its netlink
# type (as pyroute2 names it), the names of its values, the release that added it.
Attribute = collections.namedtuple('Attribute', 'id key type names since')
NETKIT_ATTRIBUTES = (
    Attribute(1, 'peer_info', 'peer_info', None, '6.7'),
    Attribute(2, 'primary', 'uint8', None, '6.7'),
    Attribute(3, 'policy', 'uint32', POLICIES, '6.7'),
    Attribute(4, 'peer_policy', 'uint32', POLICIES, '6.7'),
    Attribute(5, 'mode', 'uint32', MODES, '6.7'),
    Attribute(6, 'scrub', 'uint32', SCRUBS, '6.12'),
    Attribute(7, 'peer_scrub', 'uint32', SCRUBS, '6.12'),
    Attribute(8, 'headroom', 'uint16', None, '6.14'),
    Attribute(9, 'tailroom', 'uint16', None, '6.14'),
    Attribute(10, 'pairing', 'uint32', PAIRINGS, '7.0'),
)
# The attributes that are settings of a pair (the others describe its structure).
SETTING_ATTRIBUTES = dict((attr.key, attr) for attr in NETKIT_ATTRIBUTES if attr.key not in ('peer_info', 'primary'))
# Settings the kernel fixes when it creates the pair.
CREATION_SETTINGS = ('pairing', 'mode', 'scrub', 'peer_scrub', 'headroom', 'tailroom')
# What a kernel that does not report a setting has all the same (before 7.0 every device is one of a pair).
IMPLIED_SETTINGS = {'pairing': 'pair'}


def reported(settings, key):
    """A netkit setting of a device as the kernel reported it (settings: netkit_facts()), or
    what a kernel that does not report it has all the same."""
    value = settings.get(key)
    return IMPLIED_SETTINGS.get(key) if value is None else value


def nla_name(attr):
    return 'IFLA_NETKIT_' + attr.key.upper()


# {key: {number: value name}}, for decoding.
VALUE_NAMES_BY_NUMBER = dict((attr.key, dict((number, name) for name, number in attr.names.items()))
                             for attr in NETKIT_ATTRIBUTES if attr.names)


def encode_value(key, value):
    """The number the kernel takes for a setting's value ('l3' -> 1, 1500 -> 1500)."""
    names = SETTING_ATTRIBUTES[key].names
    return names[value] if names else value


def decode_value(key, number):
    """The value of a setting the kernel reported as number; an unknown number as a string."""
    names = VALUE_NAMES_BY_NUMBER.get(key)
    if names is None or number is None:
        return number
    return names.get(number, str(number))


def kernel_release():
    return platform.release()


def kernel_version(release=None):
    """(major, minor) of a release string such as 6.12.57+deb13-amd64."""
    numbers = []
    for part in (release or kernel_release()).split('-')[0].split('.')[:2]:
        digits = ''.join(c for c in part if c.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers + [0] * (2 - len(numbers)))


def not_supported_message(release=None):
    return ('netkit needs Linux %d.%d+ built with CONFIG_NETKIT; this host runs %s'
            % (NETKIT_MIN_KERNEL + (release or kernel_release(),)))


def check_kernel(release=None):
    if kernel_version(release) < NETKIT_MIN_KERNEL:
        raise NetkitError(not_supported_message(release))


def unsupported_setting_message(key):
    return '%s needs Linux %s+; this host runs %s' % (key, SETTING_ATTRIBUTES[key].since, kernel_release())


def release_has(key, release=None):
    """Whether the running release is one that added the setting key, or newer."""
    since = tuple(int(part) for part in SETTING_ATTRIBUTES[key].since.split('.'))
    return kernel_version(release) >= since


def describe_netlink_error(exc, doing):
    """What to tell the user of a netlink error met while doing something with netkit."""
    if getattr(exc, 'code', None) == errno.EOPNOTSUPP:
        return not_supported_message()
    return netlink_error_message(exc, doing)
