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


# In a fresh interpreter: each run's changed (or its error), and whether pyroute2 was loaded after it.
FRESH_RUNS = (
    'import json, sys\n'
    'from suite import reconcile\n'
    'for entries, check in json.loads(sys.argv[1]):\n'
    '    try:\n'
    '        outcome = [outcome["changed"] for outcome in reconcile(entries, check)]\n'
    '    except Exception as exc:\n'
    '        outcome = "%s: %s" % (type(exc).__name__, exc)\n'
    '    print(json.dumps([outcome, "pyroute2" in sys.modules]))\n'
)
SAME = [{'name': 'nk0', 'link_local': True}]
RESIZED = [{'name': 'nk0', 'link_local': True, 'mtu': 1400}]


def fresh_runs(runs, first_on_path=()):
    """FRESH_RUNS' lines for runs, a list of (entries, check mode)."""
    path = os.pathsep.join(list(first_on_path) + sys.path)
    done = subprocess.run([sys.executable, '-c', FRESH_RUNS, json.dumps(runs)], capture_output=True, text=True,
                          check=False, env=dict(os.environ, PYTHONPATH=path))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_pyroute2_is_loaded_only_to_change_something(ns):
    """A run that changes nothing, and its check, read the kernel without pyroute2 (a fifth
    of a no-op task's cost beyond ping under TCG); the first change, or a check that finds
    one, loads it."""
    reconcile(SAME)
    assert fresh_runs([(SAME, False), (SAME, True), (RESIZED, True)]) == [
        [[False], False], [[False], False], [[True], True]]
    assert fresh_runs([(SAME, False), (RESIZED, False), (RESIZED, False)]) == [
        [[False], False], [[True], True], [[False], True]]
    assert ns.links()['nk0']['mtu'] == 1400


def test_a_broken_pyroute2_fails_a_change_and_its_check_before_anything_is_sent(ns, tmp_path):
    """A pyroute2 that is found but does not import (here one without its netlink package,
    shadowing the real one) fails the check that finds a change as it fails the change, and
    the kernel is left as it was; a run that changes nothing still passes."""
    reconcile(SAME)
    before = ns.links()['nk0'], ns.link_local()
    (tmp_path / 'pyroute2').mkdir()
    (tmp_path / 'pyroute2' / '__init__.py').write_text('')
    refused = ("NetkitError: changing netkit links needs pyroute2 0.7 or newer, and importing the one in %s "
               "failed: ModuleNotFoundError: No module named 'pyroute2.netlink'" % (tmp_path / 'pyroute2'))
    assert fresh_runs([(SAME, True), (SAME, False), (RESIZED, True), (RESIZED, False)], [str(tmp_path)]) == [
        [[False], False], [[False], False], [refused, True], [refused, True]]
    after = ns.links()['nk0'], ns.link_local()
    assert (after[0]['ifindex'], after[0]['mtu'], after[1]) == (before[0]['ifindex'], before[0]['mtu'], before[1])
