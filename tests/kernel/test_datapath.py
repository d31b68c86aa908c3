# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a datapath sets on a pair: MACs, IPv4 offload sizes, queue counts, and single
devices (Linux 7.0+). iproute2 judges what it shows; pairing, which it cannot show, is read
from the kernel's own reply (suite.netkit_pairing)."""

import json
import os
import platform

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_attach import reconcile_attachments
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import read_all_pairs
from suite import LINUX, PIN_ROOT, converge, netkit_info, netkit_pairing, reconcile, sh, up
from test_bpf import params
from test_errors import fails

needs_linux_7 = pytest.mark.skipif(LINUX < (7, 0), reason='single devices and netkit queue rules came with Linux 7.0')
before_linux_7 = pytest.mark.skipif(LINUX >= (7, 0), reason='the kernel has single devices')

MAC = '02:5e:10:00:00:01'
PEER_MAC = '02:5e:10:00:00:02'


def test_macs_are_set_at_creation_and_kept_by_the_kernel(ns):
    outcome = converge(ns, [{'name': 'nk0', 'mode': 'l2', 'address': MAC.upper(), 'peer_address': PEER_MAC}])[0]
    links = ns.links()
    assert links['nk0']['address'] == MAC and links['nk0p']['address'] == PEER_MAC
    assert outcome['after']['address'] == MAC and outcome['after']['peer_address'] == PEER_MAC


def test_macs_change_in_place_while_the_pair_is_up(ns):
    made = reconcile([{'name': 'nk0', 'mode': 'l2', 'link_local': True}])[0]['after']
    outcome = converge(ns, [{'name': 'nk0', 'address': MAC, 'peer_address': PEER_MAC}])[0]
    links = ns.links()
    assert links['nk0']['address'] == MAC and links['nk0p']['address'] == PEER_MAC
    assert up(links['nk0']) and up(links['nk0p'])
    assert outcome['after']['ifindex'] == made['ifindex'] and not outcome['recreated']
    assert outcome['before']['address'] == made['address'] != MAC


def test_an_l3_pair_reports_no_mac_and_refuses_one(ns):
    pair = reconcile([{'name': 'nk0'}])[0]['after']
    assert pair['address'] is None and pair['peer_address'] is None
    fails(ns, [{'name': 'nk0', 'address': MAC}], 'address: netkit devices have MAC addresses in mode l2 only')
    fails(ns, [{'name': 'nk1', 'peer_address': PEER_MAC}], 'peer_address: netkit devices have MAC addresses in mode l2')


def test_ipv4_offload_sizes_are_set_at_creation_and_in_place(ns):
    converge(ns, [{'name': 'nk0', 'gso_ipv4_max_size': 196608, 'gro_ipv4_max_size': 131072}])
    for end in ('nk0', 'nk0p'):
        assert ns.links()[end]['gso_ipv4_max_size'] == 196608 and ns.links()[end]['gro_ipv4_max_size'] == 131072
    outcome = converge(ns, [{'name': 'nk0', 'gso_ipv4_max_size': 65536, 'gro_ipv4_max_size': 524280}])[0]
    for end in ('nk0', 'nk0p'):
        assert ns.links()[end]['gso_ipv4_max_size'] == 65536 and ns.links()[end]['gro_ipv4_max_size'] == 524280
    assert not outcome['recreated']


def test_an_ipv4_size_stays_as_asked_when_the_general_one_drops_to_where_the_kernel_sets_both(ns):
    reconcile([{'name': 'nk0', 'gso_max_size': 196608, 'gso_ipv4_max_size': 131072}])
    converge(ns, [{'name': 'nk0', 'gso_max_size': 65536, 'gso_ipv4_max_size': 131072}])
    assert ns.links()['nk0']['gso_max_size'] == 65536 and ns.links()['nk0']['gso_ipv4_max_size'] == 131072
    # Unasked, the IPv4 size follows, as the kernel sets it.
    outcome = converge(ns, [{'name': 'nk0', 'gso_max_size': 60000}])[0]
    assert ns.links()['nk0p']['gso_ipv4_max_size'] == 60000 and outcome['after']['gso_ipv4_max_size'] == 60000


def test_a_recreation_sets_the_ipv4_size_along_as_a_change_in_place_does(ns):
    reconcile([{'name': 'nk0', 'gso_max_size': 196608, 'gso_ipv4_max_size': 196608}])
    outcome = converge(ns, [{'name': 'nk0', 'mode': 'l2', 'gso_max_size': 60000, 'recreate': True}])[0]
    assert outcome['recreated']
    for end in ('nk0', 'nk0p'):
        assert ns.links()[end]['gso_max_size'] == ns.links()[end]['gso_ipv4_max_size'] == 60000


def test_queue_counts_are_set_at_creation(ns):
    converge(ns, [{'name': 'nk0', 'numrxqueues': 4, 'peer_numrxqueues': 8, 'numtxqueues': 1}])
    links = ns.links()
    assert links['nk0']['num_rx_queues'] == 4 and links['nk0p']['num_rx_queues'] == 8
    assert links['nk0']['num_tx_queues'] == links['nk0p']['num_tx_queues'] == 1


def test_another_queue_count_needs_recreate_which_keeps_the_macs(ns):
    made = reconcile([{'name': 'nk0', 'mode': 'l2', 'address': MAC, 'peer_address': PEER_MAC}])[0]['after']
    fails(ns, [{'name': 'nk0', 'numrxqueues': 2}], 'numrxqueues is 1, the task wants 2')
    outcome = converge(ns, [{'name': 'nk0', 'numrxqueues': 2, 'recreate': True}])[0]
    links = ns.links()
    assert outcome['recreated'] and links['nk0']['ifindex'] != made['ifindex']
    assert links['nk0']['num_rx_queues'] == 2
    assert links['nk0']['address'] == MAC and links['nk0p']['address'] == PEER_MAC


@before_linux_7
def test_a_single_device_before_linux_7_is_refused_before_anything(ns):
    message = 'pairing needs Linux 7.0+; this host runs ' + platform.release()
    # No netkit device on the host: the release decides.
    fails(ns, [{'name': 'nks', 'pairing': 'single'}], message)
    reconcile([{'name': 'nk0'}])
    fails(ns, [{'name': 'nks', 'pairing': 'single'}], message)
    fails(ns, [{'name': 'nk0', 'pairing': 'single', 'recreate': True}], message)
    # What every older kernel makes is a pair, and reads as one.
    assert reconcile([{'name': 'nk0', 'pairing': 'pair'}])[0]['changed'] is False


@needs_linux_7
def test_a_single_device_has_no_peer(ns):
    outcome = converge(ns, [{'name': 'nks', 'pairing': 'single', 'numrxqueues': 8, 'link_local': True}])[0]
    link = ns.links()['nks']
    assert netkit_pairing('nks') == 1 and netkit_info(link)['type'] == 'primary'
    assert link['num_rx_queues'] == 8 and link['num_tx_queues'] == 1 and up(link)
    assert len(ns.link_local()['nks']) == 1
    assert [name for name, other in ns.links().items() if other.get('linkinfo', {}).get('info_kind') == 'netkit'] \
        == ['nks']
    after = outcome['after']
    assert after['pairing'] == 'single' and after['peer_name'] is None and after['peer_ifindex'] is None
    assert after['link_local'] is True and after['up'] is True
    assert [pair['pairing'] for pair in read_all_pairs(['nks'])] == ['single']


@needs_linux_7
def test_pairs_report_their_pairing_on_linux_7(ns):
    reconcile([{'name': 'nk0'}])
    assert netkit_pairing('nk0') == 0 and netkit_pairing('nk0p') == 0
    assert converge(ns, [{'name': 'nk0', 'pairing': 'single', 'recreate': True}])[0]['after']['pairing'] == 'single'


@needs_linux_7
def test_a_pair_becomes_a_single_device_and_back_only_with_recreate(ns):
    blue = ns.peer()
    reconcile([{'name': 'nk0', 'peer_netns': blue, 'policy': 'blackhole', 'mtu': 9000}])
    fails(ns, [{'name': 'nk0', 'pairing': 'single'}], 'pairing is pair, the task wants single')
    fails(ns, [{'name': 'nk0', 'pairing': 'single', 'recreate': True}],
          'netkit pair nk0 has policy blackhole, and a single device only forwards: set policy: forward')
    outcome = converge(ns, [{'name': 'nk0', 'pairing': 'single', 'policy': 'forward', 'recreate': True}])[0]
    assert netkit_pairing('nk0') == 1 and 'nk0p' not in ns.links(blue)
    # What a single device can keep (its MTU) it keeps; the peer it cannot have is gone.
    assert ns.links()['nk0']['mtu'] == 9000 and netkit_info(ns.links()['nk0'])['policy'] == 'forward'
    assert outcome['recreated']
    fails(ns, [{'name': 'nk0'}], 'nk0 is a single netkit device (no peer); set pairing: single to manage it')
    converge(ns, [{'name': 'nk0', 'pairing': 'pair', 'recreate': True}])
    assert netkit_pairing('nk0') == 0 and netkit_info(ns.links()['nk0p'])['type'] == 'peer'


@needs_linux_7
def test_a_single_device_changes_what_it_can_in_place_and_is_deleted(ns):
    made = reconcile([{'name': 'nks', 'pairing': 'single', 'mode': 'l2'}])[0]['after']
    outcome = converge(ns, [{'name': 'nks', 'pairing': 'single', 'mtu': 4000, 'txqueuelen': 500, 'address': MAC,
                             'gso_max_size': 196608, 'up': False}])[0]
    link = ns.links()['nks']
    assert link['mtu'] == 4000 and link['txqlen'] == 500 and link['address'] == MAC
    assert link['gso_max_size'] == 196608 and not up(link)
    assert outcome['after']['ifindex'] == made['ifindex']
    converge(ns, [{'name': 'nks', 'state': 'absent'}])
    assert 'nks' not in ns.links()


@needs_linux_7
def test_the_queue_counts_netkit_refuses_on_linux_7_are_refused_first(ns):
    fails(ns, [{'name': 'nk0', 'numtxqueues': 2}], 'numtxqueues 2: netkit devices have one TX queue')
    fails(ns, [{'name': 'nks', 'pairing': 'single', 'numrxqueues': 1025}], 'numrxqueues 1025: netkit devices take at most 1024')
    converge(ns, [{'name': 'nks', 'pairing': 'single', 'numrxqueues': 1024}])
    assert ns.links()['nks']['num_rx_queues'] == 1024


@needs_linux_7
def test_programs_are_refused_on_a_single_device(ns):
    name = ns.bpf_device()
    reconcile([{'name': name, 'pairing': 'single'}])
    for check_mode in (True, False):
        with pytest.raises(NetkitError) as raised:
            reconcile_attachments(params(name, programs=[{'name': 'observe_primary', 'attach': 'primary'}]), check_mode)
        assert 'is a single netkit device (pairing single), and the kernel attaches no programs' in str(raised.value)
    assert not os.path.exists(os.path.join(PIN_ROOT, name))
    assert not json.loads(sh('bpftool', '-j', 'net', 'show', 'dev', name).stdout or '[]')[0].get('tc')


@needs_linux_7
def test_a_link_the_kernel_refuses_leaves_no_pins(ns, monkeypatch):
    """Past the module's own refusal of single devices, the kernel's (EOPNOTSUPP) is met
    after the maps were pinned: the failed run takes them and its directory away again."""
    name = ns.bpf_device()
    reconcile([{'name': name, 'pairing': 'single'}])
    found = _bpf_attach.resolve_primary
    monkeypatch.setattr(_bpf_attach, 'resolve_primary', lambda *args, **kwargs: dict(found(*args, **kwargs), single=False))
    with pytest.raises(NetkitError) as raised:
        reconcile_attachments(params(name, programs=[{'name': 'observe_primary', 'attach': 'primary'}]), False)
    assert 'Operation not supported' in str(raised.value)
    assert not os.path.exists(os.path.join(PIN_ROOT, name))


@needs_linux_7
def test_absent_leaves_a_device_the_entry_does_not_describe_alone(ns):
    reconcile([{'name': 'nks', 'pairing': 'single'}, {'name': 'nk0'}])
    fails(ns, [{'name': 'nks', 'peer_name': 'nksp', 'state': 'absent'}], 'drop peer_name to delete it')
    fails(ns, [{'name': 'nks', 'pairing': 'pair', 'state': 'absent'}], 'drop pairing to delete it')
    fails(ns, [{'name': 'nk0', 'pairing': 'single', 'state': 'absent'}], 'nk0 is a netkit pair, and this task deletes')
    converge(ns, [{'name': 'nks', 'state': 'absent'}, {'name': 'nk0', 'state': 'absent'}])
    assert 'nks' not in ns.links() and 'nk0' not in ns.links()


@needs_linux_7
def test_a_single_device_becomes_a_pair_only_where_its_peer_can_be(ns):
    reconcile([{'name': 'nks', 'pairing': 'single'}])
    sh('ip', 'link', 'add', 'nksp', 'type', 'dummy')
    fails(ns, [{'name': 'nks', 'pairing': 'pair', 'recreate': True}], 'peer_name nksp is taken: a dummy device')
    fails(ns, [{'name': 'nks', 'pairing': 'pair', 'peer_name': 'nks-ctr', 'peer_netns': 'kt-none', 'recreate': True}],
          "network namespace 'kt-none' does not exist")
    assert netkit_pairing('nks') == 1
