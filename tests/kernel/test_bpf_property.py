# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf as a state machine (hypothesis): ordered lists of programs attached, reordered,
swapped and detached on a pair's hooks at random places, while another tool attaches and
detaches programs of its own, the pair is re-created and links are detached from outside.

After every step: bpftool shows the listed programs in the order listed, at their place,
and the other tool's programs in the order it left them; a check run predicted what the
real run did, a second run changes nothing, a refused run changed nothing.
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach, _bpf_pins
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from suite import COUNTS, Namespaces, reconcile
from test_bpf_order import CHAIN, OtherTool, orders

NAMES = ['chain_one', 'chain_two', 'chain_three']
HOOKS = ['primary', 'peer']
TARGET = int(os.environ.get('XCNF_BPF_PROPERTY_CALLS', '160'))
HOST = {}
LISTS = st.permutations(NAMES).flatmap(lambda names: st.integers(1, len(names)).map(lambda count: names[:count]))


class AttachMachine(RuleBasedStateMachine):

    @initialize()
    def fresh_pair(self):
        self.device = HOST['device']
        self.other = HOST['other']
        reconcile([{'name': self.device, 'state': 'absent'}])
        _bpf_attach.reconcile_attachments(self.params(state='absent'), False)
        self.other_leaves()
        reconcile([{'name': self.device}])
        self.listed = {'primary': [], 'peer': []}
        self.others = []

    def params(self, **options):
        return dict({'device': self.device, 'object': None, 'programs': None, 'state': 'present',
                     'pin_path': None}, **options)

    def other_leaves(self):
        for name in os.listdir(self.other.dir):
            _bpf_attach.detach_link(self.other.lib, os.path.join(self.other.dir, name))

    def converge(self, arguments):
        """check -> apply -> apply again -> check again; what the hooks run after the apply."""
        COUNTS['bpf calls'] += 4
        COUNTS['bpf steps'] += 1
        before = orders(self.device)
        predicted = _bpf_attach.reconcile_attachments(arguments, True)
        assert orders(self.device) == before, 'check mode changed the hooks'
        applied = _bpf_attach.reconcile_attachments(arguments, False)
        assert predicted['changed'] == applied['changed'], (predicted, applied)
        ran = orders(self.device)
        for hook in HOOKS:
            assert [(entry['program'], entry['tag'], entry['owner']) for entry in predicted['after'][hook]] == \
                [(entry['program'], entry['tag'], entry['owner']) for entry in applied['after'][hook]]
            assert [entry['link_id'] for entry in applied['after'][hook]] == [link for _n, link in ran[hook]]
        again = _bpf_attach.reconcile_attachments(arguments, False)
        assert not again['changed'] and not _bpf_attach.reconcile_attachments(arguments, True)['changed']
        return ran

    @rule(hook=st.sampled_from(HOOKS), names=LISTS, position=st.sampled_from(['first', 'last', 'before', 'after']),
          which=st.integers(0, 3))
    def attach(self, hook, names, position, which):
        spec = {'position': position}
        if position in ('before', 'after'):
            if hook == 'peer' or not self.others:
                spec = {'position': 'last'}
            else:
                spec['link_id'] = self.others[which % len(self.others)]
        ran = self.converge(self.params(object=CHAIN, programs=[{'name': name, 'attach': hook} for name in names],
                                        placement={hook: spec}))[hook]
        self.listed[hook] = list(names)
        ours = [index for index, (name, link) in enumerate(ran) if link not in self.others]
        assert [ran[index][0] for index in ours] == list(names)
        assert ours == list(range(ours[0], ours[0] + len(names))), 'the listed programs run one after another'
        others = self.others if hook == 'primary' else []
        gap = len([link for _n, link in ran[:ours[0]] if link in others])
        expected = {'first': 0, 'last': len(others)}.get(spec['position'])
        if expected is None:
            expected = self.others.index(spec['link_id']) + (spec['position'] == 'after')
        assert gap == expected, (spec, ran, self.others)

    @rule(hook=st.sampled_from(HOOKS + [None]))
    def detach(self, hook):
        hooks = [hook] if hook else HOOKS
        pins = _bpf_pins.managed_entries(os.path.join(_bpf_pins.DEFAULT_PIN_DIR, self.device))
        if any(self.listed[each] for each in hooks) or pins:
            self.converge(self.params(state='absent', programs=[{'name': 'x', 'attach': each} for each in hooks]))
        for each in hooks:
            self.listed[each] = []

    @rule(where=st.sampled_from(['first', 'last']))
    def another_tool_attaches(self, where):
        if len(self.others) < 3:
            link = self.other.attach(self.device, where)
            self.others = [each for _n, each in orders(self.device)['primary'] if each in self.others + [link]]

    @rule(which=st.integers(0, 3))
    def another_tool_detaches(self, which):
        if self.others:
            gone = self.others.pop(which % len(self.others))
            for name in os.listdir(self.other.dir):
                path = os.path.join(self.other.dir, name)
                if _bpf_attach.pinned_link(self.other.lib, path)['link_id'] == gone:
                    _bpf_attach.detach_link(self.other.lib, path)

    @rule(which=st.integers(0, 2))
    def a_placement_naming_nothing_is_refused(self, which):
        before = orders(self.device)
        with pytest.raises(NetkitError, match='nothing of that link id runs'):
            _bpf_attach.reconcile_attachments(self.params(
                object=CHAIN, programs=[{'name': NAMES[which], 'attach': 'primary'}],
                placement={'primary': {'position': 'before', 'link_id': 2 ** 31 - 1}}), False)
        assert orders(self.device) == before

    @rule()
    def the_pair_is_recreated_from_outside(self):
        reconcile([{'name': self.device, 'state': 'absent'}])
        reconcile([{'name': self.device}])
        self.other_leaves()
        self.listed = {'primary': [], 'peer': []}
        self.others = []

    @rule(hook=st.sampled_from(HOOKS), which=st.integers(0, 2))
    def a_link_is_detached_by_hand(self, hook, which):
        if self.listed[hook]:
            name = self.listed[hook].pop(which % len(self.listed[hook]))
            _bpf_attach.detach_link(_bpf_attach.Libbpf(), _bpf_pins.link_pin_path(
                os.path.join(_bpf_pins.DEFAULT_PIN_DIR, self.device), hook, name))

    @invariant()
    def the_hooks_run_what_the_steps_put_there(self):
        if hasattr(self, 'listed'):
            ran = orders(self.device)
            for hook in HOOKS:
                assert [name for name, link in ran[hook] if link not in self.others] == self.listed[hook], (hook, ran)
            assert [link for _n, link in ran['primary'] if link in self.others] == self.others


def test_ordered_lists_beside_another_tool_keep_their_promises():
    HOST['ns'] = ns = Namespaces()
    HOST['device'] = ns.bpf_device()
    HOST['other'] = OtherTool(ns)
    try:
        while COUNTS['bpf calls'] < TARGET:
            run_state_machine_as_test(AttachMachine, settings=settings(
                max_examples=5, stateful_step_count=20, deadline=None, database=None, print_blob=True,
                phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck)))
    finally:
        ns.close()
