# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The link message classes of module_utils/_pyroute2.py: pyroute2's ifinfmsg and ifinfveth,
taught the link attributes they lack (with_newer_link_attributes).

The bytes a request carries are read by the kernel's ids, written out here (include/uapi/
linux/if_link.h), and decoded back by pyroute2's own decoder of the classes. No socket.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import struct
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _pyroute2
from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_messages as nm
from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_requests as nr
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.test_netkit_kind import (
    attributes as raw_attributes,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import (
    NEWER_LINK_ATTRIBUTES, attribute_ids, ifinfmsg, ifinfveth, with_newer_link_attributes,
)

CHECK = settings(max_examples=100, deadline=None)
# IFLA_GSO_IPV4_MAX_SIZE and IFLA_GRO_IPV4_MAX_SIZE of include/uapi/linux/if_link.h (Linux 6.3), u32 each.
UAPI_IPV4_SIZES = {'IFLA_GSO_IPV4_MAX_SIZE': 63, 'IFLA_GRO_IPV4_MAX_SIZE': 64}
NLMSG_HEADER_SIZE, IFINFOMSG_SIZE = 16, 16
IFLA_LINKINFO, IFLA_INFO_DATA, IFLA_NETKIT_PEER_INFO = 18, 2, 1
PYROUTE2_IFINFMSG = _pyroute2._pyroute2_ifinfmsg
PYROUTE2_IFINFVETH = _pyroute2._pyroute2_ifinfveth
sizes = st.integers(0, 2 ** 32 - 1)


def explicit(table):
    """An nla_map with explicit ids, as pyroute2 lists some of its tables."""
    if isinstance(table[0][0], int):
        return tuple(table)
    return tuple((position,) + tuple(item) for position, item in enumerate(table))


def pyroute2_class(parent, table):
    """A class as a pyroute2 release that knows table would have it (its own, uncompiled table)."""
    return type(parent.__name__, (parent,), {'nla_map': table, '_nlmsg_base__compiled_nla': False})


# ------------------------------------------------------------ the table

def test_the_newer_attributes_have_the_kernels_ids_and_types():
    assert dict((name, number) for number, name, _type in NEWER_LINK_ATTRIBUTES) == UAPI_IPV4_SIZES
    assert set(kind for _number, _name, kind in NEWER_LINK_ATTRIBUTES) == {'uint32'}


@pytest.mark.parametrize('extended,parent', [(ifinfmsg, PYROUTE2_IFINFMSG), (ifinfveth, PYROUTE2_IFINFVETH)])
def test_the_link_classes_are_pyroute2s_with_the_newer_attributes(extended, parent):
    assert issubclass(extended, parent)
    ids = attribute_ids(extended)
    for name, number in UAPI_IPV4_SIZES.items():
        assert ids[name] == number, name
    # Every id pyroute2 has stays what it was.
    assert dict((name, number) for name, number in ids.items() if name not in UAPI_IPV4_SIZES) == \
        attribute_ids(parent)
    assert (ids['IFLA_ADDRESS'], ids['IFLA_NUM_TX_QUEUES'], ids['IFLA_NUM_RX_QUEUES']) == (1, 31, 32)


def test_the_requests_module_builds_with_the_extended_classes():
    assert nr.ifinfmsg is ifinfmsg
    assert nm.IFLA['IFLA_GSO_IPV4_MAX_SIZE'] == 63 and nm.IFLA['IFLA_GRO_IPV4_MAX_SIZE'] == 64


# ------------------------------------------------------------ encoding and decoding

@CHECK
@given(gso=sizes, gro=sizes, index=st.integers(1, 2 ** 31 - 1))
def test_a_request_carries_the_ipv4_sizes_and_pyroute2_reads_them_back(gso, gro, index):
    data = nr.settings_request(index, [['IFLA_GSO_IPV4_MAX_SIZE', gso], ['IFLA_GRO_IPV4_MAX_SIZE', gro]]).encode(1)
    attrs = raw_attributes(data[NLMSG_HEADER_SIZE + IFINFOMSG_SIZE:])
    assert attrs == {63: struct.pack('=I', gso), 64: struct.pack('=I', gro)}
    msg = ifinfmsg(data)
    msg.decode()
    assert msg['index'] == index
    assert (msg.get_attr('IFLA_GSO_IPV4_MAX_SIZE'), msg.get_attr('IFLA_GRO_IPV4_MAX_SIZE')) == (gso, gro)


@CHECK
@given(gso=sizes, gro=sizes)
def test_the_peer_of_a_new_pair_carries_them_too(gso, gro):
    """The peer's attributes, in IFLA_NETKIT_PEER_INFO, are encoded by ifinfveth."""
    data = nr.create_request({'name': 'nk0', 'peer_name': 'nk0p', 'gso_ipv4_max_size': gso,
                              'gro_ipv4_max_size': gro}).encode(1)
    primary = raw_attributes(data[NLMSG_HEADER_SIZE + IFINFOMSG_SIZE:])
    peer = raw_attributes(raw_attributes(raw_attributes(primary[IFLA_LINKINFO])[IFLA_INFO_DATA])[
        IFLA_NETKIT_PEER_INFO][IFINFOMSG_SIZE:])
    for end in (primary, peer):
        assert (end[63], end[64]) == (struct.pack('=I', gso), struct.pack('=I', gro))
    msg = ifinfmsg(data)
    msg.decode()
    decoded_peer = msg.get_nested('IFLA_LINKINFO', 'IFLA_INFO_DATA').get_attr('IFLA_NETKIT_PEER_INFO')
    assert isinstance(decoded_peer, ifinfveth)
    assert (decoded_peer.get_attr('IFLA_GSO_IPV4_MAX_SIZE'), decoded_peer.get_attr('IFLA_GRO_IPV4_MAX_SIZE')) == (
        gso, gro)


def test_pyroute2_alone_does_not_know_them():
    """Why the subclass exists: pyroute2's own class cannot name ids 63 and 64 (skipped on a
    pyroute2 that learnt them, where the class is pyroute2's own)."""
    if set(UAPI_IPV4_SIZES) <= set(attribute_ids(PYROUTE2_IFINFMSG)):
        assert ifinfmsg is PYROUTE2_IFINFMSG
        pytest.skip('this pyroute2 knows the IPv4 sizes')
    data = nr.settings_request(5, [['IFLA_GSO_IPV4_MAX_SIZE', 196608]]).encode(1)
    msg = PYROUTE2_IFINFMSG(data)
    msg.decode()
    assert msg.get_attr('IFLA_GSO_IPV4_MAX_SIZE') is None


def test_a_subclass_made_after_its_parent_was_compiled_has_its_own_table():
    """pyroute2 compiles a class's table on its first instance; a subclass made afterwards must
    not take its parent's compiled table (nor change the parent's)."""
    PYROUTE2_IFINFMSG()  # compiled by now, whatever ran before
    extended = with_newer_link_attributes(PYROUTE2_IFINFMSG)
    msg = extended()
    msg['index'] = 9
    msg['attrs'] = [['IFLA_GSO_IPV4_MAX_SIZE', 70000], ['IFLA_MTU', 1500]]
    msg.encode()
    attrs = raw_attributes(bytes(msg.data[NLMSG_HEADER_SIZE + IFINFOMSG_SIZE:]))
    assert attrs == {63: struct.pack('=I', 70000), 4: struct.pack('=I', 1500)}
    # The parent encodes with its own table still: ids it knows, nothing it does not.
    parent = PYROUTE2_IFINFMSG()
    parent['attrs'] = [['IFLA_MTU', 1500]]
    parent.encode()
    assert raw_attributes(bytes(parent.data[NLMSG_HEADER_SIZE + IFINFOMSG_SIZE:])) == {4: struct.pack('=I', 1500)}
    assert attribute_ids(PYROUTE2_IFINFMSG) == attribute_ids(extended.__mro__[1])


# ------------------------------------------------------------ what gets extended

@pytest.mark.parametrize('parent', [PYROUTE2_IFINFMSG, PYROUTE2_IFINFVETH])
def test_a_class_that_has_every_attribute_is_returned_as_it_is(parent):
    table = explicit(parent.nla_map)
    table = tuple(item for item in table if item[0] not in (63, 64)) + (
        (63, 'IFLA_GSO_IPV4_MAX_SIZE', 'uint32'), (64, 'IFLA_GRO_IPV4_MAX_SIZE', 'uint32'))
    complete = pyroute2_class(parent, table)
    assert with_newer_link_attributes(complete) is complete


def test_only_what_a_class_lacks_is_added():
    table = tuple(item for item in explicit(PYROUTE2_IFINFMSG.nla_map) if item[0] not in (63, 64)) + (
        (63, 'IFLA_GSO_IPV4_MAX_SIZE', 'uint32'),)
    half = pyroute2_class(PYROUTE2_IFINFMSG, table)
    extended = with_newer_link_attributes(half)
    assert extended is not half and issubclass(extended, half)
    assert [item for item in extended.nla_map if item[0] in (63, 64)] == [
        (63, 'IFLA_GSO_IPV4_MAX_SIZE', 'uint32'), (64, 'IFLA_GRO_IPV4_MAX_SIZE', 'uint32')]
    msg = extended()
    msg['attrs'] = [['IFLA_GSO_IPV4_MAX_SIZE', 1], ['IFLA_GRO_IPV4_MAX_SIZE', 2]]
    msg.encode()
    attrs = raw_attributes(bytes(msg.data[NLMSG_HEADER_SIZE + IFINFOMSG_SIZE:]))
    assert attrs == {63: struct.pack('=I', 1), 64: struct.pack('=I', 2)}


def test_a_positional_table_keeps_its_ids_when_extended():
    """pyroute2 lists ifinfmsg's attributes in id order without ids: the extended table names
    them, so that 63 and 64 land at their ids and not at the end of the list."""
    if ifinfmsg is PYROUTE2_IFINFMSG:
        pytest.skip('this pyroute2 knows the IPv4 sizes')
    assert not isinstance(PYROUTE2_IFINFMSG.nla_map[0][0], int), 'pyroute2 0.7 and 0.9 list them by position'
    assert ifinfmsg.nla_map[:len(PYROUTE2_IFINFMSG.nla_map)] == explicit(PYROUTE2_IFINFMSG.nla_map)
    assert [item[0] for item in ifinfmsg.nla_map[len(PYROUTE2_IFINFMSG.nla_map):]] == [63, 64]


def test_a_pyroute2_that_fails_to_import_stops_a_change_before_it_is_built(monkeypatch):
    """Found at the start of a run (so no 'missing' error), but broken: the first change
    fails with the import's error, before any request is built."""
    monkeypatch.setattr(_pyroute2, 'HAS_PYROUTE2', False)
    monkeypatch.setattr(_pyroute2, 'PYROUTE2_IMPORT_ERROR',
                        'Traceback (most recent call last):\n  ...\nImportError: cannot import name ifinfveth\n')
    with pytest.raises(NetkitError) as info:
        _pyroute2.require_pyroute2()
    assert str(info.value) == ('changing netkit links needs pyroute2 0.7 or newer, and importing the one in %s '
                               'failed: ImportError: cannot import name ifinfveth'
                               % ', '.join(sys.modules['pyroute2'].__path__))


def loader_in_fresh_python(pythonpath):
    """In a fresh interpreter with pythonpath first, the lines it prints: whether pyroute2 is
    found at the start of a run and HAS_PYROUTE2, then what require_pyroute2 raised."""
    script = ('from ansible_collections.xcnf.netkit.plugins.module_utils import _module_errors, _pyroute2\n'
              'print(_module_errors.pyroute2_installed(), _pyroute2.HAS_PYROUTE2)\n'
              'try:\n'
              '    _pyroute2.require_pyroute2()\n'
              'except Exception as exc:\n'
              '    print(type(exc).__name__, exc)\n')
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(pythonpath)] + sys.path)))
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_pyroute2_that_imports_but_cannot_be_taught_netkit_is_reported_not_raised(tmp_path):
    """pyroute2 0.5 has the message classes but no register_link_kind: importing the
    collection's loader must not raise, and the first change reports it."""
    package = tmp_path / 'pyroute2'
    for part in ('', 'netlink', 'netlink/rtnl', 'netlink/rtnl/ifinfmsg'):
        (package / part).mkdir(parents=True, exist_ok=True)
        (package / part / '__init__.py').write_text('')
    (package / 'netlink' / '__init__.py').write_text('class nla:\n    nla_map = ()\n')
    (package / 'netlink' / 'rtnl' / 'ifaddrmsg.py').write_text('class ifaddrmsg:\n    pass\n')
    (package / 'netlink' / 'rtnl' / 'ifinfmsg' / '__init__.py').write_text(
        'class ifinfo:\n    pass\n\n\nclass ifinfmsg:\n    nla_map = ((1, "IFLA_ADDRESS", "l2addr"),)\n'
        '    ifinfo = ifinfo\n\n\nclass ifinfveth(ifinfmsg):\n    pass\n')
    assert loader_in_fresh_python(tmp_path) == [
        'True False', "NetkitError changing netkit links needs pyroute2 0.7 or newer, and importing the one in %s "
                      "failed: AttributeError: type object 'ifinfo' has no attribute 'register_link_kind'" % package]
