# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every error of the pairs reconciler names its cause and leaves the kernel as it was."""

import platform
import subprocess

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from suite import assert_same, reconcile, sh


def fails(ns, entries, message):
    """The run (and its check run) fail with message and the kernel is as it was."""
    before = ns.state()
    for check_mode in (True, False):
        with pytest.raises(NetkitError) as raised:
            reconcile(entries, check=check_mode)
        assert message in str(raised.value), str(raised.value)
        assert_same(before, ns.state(), 'a failed run changed the kernel')
    return str(raised.value)


@pytest.fixture
def prepared(ns):
    """Two pairs (one with a named peer), a dummy named like a primary and one like a peer."""
    reconcile([{'name': 'nka', 'link_local': True}, {'name': 'nkb', 'peer_name': 'nkb-ctr', 'mode': 'l2'}])
    sh('ip', 'link', 'add', 'nkd', 'type', 'dummy')
    sh('ip', 'link', 'add', 'nkep', 'type', 'dummy')
    return ns


NAME_ERRORS = [
    ({'name': 'abcdefghijklmnop'}, "name 'abcdefghijklmnop' is 16 bytes long"),
    ({'name': 'abcdefghijklmno'}, 'peer_name defaults to name + "p"'),
    ({'name': 'nk/x'}, 'is not a valid interface name'),
    ({'name': 'nk%d'}, 'is not a valid interface name'),
    ({'name': 'nk0', 'peer_name': 'p%d'}, 'is not a valid interface name'),
    ({'name': 'nk\x00x'}, 'is not a valid interface name'),
    ({'name': ''}, 'name must not be empty'),
    ({'name': '..'}, 'is not a valid interface name'),
    ({'name': 'nk0', 'peer_name': 'nk0'}, 'peer_name must differ from name'),
    ({'name': 'nk0', 'peer_netns': '../../etc'}, 'is not a network namespace name'),
    ({'name': 'nk0', 'mtu': 10}, 'mtu 10 is out of range'),
    ({'name': 'nk0', 'peer_mtu': 70000}, 'peer_mtu 70000 is out of range'),
    ({'name': 'nk0', 'headroom': -1}, 'headroom must be 0 to 65535'),
    ({'name': 'nk0', 'mtu': 1000, 'link_local': True}, 'link_local needs an MTU of at least 1280'),
    ({'name': 'nk0', 'txqueuelen': -1}, 'txqueuelen -1 is out of range'),
    ({'name': 'nk0', 'peer_txqueuelen': 2 ** 32}, 'peer_txqueuelen 4294967296 is out of range'),
    ({'name': 'nk0', 'gso_max_size': 0}, 'gso_max_size 0 is out of range: 1 to 524280 bytes'),
    ({'name': 'nk0', 'gro_max_size': 524281}, 'gro_max_size 524281 is out of range: 1 to 524280 bytes'),
]


@pytest.mark.parametrize('entry, message', NAME_ERRORS, ids=[repr(case[0]) for case in NAME_ERRORS])
def test_bad_input_changes_nothing(ns, entry, message):
    fails(ns, [entry], message)


@pytest.mark.parametrize('kind', ['veth', 'dummy'])
def test_devices_of_another_kind_named_like_a_primary_or_a_peer_are_left_alone(ns, kind):
    extra = ('peer', 'name', 'vethother') if kind == 'veth' else ()
    sh('ip', 'link', 'add', 'nkx', 'type', kind, *extra)
    sh('ip', 'link', 'add', 'nkyp', 'type', 'dummy') if kind == 'dummy' else sh(
        'ip', 'link', 'add', 'nkyp', 'type', 'veth', 'peer', 'name', 'vethother2')
    fails(ns, [{'name': 'nkx'}], 'a %s device named nkx already exists and is not a netkit pair' % kind)
    fails(ns, [{'name': 'nkx', 'state': 'absent'}], 'is not a netkit pair')
    fails(ns, [{'name': 'nky'}], 'peer_name nkyp is taken: a %s device' % kind)


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_a_dummy_named_like_the_primary_is_left_alone(prepared, state):
    fails(prepared, [{'name': 'nkd', 'state': state}], 'a dummy device named nkd already exists and is not a netkit pair')


def test_a_dummy_named_like_the_peer_is_left_alone(prepared):
    fails(prepared, [{'name': 'nke'}], 'peer_name nkep is taken')


def test_a_missing_namespace(prepared):
    fails(prepared, [{'name': 'nkf', 'peer_netns': 'kt-none'}], "network namespace 'kt-none' does not exist")
    fails(prepared, [{'name': 'nka', 'peer_netns': 'kt-none'}], "network namespace 'kt-none' does not exist")


def test_another_peer_name(prepared):
    fails(prepared, [{'name': 'nka', 'peer_name': 'nkzz'}], 'has the peer nkap, not nkzz')
    fails(prepared, [{'name': 'nkb'}], 'has the peer nkb-ctr, not nkbp')
    fails(prepared, [{'name': 'nkb', 'peer_name': 'nkzz', 'state': 'absent'}], 'has the peer nkb-ctr, not nkzz')


def test_the_peer_end_given_as_the_primary(prepared):
    fails(prepared, [{'name': 'nkb-ctr'}], 'is the peer end of a netkit pair')


def test_a_creation_setting_on_a_live_pair_without_recreate(prepared):
    fails(prepared, [{'name': 'nkb', 'peer_name': 'nkb-ctr', 'mode': 'l3'}], 'mode is l2, the task wants l3')


@pytest.mark.skipif(tuple(int(p) for p in platform.release().split('.')[:2]) >= (6, 14),
                    reason='the kernel has headroom')
def test_headroom_on_a_kernel_without_it(prepared):
    """Known before anything is made, from the attributes the kernel reports for a pair."""
    fails(prepared, [{'name': 'nkg', 'headroom': 64, 'link_local': True}],
          'headroom needs Linux 6.14+; this host runs ' + platform.release())
    fails(prepared, [{'name': 'nka', 'headroom': 64, 'recreate': True}], 'headroom needs Linux 6.14+')


@pytest.mark.skipif(tuple(int(p) for p in platform.release().split('.')[:2]) >= (6, 14),
                    reason='the kernel has headroom')
def test_headroom_on_a_host_without_pairs_is_refused_by_the_release(ns):
    """No netkit device to read the kernel's attributes from: the release (6.12 < 6.14) says,
    in check mode too, before the first pair of the list is made."""
    fails(ns, [{'name': 'nkf', 'link_local': True}, {'name': 'nkg', 'headroom': 64, 'link_local': True}],
          'pairs[1] (nkg): headroom needs Linux 6.14+; this host runs ' + platform.release())


def test_moving_a_peer_onto_a_taken_name(prepared):
    blue = prepared.peer()
    sh('ip', 'link', 'add', 'nkap', 'type', 'dummy', netns=blue)
    fails(prepared, [{'name': 'nka', 'peer_netns': blue, 'mtu': 1400}], 'has a dummy device named nkap already')


def test_an_mtu_too_small_for_link_local_on_a_live_pair(prepared):
    fails(prepared, [{'name': 'nka', 'mtu': 1000, 'link_local': True}], 'link_local needs an MTU of at least 1280')
    sh('ip', 'link', 'set', 'nka', 'mtu', '1200')
    fails(prepared, [{'name': 'nka', 'link_local': True, 'peer_mtu': 1400}], 'and mtu is 1200')


def test_an_entry_of_a_list_names_itself_and_nothing_is_made(prepared):
    fails(prepared, [{'name': 'nkf1'}, {'name': 'nkd'}], 'pairs[1] (nkd): a dummy device named nkd')
    assert 'nkf1' not in prepared.links()


def test_a_peer_in_a_namespace_without_a_name(ns):
    """As container runtimes leave them: present is refused clearly, the reader names the
    namespace by its id, absent still deletes the pair."""
    from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import read_all_pairs
    reconcile([{'name': 'nka'}])
    holder = subprocess.Popen(['unshare', '--net', 'sh', '-c', 'echo ready; exec sleep 120'],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'ready'
        sh('ip', 'link', 'set', 'nkap', 'netns', str(holder.pid))
        fails(ns, [{'name': 'nka'}], 'is in a network namespace without a name under /run/netns')
        assert read_all_pairs()[0]['peer_netns'].startswith('nsid:')
        assert reconcile([{'name': 'nka', 'state': 'absent'}])[0]['changed']
        assert 'nka' not in ns.links()
    finally:
        holder.kill()
        holder.wait()
