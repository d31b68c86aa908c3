# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot unit's restore (the role's netkit_persistent) on the real kernel: what a host
comes up with from the role's state file, judged by iproute2 and bpftool. The reboot itself
(the unit, its ordering) is the role scenario's (molecule/role)."""

import json
import os

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach
from ansible_collections.xcnf.netkit.plugins.module_utils._boot import NETNS_MARKER, Restore, read_state
from suite import reconcile, unique
from test_bpf import BOTH, OBSERVER, attached, params


def restore(state):
    """(failures, log lines) of one restore from state, as the unit runs it."""
    lines = []
    failures = Restore(lines.append).run(*read_state(json.dumps(state)))
    return failures, lines


def boot_state(ns, peer_netns):
    """A state file as the role writes it: a pair with programs and its peer in a namespace
    of its own, an L2 pair with values as YAML may give them (strings)."""
    with_programs, plain = ns.bpf_device(), unique('nk')
    return {'version': 1, 'netns': [peer_netns],
            'pairs': [{'name': with_programs, 'peer_netns': peer_netns, 'link_local': True},
                      {'name': plain, 'mode': 'l2', 'mtu': '9000', 'peer_mtu': 9000, 'up': 'yes'}],
            'bpf': [{'device': with_programs, 'object': OBSERVER, 'programs': BOTH}]}


def new_netns(ns):
    """A namespace name the restore is to make; the test deletes it and its marker."""
    name = unique('kb')
    ns.peers.append(name)
    return name


def forget_marker(name):
    if os.path.exists(NETNS_MARKER + name):
        os.unlink(NETNS_MARKER + name)


def test_restore_brings_back_namespaces_pairs_and_programs(ns):
    peer_netns = new_netns(ns)
    state = boot_state(ns, peer_netns)
    with_programs, plain = (pair['name'] for pair in state['pairs'])
    try:
        failures, lines = restore(state)
        assert failures == 0, lines
        assert os.path.exists(NETNS_MARKER + peer_netns), 'the namespace made is not marked as the role\'s'
        links, peer_links = ns.links(), ns.links(peer_netns)
        assert 'UP' in links[with_programs]['flags'] and 'UP' in peer_links[with_programs + 'p']['flags']
        assert links[plain]['linkinfo']['info_data']['mode'] == 'l2'
        assert links[plain]['mtu'] == links[plain + 'p']['mtu'] == 9000
        assert len([a for a in ns.link_local()[with_programs] if a.startswith('fe80:')]) == 1
        assert len([a for a in ns.link_local(peer_netns)[with_programs + 'p'] if a.startswith('fe80:')]) == 1
        programs = attached(with_programs)
        assert sorted(programs) == ['observe_peer', 'observe_primary']

        # The role's next converge finds nothing to do, and so does the unit started again.
        settled = ns.state()
        entries = read_state(json.dumps(state))[1]
        assert not any(outcome['changed'] for outcome in reconcile(entries))
        assert not _bpf_attach.reconcile_attachments(params(with_programs), False)['changed']
        failures, lines = restore(state)
        assert failures == 0, lines
        assert '0 pairs made again, 2 as they were' in lines
        assert attached(with_programs) == programs
        assert ns.state() == settled
    finally:
        forget_marker(peer_netns)


def test_a_pair_whose_programs_fail_stays_down_and_the_rest_comes_back(ns, tmp_path):
    peer_netns = new_netns(ns)
    state = boot_state(ns, peer_netns)
    with_programs, plain = (pair['name'] for pair in state['pairs'])
    state['bpf'][0]['object'] = str(tmp_path / 'gone.bpf.o')
    try:
        failures, lines = restore(state)
        assert failures == 1
        assert [line for line in lines if line.startswith('the programs of %s (it stays down): ' % with_programs)]
        links = ns.links()
        assert 'UP' not in links[with_programs]['flags']
        assert 'UP' in links[plain]['flags']
        assert attached(with_programs) == {}
        assert not os.path.exists('/sys/fs/bpf/xcnf-netkit/' + with_programs)
    finally:
        forget_marker(peer_netns)


def test_an_existing_namespace_is_used_and_not_claimed(ns):
    peer_netns = ns.peer()
    state = boot_state(ns, peer_netns)
    failures, lines = restore(state)
    assert failures == 0, lines
    assert not os.path.exists(NETNS_MARKER + peer_netns)
    assert state['pairs'][0]['name'] + 'p' in ns.links(peer_netns)
