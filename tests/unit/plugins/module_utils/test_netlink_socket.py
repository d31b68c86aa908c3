# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netlink sockets of module_utils/_netlink_socket.py.

Reads and windowed writes go to the host's own kernel, on a real netlink route socket,
and only ask about lo and devices that cannot exist: nothing is changed and no netkit
or root is needed. Splitting what one recv() returns into messages is fed bytes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_socket as ns
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, NetlinkError
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_messages import link_facts, links_request
from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import ifinfmsg

CHECK = settings(max_examples=200, deadline=None)
# A name no device has: the kernel answers ENODEV.
MISSING = 'xcnf-no-such'
RTM_NEWLINK, NLMSG_DONE = 16, 3


def nlmsg(msg_type, flags, seq, payload):
    """A netlink message: nlmsghdr (pid 0) and payload (test input only)."""
    return struct.pack('=IHHII', 16 + len(payload), msg_type, flags, seq, 0) + payload


@pytest.fixture
def kernel():
    kernel = ns.Kernel()
    yield kernel
    kernel.close()


# ------------------------------------------------------------ the host's kernel

def test_write_answers_every_request_in_order(kernel):
    """Windows of requests on a real (the host's) netlink socket: each gets its own answer.
    Reading lo succeeds, a link that does not exist fails with ENODEV."""
    requests = [links_request('lo' if n % 3 else MISSING) for n in range(2 * ns.WRITE_WINDOW + 5)]
    codes = kernel.write(None, requests)
    assert codes == [0 if n % 3 else errno.ENODEV for n in range(len(requests))]


def test_write_echoed_gives_each_request_what_the_kernel_sent_for_it(kernel):
    answers = kernel.write_echoed(None, [links_request('lo'), links_request(MISSING), links_request('lo')])
    assert [code for code, _echo in answers] == [0, errno.ENODEV, 0]
    assert answers[1][1] is None
    assert [link_facts(echo)['name'] for _code, echo in (answers[0], answers[2])] == ['lo', 'lo']


def test_change_raises_what_the_kernel_refused(kernel):
    with pytest.raises(NetlinkError) as info:
        kernel.change(None, links_request(MISSING))
    assert info.value.code == errno.ENODEV
    assert kernel.change(None, links_request('lo')) is None


def test_reads_the_links_of_the_host(kernel):
    links = dict((link['name'], link) for link in kernel.links())
    # Each network namespace has its loopback device, ifindex 1.
    assert links['lo']['index'] == 1 and links['lo']['kind'] is None and links['lo']['netkit'] is None
    one = kernel.link(None, 'lo')
    assert (one['index'], one['name'], one['mtu']) == (1, 'lo', links['lo']['mtu'])
    assert kernel.link(None, MISSING) is None


def test_pyroute2_reads_the_kernels_reply_the_same(kernel):
    [payload] = kernel.read(None, links_request('lo'))
    msg = ifinfmsg(nlmsg(RTM_NEWLINK, 0, 1, payload))
    msg.decode()
    facts = link_facts(payload)
    assert (msg['index'], msg.get_attr('IFLA_IFNAME'), msg.get_attr('IFLA_MTU')) == (
        facts['index'], facts['name'], facts['mtu'])
    assert bool(msg['flags'] & 1) is facts['up']
    assert bool(msg.get_attr('IFLA_CARRIER')) is facts['carrier']
    assert msg.get_attr('IFLA_GROUP') == facts['group']


def test_reads_the_addresses_of_the_host(kernel):
    addresses = kernel.addresses()
    assert isinstance(addresses, dict)
    for index, found in addresses.items():
        assert isinstance(index, int) and found
        assert all(address['address'].startswith('fe80:') for address in found), 'link-local ones only'
        assert len(set(address['address'] for address in found)) == len(found), 'each once'


def test_sequence_numbers_are_never_reused(kernel):
    first = kernel._next_seq(3)
    assert kernel._next_seq() == first + 3
    kernel.write(None, [links_request('lo')] * 5)
    assert kernel._next_seq() == first + 3 + 1 + 5


# ------------------------------------------------------------ named network namespaces

@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(ns, 'NETNS_RUN_DIR', str(tmp_path))
    return tmp_path


def test_namespaces_are_the_files_of_the_run_directory(run_dir):
    assert ns.list_netns() == []
    for name in ('red', 'blue'):
        (run_dir / name).write_text('')
    assert ns.list_netns() == ['blue', 'red']
    assert ns.netns_path('blue') == str(run_dir / 'blue')


def test_no_run_directory_is_no_namespace(run_dir):
    run_dir.rmdir()
    assert ns.list_netns() == []


def test_a_missing_namespace_is_a_clear_error(run_dir):
    with pytest.raises(NetkitError) as info:
        ns.open_netns('red')
    assert str(info.value) == ("peer_netns: network namespace 'red' does not exist (%s/red is missing); create it "
                               'first, for example with `ip netns add red`' % run_dir)


@pytest.mark.skipif(os.geteuid() != 0, reason='entering a network namespace needs CAP_SYS_ADMIN')
def test_a_named_namespace_is_read_on_a_socket_opened_in_it(run_dir, kernel):
    """A name for this process's own namespace: the socket is opened in it (entered and
    left again), and reads the same links as the host's."""
    os.symlink('/proc/self/ns/net', str(run_dir / 'own'))
    before = os.readlink('/proc/self/ns/net')
    assert sorted(link['name'] for link in kernel.links('own')) == sorted(link['name'] for link in kernel.links())
    assert kernel.link('own', 'lo')['index'] == 1
    assert os.readlink('/proc/self/ns/net') == before, 'back in the namespace it started in'
    assert set(kernel._sockets) == {None, 'own'}, 'one socket per namespace'


def test_a_file_that_is_no_namespace_has_no_nsid(run_dir, kernel):
    """The kernel refuses an fd that is no network namespace: that name is left out."""
    (run_dir / 'blue').write_text('')
    assert kernel.netns_ids() == {}


# ------------------------------------------------------------ one recv(), many messages

class ChunkSocket:
    """recv() hands out the chunks given, then ends the test's reading."""

    def __init__(self, chunks):
        self.chunks = list(chunks)

    def recv(self, _size):
        if not self.chunks:
            raise EOFError
        return self.chunks.pop(0)


def replies(chunks):
    found = []
    try:
        for reply in ns.Kernel._replies(ChunkSocket(chunks)):
            found.append(reply)
    except EOFError:
        pass
    return found


@CHECK
@given(chunks=st.lists(st.binary(max_size=64), max_size=4))
def test_replies_yield_messages_or_refuse_a_malformed_length(chunks):
    """_replies() never spins on a bad length: it yields what the lengths describe, or raises NetkitError."""
    try:
        found = replies(chunks)
    except NetkitError as exc:
        assert 'malformed netlink reply' in str(exc)
        return
    assert len(found) <= sum(len(chunk) // 16 for chunk in chunks)


def test_replies_split_each_receive_into_messages():
    first = nlmsg(RTM_NEWLINK, 2, 7, b'abcd')
    second = nlmsg(NLMSG_DONE, 0, 7, b'\0' * 4)
    assert replies([first + second, first]) == [
        (RTM_NEWLINK, 2, 7, b'abcd'), (NLMSG_DONE, 0, 7, b'\0' * 4), (RTM_NEWLINK, 2, 7, b'abcd')]
