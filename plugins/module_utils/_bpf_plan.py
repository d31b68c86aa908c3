# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf's planning for one hook: from what runs there, in order, and the programs a
task lists for it, what to attach where, what to swap and what to detach. Private to this
collection.

Changes when the rules of placement change. Pure: it takes what was read as data, so the
host unit tests drive it. The programs a task lists run one after another, in the order
listed, at the place asked among the programs this collection does not own, which are
never moved. A listed program that is already in a place that fits stays there (swapped in
place when its content changed); the others are attached before the ones they replace are
detached, so a program moving runs twice for a moment rather than not at all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError

POSITIONS = ('first', 'last', 'before', 'after')
# bpf_mprog: at most this many programs on one hook (BPF_MPROG_MAX - 1: the last of its 64
# slots ends the list).
HOOK_MAX = 63


class PlanError(NetkitError):
    """A hook cannot hold what the task asks."""


def block_gap(entries, position, anchor):
    """Where the listed block goes: the number of others' entries before it.

    anchor is the index in entries of the others' entry that before/after names."""
    others = [index for index, entry in enumerate(entries) if entry['owner'] is None]
    if position == 'first':
        return 0
    if position == 'last':
        return len(others)
    if anchor not in others:
        raise PlanError('the anchor of %s must be a program this collection does not own' % position)
    return others.index(anchor) + (position == 'after')


def longest_in_order(indexes):
    """The positions in indexes of a longest strictly increasing subsequence of them."""
    best_end = []
    back = [None] * len(indexes)
    for position, value in enumerate(indexes):
        low, high = 0, len(best_end)
        while low < high:
            middle = (low + high) // 2
            if indexes[best_end[middle]] < value:
                low = middle + 1
            else:
                high = middle
        back[position] = best_end[low - 1] if low else None
        if low == len(best_end):
            best_end.append(position)
        else:
            best_end[low] = position
    chosen = []
    position = best_end[-1] if best_end else None
    while position is not None:
        chosen.append(position)
        position = back[position]
    return chosen[::-1]


def plan_hook(entries, wanted, position='last', anchor=None):
    """The changes that make a hook run wanted, in order, at position.

    entries: what runs on the hook, in order; each a dict with 'owner' (the listed name of
    a program this collection attached, None for others') and 'fresh' (an owned entry that
    runs what the task asks, content included).
    wanted: the names the task lists for the hook, in order, each once.

    Returns a dict:
    - 'keep' and 'kept': the listed names whose links stay where they are, in the order
      listed, and the indexes in entries of those links. A link of a program no longer
      listed that sits just where a newly listed one goes is kept for it: its program is
      swapped, so that replacing a program leaves no gap.
    - 'swap': the kept names whose link's program changes in place.
    - 'attach': in this order, (name, 'before' | 'after' | 'last', reference), reference
      ('listed', name) or ('entry', index in entries) or None.
    - 'detach': the indexes in entries of owned links that go, once the attaching is done.
    - 'order': what the hook runs afterwards, ('listed', name) or ('entry', index).
    """
    if len(set(wanted)) != len(wanted):
        raise PlanError('a program is listed twice for one hook')
    gap = block_gap(entries, position, anchor)
    others = [index for index, entry in enumerate(entries) if entry['owner'] is None]
    region = [index for index, entry in enumerate(entries)
              if entry['owner'] is not None and len([other for other in others if other < index]) == gap]
    candidates = []
    for index in region:
        if entries[index]['owner'] in wanted:
            candidates.append(index)
    ranks = [wanted.index(entries[index]['owner']) for index in candidates]
    in_place = dict((entries[candidates[spot]]['owner'], candidates[spot]) for spot in longest_in_order(ranks))
    kept = {}
    cursor = 0
    for name in wanted:
        if name in in_place:
            kept[name] = in_place[name]
            cursor = region.index(in_place[name]) + 1
        elif cursor < len(region) and entries[region[cursor]]['owner'] not in wanted:
            kept[name] = region[cursor]
            cursor += 1
    keep = [name for name in wanted if name in kept]
    attach = []
    for rank, name in enumerate(wanted):
        if name in kept:
            continue
        if rank:
            attach.append((name, 'after', ('listed', wanted[rank - 1])))
        elif keep:
            attach.append((name, 'before', ('listed', keep[0])))
        elif gap < len(others):
            attach.append((name, 'before', ('entry', others[gap])))
        elif others:
            attach.append((name, 'after', ('entry', others[-1])))
        else:
            attach.append((name, 'last', None))
    detach = [index for index, entry in enumerate(entries)
              if entry['owner'] is not None and index not in kept.values()]
    most = len(entries) + len(attach)
    if len(others) + len(wanted) > HOOK_MAX or most > HOOK_MAX:
        raise PlanError('the hook would hold %d programs (%d of others, %d listed%s); the kernel takes at most %d'
                        % (max(len(others) + len(wanted), most), len(others), len(wanted),
                           ', and those that move twice for a moment' if most > len(others) + len(wanted) else '',
                           HOOK_MAX))
    order = ([('entry', index) for index in others[:gap]] + [('listed', name) for name in wanted]
             + [('entry', index) for index in others[gap:]])
    return {'keep': keep, 'kept': [kept[name] for name in keep],
            'swap': [name for name in keep if entries[kept[name]]['owner'] != name or not entries[kept[name]]['fresh']],
            'attach': attach, 'detach': detach, 'order': order}
