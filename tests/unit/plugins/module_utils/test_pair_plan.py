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

from ansible_collections.xcnf.netkit.plugins.module_utils import _pair_plan
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import CREATION_SETTINGS
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import SETTINGS, desired_pair
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import (
    CONFIGURE, CREATE, DELETE, RECREATE, Plan, as_it_was, blocked_message, carried_over, device_keys, diff_view,
    plan_pair, plan_pairs, predict_after,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.pair_hosts import (
    FakeKernel, entry, host, link, netkit,
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
    assert device_keys(deleted) == [(None, 'nk4'), ('nsid:3', None)]
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
NAMES = ['nk0', 'nk1', 'nk2', 'nk5', 'nk6', 'nk7', 'other0'] * 4 + ['nk0p', 've0']
PEERS = [None] * 12 + ['nk0p', 'nk5p', 'nk6', 'zz']
entries = st.lists(st.builds(
    entry, name=st.sampled_from(NAMES), peer_name=st.sampled_from(PEERS),
    state=st.sampled_from(['present', 'absent']), mode=st.sampled_from([None] * 4 + ['l2', 'l3']),
    policy=st.sampled_from([None, None, 'forward', 'blackhole']), mtu=st.sampled_from([None, None, 1500, 9000, 1000]),
    link_local=st.sampled_from([None] * 4 + [True, False]), up=st.sampled_from([None, True, False]),
    recreate=st.booleans()), max_size=4, unique_by=lambda params: params['name'])


@CHECK
@given(entries=entries, prefix=st.sampled_from([None, 'nk', 'other', 'x']), rooms=st.booleans())
def test_plans_are_consistent_or_refused(entries, prefix, rooms):
    kernel = host(rooms=rooms)
    fresh = Snapshot(kernel)
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
})
wanted_settings = st.fixed_dictionaries({
    'name': st.just('nk0'), 'peer_name': st.just('nk0p'), 'peer_netns': maybe(['blue', 'red']),
    'mode': maybe(['l2', 'l3']), 'scrub': maybe(['default', 'none']), 'peer_scrub': maybe(['default', 'none']),
    'headroom': maybe([0, 64]), 'tailroom': maybe([0, 32]), 'policy': maybe(['forward', 'blackhole']),
    'peer_policy': maybe(['forward', 'blackhole']), 'mtu': st.one_of(st.none(), MTU),
    'peer_mtu': st.one_of(st.none(), MTU), 'up': maybe([True, False]), 'link_local': maybe([True, False]),
    'txqueuelen': maybe([0, 1000, 5000]), 'peer_txqueuelen': maybe([0, 1000]),
    'gso_max_size': maybe([65536, 196608]), 'gro_max_size': maybe([65536, 131072]),
})
PLACEHOLDER = ['(chosen by the kernel when applied)']


@CHECK
@given(before=existing_pairs, wanted=wanted_settings)
def test_prediction_has_every_setting_the_task_asks_for(before, wanted):
    kept = copy.deepcopy(before)
    after = predict_after(before, wanted)
    assert before == kept, 'predict_after changed the pair it was given'
    for key, value in wanted.items():
        if value is not None:
            assert after[key] == value, key
    for key in set(before) - set(wanted) - {'addresses', 'peer_addresses'}:
        assert after[key] == before[key], key
    for key in SETTINGS:
        if wanted[key] is None and key != 'link_local':
            assert after[key] == before[key], key
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
    assert blocked == dict((key, change) for key, change in changes.items() if key in CREATION_SETTINGS)


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
    defaults = {'mode': 'l3', 'policy': 'forward', 'peer_policy': 'forward', 'scrub': 'default',
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
            'up': True, 'link_local': True, 'addresses': ['fe80::1'], 'peer_addresses': ['fe80::2']}
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
