# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner of module_utils/_bpf_plan.py (plan_hook, block_gap, longest_in_order) on hooks
given as data.

The judge is simulate(): it carries out a plan the way the kernel places attachments on a
bpf_mprog hook (an attach goes last, or just before or after a program already on the hook;
the detaching comes after all the attaching) and the hook it leaves must be the plan's
'order'. No kernel, no root.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_plan
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_plan import (
    HOOK_MAX, POSITIONS, PlanError, block_gap, longest_in_order, plan_hook,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError

CHECK = settings(max_examples=200, deadline=None)
NAMES = ('a', 'b', 'c', 'd', 'e', 'f')


def owned(name, fresh=True):
    return {'owner': name, 'fresh': fresh}


def foreign():
    return {'owner': None, 'fresh': False}


def foreign_indexes(entries):
    return [index for index, entry in enumerate(entries) if entry['owner'] is None]


def expected_gap(entries, position, anchor):
    others = foreign_indexes(entries)
    if position == 'first':
        return 0
    if position == 'last':
        return len(others)
    return others.index(anchor) + (position == 'after')


def region_of(entries, gap):
    """The owned entries that sit with exactly gap foreign entries before them."""
    seen, region = 0, []
    for index, entry in enumerate(entries):
        if entry['owner'] is None:
            seen += 1
        elif seen == gap:
            region.append(index)
    return region


def simulate(entries, plan):
    """Carry out plan on entries as the kernel would: the hook it leaves and the most it holds."""
    assert len(plan['keep']) == len(plan['kept'])
    assert len(set(plan['kept'])) == len(plan['kept'])
    label = {}
    for name, index in zip(plan['keep'], plan['kept']):
        assert entries[index]['owner'] is not None, 'a foreign entry is kept for %r' % name
        label[index] = ('listed', name)
    hook = []
    for index, entry in enumerate(entries):
        if entry['owner'] is None:
            hook.append(('entry', index))
        else:
            hook.append(label.get(index, ('owned', index)))
    most = len(hook)
    for name, where, reference in plan['attach']:
        item = ('listed', name)
        assert item not in hook, '%r is attached while it is on the hook' % name
        if where == 'last':
            assert reference is None
            hook.append(item)
        else:
            assert where in ('before', 'after'), where
            assert reference is not None and reference[0] in ('listed', 'entry'), reference
            assert reference in hook, 'the reference %r of %r is not on the hook yet' % (reference, name)
            hook.insert(hook.index(reference) + (where == 'after'), item)
        most = max(most, len(hook))
    for index in plan['detach']:
        assert ('owned', index) in hook, 'detach %r: not an owned entry left on the hook' % index
        hook.remove(('owned', index))
    assert [item for item in hook if item[0] == 'owned'] == [], 'owned entries are left over'
    return hook, most


def as_entries(hook):
    """A simulated hook as entries read back from the kernel: all fresh; and where each old foreign index went."""
    entries, moved = [], {}
    for item in hook:
        if item[0] == 'listed':
            entries.append(owned(item[1]))
        else:
            moved[item[1]] = len(entries)
            entries.append(foreign())
    return entries, moved


def brute_in_place(entries, wanted, gap):
    """The most owned entries of the region that could stay: owners wanted, in wanted order, each name once."""
    ranked = [wanted.index(entries[index]['owner']) for index in region_of(entries, gap) if entries[index]['owner'] in wanted]
    return brute_longest(ranked)


def brute_longest(values):
    for size in range(len(values), 0, -1):
        for spots in itertools.combinations(range(len(values)), size):
            if all(values[one] < values[two] for one, two in zip(spots, spots[1:])):
                return size
    return 0


@st.composite
def hooks(draw, names=NAMES, max_entries=10):
    """(entries, wanted, position, anchor): a random hook (an owner may have several links) and a valid task for it."""
    owners = draw(st.lists(st.one_of(st.none(), st.sampled_from(names)), max_size=max_entries))
    entries = [foreign() if owner is None else owned(owner, draw(st.booleans())) for owner in owners]
    wanted = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    others = foreign_indexes(entries)
    position = draw(st.sampled_from(POSITIONS if others else ('first', 'last')))
    anchor = draw(st.sampled_from(others)) if position in ('before', 'after') else None
    return entries, wanted, position, anchor


@st.composite
def correct_hooks(draw):
    """A hook that already runs wanted, in order, at the place asked."""
    wanted = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=len(NAMES)))
    count = draw(st.integers(0, 5))
    position = draw(st.sampled_from(POSITIONS if count else ('first', 'last')))
    gap = {'first': 0, 'last': count}.get(position)
    if gap is None:
        spot = draw(st.integers(0, count - 1))
        gap = spot + (position == 'after')
    entries = [foreign() for dummy in range(gap)] + [owned(name, draw(st.booleans())) for name in wanted] \
        + [foreign() for dummy in range(count - gap)]
    anchor = None
    if position in ('before', 'after'):
        anchor = foreign_indexes(entries)[spot]
    return entries, wanted, position, anchor


# The planner's promises, as properties over random hooks.

@CHECK
@given(hooks())
def test_the_plan_carried_out_gives_its_order(hook):
    entries, wanted, position, anchor = hook
    plan = plan_hook(entries, wanted, position, anchor)
    result, most = simulate(entries, plan)
    assert result == plan['order']
    assert most == len(entries) + len(plan['attach']) <= HOOK_MAX


@CHECK
@given(hooks())
def test_the_order_puts_the_block_at_its_gap_among_the_others(hook):
    entries, wanted, position, anchor = hook
    plan = plan_hook(entries, wanted, position, anchor)
    others = foreign_indexes(entries)
    gap = expected_gap(entries, position, anchor)
    assert block_gap(entries, position, anchor) == gap
    assert plan['order'] == ([('entry', index) for index in others[:gap]] + [('listed', name) for name in wanted]
                             + [('entry', index) for index in others[gap:]])
    assert [item for item in plan['order'] if item[0] == 'entry'] == [('entry', index) for index in others]


@CHECK
@given(hooks())
def test_kept_links_sit_in_place_and_the_rest_is_detached(hook):
    entries, wanted, position, anchor = hook
    plan = plan_hook(entries, wanted, position, anchor)
    region = region_of(entries, expected_gap(entries, position, anchor))
    assert plan['keep'] == [name for name in wanted if name in plan['keep']]
    assert plan['kept'] == sorted(plan['kept'])
    assert set(plan['kept']) <= set(region)
    for name, index in zip(plan['keep'], plan['kept']):
        # its own link, or the link of a program no longer listed, reused for a newly listed one
        assert entries[index]['owner'] == name or entries[index]['owner'] not in wanted
    assert plan['detach'] == [index for index, entry in enumerate(entries)
                              if entry['owner'] is not None and index not in plan['kept']]
    assert sorted(name for name, where, reference in plan['attach']) == sorted(set(wanted) - set(plan['keep']))
    assert plan['swap'] == [name for name, index in zip(plan['keep'], plan['kept'])
                            if entries[index]['owner'] != name or not entries[index]['fresh']]


@CHECK
@given(hooks())
@example(([owned('b'), owned('a'), owned('b')], ['a', 'b'], 'first', None))
def test_the_most_links_that_are_in_place_stay(hook):
    entries, wanted, position, anchor = hook
    plan = plan_hook(entries, wanted, position, anchor)
    own = [name for name, index in zip(plan['keep'], plan['kept']) if entries[index]['owner'] == name]
    assert len(own) == brute_in_place(entries, wanted, expected_gap(entries, position, anchor))


@CHECK
@given(correct_hooks())
def test_a_correct_hook_is_left_alone(hook):
    entries, wanted, position, anchor = hook
    plan = plan_hook(entries, wanted, position, anchor)
    assert plan['attach'] == [] and plan['detach'] == []
    assert plan['keep'] == wanted
    assert plan['kept'] == [index for index, entry in enumerate(entries) if entry['owner'] is not None]
    assert plan['swap'] == [entry['owner'] for entry in entries if entry['owner'] is not None and not entry['fresh']]


@CHECK
@given(hooks())
def test_planning_again_on_the_result_changes_nothing(hook):
    entries, wanted, position, anchor = hook
    plan = plan_hook(entries, wanted, position, anchor)
    after, moved = as_entries(simulate(entries, plan)[0])
    again = plan_hook(after, wanted, position, moved.get(anchor))
    assert (again['attach'], again['detach'], again['swap']) == ([], [], [])
    assert again['keep'] == wanted
    assert again['order'] == [('listed', item[1]) if item[0] == 'listed' else ('entry', index)
                              for index, item in enumerate(simulate(entries, plan)[0])]


# Errors.

@CHECK
@given(hooks(), st.data())
def test_a_name_listed_twice_is_refused(hook, data):
    entries, wanted, position, anchor = hook
    wanted = list(wanted) + [data.draw(st.sampled_from(NAMES))]
    wanted = wanted if len(set(wanted)) < len(wanted) else wanted + [wanted[-1]]
    with pytest.raises(PlanError, match='listed twice'):
        plan_hook(entries, wanted, position, anchor)


@CHECK
@given(hooks(), st.sampled_from(('before', 'after')), st.data())
def test_an_anchor_that_is_not_a_foreign_entry_is_refused(hook, position, data):
    entries, wanted = hook[:2]
    others = foreign_indexes(entries)
    bad = [index for index in range(-3, len(entries) + 3) if index not in others] + [None]
    anchor = data.draw(st.sampled_from(bad))
    with pytest.raises(PlanError, match='anchor of %s' % position):
        plan_hook(entries, wanted, position, anchor)
    with pytest.raises(PlanError):
        block_gap(entries, position, anchor)


@CHECK
@given(hooks(max_entries=9), st.integers(1, 8))
def test_too_many_programs_are_refused_exactly_when_the_hook_would_overflow(hook, limit):
    entries, wanted, position, anchor = hook
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_bpf_plan, 'HOOK_MAX', 10 ** 6)
        plan = plan_hook(entries, wanted, position, anchor)
        result, most = simulate(entries, plan)
        patch.setattr(_bpf_plan, 'HOOK_MAX', limit)
        if max(len(result), most) > limit:
            with pytest.raises(PlanError) as caught:
                plan_hook(entries, wanted, position, anchor)
            assert 'would hold %d programs' % max(len(result), most) in str(caught.value)
            assert 'at most %d' % limit in str(caught.value)
        else:
            assert plan_hook(entries, wanted, position, anchor) == plan


def test_a_full_hook_takes_no_more():
    assert HOOK_MAX == 63
    entries = [foreign() for dummy in range(HOOK_MAX)]
    with pytest.raises(PlanError) as caught:
        plan_hook(entries, ['a'], 'last')
    assert 'would hold 64 programs' in str(caught.value) and '63 of others, 1 listed' in str(caught.value)
    assert 'twice' not in str(caught.value)
    assert plan_hook(entries[1:], ['a'], 'last')['attach'] == [('a', 'after', ('entry', HOOK_MAX - 2))]


def test_a_move_that_needs_a_64th_slot_for_a_moment_is_refused():
    entries = [owned('a')] + [foreign() for dummy in range(HOOK_MAX - 1)]
    assert plan_hook(entries, ['a'], 'first')['attach'] == []
    with pytest.raises(PlanError) as caught:
        plan_hook(entries, ['a'], 'last')
    assert 'would hold 64 programs' in str(caught.value) and 'move twice for a moment' in str(caught.value)
    assert isinstance(caught.value, NetkitError)


# longest_in_order.

@CHECK
@given(st.lists(st.integers(0, 6), max_size=8))
def test_longest_in_order_is_a_longest_strictly_increasing_subsequence(values):
    spots = longest_in_order(values)
    assert spots == sorted(set(spots))
    assert all(0 <= spot < len(values) for spot in spots)
    assert all(values[one] < values[two] for one, two in zip(spots, spots[1:]))
    assert len(spots) == brute_longest(values)


def test_longest_in_order_examples():
    assert longest_in_order([]) == []
    assert longest_in_order([0, 1, 2]) == [0, 1, 2]
    assert len(longest_in_order([2, 1, 0])) == 1
    assert longest_in_order([3, 0, 1, 4, 2]) in ([1, 2, 4], [1, 2, 3])
    assert len(longest_in_order([1, 1, 1])) == 1


# Readable examples.

def test_a_new_program_goes_last_on_an_empty_hook():
    plan = plan_hook([], ['a'], 'last')
    assert plan == {'keep': [], 'kept': [], 'swap': [], 'attach': [('a', 'last', None)], 'detach': [],
                    'order': [('listed', 'a')]}


def test_a_new_block_goes_first_before_the_others():
    entries = [foreign(), foreign()]
    plan = plan_hook(entries, ['a', 'b'], 'first')
    assert plan['attach'] == [('a', 'before', ('entry', 0)), ('b', 'after', ('listed', 'a'))]
    assert plan['order'] == [('listed', 'a'), ('listed', 'b'), ('entry', 0), ('entry', 1)]


def test_reversing_three_keeps_one():
    entries = [owned('c'), owned('b'), owned('a')]
    plan = plan_hook(entries, ['a', 'b', 'c'], 'last')
    assert len(plan['keep']) == 1 and len(plan['attach']) == 2 and len(plan['detach']) == 2
    assert simulate(entries, plan)[0] == plan['order'] == [('listed', 'a'), ('listed', 'b'), ('listed', 'c')]


def test_a_changed_program_is_swapped_in_place():
    entries = [foreign(), owned('a', fresh=False), owned('b'), foreign()]
    plan = plan_hook(entries, ['a', 'b'], 'after', 0)
    assert (plan['keep'], plan['kept'], plan['swap'], plan['attach'], plan['detach']) == (['a', 'b'], [1, 2], ['a'], [], [])


def test_a_replaced_program_leaves_its_link_to_the_new_one():
    plan = plan_hook([foreign(), owned('x'), foreign()], ['y'], 'before', 2)
    assert (plan['keep'], plan['kept'], plan['swap'], plan['attach'], plan['detach']) == (['y'], [1], ['y'], [], [])


def test_the_block_moves_to_its_anchor_and_owned_ones_elsewhere_go():
    entries = [owned('a'), foreign(), owned('b'), foreign(), owned('z')]
    plan = plan_hook(entries, ['a', 'b'], 'before', 3)
    assert plan['keep'] == ['b'] and plan['detach'] == [0, 4]
    assert plan['attach'] == [('a', 'before', ('listed', 'b'))]
    assert simulate(entries, plan)[0] == plan['order'] == [('entry', 1), ('listed', 'a'), ('listed', 'b'), ('entry', 3)]


def test_a_duplicate_link_of_a_name_is_detached():
    entries = [owned('a'), owned('a')]
    plan = plan_hook(entries, ['a'], 'first')
    assert plan['keep'] == ['a'] and plan['attach'] == [] and len(plan['detach']) == 1


def test_an_interrupted_move_is_finished_by_detaching_only():
    entries = [owned('b'), owned('a'), owned('b')]
    plan = plan_hook(entries, ['a', 'b'], 'first')
    assert (plan['kept'], plan['attach'], plan['detach']) == ([1, 2], [], [0])


def test_nothing_listed_detaches_all_owned():
    entries = [owned('a'), foreign(), owned('b')]
    plan = plan_hook(entries, [], 'last')
    assert plan['attach'] == [] and plan['detach'] == [0, 2] and plan['order'] == [('entry', 1)]
