# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf as a state machine (hypothesis): attach, swap and detach programs of two
objects on a pair's hooks, with the pair re-created and links unpinned from outside.

After every step: bpftool shows exactly the programs the steps put there, a check run
predicted what the real run did, a second run changes nothing, a failed run changed nothing.
"""

import os

from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach, _bpf_pins, _libbpf
from suite import COUNTS, Namespaces, reconcile
from test_bpf import DROP_ALL, OBSERVER, attached

PROGRAMS = {OBSERVER: {'primary': 'observe_primary', 'peer': 'observe_peer'},
            DROP_ALL: {'primary': 'drop_all', 'peer': 'drop_all_peer'}}
TARGET = int(os.environ.get('XCNF_BPF_PROPERTY_CALLS', '160'))
HOST = {}


class AttachMachine(RuleBasedStateMachine):

    @initialize()
    def fresh_pair(self):
        self.device = HOST['device']
        reconcile([{'name': self.device, 'state': 'absent'}])
        _bpf_attach.reconcile_attachments(self.params(state='absent'), False)
        reconcile([{'name': self.device}])
        self.running = {'primary': None, 'peer': None}

    def params(self, **options):
        return dict({'device': self.device, 'object': None, 'programs': None, 'state': 'present',
                     'pin_path': None}, **options)

    def converge(self, arguments):
        COUNTS['bpf calls'] += 4
        COUNTS['bpf steps'] += 1
        predicted = _bpf_attach.reconcile_attachments(arguments, True)
        assert set(attached(self.device).values()) == self.kernel_ids(), 'check mode changed the hooks'
        applied = _bpf_attach.reconcile_attachments(arguments, False)
        assert predicted['changed'] == applied['changed'], (predicted, applied)
        for hook in _libbpf.HOOKS:
            guess, done = predicted['after'][hook], applied['after'][hook]
            assert (guess is None) == (done is None) and (guess is None or guess['tag'] == done['tag'])
        again = _bpf_attach.reconcile_attachments(arguments, False)
        assert not again['changed'] and not _bpf_attach.reconcile_attachments(arguments, True)['changed']
        return applied

    def kernel_ids(self):
        return set(attached(self.device).values())

    @rule(source=st.sampled_from(sorted(PROGRAMS)), hooks=st.sampled_from([('primary',), ('peer',), ('primary', 'peer')]))
    def attach(self, source, hooks):
        programs = [{'name': PROGRAMS[source][hook], 'attach': hook} for hook in hooks]
        applied = self.converge(self.params(object=source, programs=programs))
        for hook in hooks:
            self.running[hook] = PROGRAMS[source][hook]
            assert applied['after'][hook]['program'] == PROGRAMS[source][hook]

    @rule(hooks=st.sampled_from([None, ['primary'], ['peer']]))
    def detach(self, hooks):
        programs = [{'name': 'x', 'attach': hook} for hook in hooks] if hooks else None
        before = dict(self.running)
        for hook in hooks or _libbpf.HOOKS:
            self.running[hook] = None
        pins = _bpf_pins.managed_entries(os.path.join(_bpf_pins.DEFAULT_PIN_DIR, self.device))
        if before != self.running or pins:
            self.converge(self.params(state='absent', programs=programs))

    @rule()
    def the_pair_is_recreated_from_outside(self):
        reconcile([{'name': self.device, 'state': 'absent'}])
        reconcile([{'name': self.device}])
        self.running = {'primary': None, 'peer': None}

    @rule(hook=st.sampled_from(sorted(_libbpf.HOOKS)))
    def a_link_is_unpinned_by_hand(self, hook):
        path = os.path.join(_bpf_pins.DEFAULT_PIN_DIR, self.device, 'link_' + hook)
        if os.path.exists(path):
            os.unlink(path)
        self.running[hook] = None

    @invariant()
    def the_hooks_run_what_the_steps_put_there(self):
        if hasattr(self, 'running'):
            names = sorted(attached(self.device))
            assert names == sorted(name for name in self.running.values() if name), (names, self.running)


def test_attach_swap_and_detach_keep_their_promises():
    HOST['ns'] = ns = Namespaces()
    HOST['device'] = ns.bpf_device()
    try:
        while COUNTS['bpf calls'] < TARGET:
            run_state_machine_as_test(AttachMachine, settings=settings(
                max_examples=5, stateful_step_count=20, deadline=None, database=None, print_blob=True,
                phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck)))
    finally:
        ns.close()
