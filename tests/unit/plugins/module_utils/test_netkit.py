# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of module_utils/_netkit.py; netkit behaviour itself is tested in the VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import os
import struct

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _netkit as nk


FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
IFLA_LINKINFO = 18
IFLA_INFO_DATA = 2
IFLA_NETKIT_PEER_INFO = 1
IFLA_NET_NS_FD = 28


def captured(name):
    with open(os.path.join(FIXTURES, 'rtm_newlink_%s.hex' % name)) as handle:
        return binascii.unhexlify(handle.read().strip())


def payload(reply):
    # The nlmsghdr (16 bytes) off: what link_facts() decodes.
    return reply[16:]


def info_data_bytes(reply):
    # nlmsghdr (16) + ifinfomsg (16), then the IFLA_* attributes.
    return nk.attributes(nk.attributes(reply, 32)[IFLA_LINKINFO])[IFLA_INFO_DATA]


# ------------------------------------------------------------ decoding and encoding

def test_decodes_an_l2_primary_the_kernel_sent():
    facts = nk.link_facts(payload(captured('nkcap')))
    assert facts['name'] == 'nkcap'
    assert facts['kind'] == 'netkit'
    assert facts['addrgenmode'] == 'random'
    assert facts['link'] is not None
    assert facts['netkit'] == {'primary': True, 'mode': 'l2', 'policy': 'blackhole', 'peer_policy': 'forward',
                               'scrub': 'none', 'peer_scrub': 'none', 'headroom': None, 'tailroom': None}


def test_decodes_the_peer_of_that_pair():
    facts = nk.link_facts(payload(captured('nkcapp')))
    assert facts['name'] == 'nkcapp'
    assert facts['netkit']['primary'] is False
    assert facts['addrgenmode'] == 'eui64'


def test_decodes_the_kernel_defaults():
    facts = nk.link_facts(payload(captured('nkl3')))
    assert facts['netkit'] == {'primary': True, 'mode': 'l3', 'policy': 'forward', 'peer_policy': 'forward',
                               'scrub': 'default', 'peer_scrub': 'default', 'headroom': None, 'tailroom': None}
    assert facts['up'] is False


def test_encodes_netkit_attributes_as_the_kernel_does():
    """The kernel's own IFLA_INFO_DATA for nkcap, re-encoded from its values, byte for byte."""
    nk.register_netkit_kind()
    data = nk.netkit_data()
    data['attrs'] = [['IFLA_NETKIT_PRIMARY', 1], ['IFLA_NETKIT_POLICY', 2], ['IFLA_NETKIT_PEER_POLICY', 0],
                     ['IFLA_NETKIT_MODE', 0], ['IFLA_NETKIT_SCRUB', 0], ['IFLA_NETKIT_PEER_SCRUB', 0]]
    data.encode()
    assert nk.attributes(bytes(data.data[4:data.length])) == nk.attributes(info_data_bytes(captured('nkcap')))


def test_create_request_round_trips():
    wanted = dict(name='nk0', peer_name='nk0p', mode='l2', policy='blackhole', peer_policy=None,
                  scrub='none', peer_scrub='default', headroom=64, tailroom=None, mtu=9000, peer_mtu=4000, up=True)
    body = nk.create_request(wanted, netns_fd=7)
    back = nk.link_facts(body)
    assert (back['name'], back['mtu'], back['kind'], back['up']) == ('nk0', 9000, 'netkit', False)
    facts = back['netkit']
    assert (facts['mode'], facts['policy'], facts['scrub'], facts['peer_scrub']) == ('l2', 'blackhole', 'none', 'default')
    assert facts['peer_policy'] is None and facts['tailroom'] is None
    assert facts['headroom'] == 64
    data = nk.attributes(nk.attributes(body, 16)[IFLA_LINKINFO])[IFLA_INFO_DATA]
    assert len(nk.attributes(data)[8]) == 2, 'IFLA_NETKIT_HEADROOM is a u16'
    peer = nk.attributes(nk.attributes(data)[IFLA_NETKIT_PEER_INFO], 16)  # after the peer's ifinfomsg
    assert peer[nk.IFLA_IFNAME] == b'nk0p\0'
    assert peer[nk.IFLA_MTU] == struct.pack('=I', 4000)
    assert peer[IFLA_NET_NS_FD] == struct.pack('=I', 7)


def test_the_same_attributes_as_pyroute2_encodes():
    """The hand-encoded address generation request, against pyroute2's encoder."""
    msg = nk.ifinfmsg()
    msg['attrs'] = [['IFLA_IFNAME', 'nk0p']] + nk.addrgenmode_attrs('random')
    msg.encode()
    ours = nk.attributes(nk.addrgenmode_request('nk0p', 'random'), 16)
    theirs = nk.attributes(bytes(msg.data[16 + 16:msg['header']['length']]))
    assert ours == theirs


def test_write_answers_every_request_in_order():
    """Windows of requests on a real (the host's) netlink socket: each gets its own answer.
    Reading link 1 (lo) succeeds, a link that cannot exist fails with ENODEV."""
    kernel = nk.Kernel()
    try:
        missing = 0x7ffffff0
        requests = [(nk.RTM_GETLINK, 0, nk.delete_request(1 if n % 3 else missing)) for n in range(2 * nk.WRITE_WINDOW + 5)]
        codes = kernel.write(None, requests)
    finally:
        kernel.close()
    assert codes == [0 if n % 3 else errno.ENODEV for n in range(len(requests))]


# ------------------------------------------------------------ names and input

@pytest.mark.parametrize('name', ['nk0', 'a' * 15, 'eth-0_x', 'ü' * 7])
def test_accepts_names_the_kernel_accepts(name):
    nk.check_ifname('name', name)


@pytest.mark.parametrize('name,message', [
    ('', 'must not be empty'),
    ('a' * 16, 'is 16 bytes long'),
    ('ü' * 8, 'is 16 bytes long'),
    ('a/b', 'not a valid interface name'),
    ('a:b', 'not a valid interface name'),
    ('a b', 'not a valid interface name'),
    ('..', 'not a valid interface name'),
])
def test_rejects_names_the_kernel_rejects(name, message):
    with pytest.raises(nk.NetkitError, match=message):
        nk.check_ifname('peer_name', name)


def test_default_peer_name_appends_p():
    assert nk.default_peer_name('nk0') == 'nk0p'
    with pytest.raises(nk.NetkitError, match='shorten name to at most 14 bytes or set peer_name'):
        nk.default_peer_name('a' * 15)


def params(**kwargs):
    base = dict((key, None) for key in nk.SETTINGS)
    base.update(name='nk0', state='present', up=True)
    base.update(kwargs)
    return base


def test_desired_pair_fills_the_peer_name_and_checks_ranges():
    assert nk.desired_pair(params())['peer_name'] == 'nk0p'
    with pytest.raises(nk.NetkitError, match='mtu 10 is out of range'):
        nk.desired_pair(params(mtu=10))
    with pytest.raises(nk.NetkitError, match='peer_name must differ'):
        nk.desired_pair(params(peer_name='nk0'))
    assert nk.desired_pair(params(peer_name='nk0', peer_netns='blue'))['peer_name'] == 'nk0'
    with pytest.raises(nk.NetkitError, match='peer_netns'):
        nk.desired_pair(params(peer_netns='../x'))


@pytest.mark.parametrize('release,version', [
    ('6.12.117+deb13-cloud-amd64', (6, 12)), ('6.1.0-28-amd64', (6, 1)), ('7.3', (7, 3)), ('6.7.0rc1', (6, 7)),
])
def test_kernel_version(release, version):
    assert nk.kernel_version(release) == version


def test_old_kernel_gets_a_clear_error():
    with pytest.raises(nk.NetkitError, match=r'netkit needs Linux 6\.7\+ built with CONFIG_NETKIT; this host runs 6\.1\.0-28-amd64'):
        nk.check_kernel('6.1.0-28-amd64')
    nk.check_kernel('6.7.0')


# ------------------------------------------------------------ link-local state

def end(mode='random', up=True, carrier=True, addresses=()):
    return {'addrgenmode': mode, 'up': up, 'carrier': carrier,
            'addresses': [{'address': a, 'prefixlen': 64, 'stable_privacy': sp} for a, sp in addresses]}


@pytest.mark.parametrize('the_end,state', [
    (end(addresses=[('fe80::7c10:f58c:21cb:eb1d', True)]), True),
    (end(up=False), True),
    (end(carrier=False), True),
    (end(addresses=[('fe80::200:ff:fe00:0', False)]), None),
    (end(addresses=[('fe80::1', True), ('fe80::2', False)]), None),
    (end(addresses=[]), None),
    (end(mode='eui64', addresses=[('fe80::200:ff:fe00:0', False)]), None),
    (end(mode='none'), False),
    (end(mode='none', addresses=[('fe80::1', False)]), None),
])
def test_link_local_state(the_end, state):
    assert nk.link_local_state(the_end) is state


# ------------------------------------------------------------ plan and diff

def existing(**kwargs):
    pair = {'name': 'nk0', 'ifindex': 5, 'peer_name': 'nk0p', 'peer_ifindex': 4, 'peer_netns': None,
            'mode': 'l3', 'policy': 'forward', 'peer_policy': 'forward', 'scrub': 'default',
            'peer_scrub': 'default', 'headroom': None, 'tailroom': None, 'mtu': 1500, 'peer_mtu': 1500,
            'up': True, 'link_local': True, 'addresses': ['fe80::1'], 'peer_addresses': ['fe80::2']}
    pair.update(kwargs)
    return pair


def test_plan_compares_only_what_the_task_sets():
    assert nk.plan_pair(existing(), nk.desired_pair(params())) == ({}, {})
    assert nk.plan_pair(existing(mode='l2', mtu=9000), nk.desired_pair(params())) == ({}, {})


def test_plan_lists_live_and_creation_time_changes():
    changes, blocked = nk.plan_pair(existing(), nk.desired_pair(params(policy='blackhole', mode='l2', mtu=9000)))
    assert changes == {'policy': ('forward', 'blackhole'), 'mode': ('l3', 'l2'), 'mtu': (1500, 9000)}
    assert blocked == {'mode': ('l3', 'l2')}
    assert nk.blocked_message('nk0', blocked) == (
        'netkit pair nk0: mode is l3, the task wants l2; the kernel fixes these when it creates a pair. '
        'Set recreate=true to delete and re-create it (traffic stops meanwhile), or change the task.')


def test_headroom_unknown_to_the_kernel_is_a_change():
    changes, blocked = nk.plan_pair(existing(), nk.desired_pair(params(headroom=64)))
    assert blocked == {'headroom': (None, 64)}


def test_check_mode_prediction_for_a_new_pair():
    after = nk.predict_after(None, nk.desired_pair(params(link_local=True, peer_netns='blue')))
    assert after['mode'] == 'l3' and after['policy'] == 'forward' and after['peer_netns'] == 'blue'
    assert after['addresses'] == ['(chosen by the kernel when applied)']
    assert nk.diff_view(None) == {'state': 'absent'}
    view = nk.diff_view(after)
    assert view['state'] == 'present' and view['link_local'] is True and 'ifindex' not in view


def test_check_mode_prediction_keeps_addresses_unless_link_local_changes():
    before = existing()
    assert nk.predict_after(before, nk.desired_pair(params(mtu=9000)))['addresses'] == ['fe80::1']
    off = nk.predict_after(before, nk.desired_pair(params(link_local=False)))
    assert off['addresses'] == [] and off['peer_addresses'] == [] and off['link_local'] is False
