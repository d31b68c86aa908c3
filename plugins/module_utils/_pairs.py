# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair modules' one entry each: reconcile a list of pairs, read the host's pairs.
Private to this collection.

The flow, one way: parameters -> desired pairs -> one snapshot of the kernel -> plans ->
applied unless in check mode -> read back -> results. Changes when that flow or the
results' shape changes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, NetlinkError
from ansible_collections.xcnf.netkit.plugins.module_utils._host_lock import host_lock, reading_lock
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import check_kernel, describe_netlink_error
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_socket import Kernel
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import RECREATE, plan_pairs, predict_after
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot


def reconcile_pairs(pairs, check_mode, prune_prefix=None):
    """Reconcile a list of pairs (each a dict of netkit_pair's parameters) in one process:
    one link and one address dump per namespace to plan, requests only for what changes,
    and one more dump to read back when something changed.

    Returns, per entry (and per pruned pair), {name, changed, before, after, recreated, pruned}.
    """
    check_kernel()
    with reading_lock() if check_mode else host_lock(exclusive=True):
        kernel = Kernel()
        try:
            snapshot = Snapshot(kernel)
            plans = plan_pairs(snapshot, pairs, prune_prefix)
            changing = [plan for plan in plans if plan.action is not None]
            if changing:
                require_pyroute2()
            after = apply(kernel, snapshot, changing) if changing and not check_mode else None
            return [plan_result(plan, pair_after(plan, after)) for plan in plans]
        except NetlinkError as exc:
            raise NetkitError(describe_netlink_error(exc, 'netlink'))
        finally:
            kernel.close()


def require_pyroute2():
    """Raise unless pyroute2, which builds every request that changes something, loads: in
    check mode too, so that a check does not report a change that the run would fail to make.
    Imported here, as a run that changes nothing never loads it."""
    from ansible_collections.xcnf.netkit.plugins.module_utils import _pyroute2
    _pyroute2.require_pyroute2()


def apply(kernel, snapshot, plans):
    """apply_plans(), imported only when something changes: a module's source is compiled
    on every run (AnsiballZ carries no bytecode), and most runs change nothing."""
    from ansible_collections.xcnf.netkit.plugins.module_utils._pair_apply import apply_plans
    return apply_plans(kernel, snapshot, plans)


def plan_result(plan, after):
    return {'name': plan.name, 'changed': plan.action is not None, 'before': plan.before, 'after': after,
            'recreated': plan.action == RECREATE, 'pruned': plan.pruned}


def pair_after(plan, snapshot):
    """The pair once its plan is carried out: read from snapshot, or predicted without one (check mode)."""
    if plan.state == 'absent':
        return None
    if plan.action is None:
        return plan.before
    if snapshot is None:
        return predict_after(plan.before, plan.wanted)
    return snapshot.pair(plan.name)


def read_all_pairs(names=None):
    """The host's netkit pairs (all, or those whose primary is in names)."""
    with reading_lock():
        kernel = Kernel()
        try:
            pairs = Snapshot(kernel).all_pairs()
        except NetlinkError as exc:
            raise NetkitError(describe_netlink_error(exc, 'reading the links'))
        finally:
            kernel.close()
    if names:
        pairs = [pair for pair in pairs if pair['name'] in names]
    return pairs
