# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading pyroute2's message classes, and only those. Private to this collection.

Changes when pyroute2 changes. The collection builds every request that changes the
kernel with pyroute2's netlink message classes (ifinfmsg with the netkit kind taught
here, ifaddrmsg, nla), imported from _netlink_requests.py only. It sends on plain
netlink sockets of its own and reads replies by the kernel's ABI numbers (see
_netlink_socket.py and _netlink_messages.py), so a run that changes nothing never loads
pyroute2: under software emulation, loading it is a fifth of what a task costs beyond
`ansible.builtin.ping`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import sys
import traceback

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import KIND, NETKIT_ATTRIBUTES, nla_name


def _skip_pyroute2_package_init():
    """Make `import pyroute2.x.y` load only x.y and what it needs.

    pyroute2's package __init__ imports every subsystem it has (NDB, IPDB, the CLI...):
    measured in the test ground, 3.8 s of a 4.5 s `import pyroute2` under software
    emulation, paid by every module run. The modules used here import fine on their own
    (pyroute2 0.7 and 0.9, tested in the VM).
    """
    if 'pyroute2' in sys.modules:
        return
    spec = importlib.util.find_spec('pyroute2')
    if spec is None:
        raise ImportError('No module named pyroute2')
    sys.modules['pyroute2'] = importlib.util.module_from_spec(spec)


# What the rest of the collection imports from here (importing it only where HAS_PYROUTE2).
__all__ = [
    'HAS_PYROUTE2', 'PYROUTE2_IMPORT_ERROR', 'attribute_ids', 'require_pyroute2',
    'ifaddrmsg', 'ifinfmsg', 'ifinfveth', 'netkit_data', 'nla',
]

try:
    _skip_pyroute2_package_init()
    from pyroute2.netlink import nla
    from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg as _pyroute2_ifinfmsg
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfveth as _pyroute2_ifinfveth
except Exception:  # pylint: disable=broad-except
    # Not only ImportError: a pyroute2 older than 0.7, or broken, fails in other ways, and the
    # modules must report it, not a traceback (require_pyroute2()).
    HAS_PYROUTE2 = False
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PYROUTE2 = True
    PYROUTE2_IMPORT_ERROR = None

# Link attributes of include/uapi/linux/if_link.h that pyroute2 (0.7 and 0.9) does not know yet:
# (id, name, type as pyroute2 names types).
NEWER_LINK_ATTRIBUTES = (
    (63, 'IFLA_GSO_IPV4_MAX_SIZE', 'uint32'),
    (64, 'IFLA_GRO_IPV4_MAX_SIZE', 'uint32'),
)


def attribute_ids(nla_class):
    """{attribute name: type id} of a pyroute2 nla class: its nla_map lists them either
    with explicit ids or in id order."""
    table = nla_class.nla_map
    if isinstance(table[0][0], int):
        return dict((item[1], item[0]) for item in table)
    return dict((item[0], position) for position, item in enumerate(table))


def with_newer_link_attributes(message_class):
    """A subclass of one of pyroute2's link message classes (ifinfmsg, or ifinfveth for a
    peer) that also encodes the NEWER_LINK_ATTRIBUTES it lacks; the class itself when it
    has them all."""
    known = attribute_ids(message_class)
    missing = tuple(attr for attr in NEWER_LINK_ATTRIBUTES if attr[1] not in known and attr[0] not in known.values())
    if not missing:
        return message_class
    table = message_class.nla_map
    if not isinstance(table[0][0], int):
        table = tuple((position,) + tuple(item) for position, item in enumerate(table))
    # pyroute2 compiles a class's table on its first instance, unless the class says it has one
    # already, which a subclass inherits from a compiled parent (nlmsg_base's private flag,
    # the same in 0.7 and 0.9): the new class says it has none.
    extended = type(message_class.__name__, (message_class,), {'nla_map': table + missing,
                                                               '_nlmsg_base__compiled_nla': False})
    return extended


def require_pyroute2():
    """Raise a NetkitError unless pyroute2 loaded, before a change is built, or checked (the
    pair modules report a missing pyroute2 before they start: this is one that is there but
    fails)."""
    if not HAS_PYROUTE2:
        found = getattr(sys.modules.get('pyroute2'), '__path__', None)
        raise NetkitError('changing netkit links needs pyroute2 0.7 or newer, and importing the one in %s failed: %s'
                          % (', '.join(found or ()) or "the target's Python path",
                             PYROUTE2_IMPORT_ERROR.strip().splitlines()[-1]))


def _teach_pyroute2():
    """pyroute2's link classes with the IPv4 sizes they lack, and the netkit kind taught to
    its ifinfmsg, once, on import: (ifinfmsg, ifinfveth, netkit_data)."""
    extended_ifinfmsg = with_newer_link_attributes(_pyroute2_ifinfmsg)
    extended_ifinfveth = with_newer_link_attributes(_pyroute2_ifinfveth)

    class netkit_data(nla):
        """IFLA_INFO_DATA of kind netkit, for pyroute2's ifinfmsg."""

        prefix = 'IFLA_NETKIT_'
        nla_map = ((0, 'IFLA_NETKIT_UNSPEC', 'none'),) + tuple(
            (attr.id, nla_name(attr), attr.type) for attr in NETKIT_ATTRIBUTES)

        @staticmethod
        def peer_info(_msg, *argv, **kwarg):
            # The peer is described like veth's: a struct ifinfomsg and IFLA_* attributes.
            return extended_ifinfveth

    # No release of pyroute2 knows the netkit kind.
    extended_ifinfmsg.ifinfo.register_link_kind(module={KIND: netkit_data})
    return extended_ifinfmsg, extended_ifinfveth, netkit_data


if HAS_PYROUTE2:
    try:
        ifinfmsg, ifinfveth, netkit_data = _teach_pyroute2()
    except Exception:  # pylint: disable=broad-except
        # pyroute2 0.5 imports these names but has no register_link_kind, for example.
        HAS_PYROUTE2 = False
        PYROUTE2_IMPORT_ERROR = traceback.format_exc()
