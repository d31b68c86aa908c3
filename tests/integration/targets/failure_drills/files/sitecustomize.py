# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection for the failure drills, in the module's own process.

The drills put this file's directory on PYTHONPATH, so the module's Python imports it at
start-up (site.py); XCNF_DRILL names the drill. Nothing of the kernel is faked: the drill
only stops or holds the real module at one point of its run.
"""

import importlib.abc
import importlib.util
import os
import signal
import subprocess
import sys
import time

NETKIT = 'ansible_collections.xcnf.netkit.plugins.module_utils._netkit'
MEETING_TIMEOUT = 90


def kill_before_configuring(netkit):
    """SIGKILL right after the kernel created the pairs, before their ends are configured."""
    def configuration_steps(_creator):
        os.kill(os.getpid(), signal.SIGKILL)
    netkit.PairCreator._configuration_steps = configuration_steps


def meet_at_start(netkit):
    """Hold each run at its start until a second run got there too (XCNF_DRILL_DIR is the
    meeting place): the two runs then race for the same pair."""
    reconcile_pairs = netkit.reconcile_pairs
    meeting = os.environ['XCNF_DRILL_DIR']

    def meet_then_reconcile(*args):
        open(os.path.join(meeting, 'arrived-%d' % os.getpid()), 'w').close()
        deadline = time.time() + MEETING_TIMEOUT
        while len(os.listdir(meeting)) < 2 and time.time() < deadline:
            time.sleep(0.01)
        return reconcile_pairs(*args)
    netkit.reconcile_pairs = meet_then_reconcile


def create_meanwhile(netkit):
    """Another program (ip) creates the planned pair after the run planned it, before it applies."""
    apply_plans = netkit.apply_plans

    def create_then_apply(kernel, snapshot, plans):
        wanted = plans[0]['wanted']
        command = ['ip', 'link', 'add', wanted['name'], 'type', 'netkit', 'peer', 'name', wanted['peer_name']]
        subprocess.run(command + (['netns', wanted['peer_netns']] if wanted['peer_netns'] else []), check=True)
        return apply_plans(kernel, snapshot, plans)
    netkit.apply_plans = create_then_apply


DRILLS = {'kill_before_configuring': kill_before_configuring, 'meet_at_start': meet_at_start,
          'create_meanwhile': create_meanwhile}


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds the collection's netkit module_utils like Python would, and patches it once loaded."""

    def __init__(self, drill):
        self.drill = drill

    def find_spec(self, name, path=None, target=None):
        if name != NETKIT:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module

        def exec_then_patch(module):
            exec_module(module)
            self.drill(module)
        spec.loader.exec_module = exec_then_patch
        return spec


if os.environ.get('XCNF_DRILL') in DRILLS:
    sys.meta_path.insert(0, PatchOnImport(DRILLS[os.environ['XCNF_DRILL']]))
