# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner of module_utils/_pair_plan.py (plan_pairs, plan_one, check_creatable,
check_changeable, carried_over, predict_after...) on hosts given as data.

The real Snapshot reads a FakeKernel (pair_hosts.py) that returns link and address
facts as the kernel would. No socket, no netkit, no root. Network namespaces that must
exist are files in a pytest tmp_path (netns_path is patched).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _netkit_kind, _pair_plan
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import CREATION_SETTINGS
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import MAC_ADDRESSES, SETTINGS, desired_pair
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import (
    CONFIGURE, CREATE, DELETE, FIXED_AT_CREATION, RECREATE, Plan, as_it_was, blocked_message, carried_over,
    device_keys, diff_view, plan_pair, plan_pairs, predict_after,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.pair_hosts import (
    NK1_MAC, NK1P_MAC, FakeKernel, entry, host, host7, link, netkit, single,
)

CHECK = settings(max_examples=200, deadline=None)


def plan(kernel, *entries, **kwargs):
    return plan_pairs(Snapshot(kernel), list(entries), **kwargs)


def refusal(kernel, *entries, **kwargs):
    with pytest.raises(NetkitError) as info:
        plan(kernel, *entries, **kwargs)
    return str(info.value)


@pytest.fixture
def namespaces(tmp_path, monkeypatch):
    """Named network namespaces as files of a tmp_path: blue exists, others do not."""
    monkeypatch.setattr(_pair_plan, 'netns_path', lambda name: str(tmp_path / name))
    (tmp_path / 'blue').write_text('')
    return tmp_path


# ------------------------------------------------------------ what the snapshot has

@pytest.mark.parametrize('name,message', [
    ('ve0', 'a veth device named ve0 already exists and is not a netkit pair'),
    ('lo', 'a non-netkit device named lo already exists'),
    ('nk0p', 'nk0p is the peer end of a netkit pair; name must be the primary'),
])
def test_names_of_devices_that_are_not_primaries_are_refused(name, message):
    assert message in refusal(host(), entry(name=name))


def test_a_pair_whose_peer_is_in_an_unnamed_namespace_can_only_be_deleted():
    kernel = host(extra=[link('nk4', 22, 23, netnsid=3), link('dummy0', 23, kind='dummy')])
    pair = Snapshot(kernel).pair('nk4')
    [deleted] = plan(kernel, entry(name='nk4', state='absent'))
    assert (deleted.action, deleted.before) == ('delete', pair)
    # Its peer has no name to claim: two such pairs (peers in one unnamed namespace) can go in one list.
    assert device_keys(deleted) == [(None, 'nk4')]
    assert 'nk4' in [p.name for p in plan(kernel, prune_prefix='nk') if p.pruned]
    message = refusal(kernel, entry(name='nk4'))
    assert message.startswith('the peer of netkit primary nk4 is in a network namespace without a name under '
                              '/run/netns (nsid:3)')


# ------------------------------------------------------------ one entry per device

ALREADY = 'pairs[1] (%s): the device %s is named by pairs[0] already'


@pytest.mark.parametrize('entries,message', [
    ([entry(name='nk5'), entry(name='nk5', state='absent')], ALREADY % ('nk5', 'nk5')),
    ([entry(name='nk5', state='absent'), entry(name='nk5')], ALREADY % ('nk5', 'nk5')),
    ([entry(name='nk0'), entry(name='nk0', state='absent')], ALREADY % ('nk0', 'nk0')),
    ([entry(name='nk0', state='absent'), entry(name='nk0', state='absent')], 'the device nk0 is named by pairs[0]'),
    ([entry(name='nk5', peer_name='nk6'), entry(name='nk6')], ALREADY % ('nk6', 'nk6')),
    ([entry(name='nk6'), entry(name='nk5', peer_name='nk6')], ALREADY % ('nk5', 'nk6')),
    ([entry(name='nk5', peer_name='nkx'), entry(name='nk6', peer_name='nkx')], 'the device nkx is named by pairs[0]'),
    ([entry(name='nk7'), entry(name='nk8'), entry(name='nk5', peer_name='nk8')],
     'pairs[2] (nk5): the device nk8 is named by pairs[1]'),
])
def test_a_device_belongs_to_one_entry_whatever_the_states(entries, message):
    assert message in refusal(host(), *entries)


def test_an_absent_entry_claims_the_peer_the_pair_really_has():
    """Not the default name + 'p': a pair whose peer is zz leaves nk3p free for another entry."""
    kernel = host(extra=[link('nk3', 20, 21), link('zz', 21, 20, data=netkit(primary=False))])
    plans = plan(kernel, entry(name='nk3', state='absent'), entry(name='nk3p'))
    assert [p.action for p in plans] == ['delete', 'create']
    assert device_keys(plans[0]) == [(None, 'nk3'), (None, 'zz')]


def test_ends_in_different_namespaces_may_share_a_name(namespaces):
    plans = plan(host(), entry(name='nk5', peer_name='nk6', peer_netns='blue'), entry(name='nk6'))
    assert [(p.name, p.action) for p in plans] == [('nk5', 'create'), ('nk6', 'create')]


def test_a_single_entry_has_no_position_in_its_message():
    message = refusal(host(), entry(name='ve0'))
    assert not message.startswith('pairs[')
    assert refusal(host(), entry(name='nk5'), entry(name='ve0')).startswith('pairs[1] (ve0): ')


# ------------------------------------------------------------ creating

def test_a_new_pair_is_planned_for_creation():
    [only] = plan(host(), entry(name='nk5', mtu=9000))
    assert (only.action, only.before, only.state) == ('create', None, 'present')
    assert only.wanted['peer_name'] == 'nk5p' and only.wanted['mtu'] == 9000


@pytest.mark.parametrize('peer,message', [
    ('nk0p', 'peer_name nk0p is taken: a netkit device of that name exists; this task leaves it alone'),
    ('ve0', 'peer_name ve0 is taken: a veth device of that name exists'),
    ('lo', 'peer_name lo is taken: a non-netkit device of that name exists'),
])
def test_a_new_pair_cannot_take_a_name_in_use(peer, message):
    assert message in refusal(host(), entry(name='nk5', peer_name=peer))


def test_a_new_peer_cannot_take_a_name_in_use_in_its_namespace(namespaces):
    message = refusal(host(), entry(name='nk5', peer_name='nk1p', peer_netns='blue'))
    assert 'peer_name nk1p is taken: a netkit device of that name exists in network namespace blue' in message


def test_a_new_peer_needs_its_namespace(namespaces):
    message = refusal(host(), entry(name='nk5', peer_netns='red'))
    assert "peer_netns: network namespace 'red' does not exist" in message
    assert 'ip netns add red' in message


@pytest.mark.parametrize('key,value', [('headroom', 64), ('tailroom', 0)])
def test_room_settings_on_a_kernel_that_does_not_report_them(key, value):
    for entries in ([entry(name='nk5', **{key: value})], [entry(name='nk0', **{key: value})]):
        message = refusal(host(), *entries)
        assert message.startswith('%s needs Linux 6.14+; this host runs ' % key), message


def test_headroom_on_a_kernel_that_reports_it():
    assert [p.action for p in plan(host(rooms=True), entry(name='nk5', headroom=64))] == ['create']


def test_headroom_is_planned_when_no_netkit_device_tells_what_the_kernel_knows():
    kernel = FakeKernel({None: [link('lo', 1, kind=None)]})
    assert [p.action for p in plan(kernel, entry(name='nk5', headroom=64))] == ['create']


def test_link_local_needs_ipv6_sized_mtus():
    assert refusal(host(), entry(name='nk5', link_local=True, mtu=1000)).startswith(
        'link_local needs an MTU of at least 1280 on both ends (IPv6), and mtu is 1000')
    assert 'and peer_mtu is 1279' in refusal(host(), entry(name='nk5', link_local=True, peer_mtu=1279))
    # The pair's own MTU counts where the task sets none; a task that raises it is fine.
    assert 'link_local needs an MTU of at least 1280' in refusal(host(), entry(name='nk2', link_local=True))
    [raised] = plan(host(), entry(name='nk2', link_local=True, mtu=1500, peer_mtu=1500))
    assert raised.action == 'configure'


# ------------------------------------------------------------ changing

def test_a_pair_as_asked_needs_nothing():
    assert [p.action for p in plan(host(), entry(name='nk0'), entry(name='nk1', mode='l2', mtu=9000))] == [None, None]


def test_live_settings_are_configured():
    [only] = plan(host(), entry(name='nk0', policy='blackhole', mtu=9000, up=False))
    assert only.action == 'configure'
    assert only.before == Snapshot(host()).pair('nk0')


def test_a_pair_with_another_peer_is_left_alone():
    message = refusal(host(), entry(name='nk0', peer_name='zz'))
    assert 'netkit primary nk0 has the peer nk0p, not zz' in message and 'set peer_name: nk0p' in message


@pytest.mark.parametrize('name,change,now', [
    ('nk0', dict(mode='l2'), 'mode is l3, the task wants l2'),
    ('nk1', dict(mode='l3'), 'mode is l2, the task wants l3'),
    ('nk0', dict(scrub='none'), 'scrub is default, the task wants none'),
    ('nk0', dict(peer_scrub='none', mode='l2'),
     'mode is l3, the task wants l2, peer_scrub is default, the task wants none'),
])
def test_creation_time_settings_need_recreate(name, change, now):
    message = refusal(host(), entry(name=name, **change))
    assert message.startswith('netkit pair %s: %s;' % (name, now)), message
    assert 'Set recreate=true' in message


def test_room_settings_need_recreate_where_the_kernel_knows_them():
    assert refusal(host(rooms=True), entry(name='nk0', headroom=64)).startswith(
        'netkit pair nk0: headroom is 0, the task wants 64;')


def test_recreate_carries_the_old_pair_over():
    [only] = plan(host(), entry(name='nk1', mode='l3', recreate=True))
    assert only.action == 'recreate'
    wanted = only.wanted
    assert wanted['mode'] == 'l3', 'what the task asks for'
    # What the task does not mention is what the pair had: nothing lost by re-creating it.
    assert (wanted['mtu'], wanted['peer_mtu'], wanted['policy'], wanted['peer_policy']) == (
        9000, 4000, 'blackhole', 'forward')
    assert (wanted['peer_name'], wanted['peer_netns']) == ('nk1p', 'blue')
    assert (wanted['scrub'], wanted['peer_scrub']) == ('default', 'default')
    assert wanted['up'] is True


def test_recreate_lets_the_task_override_what_it_carries_over():
    [only] = plan(host(), entry(name='nk1', mode='l3', mtu=1500, policy='forward', recreate=True))
    assert (only.wanted['mtu'], only.wanted['peer_mtu'], only.wanted['policy']) == (1500, 4000, 'forward')


def test_recreate_keeps_link_local_only_where_the_new_mtu_allows_it():
    [kept] = plan(host(), entry(name='nk0', mode='l2', recreate=True))
    assert kept.wanted['link_local'] is True
    [dropped] = plan(host(), entry(name='nk0', mode='l2', mtu=1000, recreate=True))
    assert dropped.wanted['link_local'] is None


def test_recreate_is_only_for_creation_time_settings():
    [only] = plan(host(), entry(name='nk0', mtu=9000, recreate=True))
    assert only.action == 'configure'


def test_a_peer_moves_only_where_its_name_is_free(namespaces):
    kernel = host(extra=[link('nk3', 20, 21), link('nk3p', 21, 20, data=netkit(primary=False))])
    kernel._links['blue'].append(link('nk3p', 30, kind='dummy'))
    message = refusal(kernel, entry(name='nk3', peer_netns='blue'))
    assert 'peer_netns blue has a dummy device named nk3p already' in message
    assert "network namespace 'red' does not exist" in refusal(kernel, entry(name='nk3', peer_netns='red'))
    [moved] = plan(kernel, entry(name='nk0', peer_netns='blue'))
    assert moved.action == 'configure'
    # Moving loses the peer's IPv6 settings: the plan asks for the link-local addresses the pair had.
    assert moved.wanted['link_local'] is True


def test_deleting_a_pair_with_a_15_byte_name_names_its_peer():
    kernel = host(extra=[link('a' * 15, 20, 21), link('b', 21, 20, data=netkit(primary=False))])
    [only] = plan(kernel, entry(name='a' * 15, peer_name='b', state='absent'))
    assert (only.action, only.before['ifindex']) == ('delete', 20)


def test_deleting_what_is_not_there_needs_nothing():
    assert [p.action for p in plan(host(), entry(name='nk5', state='absent'))] == [None]


# ------------------------------------------------------------ pruning

def test_prune_deletes_only_unlisted_netkit_primaries_with_the_prefix():
    plans = plan(host(), entry(name='nk0'), entry(name='nk5'), prune_prefix='nk')
    pruned = [p for p in plans if p.pruned]
    # Not nk0 (listed), nk0p/nk2p (peers), nkv (veth), other0 (another prefix), nk1p (another namespace).
    assert [p.name for p in pruned] == ['nk1', 'nk2']
    assert all(p.action == 'delete' and p.state == 'absent' for p in pruned)
    assert pruned[0].before == Snapshot(host()).pair('nk1')
    assert [p.name for p in plans[:2]] == ['nk0', 'nk5'], 'listed entries first, in order'


def test_prune_spares_pairs_the_list_names_as_absent():
    plans = plan(host(), entry(name='nk1', state='absent'), prune_prefix='nk')
    assert [(p.name, p.action, bool(p.pruned)) for p in plans] == [
        ('nk1', 'delete', False), ('nk0', 'delete', True), ('nk2', 'delete', True)]


@pytest.mark.parametrize('prefix', [None, ''])
def test_no_prefix_prunes_nothing(prefix):
    assert plan(host(), entry(name='nk0'), prune_prefix=prefix)[1:] == []


# ------------------------------------------------------------ random lists

# Mostly names that can be planned, some that cannot; None weighs more where it means "as it is".
NAMES = ['nk0', 'nk1', 'nk2', 'nk5', 'nk6', 'nk7', 'other0', 'nks0'] * 4 + ['nk0p', 've0']
PEERS = [None] * 12 + ['nk0p', 'nk5p', 'nk6', 'zz']
entries = st.lists(st.builds(
    entry, name=st.sampled_from(NAMES), peer_name=st.sampled_from(PEERS),
    state=st.sampled_from(['present', 'absent']), mode=st.sampled_from([None] * 4 + ['l2', 'l3']),
    policy=st.sampled_from([None, None, 'forward', 'blackhole']), mtu=st.sampled_from([None, None, 1500, 9000, 1000]),
    link_local=st.sampled_from([None] * 4 + [True, False]), up=st.sampled_from([None, True, False]),
    pairing=st.sampled_from([None] * 4 + ['pair', 'single']), recreate=st.booleans()),
    max_size=4, unique_by=lambda params: params['name'])


@CHECK
@given(entries=entries, prefix=st.sampled_from([None, 'nk', 'other', 'x']),
       kernel_of=st.sampled_from([host, lambda: host(rooms=True), host7]))
def test_plans_are_consistent_or_refused(entries, prefix, kernel_of):
    kernel = kernel_of()
    fresh = Snapshot(kernel)
    knows_pairing = 'pairing' in fresh.netkit_attributes()
    try:
        plans = plan(kernel, *copy.deepcopy(entries), prune_prefix=prefix)
    except NetkitError as exc:
        event('refused')
        if len(entries) > 1:
            assert str(exc).startswith('pairs[')
        return
    event('planned %s' % ' '.join(sorted(str(one.action) for one in plans)) if plans else 'planned nothing')
    listed, pruned = plans[:len(entries)], plans[len(entries):]
    devices = []
    for params, one in zip(entries, listed):
        assert one.name == params['name'] and not one.pruned
        before = fresh.pair(params['name'])
        assert one.before == before
        if params['state'] == 'absent':
            assert one.action == ('delete' if before is not None else None)
        elif before is None:
            assert one.action == 'create'
            assert params['name'] not in fresh.links() and one.wanted['peer_name'] not in fresh.links()
        else:
            assert one.action in (None, 'configure', 'recreate')
            assert one.action != 'recreate' or params['recreate']
            if before['pairing'] == 'single':
                assert params['pairing'] is not None, 'a single device is managed by a task that says what it is'
        if params['state'] == 'present':
            assert one.wanted['pairing'] != 'single' or knows_pairing, 'a single device where the kernel has none'
            if one.wanted['pairing'] == 'single':
                assert one.wanted['peer_name'] is None and device_keys(one) == [(None, params['name'])]
        devices.extend(device_keys(one))
    assert len(devices) == len(set(devices)), 'a device named by two entries'
    names = set(params['name'] for params in entries)
    expected = sorted(name for name, facts in fresh.links().items()
                      if prefix and name.startswith(prefix) and name not in names and facts['kind'] == 'netkit'
                      and facts['netkit']['primary'])
    assert [one.name for one in pruned] == expected
    for one in pruned:
        assert (one.action, one.pruned, one.before) == ('delete', True, fresh.pair(one.name))


# ------------------------------------------------------------ check mode's prediction and diff

def maybe(values):
    return st.sampled_from([None] + list(values))


MACS = ['02:00:5e:10:00:01', '02:00:5e:10:00:02']
MTU = st.one_of(st.sampled_from([68, 1279, 1280, 1500, 9000, 65535]), st.integers(68, 65535))
ADDRESSES = st.lists(st.sampled_from(['fe80::1', 'fe80::2', 'fe80::3']), max_size=2, unique=True)
existing_pairs = st.fixed_dictionaries({
    'name': st.just('nk0'), 'ifindex': st.integers(1, 2 ** 31 - 1), 'peer_name': st.just('nk0p'),
    'peer_ifindex': st.integers(1, 2 ** 31 - 1), 'peer_netns': maybe(['blue', 'nsid:3']),
    'mode': st.sampled_from(['l2', 'l3']), 'policy': st.sampled_from(['forward', 'blackhole']),
    'peer_policy': st.sampled_from(['forward', 'blackhole']), 'scrub': st.sampled_from(['default', 'none']),
    'peer_scrub': st.sampled_from(['default', 'none']), 'headroom': maybe([0, 64]), 'tailroom': maybe([0, 32]),
    'mtu': MTU, 'peer_mtu': st.one_of(st.none(), MTU), 'up': maybe([True, False]), 'link_local': maybe([True, False]),
    'addrgenmode': maybe(['random', 'none', 'eui64']), 'peer_addrgenmode': maybe(['random', 'none', 'eui64']),
    'addresses': ADDRESSES, 'peer_addresses': ADDRESSES,
    'txqueuelen': maybe([0, 1000]), 'peer_txqueuelen': maybe([0, 1000]),
    'gso_max_size': maybe([65536, 196608]), 'gro_max_size': maybe([65536, 196608]),
    'pairing': st.just('pair'), 'address': maybe(MACS), 'peer_address': maybe(MACS),
    'numrxqueues': st.sampled_from([1, 8]), 'peer_numrxqueues': st.sampled_from([1, 8]),
    'numtxqueues': st.sampled_from([1, 4]), 'peer_numtxqueues': st.sampled_from([1, 4]),
    'gso_ipv4_max_size': maybe([65536, 196608]), 'gro_ipv4_max_size': maybe([65536, 131072]),
}).map(lambda pair: pair if pair['mode'] == 'l2' else dict(pair, address=None, peer_address=None))
wanted_settings = st.fixed_dictionaries({
    'name': st.just('nk0'), 'peer_name': st.just('nk0p'), 'peer_netns': maybe(['blue', 'red']),
    'mode': maybe(['l2', 'l3']), 'scrub': maybe(['default', 'none']), 'peer_scrub': maybe(['default', 'none']),
    'headroom': maybe([0, 64]), 'tailroom': maybe([0, 32]), 'policy': maybe(['forward', 'blackhole']),
    'peer_policy': maybe(['forward', 'blackhole']), 'mtu': st.one_of(st.none(), MTU),
    'peer_mtu': st.one_of(st.none(), MTU), 'up': maybe([True, False]), 'link_local': maybe([True, False]),
    'txqueuelen': maybe([0, 1000, 5000]), 'peer_txqueuelen': maybe([0, 1000]),
    'gso_max_size': maybe([32768, 65536, 196608]), 'gro_max_size': maybe([65536, 131072]),
    'pairing': maybe(['pair']), 'address': maybe(MACS), 'peer_address': maybe(MACS),
    'numrxqueues': maybe([1, 8]), 'peer_numrxqueues': maybe([1, 8]), 'numtxqueues': maybe([1, 4]),
    'peer_numtxqueues': maybe([1, 4]), 'gso_ipv4_max_size': maybe([65536, 196608]),
    'gro_ipv4_max_size': maybe([32768, 131072]),
})
PLACEHOLDER = ['(chosen by the kernel when applied)']


@CHECK
@given(before=existing_pairs, wanted=wanted_settings)
def test_prediction_has_every_setting_the_task_asks_for(before, wanted):
    kept = copy.deepcopy(before)
    after = predict_after(before, wanted)
    assert before == kept, 'predict_after changed the pair it was given'
    l2 = (wanted['mode'] or before['mode']) == 'l2'
    for key, value in wanted.items():
        if key in MAC_ADDRESSES and not l2:
            assert after[key] is None, 'an L3 end has no MAC'
        elif value is not None:
            assert after[key] == value, key
    for key in set(before) - set(wanted) - {'addresses', 'peer_addresses'}:
        assert after[key] == before[key], key
    # The kernel sets an end's IPv4 size along with a general one of at most 65536.
    along = dict((ipv4, wanted[size]) for size, ipv4 in (('gso_max_size', 'gso_ipv4_max_size'),
                                                         ('gro_max_size', 'gro_ipv4_max_size'))
                 if wanted[size] is not None and wanted[size] != before[size] and wanted[size] <= 65536)
    for key in SETTINGS:
        if wanted[key] is None and key != 'link_local' and not (key in MAC_ADDRESSES and not l2):
            assert after[key] == along.get(key, before[key]), key
    crosses = any(None not in (before[key], wanted[key]) and (before[key] < 1280) != (wanted[key] < 1280)
                  for key in ('mtu', 'peer_mtu'))
    if wanted['link_local'] is None:
        # Unknown until read back when an end's MTU crosses IPv6's minimum: the kernel drops or restarts its IPv6.
        assert after['link_local'] == (None if crosses else before['link_local'])
    if wanted['link_local'] is not None and wanted['link_local'] != before['link_local']:
        assert after['addresses'] == after['peer_addresses'] == (PLACEHOLDER if wanted['link_local'] else [])
    else:
        assert (after['addresses'], after['peer_addresses']) == (before['addresses'], before['peer_addresses'])


@CHECK
@given(before=st.one_of(st.none(), existing_pairs), wanted=wanted_settings)
def test_diff_shows_settings_and_addresses_never_indexes(before, wanted):
    after = predict_after(before, wanted)
    view = diff_view(after)
    assert set(view) == set(SETTINGS) | {'name', 'state', 'addresses', 'peer_addresses'}
    assert 'ifindex' not in view and 'peer_ifindex' not in view
    assert view['state'] == 'present'
    assert all(view[key] == after.get(key) for key in view if key != 'state')
    assert diff_view(None) == {'state': 'absent'}


@CHECK
@given(before=existing_pairs, wanted=wanted_settings)
def test_plan_lists_what_differs_and_blocks_creation_settings(before, wanted):
    changes, blocked = plan_pair(before, wanted)
    for key in SETTINGS:
        differs = key != 'peer_name' and wanted[key] is not None and wanted[key] != before[key]
        assert (key in changes) == differs, key
        if differs:
            assert changes[key] == (before[key], wanted[key])
    # The kernel's creation settings, and the queue counts (which only creating a device sets).
    fixed = set(CREATION_SETTINGS) | {'numrxqueues', 'peer_numrxqueues', 'numtxqueues', 'peer_numtxqueues'}
    assert set(FIXED_AT_CREATION) == fixed
    assert blocked == dict((key, change) for key, change in changes.items() if key in fixed)


@CHECK
@given(before=existing_pairs, asked=st.sets(st.sampled_from(SETTINGS)))
def test_a_task_that_asks_for_what_is_there_changes_nothing(before, asked):
    wanted = dict((key, before[key] if key in asked else None) for key in SETTINGS)
    wanted.update(name=before['name'], peer_name=before['peer_name'])
    assert plan_pair(before, wanted) == ({}, {})
    assert predict_after(before, wanted) == before


@CHECK
@given(wanted=wanted_settings)
def test_prediction_for_a_new_pair_has_the_kernels_defaults(wanted):
    after = predict_after(None, wanted)
    defaults = {'pairing': 'pair', 'mode': 'l3', 'policy': 'forward', 'peer_policy': 'forward', 'scrub': 'default',
                'peer_scrub': 'default'}
    for key, default in defaults.items():
        assert after[key] == (wanted[key] if wanted[key] is not None else default)
    assert after['peer_netns'] == wanted['peer_netns']
    assert after['addresses'] == after['peer_addresses'] == (PLACEHOLDER if wanted['link_local'] else [])


# ------------------------------------------------------------ Plan

def test_a_plan_is_named_after_its_primary():
    one = Plan(wanted={'name': 'nk0', 'peer_name': 'nk0p'}, before=None, state='present')
    assert (one.name, one.action, one.pruned) == ('nk0', None, False)
    assert (CREATE, CONFIGURE, RECREATE, DELETE) == ('create', 'configure', 'recreate', 'delete')


# ------------------------------------------------------------ plan_pair and its message

def existing(**kwargs):
    pair = {'name': 'nk0', 'ifindex': 5, 'peer_name': 'nk0p', 'peer_ifindex': 4, 'peer_netns': None,
            'mode': 'l3', 'policy': 'forward', 'peer_policy': 'forward', 'scrub': 'default',
            'peer_scrub': 'default', 'headroom': None, 'tailroom': None, 'mtu': 1500, 'peer_mtu': 1500,
            'up': True, 'link_local': True, 'addresses': ['fe80::1'], 'peer_addresses': ['fe80::2'],
            'pairing': 'pair', 'address': None, 'peer_address': None, 'numrxqueues': 1, 'peer_numrxqueues': 1,
            'numtxqueues': 1, 'peer_numtxqueues': 1, 'txqueuelen': 1000, 'peer_txqueuelen': 1000,
            'gso_max_size': 65536, 'gro_max_size': 65536, 'gso_ipv4_max_size': 65536, 'gro_ipv4_max_size': 65536}
    pair.update(kwargs)
    return pair


def asked(**kwargs):
    return desired_pair(entry(name='nk0', **kwargs))


def test_plan_compares_only_what_the_task_sets():
    assert plan_pair(existing(), asked()) == ({}, {})
    assert plan_pair(existing(mode='l2', mtu=9000), asked()) == ({}, {})


def test_plan_lists_live_and_creation_time_changes():
    changes, blocked = plan_pair(existing(), asked(policy='blackhole', mode='l2', mtu=9000))
    assert changes == {'policy': ('forward', 'blackhole'), 'mode': ('l3', 'l2'), 'mtu': (1500, 9000)}
    assert blocked == {'mode': ('l3', 'l2')}
    assert blocked_message('nk0', blocked) == (
        'netkit pair nk0: mode is l3, the task wants l2; the kernel fixes these when it creates a pair. '
        'Set recreate=true to delete and re-create it (traffic stops meanwhile), or change the task.')


def test_headroom_unknown_to_the_kernel_is_a_change():
    _changes, blocked = plan_pair(existing(), asked(headroom=64))
    assert blocked == {'headroom': (None, 64)}


# ------------------------------------------------------------ re-creating

def test_carried_over_keeps_what_the_task_does_not_set():
    kept = carried_over(existing(mode='l2', mtu=9000, policy='blackhole'), asked(mode='l3'))
    assert (kept['mode'], kept['mtu'], kept['policy'], kept['link_local'], kept['name']) == (
        'l3', 9000, 'blackhole', True, 'nk0')
    assert 'ifindex' not in kept and 'addresses' not in kept, 'settings only'


def test_as_it_was_makes_the_pair_of_a_recreation_again():
    [only] = plan(host(), entry(name='nk1', mode='l3', mtu=1500, policy='forward', recreate=True))
    again = as_it_was(only)
    assert (again['mode'], again['mtu'], again['peer_mtu'], again['policy']) == ('l2', 9000, 4000, 'blackhole')
    assert (again['name'], again['peer_name'], again['peer_netns'], again['up']) == ('nk1', 'nk1p', 'blue', True)


def test_device_keys_of_a_moving_peer_are_where_it_goes(namespaces):
    [moving] = plan(host(), entry(name='nk0', peer_netns='blue'))
    assert device_keys(moving) == [(None, 'nk0'), ('blue', 'nk0p')]
    [staying] = plan(host(), entry(name='nk1'))
    assert device_keys(staying) == [(None, 'nk1'), ('blue', 'nk1p')]


# ------------------------------------------------------------ check mode, examples

def test_check_mode_prediction_for_a_new_pair():
    after = predict_after(None, asked(link_local=True, peer_netns='blue'))
    assert after['mode'] == 'l3' and after['policy'] == 'forward' and after['peer_netns'] == 'blue'
    assert after['addresses'] == ['(chosen by the kernel when applied)']
    assert diff_view(None) == {'state': 'absent'}
    view = diff_view(after)
    assert view['state'] == 'present' and view['link_local'] is True and 'ifindex' not in view


def test_check_mode_prediction_keeps_addresses_unless_link_local_changes():
    before = existing()
    assert predict_after(before, asked(mtu=9000))['addresses'] == ['fe80::1']
    off = predict_after(before, asked(link_local=False))
    assert off['addresses'] == [] and off['peer_addresses'] == [] and off['link_local'] is False


def test_an_mtu_below_ipv6s_makes_link_local_unknown_until_read():
    assert predict_after(existing(), asked(mtu=1000))['link_local'] is None
    assert predict_after(existing(mtu=1000, link_local=False), asked(mtu=1500))['link_local'] is None
    assert predict_after(existing(), asked(mtu=1280))['link_local'] is True


def test_a_gso_size_above_what_the_devices_take_is_refused_before_anything():
    """tso_max_size is the kernel's limit for gso_max_size, read from the pair's ends or, for a
    new pair, from any netkit device of the host."""
    for name in ('nk0', 'nknew'):
        [fits] = plan(host(), entry(name=name, gso_max_size=524280))
        assert fits.action in ('configure', 'create')
    kernel = host()
    for links in kernel._links.values():
        for found in links:
            found['tso_max_size'] = 65536
    for name in ('nk0', 'nknew'):
        assert 'gso_max_size 196608 is more than netkit devices take on this host (their tso_max_size is 65536)' in \
            refusal(kernel, entry(name=name, gso_max_size=196608))
    [fits] = plan(kernel, entry(name='nk0', gso_max_size=65536))
    assert fits.action is None


# ------------------------------------------------------------ a Linux 7.x host: pairing, single devices, queues

@pytest.fixture
def release(monkeypatch):
    """release('7.3.0') makes that the release the host runs: what decides when no netkit
    device tells what the kernel knows."""
    def runs(value):
        monkeypatch.setattr(_netkit_kind, 'kernel_release', lambda: value)
    return runs


NO_NETKIT = FakeKernel({None: [link('lo', 1, kind=None)]})


def test_pairs_on_a_host_that_reports_pairing_are_as_asked():
    kernel = host7()
    for asked in (entry(name='nk0'), entry(name='nk0', pairing='pair'),
                  entry(name='nk1', pairing='pair', mode='l2', address=NK1_MAC, peer_address=NK1P_MAC,
                        numrxqueues=1, peer_numtxqueues=1, peer_scrub='none')):
        assert [p.action for p in plan(kernel, asked)] == [None], asked


def test_pairing_pair_is_what_a_kernel_before_7_0_has():
    """Such a kernel reports no pairing; its pairs are pairs all the same."""
    assert [p.action for p in plan(host(), entry(name='nk0', pairing='pair'))] == [None]
    [new] = plan(host(), entry(name='nk5', pairing='pair'))
    assert (new.action, new.wanted['peer_name']) == ('create', 'nk5p')


def test_a_single_device_is_created_where_the_kernel_has_them():
    [new] = plan(host7(), entry(name='nks1', pairing='single', numrxqueues=8, mode='l2', address='02:00:00:00:00:01'))
    assert (new.action, new.wanted['pairing'], new.wanted['peer_name']) == ('create', 'single', None)
    assert device_keys(new) == [(None, 'nks1')], 'one device'


def test_a_single_device_needs_linux_7_0(release):
    message = refusal(host(), entry(name='nks1', pairing='single'))
    assert message.startswith('pairing needs Linux 7.0+; this host runs '), message
    # With no netkit device to read, the release says.
    release('6.18.44-amd64')
    assert refusal(NO_NETKIT, entry(name='nks1', pairing='single')) == (
        'pairing needs Linux 7.0+; this host runs 6.18.44-amd64')
    release('7.3.0')
    assert [p.action for p in plan(NO_NETKIT, entry(name='nks1', pairing='single'))] == ['create']


def test_a_single_device_claims_its_name_only():
    """No peer name to take: another entry may name nks1p, and a pair's peer may not be the device."""
    plans = plan(host7(), entry(name='nks1', pairing='single'), entry(name='nks1p'))
    assert [p.action for p in plans] == ['create', 'create']
    assert 'pairs[1] (nk8): the device nks1 is named by pairs[0] already' in refusal(
        host7(), entry(name='nks1', pairing='single'), entry(name='nk8', peer_name='nks1'))


@pytest.mark.parametrize('asked,message', [
    (dict(numtxqueues=2), 'numtxqueues 2: netkit devices have one TX queue from Linux 7.0 on; drop numtxqueues'),
    (dict(peer_numtxqueues=16),
     'peer_numtxqueues 16: netkit devices have one TX queue from Linux 7.0 on; drop peer_numtxqueues'),
    (dict(numrxqueues=1025), 'numrxqueues 1025: netkit devices take at most 1024 RX queues from Linux 7.0 on; lower numrxqueues'),
    (dict(peer_numrxqueues=4096), 'peer_numrxqueues 4096: netkit devices take at most 1024 RX queues from Linux 7.0 on; lower peer_numrxqueues'),
    (dict(pairing='single', numrxqueues=2048), 'numrxqueues 2048: netkit devices take at most 1024 RX queues from Linux 7.0 on; lower numrxqueues'),
])
def test_linux_7_queue_rules_are_refused_before_anything(asked, message, release):
    assert refusal(host7(), entry(name='nk5', **asked)) == message
    release('7.3.0')
    assert refusal(NO_NETKIT, entry(name='nk5', **asked)) == message
    if 'pairing' not in asked:
        # Before 7.0 netkit takes what any device takes (1 to 4096).
        assert [p.action for p in plan(host(), entry(name='nk5', **asked))] == ['create']
        release('6.12.57')
        assert [p.action for p in plan(NO_NETKIT, entry(name='nk5', **asked))] == ['create']


def test_queue_counts_linux_7_takes():
    [new] = plan(host7(), entry(name='nk5', numrxqueues=1024, peer_numrxqueues=8, numtxqueues=1, peer_numtxqueues=1))
    assert new.action == 'create'
    assert [new.wanted[key] for key in ('numrxqueues', 'peer_numrxqueues', 'numtxqueues', 'peer_numtxqueues')] == [
        1024, 8, 1, 1]


@pytest.mark.parametrize('asked,now', [
    (dict(numrxqueues=4), 'numrxqueues is 1, the task wants 4'),
    (dict(peer_numrxqueues=2, numtxqueues=1), 'peer_numrxqueues is 1, the task wants 2'),
    (dict(pairing='single'), 'pairing is pair, the task wants single'),
])
def test_queue_counts_and_pairing_need_recreate(asked, now):
    message = refusal(host7(), entry(name='nk0', **asked))
    assert message.startswith('netkit pair nk0: %s;' % now), message
    assert 'Set recreate=true' in message


# ------------------------------------------------------------ an existing single device

def test_a_task_that_does_not_say_single_does_not_manage_a_single_device():
    assert refusal(host7(), entry(name='nks0', mtu=9000)) == (
        'nks0 is a single netkit device (no peer); set pairing: single to manage it, or pairing: pair with '
        'recreate: true to make it a pair')


def test_a_single_device_is_managed_by_a_task_that_says_so():
    kernel = host7()
    assert [p.action for p in plan(kernel, entry(name='nks0', pairing='single'))] == [None]
    [changed] = plan(kernel, entry(name='nks0', pairing='single', mtu=9000, up=False))
    assert changed.action == 'configure'
    assert device_keys(changed) == [(None, 'nks0')]
    assert refusal(kernel, entry(name='nks0', pairing='single', numrxqueues=4)).startswith(
        'netkit pair nks0: numrxqueues is 8, the task wants 4;')


def test_a_single_device_is_deleted_without_saying_so():
    [deleted] = plan(host7(), entry(name='nks0', state='absent'))
    assert (deleted.action, device_keys(deleted)) == ('delete', [(None, 'nks0')])
    pruned = [p.name for p in plan(host7(), prune_prefix='nk') if p.pruned]
    assert pruned == ['nk0', 'nk1', 'nks0']


def test_a_single_device_becomes_a_pair_by_recreation():
    assert refusal(host7(), entry(name='nks0', pairing='pair')).startswith(
        'netkit pair nks0: pairing is single, the task wants pair;')
    [pair] = plan(host7(), entry(name='nks0', pairing='pair', recreate=True))
    assert pair.action == 'recreate'
    wanted = pair.wanted
    assert (wanted['pairing'], wanted['peer_name'], wanted['numrxqueues']) == ('pair', 'nks0p', 8)
    assert device_keys(pair) == [(None, 'nks0'), (None, 'nks0p')]
    again = as_it_was(pair)
    assert (again['pairing'], again['numrxqueues'], again['mode']) == ('single', 8, 'l3')


def test_a_pair_becomes_a_single_device_by_recreation():
    """Nothing of the peer is kept, nor the policy (a single device forwards); the primary's own settings are."""
    [made] = plan(host7(), entry(name='nk1', pairing='single', policy='forward', recreate=True))
    assert made.action == 'recreate'
    wanted = made.wanted
    assert wanted['pairing'] == 'single'
    for key in ('peer_name', 'peer_netns', 'peer_mtu', 'peer_txqueuelen', 'peer_policy', 'scrub', 'peer_scrub',
                'peer_address', 'peer_numrxqueues', 'peer_numtxqueues'):
        assert wanted[key] is None, key
    assert wanted['policy'] == 'forward'
    assert (wanted['mode'], wanted['address'], wanted['mtu'], wanted['numrxqueues']) == ('l2', NK1_MAC, 9000, 1)
    assert device_keys(made) == [(None, 'nk1')]
    again = as_it_was(made)
    assert (again['pairing'], again['peer_name'], again['peer_netns'], again['policy'], again['peer_address']) == (
        'pair', 'nk1p', 'blue', 'blackhole', NK1P_MAC)


# ------------------------------------------------------------ MACs

def test_a_mac_needs_an_l2_pair():
    message = 'address: netkit devices have MAC addresses in mode l2 only, and this device is l3'
    assert refusal(host7(), entry(name='nk5', address='02:00:00:00:00:01')).startswith(message)
    assert refusal(host7(), entry(name='nk0', address='02:00:00:00:00:01')).startswith(message)
    assert refusal(host7(), entry(name='nk1', mode='l3', address=NK1_MAC, recreate=True)).startswith(message)
    assert refusal(host7(), entry(name='nks0', pairing='single', address='02:00:00:00:00:01')).startswith(message)
    [new] = plan(host7(), entry(name='nk5', mode='l2', address='02:00:00:00:00:01', peer_address='02:00:00:00:00:02'))
    assert new.action == 'create'


def test_a_mac_changes_in_place():
    [changed] = plan(host7(), entry(name='nk1', address='02:5E:10:00:00:0A'))
    assert changed.action == 'configure'
    assert plan_pair(changed.before, changed.wanted) == ({'address': (NK1_MAC, '02:5e:10:00:00:0a')}, {})


def test_a_recreation_in_l3_keeps_no_macs():
    [made] = plan(host7(), entry(name='nk1', mode='l3', recreate=True))
    assert (made.action, made.wanted['address'], made.wanted['peer_address']) == ('recreate', None, None)
    [kept] = plan(host7(), entry(name='nk1', scrub='none', recreate=True))
    assert (kept.wanted['address'], kept.wanted['peer_address']) == (NK1_MAC, NK1P_MAC)


# ------------------------------------------------------------ carried over, device keys, prediction

def test_carried_over_to_a_single_device_keeps_the_primarys_settings_only():
    before = existing(mode='l2', policy='blackhole', peer_policy='blackhole', scrub='none', peer_netns='blue',
                      mtu=9000, peer_mtu=4000, address='02:00:00:00:00:01', peer_address='02:00:00:00:00:02',
                      numrxqueues=4, peer_numrxqueues=2, txqueuelen=500, peer_txqueuelen=0, gso_max_size=196608)
    kept = carried_over(before, asked(pairing='single'))
    for key in ('peer_name', 'peer_netns', 'scrub', 'peer_scrub', 'peer_policy', 'peer_numrxqueues',
                'peer_numtxqueues', 'peer_address', 'peer_mtu', 'peer_txqueuelen', 'policy'):
        assert kept[key] is None, key
    assert (kept['pairing'], kept['mode'], kept['address'], kept['mtu'], kept['numrxqueues'], kept['txqueuelen'],
            kept['gso_max_size']) == ('single', 'l2', '02:00:00:00:00:01', 9000, 4, 500, 196608)


def test_carried_over_keeps_macs_and_queue_counts_in_l2():
    before = existing(mode='l2', address='02:00:00:00:00:01', peer_address='02:00:00:00:00:02', numrxqueues=8,
                      peer_numrxqueues=4)
    kept = carried_over(before, asked(scrub='none'))
    assert (kept['address'], kept['peer_address'], kept['numrxqueues'], kept['peer_numrxqueues']) == (
        '02:00:00:00:00:01', '02:00:00:00:00:02', 8, 4)
    kept = carried_over(before, asked(scrub='none', peer_address='02:00:00:00:00:03', numrxqueues=2))
    assert (kept['address'], kept['peer_address'], kept['numrxqueues']) == (
        '02:00:00:00:00:01', '02:00:00:00:00:03', 2), "the task's own"
    dropped = carried_over(before, asked(mode='l3'))
    assert (dropped['address'], dropped['peer_address'], dropped['numrxqueues']) == (None, None, 8)


def test_device_keys_of_a_single_device_name_its_primary_only():
    for state in ('present', 'absent'):
        one = Plan(wanted=desired_pair(entry(name='nks0', pairing='single', state=state)), before=None, state=state)
        assert device_keys(one) == [(None, 'nks0')]
    before = Snapshot(host7()).pair('nks0')
    deleting = Plan(wanted=desired_pair(entry(name='nks0', state='absent')), before=before, state='absent')
    assert device_keys(deleting) == [(None, 'nks0')]


def test_check_mode_prediction_for_a_new_single_device():
    after = predict_after(None, desired_pair(entry(name='nks1', pairing='single', numrxqueues=8, mtu=9000)))
    assert (after['pairing'], after['mode'], after['policy'], after['numrxqueues'], after['mtu']) == (
        'single', 'l3', 'forward', 8, 9000)
    for key in ('peer_name', 'peer_netns', 'peer_policy', 'scrub', 'peer_scrub', 'peer_mtu', 'peer_txqueuelen',
                'peer_address', 'peer_numrxqueues', 'peer_numtxqueues'):
        assert after[key] is None, key
    assert after['addresses'] == after['peer_addresses'] == []
    view = diff_view(after)
    assert (view['pairing'], view['peer_name'], view['peer_policy']) == ('single', None, None)


def test_check_mode_prediction_for_a_new_pair_says_pair():
    after = predict_after(None, desired_pair(entry(name='nk5')))
    assert (after['pairing'], after['peer_name'], after['peer_policy']) == ('pair', 'nk5p', 'forward')


def test_check_mode_prediction_of_a_pair_recreated_as_a_single_device():
    [made] = plan(host7(), entry(name='nk1', pairing='single', policy='forward', recreate=True))
    after = predict_after(made.before, made.wanted)
    assert (after['pairing'], after['policy'], after['address'], after['mtu']) == ('single', 'forward', NK1_MAC, 9000)
    for key in ('peer_name', 'peer_netns', 'peer_ifindex', 'peer_mtu', 'peer_policy', 'peer_address',
                'peer_addrgenmode'):
        assert after[key] is None, key
    assert after['peer_addresses'] == []


def test_check_mode_prediction_for_a_single_device_with_link_local_has_no_peer_addresses():
    after = predict_after(None, desired_pair(entry(name='nks1', pairing='single', link_local=True)))
    assert after['addresses'] == PLACEHOLDER
    assert after['peer_addresses'] == [], 'the device reads back with none: it has no peer'


def test_check_mode_prediction_of_an_ipv4_size_the_kernel_sets_along():
    """Up to 65536 a GSO or GRO size also sets the IPv4 one; above, the IPv4 one stays."""
    before = existing(gso_ipv4_max_size=196608, gro_ipv4_max_size=196608, gso_max_size=196608,
                      gro_max_size=196608)
    after = predict_after(before, asked(gso_max_size=32768, gro_max_size=524280))
    assert (after['gso_max_size'], after['gso_ipv4_max_size']) == (32768, 32768)
    assert (after['gro_max_size'], after['gro_ipv4_max_size']) == (524280, 196608)
    after = predict_after(before, asked(gso_max_size=32768, gso_ipv4_max_size=65536))
    assert after['gso_ipv4_max_size'] == 65536, "the task's own"


# ------------------------------------------------------------ IPv4 GSO size

def test_an_ipv4_gso_size_above_what_the_devices_take_is_refused_before_anything():
    kernel = host7()
    for links in kernel._links.values():
        for found in links:
            found['tso_max_size'] = 65536
    for asked_ in (entry(name='nk0', gso_ipv4_max_size=196608), entry(name='nk5', gso_ipv4_max_size=196608),
                   entry(name='nks0', pairing='single', gso_ipv4_max_size=196608)):
        assert 'gso_ipv4_max_size 196608 is more than netkit devices take on this host (their tso_max_size is ' \
               '65536)' in refusal(kernel, asked_)
    # GRO has no such limit.
    assert [p.action for p in plan(kernel, entry(name='nk0', gro_ipv4_max_size=196608))] == ['configure']
    [fits] = plan(kernel, entry(name='nk0', gso_ipv4_max_size=65536))
    assert fits.action is None


def test_a_single_devices_gso_limit_is_its_own():
    kernel = host7()
    for found in kernel._links[None]:
        found['tso_max_size'] = 65536 if found['name'] == 'nks0' else 524280
    assert 'tso_max_size is 65536' in refusal(kernel, entry(name='nks0', pairing='single', gso_max_size=196608))
    assert [p.action for p in plan(kernel, entry(name='nk0', gso_max_size=196608))] == ['configure']


# ------------------------------------------------------------ what a single device does not tell

def test_a_host_whose_only_netkit_device_is_single_still_has_scrub():
    kernel = FakeKernel({None: [link('lo', 1, kind=None), link('nks0', 20, 0, data=single())]})
    [new] = plan(kernel, entry(name='nk5', scrub='none', peer_scrub='none'))
    assert new.action == 'create'


def test_a_single_device_becomes_a_pair_only_with_a_free_peer_name():
    kernel = host7(extra=[link('taken', 40, kind='dummy')])
    message = refusal(kernel, entry(name='nks0', pairing='pair', peer_name='taken', recreate=True))
    assert 'peer_name taken is taken: a dummy device of that name exists' in message


def test_a_single_device_becomes_a_pair_only_with_an_existing_peer_namespace(namespaces):
    message = refusal(host7(), entry(name='nks0', pairing='pair', peer_netns='red', recreate=True))
    assert "peer_netns: network namespace 'red' does not exist" in message


def test_a_blackholing_pair_becomes_a_single_device_only_when_the_task_says_forward():
    message = refusal(host7(), entry(name='nk1', pairing='single', recreate=True))
    assert 'netkit pair nk1 has policy blackhole, and a single device only forwards: set policy: forward' in message


@pytest.mark.parametrize('name, asked, message', [
    ('nks0', dict(peer_name='nks0p'), 'nks0 is a single netkit device (no peer), and this task deletes a pair; it '
                                      'leaves the device alone: drop peer_name'),
    ('nks0', dict(pairing='pair'), 'drop pairing to delete it'),
    ('nk1', dict(pairing='single'), 'nk1 is a netkit pair, and this task deletes a single device; it leaves the pair '
                                    'alone: drop pairing'),
])
def test_absent_leaves_a_device_the_entry_does_not_describe_alone(name, asked, message):
    assert message in refusal(host7(), entry(name=name, state='absent', **asked))
    [gone] = plan(host7(), entry(name=name, state='absent'))
    assert gone.action == 'delete'


def test_a_recreation_sets_the_ipv4_size_along_with_the_general_one_as_in_place():
    before = existing(gso_max_size=196608, gso_ipv4_max_size=196608, headroom=0)
    wanted = carried_over(before, asked(gso_max_size=60000, headroom=64))
    assert wanted['gso_ipv4_max_size'] == 60000
    assert carried_over(before, asked(gso_max_size=60000, gso_ipv4_max_size=131072))['gso_ipv4_max_size'] == 131072
    assert carried_over(before, asked(gso_max_size=131072))['gso_ipv4_max_size'] == 196608
