# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs in processes of their own: two at once, one killed (SIGKILL) at each request it
sends, after which the next run converges, and fresh interpreters that load pyroute2 only
to change something. The kernel is real; the kill is the only fault."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_socket import Kernel
from suite import reconcile, up

FORK = multiprocessing.get_context('fork')


def kill_after(budget):
    """Let the process send `budget` netlink requests that change something, then SIGKILL it."""
    left = [budget]

    def limited(original, count):
        def send(self, netns, *args, **kwargs):
            wanted = count(*args, **kwargs)
            if wanted > left[0]:
                if left[0] and original.__name__ == 'write_echoed':
                    original(self, netns, args[0][:left[0]])
                os.kill(os.getpid(), signal.SIGKILL)
            left[0] -= wanted
            return original(self, netns, *args, **kwargs)
        return send
    # Every request that changes something goes through write_echoed (write and change call it).
    Kernel.write_echoed = limited(Kernel.write_echoed, len)


def run_killed(entries, budget):
    """Run entries in a child killed after budget requests; its exit signal (None if it finished)."""
    def child():
        kill_after(budget)
        reconcile(entries)
    process = FORK.Process(target=child)
    process.start()
    process.join(60)
    return -process.exitcode if process.exitcode and process.exitcode < 0 else None


def converged(ns, entries, peer_netns=None):
    """After a killed run: check mode sees what is left to do, one run does it, then nothing."""
    predicted = reconcile(entries, check=True)
    applied = reconcile(entries)
    assert [o['changed'] for o in predicted] == [o['changed'] for o in applied]
    assert not any(o['changed'] for o in reconcile(entries) + reconcile(entries, check=True))
    primary, peer = ns.links()['nk0'], ns.links(peer_netns)['nk0p']
    assert up(primary) and up(peer)
    ll, peer_ll = ns.link_local()['nk0'], ns.link_local(peer_netns)['nk0p']
    assert len(ll) == 1 and len(peer_ll) == 1 and ll != peer_ll
    assert applied[0]['after']['addresses'] == ll and applied[0]['after']['peer_addresses'] == peer_ll
    return primary, peer


# A new pair with link-local addresses and its peer in a namespace: five requests (create,
# then each end's address generation mode and up).
@pytest.mark.parametrize('budget', range(5))
def test_a_run_killed_while_creating_is_finished_by_the_next(ns, budget):
    blue = ns.peer()
    entries = [{'name': 'nk0', 'peer_netns': blue, 'link_local': True}]
    assert run_killed(entries, budget) == signal.SIGKILL
    converged(ns, entries, blue)


# Moving the peer, a new MTU and link-local addresses on a live pair: move, MTU, both ends
# down, both modes, the primary's old address dropped, both ends up: nine requests.
@pytest.mark.parametrize('budget', range(9))
def test_a_run_killed_while_changing_a_pair_is_finished_by_the_next(ns, budget):
    blue = ns.peer()
    reconcile([{'name': 'nk0'}])
    entries = [{'name': 'nk0', 'peer_netns': blue, 'mtu': 1400, 'link_local': True}]
    assert run_killed(entries, budget) == signal.SIGKILL
    primary, _peer = converged(ns, entries, blue)
    assert primary['mtu'] == 1400


def test_two_runs_for_the_same_pair_at_once(ns):
    blue = ns.peer()
    entries = [{'name': 'nk0', 'peer_netns': blue, 'link_local': True}]
    start, results = FORK.Barrier(2), FORK.Queue()

    def child():
        start.wait(30)
        outcome = reconcile(entries)[0]
        results.put((outcome['changed'], outcome['after']['addresses'], outcome['after']['peer_addresses']))
    processes = [FORK.Process(target=child), FORK.Process(target=child)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for process in processes]
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    assert sorted(changed for changed, _ll, _peer in outcomes) == [False, True]
    ll, peer_ll = ns.link_local()['nk0'], ns.link_local(blue)['nk0p']
    assert len(ll) == 1 and len(peer_ll) == 1
    assert all((addresses, peer) == (ll, peer_ll) for _changed, addresses, peer in outcomes)


# In a fresh interpreter: each run's changed, and whether pyroute2 was loaded after it.
FRESH_RUNS = (
    'import json, sys\n'
    'from suite import reconcile\n'
    'for entries, check in json.loads(sys.argv[1]):\n'
    '    changed = [outcome["changed"] for outcome in reconcile(entries, check)]\n'
    '    print(json.dumps([changed, "pyroute2" in sys.modules]))\n'
)


def test_pyroute2_is_loaded_only_to_change_something(ns):
    """A run that changes nothing, and check mode, read the kernel without pyroute2 (a fifth
    of a no-op task's cost beyond ping under TCG); the first change loads it."""
    reconcile([{'name': 'nk0', 'link_local': True}])
    same, resized = [{'name': 'nk0', 'link_local': True}], [{'name': 'nk0', 'link_local': True, 'mtu': 1400}]
    runs = [(same, False), (resized, True), (same, False), (resized, False), (resized, False)]
    done = subprocess.run([sys.executable, '-c', FRESH_RUNS, json.dumps(runs)], capture_output=True, text=True,
                          check=False, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        [[False], False], [[True], False], [[False], False], [[True], True], [[False], True]]
    assert ns.links()['nk0']['mtu'] == 1400
