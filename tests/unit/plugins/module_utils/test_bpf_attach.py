# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf's reconciling, module_utils/_bpf_attach.py: the programs a task lists per
hook, their placement, what check mode predicts from a plan and how the result shows a
hook, on hooks given as data; and finding a pair's primary on the host's own kernel (read
only: lo and names no device has). Reading hooks, loading, attaching and swapping are
tested in the VM.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_attach import (
    ANCHORS, PROGRAM_NAME_LEN, _reconcile_attachments, attachments_view, diff_view, hook_view, is_noop,
    kept_links, listed_by_hook, placements, predicted, resolve_primary,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_pins import link_pin_path
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_plan import POSITIONS, plan_hook
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import HOOKS, BpfError
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.hostile_names import (
    program_names, raised, valid_program_name,
)
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.pair_hosts import FakeKernel, host7

CHECK = settings(max_examples=200, deadline=None)
# A name no device has.
MISSING = 'xcnf-no-such'
PIN_DIR = '/sys/fs/bpf/xcnf-netkit/nk0'

# ------------------------------------------------------------ programs, per hook

programs = st.lists(st.fixed_dictionaries({
    'name': st.one_of(st.sampled_from(['a', 'b', 'observe_primary']), program_names),
    'attach': st.sampled_from(sorted(HOOKS))}), max_size=5)


@CHECK
@given(programs=programs)
@example(programs=[{'name': 'a', 'attach': 'peer'}, {'name': 'a', 'attach': 'primary'}])
@example(programs=[{'name': 'a', 'attach': 'peer'}, {'name': 'b', 'attach': 'peer'}])
@example(programs=[{'name': 'b', 'attach': 'peer'}, {'name': 'a', 'attach': 'peer'}, {'name': 'b', 'attach': 'peer'}])
@example(programs=[{'name': 'a', 'attach': 'peer'}, {'name': '%d', 'attach': 'peer'}])
def test_listed_by_hook_keeps_the_order_and_each_program_once_per_hook(programs):
    error = raised(listed_by_hook, programs)
    bad = [program['name'] for program in programs if not valid_program_name(program['name'])]
    pairs = [(program['name'], program['attach']) for program in programs]
    twice = [pair for spot, pair in enumerate(pairs) if pair in pairs[:spot]]
    if bad:
        assert isinstance(error, BpfError)
        assert str(error).startswith('programs: %r is not a program name' % bad[0])
    elif twice:
        assert isinstance(error, BpfError)
        assert str(error) == 'programs: %s is listed twice for the %s hook; a hook runs a program once' % twice[0]
    else:
        assert error is None
        assert listed_by_hook(programs) == dict((hook, [name for name, attach in pairs if attach == hook])
                                                for hook in HOOKS)


def test_a_hook_runs_a_list_of_programs():
    assert listed_by_hook([{'name': 'b', 'attach': 'primary'}, {'name': 'count', 'attach': 'peer'},
                           {'name': 'a', 'attach': 'primary'}, {'name': 'count', 'attach': 'primary'}]) == {
        'primary': ['b', 'a', 'count'], 'peer': ['count']}
    assert listed_by_hook([]) == {'primary': [], 'peer': []}
    with pytest.raises(BpfError, match='^programs: a is listed twice for the peer hook'):
        listed_by_hook([{'name': 'a', 'attach': 'peer'}, {'name': 'b', 'attach': 'peer'}, {'name': 'a', 'attach': 'peer'}])
    with pytest.raises(BpfError, match="^programs: 'a-b' is not a program name"):
        listed_by_hook([{'name': 'a', 'attach': 'peer'}, {'name': 'a-b', 'attach': 'peer'}])


# ------------------------------------------------------------ placement

def placement_of(position='last', **anchors):
    """A hook's placement as Ansible passes it: every suboption, None where not given."""
    spec = dict((anchor, None) for anchor in ANCHORS)
    spec.update(anchors, position=position)
    return spec


def test_the_anchors_are_the_modules_suboptions():
    assert ANCHORS == ('program', 'program_id', 'link_id', 'pin')
    assert POSITIONS == ('first', 'last', 'before', 'after')


@pytest.mark.parametrize('placement,expected', [
    (None, {'primary': ('last', None, None), 'peer': ('last', None, None)}),
    ({}, {'primary': ('last', None, None), 'peer': ('last', None, None)}),
    ({'primary': None, 'peer': None}, {'primary': ('last', None, None), 'peer': ('last', None, None)}),
    ({'primary': placement_of('first')}, {'primary': ('first', None, None), 'peer': ('last', None, None)}),
    ({'primary': placement_of(None), 'peer': {}}, {'primary': ('last', None, None), 'peer': ('last', None, None)}),
    ({'primary': placement_of('before', program='cil_from_container')},
     {'primary': ('before', 'program', 'cil_from_container'), 'peer': ('last', None, None)}),
    ({'primary': placement_of('after', program_id=0), 'peer': placement_of('before', link_id=7)},
     {'primary': ('after', 'program_id', 0), 'peer': ('before', 'link_id', 7)}),
    ({'peer': {'position': 'after', 'pin': '/sys/fs/bpf/cilium/x'}},
     {'primary': ('last', None, None), 'peer': ('after', 'pin', '/sys/fs/bpf/cilium/x')}),
])
def test_placements(placement, expected):
    assert placements(placement, {'primary': ['a'], 'peer': ['b']}) == expected


@pytest.mark.parametrize('placement,listed,message', [
    ({'peer': placement_of('first')}, {'primary': ['a'], 'peer': []},
     'placement.peer is set, but programs lists nothing for the peer hook'),
    ({'primary': {'position': 'last'}}, {'primary': [], 'peer': ['a']},
     'placement.primary is set, but programs lists nothing for the primary hook'),
    ({'primary': placement_of('middle')}, {'primary': ['a'], 'peer': []},
     "placement.primary.position 'middle': one of first, last, before, after"),
    ({'peer': placement_of('First')}, {'primary': [], 'peer': ['a']},
     "placement.peer.position 'First': one of first, last, before, after"),
    ({'primary': placement_of('first', program='cil')}, {'primary': ['a'], 'peer': []},
     'placement.primary: first takes no anchor (program given)'),
    ({'primary': placement_of('last', program_id=0, pin='/sys/fs/bpf/x')}, {'primary': ['a'], 'peer': []},
     'placement.primary: last takes no anchor (program_id, pin given)'),
    ({'peer': placement_of('before')}, {'primary': [], 'peer': ['a']},
     'placement.peer: before needs exactly one anchor of program, program_id, link_id, pin'),
    ({'peer': placement_of('after', program='cil', link_id=3)}, {'primary': [], 'peer': ['a']},
     'placement.peer: after needs exactly one anchor of program, program_id, link_id, pin'),
])
def test_a_placement_that_cannot_be_followed_is_refused(placement, listed, message):
    with pytest.raises(BpfError) as caught:
        placements(placement, listed)
    assert str(caught.value) == message


anchor_values = {'program': st.one_of(st.none(), st.sampled_from(['cil', 'a', ''])),
                 'program_id': st.one_of(st.none(), st.integers(0, 9)),
                 'link_id': st.one_of(st.none(), st.integers(0, 9)),
                 'pin': st.one_of(st.none(), st.just('/sys/fs/bpf/cilium/x'))}
hook_placements = st.one_of(
    st.none(), st.just({}),
    st.fixed_dictionaries(dict(anchor_values, position=st.sampled_from(POSITIONS + (None, '', 'middle', 'Last')))),
)


def placement_is_bad(spec, listed):
    """Why a hook's placement cannot be followed, by the rules of the module's documentation; or None."""
    spec = spec or {}
    position = spec.get('position') or 'last'
    given_anchors = [anchor for anchor in ANCHORS if spec.get(anchor) is not None]
    if spec and not listed:
        return 'set for a hook without programs'
    if position not in POSITIONS:
        return 'no such position'
    if (position in ('first', 'last')) != (given_anchors == []) or len(given_anchors) > 1:
        return 'the wrong anchors'
    return None


@CHECK
@given(primary=hook_placements, peer=hook_placements, listed=st.fixed_dictionaries(
    dict((hook, st.sampled_from([[], ['a'], ['a', 'b']])) for hook in HOOKS)))
def test_placements_follow_the_rules_or_say_which_hook_breaks_them(primary, peer, listed):
    given_placement = {'primary': primary, 'peer': peer}
    bad = dict((hook, placement_is_bad(given_placement[hook], listed[hook])) for hook in HOOKS)
    error = raised(placements, given_placement, listed)
    if any(bad.values()):
        assert isinstance(error, BpfError)
        assert any(str(error).startswith('placement.%s' % hook) for hook in HOOKS if bad[hook]), (str(error), bad)
        return
    assert error is None
    result = placements(given_placement, listed)
    assert sorted(result) == sorted(HOOKS)
    for hook, (position, kind, value) in result.items():
        spec = given_placement[hook] or {}
        assert position == (spec.get('position') or 'last')
        assert (kind is None) == (position in ('first', 'last'))
        assert value == (spec[kind] if kind else None)


class NoLibbpf:
    def __init__(self):
        raise AssertionError('libbpf was needed before the parameters were checked')


@pytest.fixture
def without_pins(monkeypatch):
    """The host's nk0 pair (host7) with a pin tree that is fine, and no libbpf to be had."""
    monkeypatch.setattr(_bpf_attach, 'Kernel', ClosableHost)
    monkeypatch.setattr(_bpf_attach, 'check_pin_tree', lambda pin_dir: None)
    monkeypatch.setattr(_bpf_attach, 'Libbpf', NoLibbpf)


def present(**values):
    params = {'device': 'nk0', 'state': 'present', 'object': '/tmp/x.bpf.o', 'pin_path': None, 'placement': None,
              'programs': [{'name': 'a', 'attach': 'primary'}]}
    params.update(values)
    return params


@pytest.mark.parametrize('params,message', [
    (present(placement={'peer': placement_of('first')}), '^placement.peer is set, but programs lists nothing'),
    (present(placement={'primary': placement_of('before')}), '^placement.primary: before needs exactly one anchor'),
    (present(programs=[]), '^programs is required with state=present'),
    (present(object=None), '^object is required with state=present'),
    (present(state='absent', placement={'primary': placement_of('first')}), '^placement is for state=present$'),
    (present(device='nks0'), '^device nks0 is a single netkit device'),
])
def test_the_parameters_are_checked_before_libbpf_is_needed(without_pins, params, message):
    with pytest.raises(BpfError, match=message):
        _reconcile_attachments(params, check_mode=True)


# ------------------------------------------------------------ hooks as data: check mode's prediction and the views

def wanted_of(*names):
    """{listed name: what loading it gave} as LoadedObject.info() has it: the kernel keeps 15 characters of the name."""
    return dict((name, {'program': name[:PROGRAM_NAME_LEN], 'tag': 'tag-' + name, 'digest': 'digest-' + name})
                for name in names)


def theirs(program, program_id, link_id=None):
    """Another tool's program on the hook (a link of its own, or attached without one)."""
    return {'program': program, 'program_id': program_id, 'tag': 'tag-' + program, 'link_id': link_id,
            'owner': None, 'link_pin': None, 'source': None}


def ours(name, program_id, link_id, wanted, fresh=True, hook='primary', pin=None):
    """A link of this collection pinned in PIN_DIR; fresh: it runs what wanted has for name."""
    return {'program': name[:PROGRAM_NAME_LEN], 'program_id': program_id, 'tag': 'tag-' + name, 'link_id': link_id,
            'owner': name, 'link_pin': pin or link_pin_path(PIN_DIR, hook, name),
            'source': (program_id, 'digest-' + name) if fresh else (program_id, 'older')}


def plan_of(entries, listed, wanted, position='last', anchor=None):
    """(state, plan) as plan_for() makes them, without the kernel."""
    state = {'revision': 9, 'entries': entries, 'stale': []}
    marked = [dict(entry, fresh=bool(entry['owner'] in wanted and entry['source'] == (
        entry['program_id'], wanted[entry['owner']]['digest']))) for entry in entries]
    return state, plan_hook(marked, listed, position, anchor)


def test_check_mode_predicts_new_links_on_an_empty_hook():
    wanted = wanted_of('a', 'b')
    state, plan = plan_of([], ['a', 'b'], wanted)
    assert kept_links(state, plan) == [] and not is_noop(state, plan)
    after = predicted(state, plan, 'primary', PIN_DIR, wanted)
    assert after == [
        {'program': 'a', 'program_id': None, 'tag': 'tag-a', 'link_id': None, 'owner': 'a',
         'link_pin': PIN_DIR + '/link_primary_a', 'source': (None, 'digest-a')},
        {'program': 'b', 'program_id': None, 'tag': 'tag-b', 'link_id': None, 'owner': 'b',
         'link_pin': PIN_DIR + '/link_primary_b', 'source': (None, 'digest-b')},
    ]
    assert attachments_view({'primary': after, 'peer': []}) == {
        'primary': [{'name': 'a', 'program': 'a', 'program_id': None, 'tag': 'tag-a', 'link_id': None,
                     'link_pin': PIN_DIR + '/link_primary_a', 'digest': 'digest-a'},
                    {'name': 'b', 'program': 'b', 'program_id': None, 'tag': 'tag-b', 'link_id': None,
                     'link_pin': PIN_DIR + '/link_primary_b', 'digest': 'digest-b'}],
        'peer': []}


def test_check_mode_keeps_a_link_in_place_and_swaps_the_one_a_new_program_takes_over():
    """cil runs first; a is ours and fresh; z is ours but no longer listed: b takes its link over."""
    wanted = wanted_of('a', 'b')
    cil, a, z = theirs('cil_from_contai', 10, 20), ours('a', 11, 21, wanted), ours('z', 12, 22, wanted_of('z'))
    state, plan = plan_of([cil, a, z], ['a', 'b'], wanted)
    assert kept_links(state, plan) == [('a', a), ('b', z)]
    assert (plan['swap'], plan['attach'], plan['detach']) == (['b'], [], [])
    after = predicted(state, plan, 'primary', PIN_DIR, wanted)
    assert after[:2] == [cil, a]
    assert after[2] == {'program': 'b', 'program_id': None, 'tag': 'tag-b', 'link_id': 22, 'owner': 'b',
                        'link_pin': PIN_DIR + '/link_primary_b', 'source': (None, 'digest-b')}
    assert (z['owner'], z['link_pin']) == ('z', PIN_DIR + '/link_primary_z'), 'what was read is left as it was'
    assert hook_view(after) == [
        {'program': 'cil_from_contai', 'program_id': 10, 'tag': 'tag-cil_from_contai', 'link_id': 20,
         'link_pin': None, 'owned': False},
        {'program': 'a', 'program_id': 11, 'tag': 'tag-a', 'link_id': 21, 'link_pin': PIN_DIR + '/link_primary_a',
         'owned': True},
        {'program': 'b', 'program_id': None, 'tag': 'tag-b', 'link_id': 22, 'link_pin': PIN_DIR + '/link_primary_b',
         'owned': True},
    ]
    assert diff_view({'primary': [cil, a, z], 'peer': []}) == {
        'peer': [], 'primary': ["cil_from_contai (tag tag-cil_from_contai, program id 10: not this collection's)",
                                'a (tag tag-a)', 'z (tag tag-z)']}
    assert diff_view({'primary': after})['primary'][2] == 'b (tag tag-b)'


def test_a_link_pinned_by_a_release_before_lists_takes_its_programs_name():
    """A link_<hook> pin has no record: its program is swapped, and the pin renamed link_<hook>_<program>."""
    wanted = wanted_of('count_ipv6_packets')
    legacy = dict(ours('count_ipv6_packets', 11, 21, wanted, pin=PIN_DIR + '/link_primary'), source=None)
    assert legacy['program'] == 'count_ipv6_pack'
    state, plan = plan_of([legacy], ['count_ipv6_packets'], wanted)
    assert (plan['keep'], plan['swap'], plan['attach'], plan['detach']) == (
        ['count_ipv6_packets'], ['count_ipv6_packets'], [], [])
    (after,) = predicted(state, plan, 'primary', PIN_DIR, wanted)
    assert after['link_pin'] == PIN_DIR + '/link_primary_count_ipv6_packets'
    assert (after['link_id'], after['program_id'], after['source']) == (21, None, (None, 'digest-count_ipv6_packets'))
    assert attachments_view({'primary': [after]})['primary'][0]['name'] == 'count_ipv6_packets'


def test_a_hook_that_runs_what_is_asked_is_left_alone():
    wanted = wanted_of('a', 'b')
    entries = [ours('a', 11, 21, wanted, hook='peer'), theirs('other', 5), ours('b', 12, 22, wanted, hook='peer')]
    state, plan = plan_of(entries[:1] + entries[2:], ['a', 'b'], wanted)
    assert is_noop(state, plan)
    assert predicted(state, plan, 'peer', PIN_DIR, wanted) == state['entries']
    assert is_noop(dict(state, stale=[(PIN_DIR + '/link_peer_c', 'c')]), plan) is False, 'a stale pin goes'
    state, plan = plan_of(entries, ['a', 'b'], wanted)
    assert not is_noop(state, plan), 'b moves to a: the block is whole'
    assert [entry['owner'] for entry in predicted(state, plan, 'peer', PIN_DIR, wanted)] == [None, 'a', 'b']


def test_a_program_that_changed_is_swapped_in_its_link():
    wanted = wanted_of('a')
    state, plan = plan_of([ours('a', 11, 21, wanted, fresh=False)], ['a'], wanted)
    assert plan['swap'] == ['a'] and not is_noop(state, plan)
    (after,) = predicted(state, plan, 'primary', PIN_DIR, wanted)
    assert (after['link_id'], after['program_id'], after['source']) == (21, None, (None, 'digest-a'))


def test_views_of_hooks_without_programs():
    assert attachments_view({'primary': [], 'peer': []}) == {'primary': [], 'peer': []}
    assert diff_view({'primary': [], 'peer': []}) == {'primary': [], 'peer': []}
    assert diff_view({}) == {}
    assert hook_view([]) == []
    assert attachments_view({'peer': [theirs('cil', 1, 2)]}) == {'peer': []}, "others' programs are not ours to show"
    assert list(diff_view({'primary': [], 'peer': []})) == ['peer', 'primary'], 'sorted'


@st.composite
def hooks_as_read(draw):
    """(entries, listed, wanted, position, anchor): a hook with others' programs and ours, each of ours once."""
    owners = draw(st.lists(st.one_of(st.none(), st.sampled_from('abcdz')), max_size=8))
    listed = draw(st.lists(st.sampled_from('abcd'), unique=True, max_size=4))
    wanted = wanted_of(*listed)
    entries = []
    for number, owner in enumerate(owners):
        if owner is None or owner in owners[:number]:
            entries.append(theirs('other%d' % number, 100 + number, draw(st.sampled_from([None, 200 + number]))))
        else:
            entries.append(ours(owner, 100 + number, 200 + number, wanted_of(owner), fresh=draw(st.booleans())))
    others = [index for index, entry in enumerate(entries) if entry['owner'] is None]
    position = draw(st.sampled_from(POSITIONS if others else ('first', 'last')))
    anchor = draw(st.sampled_from(others)) if position in ('before', 'after') else None
    return entries, listed, wanted, position, anchor


@CHECK
@given(hook=hooks_as_read(), name=st.sampled_from(sorted(HOOKS)))
def test_check_mode_shows_what_the_hook_runs_once_the_plan_is_carried_out(hook, name):
    """The prediction runs the listed programs in order, with what was loaded, pinned by their
    names; others' programs as they were, in their order; and the views agree."""
    entries, listed, wanted, position, anchor = hook
    entries = [dict(entry, link_pin=link_pin_path(PIN_DIR, name, entry['owner'])) if entry['owner'] else entry
               for entry in entries]
    state, plan = plan_of(entries, listed, wanted, position, anchor)
    after = predicted(state, plan, name, PIN_DIR, wanted)
    assert [entry for entry in after if entry['owner'] is None] == [entry for entry in entries if entry['owner'] is None]
    view = attachments_view({name: after})[name]
    assert [link['name'] for link in view] == listed
    assert [(link['program'], link['tag'], link['digest'], link['link_pin']) for link in view] == [
        (wanted[each]['program'], wanted[each]['tag'], wanted[each]['digest'], link_pin_path(PIN_DIR, name, each))
        for each in listed]
    kept = dict(kept_links(state, plan))
    for link in view:
        if link['name'] in kept:
            assert link['link_id'] == kept[link['name']]['link_id'], 'a kept link stays'
            fresh = link['name'] not in plan['swap']
            assert link['program_id'] == (kept[link['name']]['program_id'] if fresh else None)
        else:
            assert (link['link_id'], link['program_id']) == (None, None), 'a new link: no ids before it is made'
    assert [item['owned'] for item in hook_view(after)] == [entry['owner'] is not None for entry in after]
    assert len(diff_view({name: after})[name]) == len(after)
    assert is_noop(state, plan) == (after == entries)


# ------------------------------------------------------------ the ends

def test_the_kernel_keeps_15_characters_of_a_program_name():
    assert PROGRAM_NAME_LEN == 15, 'BPF_OBJ_NAME_LEN - 1'


# ------------------------------------------------------------ the pair's primary, on the host's kernel

def test_a_device_name_is_checked_before_anything_is_read():
    with pytest.raises(NetkitError, match='^device .* is not a valid interface name'):
        resolve_primary('a/b')


def test_a_missing_device_is_an_error_unless_absent_is_asked():
    with pytest.raises(BpfError, match='^device %s does not exist$' % MISSING):
        resolve_primary(MISSING)
    assert resolve_primary(MISSING, missing_ok=True) == {'name': MISSING, 'ifindex': None, 'peer_ifindex': None,
                                                         'single': False}


class ClosableHost(FakeKernel):
    """host7() (pair_hosts.py) as the Kernel resolve_primary() opens and closes."""

    def __init__(self):
        fake = host7()
        FakeKernel.__init__(self, fake._links, fake._addresses, fake._netns_ids)
        self.closed = False

    def close(self):
        self.closed = True


@pytest.fixture
def on_host7(monkeypatch):
    monkeypatch.setattr(_bpf_attach, 'Kernel', ClosableHost)


def test_a_pairs_primary_is_found_from_either_end(on_host7):
    expected = {'name': 'nk0', 'ifindex': 5, 'peer_ifindex': 4, 'single': False}
    assert resolve_primary('nk0') == expected
    assert resolve_primary('nk0p') == expected


def test_a_single_device_is_its_own_primary_without_a_peer(on_host7):
    """Its IFLA_LINK (0) is no peer: nothing would run on it, and the module refuses it by 'single'."""
    assert resolve_primary('nks0') == {'name': 'nks0', 'ifindex': 20, 'peer_ifindex': None, 'single': True}


def test_programs_attach_to_netkit_pairs_only():
    with pytest.raises(BpfError, match='^device lo is a non-netkit device, not netkit; programs attach to netkit'):
        resolve_primary('lo')


def test_absent_for_a_name_bpffs_cannot_have_changes_nothing():
    """A dot in the primary's name: nothing was ever pinned for it, and nothing is looked at."""
    result = _reconcile_attachments({'programs': None, 'device': 'nk.0', 'state': 'absent', 'pin_path': None,
                                     'object': None}, check_mode=False)
    assert result == {'changed': False, 'before': {'primary': [], 'peer': []},
                      'after': {'primary': [], 'peer': []}, 'pin_path': None, 'map_pins': []}


@pytest.mark.parametrize('listed,message', [
    ([{'name': 'a', 'attach': 'primary'}, {'name': 'a', 'attach': 'primary'}], '^programs: a is listed twice'),
    ([{'name': 'a', 'attach': 'primary'}, {'name': '../a', 'attach': 'peer'}], "^programs: '../a' is not a program"),
])
def test_the_programs_are_checked_before_the_device_is_looked_up(listed, message):
    with pytest.raises(BpfError, match=message):
        _reconcile_attachments({'programs': listed, 'device': MISSING, 'state': 'present', 'pin_path': None,
                                'object': None}, False)
