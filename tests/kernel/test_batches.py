# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_pairs: lists, duplicates, prune, and what a run that fails halfway leaves.

Where a failure must come from the kernel halfway through a run, the test interferes
from outside at that point (a device takes a name the run is about to use), as another
program on the host would; the kernel itself is never faked. Where no outside act can make
the kernel fail a read at that point, the run's own read is made to fail instead.
"""

import errno

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_socket, _pair_apply
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_messages import RTM_DELLINK
from suite import assert_same, converge, netkit_info, reconcile, sh, up


def test_a_list_with_a_peer_namespace_an_l2_pair_and_a_named_peer(ns):
    blue = ns.peer()
    three = [{'name': 'nksa', 'peer_netns': blue, 'link_local': True},
             {'name': 'nksb', 'mode': 'l2', 'mtu': 9000, 'peer_mtu': 9000},
             {'name': 'nksc', 'peer_name': 'nks-c', 'policy': 'blackhole', 'link_local': False}]
    applied = converge(ns, three)
    links = ns.links()
    assert 'link_netnsid' in links['nksa'] and ns.link_local(blue)['nksap'] == applied[0]['after']['peer_addresses']
    assert netkit_info(links['nksb'])['mode'] == 'l2' and links['nksbp']['mtu'] == 9000
    assert netkit_info(links['nksc'])['policy'] == 'blackhole'
    assert ns.link_local()['nksc'] == [] and ns.link_local()['nks-c'] == []
    changed = converge(ns, three[:1] + [dict(three[1], mtu=1400)] + three[2:])
    assert [o['changed'] for o in changed] == [False, True, False]
    assert (changed[1]['before']['mtu'], changed[1]['after']['mtu']) == (9000, 1400)


def test_prune_deletes_only_unlisted_netkit_primaries_of_the_prefix(ns):
    reconcile([{'name': 'nksa'}, {'name': 'nksb'}, {'name': 'other'}])
    sh('ip', 'link', 'add', 'nksdummy', 'type', 'dummy')
    applied = converge(ns, [{'name': 'nksa'}], prune='nks')
    assert sorted(o['name'] for o in applied if o['pruned']) == ['nksb']
    assert sorted(name for name in ns.links() if name != 'lo') == ['nksa', 'nksap', 'nksdummy', 'other', 'otherp']


@pytest.mark.parametrize('entries', [
    [{'name': 'nka'}, {'name': 'nka', 'mtu': 1400}],
    [{'name': 'nka'}, {'name': 'nka', 'state': 'absent'}],
    [{'name': 'nka', 'state': 'absent'}, {'name': 'nka'}],
    [{'name': 'nka'}, {'name': 'nkb', 'peer_name': 'nka'}],
    [{'name': 'nkap'}, {'name': 'nka'}],
    [{'name': 'nka', 'peer_name': 'x1'}, {'name': 'nkb', 'peer_name': 'x1'}],
], ids=['twice', 'present then absent', 'absent then present', 'a peer named like a primary',
        'a default peer named like a primary', 'one peer for two'])
def test_a_device_named_by_two_entries(ns, entries):
    reconcile([{'name': 'nka'}]) if entries[0].get('state') == 'absent' else None
    before = ns.state()
    for check in (True, False):
        with pytest.raises(NetkitError, match=r'is named by pairs\[0\] already'):
            reconcile(entries, check=check)
    assert_same(before, ns.state(), 'a refused list changed the kernel')


def take_name_before_applying(monkeypatch, command):
    """Run command (another program on the host) after the run planned, before it applies."""
    apply_plans = _pair_apply.apply_plans

    def interfere_then_apply(*args):
        sh(*command)
        return apply_plans(*args)
    monkeypatch.setattr(_pair_apply, 'apply_plans', interfere_then_apply)


def test_a_pair_failing_in_the_middle_of_a_window_takes_the_whole_run_back(ns, monkeypatch):
    """The kernel refuses the third of five new pairs; the others, before and after it in the
    same window, are deleted again, and the pair the run changed is put back."""
    reconcile([{'name': 'nkold', 'mtu': 1500}])
    before = ns.state()
    take_name_before_applying(monkeypatch, ('ip', 'link', 'add', 'nk2p', 'type', 'dummy'))
    with pytest.raises(NetkitError) as raised:
        reconcile([{'name': 'nkold', 'mtu': 9000}] + [{'name': 'nk%d' % n, 'link_local': True} for n in range(5)])
    message = str(raised.value)
    assert 'creating netkit pair nk2: File exists;' in message
    assert 'were deleted again' in message and 'nk0, nk1, nk3, nk4' in message
    assert 'put back as they were' in message
    after = ns.state()
    del after[None][0]['nk2p'], after[None][1]['nk2p']
    assert_same(before, after, 'the failed run left changes')


def test_a_failure_after_a_change_puts_the_pair_back_up(ns, monkeypatch):
    """Changing MTU and link-local addresses takes both ends down and up; when the run fails
    after that, each end is as it was: up, its MTU, queue length, offload sizes and address
    generation mode."""
    reconcile([{'name': 'nka'}])
    before = ns.state()

    def no_address(*args):
        raise NetkitError('the kernel gave no link-local address (injected)')
    monkeypatch.setattr(_pair_apply, 'wait_for_link_local', no_address)
    with pytest.raises(NetkitError, match='injected.*put back as they were'):
        reconcile([{'name': 'nka', 'mtu': 1400, 'peer_mtu': 1400, 'link_local': True, 'txqueuelen': 10,
                    'peer_txqueuelen': 20, 'gso_max_size': 196608, 'gro_max_size': 196608}])
    links = ns.links()
    assert up(links['nka']) and up(links['nkap'])
    assert links['nka']['mtu'] == links['nkap']['mtu'] == 1500
    assert links['nka']['txqlen'] == links['nkap']['txqlen'] == 1000
    assert links['nka']['gso_max_size'] == links['nkap']['gro_max_size'] == 65536
    assert links['nka']['inet6_addr_gen_mode'] == 'eui64'
    assert_same(before, ns.state(), 'the failed run left changes')


def test_a_peer_moved_by_a_failed_run_comes_back(ns, monkeypatch):
    blue = ns.peer()
    reconcile([{'name': 'nka', 'link_local': True}])

    def no_address(*args):
        raise NetkitError('injected')
    monkeypatch.setattr(_pair_apply, 'wait_for_link_local', no_address)
    with pytest.raises(NetkitError, match='injected'):
        reconcile([{'name': 'nka', 'peer_netns': blue, 'link_local': True}])
    assert 'nkap' in ns.links() and 'nkap' not in ns.links(blue)
    assert up(ns.links()['nkap']) and up(ns.links()['nka'])


def test_what_a_failed_run_created_is_deleted_by_ifindex_not_by_name(ns, monkeypatch):
    """Another program renames the new pair and gives its name to a dummy before the run
    fails: the run deletes the pair it made and never the dummy."""
    configuration_steps = _pair_apply.PairCreator._configuration_steps

    def rename_then_fail(creator):
        sh('ip', 'link', 'set', 'nka', 'name', 'moved')
        sh('ip', 'link', 'add', 'nka', 'type', 'dummy')
        configuration_steps(creator)
        raise NetkitError('injected')
    monkeypatch.setattr(_pair_apply.PairCreator, '_configuration_steps', rename_then_fail)
    with pytest.raises(NetkitError, match='injected'):
        reconcile([{'name': 'nka'}])
    links = ns.links()
    assert 'moved' not in links and 'nkap' not in links
    assert links['nka']['linkinfo']['info_kind'] == 'dummy'


def test_a_pair_created_by_another_program_meanwhile_is_taken_as_found(ns, monkeypatch):
    take_name_before_applying(monkeypatch, ('ip', 'link', 'add', 'nka', 'type', 'netkit', 'peer', 'name', 'nkap'))
    outcome = reconcile([{'name': 'nka', 'link_local': True}])[0]
    assert outcome['changed']
    assert len(ns.link_local()['nka']) == 1 and len(ns.link_local()['nkap']) == 1
    assert outcome['after']['addresses'] == ns.link_local()['nka']


def test_a_pair_being_recreated_when_the_run_fails_is_made_again_as_it_was(ns, monkeypatch):
    blue = ns.peer()
    reconcile([{'name': 'nk1', 'mode': 'l2', 'mtu': 9000, 'peer_netns': blue, 'policy': 'blackhole',
                'link_local': True}])
    take_name_before_applying(monkeypatch, ('ip', 'link', 'add', 'nk5p', 'type', 'dummy'))
    with pytest.raises(NetkitError, match=r'\(nk1\) were made again as they were before'):
        reconcile([{'name': 'nk1', 'mode': 'l3', 'recreate': True}, {'name': 'nk5'}])
    primary, peer = ns.links()['nk1'], ns.links(blue)['nk1p']
    assert netkit_info(primary)['mode'] == 'l2' and netkit_info(primary)['policy'] == 'blackhole'
    assert primary['mtu'] == 9000 and up(primary) and up(peer)
    assert len(ns.link_local(blue)['nk1p']) == 1 and 'nk5' not in ns.links()


def test_pairs_a_failed_run_had_not_deleted_yet_are_left_and_not_said_to_be_made_again(ns, monkeypatch):
    """The run fails as it starts deleting the pairs it re-creates: they are as they were, and
    the error does not claim they were made again."""
    reconcile([{'name': 'nk1', 'mode': 'l2'}, {'name': 'nk2', 'mode': 'l2'}])
    before = ns.state()

    def refused(*args):
        raise NetkitError('injected')
    monkeypatch.setattr(_pair_apply, 'delete_as_group', refused)
    with pytest.raises(NetkitError) as failed:
        reconcile([{'name': 'nk1', 'mode': 'l3', 'recreate': True}, {'name': 'nk2', 'mode': 'l3', 'recreate': True}])
    assert str(failed.value) == 'injected'
    assert_same(before, ns.state(), 'the failed run changed the pairs it had not deleted')


def test_a_different_pair_made_meanwhile_under_the_name_is_refused_and_left_alone(ns, monkeypatch):
    take_name_before_applying(monkeypatch, ('ip', 'link', 'add', 'nk5', 'type', 'netkit', 'mode', 'l2',
                                            'peer', 'name', 'zz'))
    with pytest.raises(NetkitError, match='has the peer zz, not nk5p'):
        reconcile([{'name': 'nk5', 'mode': 'l3', 'policy': 'blackhole'}])
    assert netkit_info(ns.links()['nk5'])['mode'] == 'l2' and netkit_info(ns.links()['nk5'])['policy'] == 'forward'


def deletions_sent(monkeypatch):
    """The RTM_DELLINK requests the run sends, as (ifindex or 0 for a group, the kernel's answer)."""
    sent = []
    write_echoed = _netlink_socket.Kernel.write_echoed

    def counting(self, netns, requests):
        answers = write_echoed(self, netns, requests)
        sent.extend((request.build()['index'], code) for request, (code, _echo) in zip(requests, answers)
                    if request.type == RTM_DELLINK)
        return answers
    monkeypatch.setattr(_netlink_socket.Kernel, 'write_echoed', counting)
    return sent


def test_several_pairs_are_deleted_together_and_nothing_else(ns, monkeypatch):
    """Absent entries and pruned pairs go in one group delete; a bystander pair and a device
    of another program in a group of its own stay, in the groups they were in."""
    reconcile([{'name': 'nksa'}, {'name': 'nksb'}, {'name': 'nksc'}, {'name': 'keep'}])
    sh('ip', 'link', 'add', 'nksdummy', 'type', 'dummy')
    sh('ip', 'link', 'set', 'nksdummy', 'group', '7')
    sh('ip', 'link', 'set', 'keep', 'group', '9')
    sent = deletions_sent(monkeypatch)
    applied = converge(ns, [{'name': 'nksa', 'state': 'absent'}], prune='nksb')
    assert sorted(o['name'] for o in applied if o['changed']) == ['nksa', 'nksb']
    assert sent == [(0, 0)], 'two pairs deleted with one request, and no request per pair after it'
    links = ns.links()
    assert sorted(name for name in links if name != 'lo') == ['keep', 'keepp', 'nksc', 'nkscp', 'nksdummy']
    assert (links['nksdummy']['group'], links['keep']['group'], links['nksc']['group']) == ('7', '9', 'default')


def test_a_device_joining_the_group_makes_the_run_delete_one_by_one(ns, monkeypatch):
    """Another program puts its device into the group the run picked, after the run proved it
    empty: the run sees it before deleting, moves its pairs back, deletes them one by one, and
    the device stays."""
    reconcile([{'name': 'nksa'}, {'name': 'nksb'}])
    sh('ip', 'link', 'add', 'nksdummy', 'type', 'dummy')
    unused_group = _pair_apply.unused_group

    def taken_meanwhile(used):
        group = unused_group(used)
        sh('ip', 'link', 'set', 'nksdummy', 'group', str(group))
        return group
    monkeypatch.setattr(_pair_apply, 'unused_group', taken_meanwhile)
    sent = deletions_sent(monkeypatch)
    reconcile([{'name': 'nksa', 'state': 'absent'}, {'name': 'nksb', 'state': 'absent'}])
    assert [index for index, _code in sent if index == 0] == [] and len(sent) == 2, 'deleted one by one'
    assert sorted(name for name in ns.links() if name != 'lo') == ['nksdummy']


def test_a_pair_moved_out_of_the_group_before_the_delete_is_deleted_all_the_same(ns, monkeypatch):
    """Another program takes one of the run's pairs out of the group between the run's last
    read and the group delete: the group delete misses it, and the run deletes it after."""
    reconcile([{'name': 'nksa'}, {'name': 'nksb'}, {'name': 'keep'}])
    group_delete_request = _pair_apply.group_delete_request

    def moved_out_first(group):
        sh('ip', 'link', 'set', 'nksa', 'group', 'default')
        return group_delete_request(group)
    monkeypatch.setattr(_pair_apply, 'group_delete_request', moved_out_first)
    nksa = ns.links()['nksa']['ifindex']
    sent = deletions_sent(monkeypatch)
    outcomes = reconcile([{'name': 'nksa', 'state': 'absent'}, {'name': 'nksb', 'state': 'absent'}])
    assert all(o['changed'] for o in outcomes)
    assert sent == [(0, 0), (nksa, 0)], 'the group, then the pair it missed'
    assert sorted(name for name in ns.links() if name != 'lo') == ['keep', 'keepp']


def after_the_group_delete(monkeypatch, then):
    """Call then() when the run reads the groups after its group delete (its second read of them)."""
    groups = _netlink_socket.Kernel.groups
    reads = []

    def second_read_late(self, netns=None):
        reads.append(netns)
        if len(reads) == 2:
            then()
        return groups(self, netns)
    monkeypatch.setattr(_netlink_socket.Kernel, 'groups', second_read_late)


def test_a_device_taking_a_deleted_pairs_ifindex_is_left_alone(ns, monkeypatch):
    """Another program creates a device with the ifindex a deleted pair had, just after the group
    delete: the run's look for pairs the group delete missed finds the index, sees another device
    there, and leaves it."""
    reconcile([{'name': 'nksa'}, {'name': 'nksb'}])
    nksa = ns.links()['nksa']['ifindex']
    after_the_group_delete(monkeypatch, lambda: sh('ip', 'link', 'add', 'nksdummy', 'index', str(nksa), 'type', 'dummy'))
    sent = deletions_sent(monkeypatch)
    outcomes = reconcile([{'name': 'nksa', 'state': 'absent'}, {'name': 'nksb', 'state': 'absent'}])
    assert all(o['changed'] for o in outcomes) and sent == [(0, 0)]
    links = ns.links()
    assert sorted(name for name in links if name != 'lo') == ['nksdummy'] and links['nksdummy']['ifindex'] == nksa


def test_a_failed_read_after_the_group_delete_deletes_by_ifindex_and_succeeds(ns, monkeypatch):
    """The read that looks for pairs the group delete missed fails (the group delete cannot be
    undone): the run asks for each moved pair by its ifindex instead, and reports them deleted."""
    reconcile([{'name': 'nksa'}, {'name': 'nksb'}, {'name': 'keep'}])
    indexes = sorted(ns.links()[name]['ifindex'] for name in ('nksa', 'nksb'))

    def interrupted():
        raise NetkitError('the kernel interrupted 7 dumps in a row')
    after_the_group_delete(monkeypatch, interrupted)
    sent = deletions_sent(monkeypatch)
    outcomes = reconcile([{'name': 'nksa', 'state': 'absent'}, {'name': 'nksb', 'state': 'absent'}])
    assert all(o['changed'] for o in outcomes)
    assert sent[0] == (0, 0) and sorted(sent[1:]) == [(index, errno.ENODEV) for index in indexes]
    assert sorted(name for name in ns.links() if name != 'lo') == ['keep', 'keepp']
