# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair modules' entries, module_utils/_pairs.py: the result of each plan, and check
mode end to end on the host's own kernel, which it only reads (a pair no host has, so
nothing is planned but its creation or nothing). Applying is tested in the VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _host_lock
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import NETKIT_MIN_KERNEL, kernel_version
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import CONFIGURE, CREATE, DELETE, RECREATE, Plan
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot
from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import (
    pair_after, plan_result, read_all_pairs, reconcile_pairs,
)
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.pair_hosts import entry, host

# A name no device has.
MISSING = 'xcnf-no-such'
needs_netkit_release = pytest.mark.skipif(kernel_version() < NETKIT_MIN_KERNEL, reason='the host kernel has no netkit')


@pytest.fixture
def lock_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(_host_lock, 'LOCK_DIR', str(tmp_path / 'xcnf-netkit'))


def a_plan(action, state='present', before=None, pruned=False, **wanted):
    return Plan(wanted=dict({'name': 'nk0', 'peer_name': 'nk0p'}, **wanted), before=before, state=state,
                action=action, pruned=pruned)


# ------------------------------------------------------------ results

@pytest.mark.parametrize('action,changed,recreated', [
    (None, False, False), (CREATE, True, False), (CONFIGURE, True, False), (RECREATE, True, True),
    (DELETE, True, False),
])
def test_plan_result(action, changed, recreated):
    before = {'name': 'nk0'}
    assert plan_result(a_plan(action, before=before), {'name': 'nk0', 'mtu': 9000}) == {
        'name': 'nk0', 'changed': changed, 'before': before, 'after': {'name': 'nk0', 'mtu': 9000},
        'recreated': recreated, 'pruned': False}


def test_a_pruned_pair_says_so():
    assert plan_result(a_plan(DELETE, state='absent', pruned=True), None)['pruned'] is True


def test_the_pair_after_its_plan():
    snapshot = Snapshot(host())
    before = snapshot.pair('nk0')
    assert pair_after(a_plan(DELETE, state='absent', before=before), snapshot) is None
    assert pair_after(a_plan(None, before=before), None) is before, 'nothing to do: as it was'
    assert pair_after(a_plan(CONFIGURE, before=before, mtu=9000), snapshot) == before, 'read back, not predicted'
    predicted = pair_after(a_plan(CONFIGURE, before=before, mtu=9000), None)
    assert predicted['mtu'] == 9000 and predicted['ifindex'] == 5, 'check mode: predicted'


# ------------------------------------------------------------ check mode on the host's kernel

@needs_netkit_release
def test_check_mode_plans_a_pair_the_host_does_not_have(lock_dir):
    [created] = reconcile_pairs([entry(name=MISSING, mtu=9000)], check_mode=True)
    assert (created['name'], created['changed'], created['before'], created['recreated']) == (
        MISSING, True, None, False)
    after = created['after']
    assert (after['name'], after['peer_name'], after['mtu'], after['mode']) == (MISSING, MISSING + 'p', 9000, 'l3')


@needs_netkit_release
def test_check_mode_deletes_nothing_that_is_not_there(lock_dir):
    assert reconcile_pairs([entry(name=MISSING, state='absent')], check_mode=True) == [
        {'name': MISSING, 'changed': False, 'before': None, 'after': None, 'recreated': False, 'pruned': False}]


def test_reading_the_pairs_of_a_name_no_device_has(lock_dir):
    assert read_all_pairs([MISSING]) == []
