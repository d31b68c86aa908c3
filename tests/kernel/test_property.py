# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pairs reconciler as a state machine (hypothesis): random lists, random outside
interference, and the invariants of an honest module after every step.

Each reconcile step runs the list in check mode, for real, again, and in check mode
again, and judges the kernel with iproute2 in between:
- a check run changes nothing and predicts what the real run does (the changed flags,
  the settings, the same error);
- a run that fails changes nothing;
- what the list asks holds in the kernel for every key it sets;
- a second run, and a check run after it, change nothing;
- no device the list does not name (or prune) changes.
A failure prints the steps that reproduce it (and hypothesis' seed).
"""

import os

from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from suite import COUNTS, Namespaces, assert_same, differences, netkit_info, reconcile, sh, up

NAMES = ('p0', 'p1', 'p2')
PREFIX = 'p'
# Every `make test` makes at least this many reconcile calls (4 per reconcile step).
TARGET = int(os.environ.get('XCNF_PROPERTY_CALLS', '2000'))
# Few examples a run, so that the last run overshoots the target by little.
EXAMPLES = 4
STEPS = 40
# Shrinking a failure takes minutes under TCG: on by XCNF_PROPERTY_SHRINK=1 when reproducing one.
PHASES = tuple(Phase) if os.environ.get('XCNF_PROPERTY_SHRINK') else (Phase.explicit, Phase.generate)

OPTIONS = {
    'mode': st.sampled_from([None, None, 'l3', 'l2']),
    'policy': st.sampled_from([None, 'forward', 'blackhole']),
    'peer_policy': st.sampled_from([None, 'forward', 'blackhole']),
    'scrub': st.sampled_from([None, None, 'default', 'none']),
    'mtu': st.sampled_from([None, None, 1280, 1500, 9000, 1200]),
    'peer_mtu': st.sampled_from([None, None, 1400, 1500]),
    'txqueuelen': st.sampled_from([None, None, 0, 1000, 5000]),
    'gso_max_size': st.sampled_from([None, None, 65536, 196608]),
    'gso_ipv4_max_size': st.sampled_from([None, None, 65536, 131072]),
    'numrxqueues': st.sampled_from([None, None, 1, 4]),
    # MACs need mode l2: drawn with any mode, an L3 pair gives the same refusal in check and real runs.
    'address': st.sampled_from([None, None, '02:00:00:00:00:01', '02:00:00:00:00:02']),
    'peer_address': st.sampled_from([None, None, '02:00:00:00:00:02', '02:00:00:00:00:03']),
    'up': st.sampled_from([True, True, False]),
    'link_local': st.sampled_from([None, True, True, False]),
    'peer_netns': st.sampled_from([None, None, 'a', 'b']),
    'recreate': st.booleans(),
}


@st.composite
def entries(draw):
    entry = {'name': draw(st.sampled_from(NAMES)), 'state': draw(st.sampled_from(['present'] * 4 + ['absent']))}
    for key, values in OPTIONS.items():
        if draw(st.booleans()):
            entry[key] = draw(values)
    return entry


class PairsMachine(RuleBasedStateMachine):
    """The host namespace of the test, two peer namespaces (a, b), a bystander pair outside the
    prune prefix, and whatever the rules make (deleted when the next example starts)."""

    @initialize()
    def make_host(self):
        self.ns = HOST['ns']
        self.netns = HOST['netns']
        ours = [name for name in self.ns.links() if name.startswith(PREFIX)]
        if ours:
            # Deleting a primary deletes its peer, wherever it is: this leaves the bystander.
            sh('sh', '-c', 'printf "%s" | ip -force -batch -' % ''.join('link del %s\n' % name for name in ours),
               check=False)
        self.state = self.ns.state()

    def real(self, entry):
        """An entry with the real name of its peer namespace."""
        if entry.get('peer_netns'):
            return dict(entry, peer_netns=self.netns[entry['peer_netns']])
        return entry

    def run(self, pairs, check, prune):
        COUNTS['pairs calls'] += 1
        try:
            return reconcile(pairs, check=check, prune=prune), None
        except NetkitError as exc:
            return None, str(exc)

    @rule(wanted=st.lists(entries(), min_size=1, max_size=3), prune=st.sampled_from([None, None, PREFIX]))
    def reconcile_list(self, wanted, prune):
        COUNTS['pairs steps'] += 1
        pairs = [self.real(entry) for entry in wanted]
        before = self.ns.state()
        predicted, predicted_error = self.run(pairs, True, prune)
        assert_same(before, self.ns.state(), 'check mode changed the kernel')
        applied, error = self.run(pairs, False, prune)
        after = self.ns.state()
        assert (predicted_error is None) == (error is None), (predicted_error, error)
        if error is not None:
            assert_same(before, after, 'a run that failed (%s) changed the kernel' % error)
            self.state = after
            return
        assert [o['changed'] for o in predicted] == [o['changed'] for o in applied]
        for guess, outcome in zip(predicted, applied):
            for key, value in (guess['after'] or {}).items():
                if key in OPTIONS and value is not None and outcome['after'] is not None:
                    assert outcome['after'][key] == value, (outcome['name'], key, value, outcome['after'][key])
        self.holds(pairs, after)
        self.only_owned_changed(pairs, applied, before, after)
        again, error = self.run(pairs, False, prune)
        assert error is None and not any(o['changed'] for o in again), error or again
        checked, error = self.run(pairs, True, prune)
        assert error is None and not any(o['changed'] for o in checked)
        self.state = self.ns.state()
        assert_same(after, self.state, 'a run with nothing to do changed the kernel')

    def peer_of(self, state, primary, peer_name):
        """(netns, link) of a primary's peer: ip names it when it is beside the primary, and
        gives its ifindex in another namespace otherwise."""
        if 'link' in primary:
            return None, state[None][0][primary['link']]
        for netns, (links, _addresses) in state.items():
            link = links.get(peer_name)
            if netns is not None and link is not None and link['ifindex'] == primary['link_index']:
                return netns, link
        raise AssertionError('no peer %s of %s in any namespace' % (peer_name, primary['ifname']))

    def holds(self, pairs, state):
        links, addresses = state[None]
        for entry in pairs:
            name = entry['name']
            if entry.get('state') == 'absent':
                assert name not in links
                continue
            primary = links[name]
            peer_name = name + 'p'
            netns, peer = self.peer_of(state, primary, peer_name)
            assert netkit_info(primary)['type'] == 'primary' and netkit_info(peer)['type'] == 'peer'
            if entry.get('peer_netns'):
                assert netns == entry['peer_netns']
            for key in ('mode', 'policy', 'peer_policy', 'scrub'):
                if entry.get(key):
                    assert netkit_info(primary)[key] == entry[key], (name, key)
            for key, end, shown in (('address', primary, 'address'), ('peer_address', peer, 'address'),
                                    ('gso_ipv4_max_size', primary, 'gso_ipv4_max_size'),
                                    ('gso_ipv4_max_size', peer, 'gso_ipv4_max_size'),
                                    ('numrxqueues', primary, 'num_rx_queues')):
                if entry.get(key):
                    assert end[shown] == entry[key], (name, key, end[shown])
            if entry.get('mtu'):
                assert primary['mtu'] == entry['mtu']
            if entry.get('peer_mtu'):
                assert peer['mtu'] == entry['peer_mtu']
            wanted_up = entry.get('up', True)
            assert up(primary) == wanted_up and up(peer) == wanted_up
            ends = ((primary, addresses.get(name)), (peer, state[netns][1].get(peer_name)))
            if entry.get('link_local') is True:
                assert all(link['inet6_addr_gen_mode'] == 'random' for link, _ll in ends)
                if wanted_up:
                    assert [len(ll) for _link, ll in ends] == [1, 1] and ends[0][1] != ends[1][1]
            elif entry.get('link_local') is False:
                # No IPv6 at all is none too: the kernel keeps none below an MTU of 1280.
                assert all(not ll and (link.get('inet6_addr_gen_mode') == 'none' or
                                       ('inet6_addr_gen_mode' not in link and link['mtu'] < 1280))
                           for link, ll in ends)

    def only_owned_changed(self, pairs, applied, before, after):
        owned = set()
        for entry in pairs:
            owned.update((entry['name'], entry['name'] + 'p'))
        owned.update(o['name'] for o in applied if o['pruned'])
        owned.update(o['name'] + 'p' for o in applied if o['pruned'])
        for line in differences(before, after):
            device = line.split(' ', 3)[2].rstrip(':')
            assert device in owned, 'a device the run does not own changed: %s' % line

    # Interference from outside, as other programs on the host do it.

    def ours(self, kind='netkit', end=None):
        return sorted(name for name, link in self.state[None][0].items()
                      if name.startswith(PREFIX) and link.get('linkinfo', {}).get('info_kind') == kind
                      and (end is None or link['linkinfo'].get('info_data', {}).get('type') == end))

    @rule(action=st.sampled_from(['down', 'mtu', 'delete', 'foreign', 'foreign_go', 'move']), data=st.data())
    def interfere(self, action, data):
        """A link set down, its MTU changed, a pair deleted, a foreign device taking a listed
        name (and going again), a peer moved to another namespace."""
        netkit = self.ours()
        if action == 'foreign':
            name = data.draw(st.sampled_from(NAMES + tuple(name + 'p' for name in NAMES)))
            if name not in self.state[None][0]:
                sh('ip', 'link', 'add', name, 'type', 'dummy')
        elif action == 'foreign_go':
            for name in self.ours('dummy'):
                sh('ip', 'link', 'del', name)
        elif action == 'move' and self.ours(end='peer'):
            peer = data.draw(st.sampled_from(self.ours(end='peer')))
            sh('ip', 'link', 'set', peer, 'netns', self.netns[data.draw(st.sampled_from(['a', 'b']))])
        elif netkit and action in ('down', 'mtu', 'delete'):
            device = data.draw(st.sampled_from(netkit))
            extra = {'down': ['set', device, 'down'], 'delete': ['del', device],
                     'mtu': ['set', device, 'mtu', str(data.draw(st.sampled_from([1280, 1400, 9000, 1000])))]}
            sh('ip', 'link', *extra[action])
        self.state = self.ns.state()

    @invariant()
    def the_bystander_is_untouched(self):
        if hasattr(self, 'state'):
            links = self.state[None][0]
            assert 'zz0' in links and up(links['zz0']) and len(self.state[None][1]['zz0']) == 1


HOST = {}


def test_the_pairs_reconciler_keeps_its_promises():
    """Runs machines until they made TARGET reconcile calls (each run with a new seed)."""
    HOST['ns'] = ns = Namespaces()
    try:
        HOST['netns'] = {'a': ns.peer(), 'b': ns.peer()}
        reconcile([{'name': 'zz0', 'link_local': True}])
        while COUNTS['pairs calls'] < TARGET:
            run_state_machine_as_test(PairsMachine, settings=settings(
                max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None, print_blob=True,
                phases=PHASES, suppress_health_check=list(HealthCheck)))
    finally:
        ns.close()
