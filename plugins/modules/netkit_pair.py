#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: netkit_pair
short_description: Create, reconcile and delete Linux netkit device pairs
version_added: 0.1.0
description:
  - Makes a netkit pair on the target host what the task says, through netlink (pyroute2), and
    reports the pair as the kernel has it afterwards.
  - A netkit pair (Linux 6.7+) is two connected network devices, the I(primary) and its I(peer),
    like a veth pair, whose traffic eBPF programs can steer without leaving the kernel's fast path.
  - Only the settings a task sets are compared; omitted ones are left as they are on an existing
    pair, and take the kernel's defaults on a new one.
  - O(pairing), O(mode), O(scrub), O(peer_scrub), O(headroom), O(tailroom) and the queue counts
    (O(numrxqueues), O(numtxqueues) and the peer's) are fixed by the kernel when it creates the pair.
    When they differ on a live pair the task fails, naming the setting and both values, unless
    O(recreate=true).
  - Older kernels ignore settings they do not know. The module reads the pair back after creating it
    and fails (deleting the pair it made) when the kernel did not apply a setting.
  - If creating or configuring a new pair fails halfway, the module deletes that pair again (by its
    interface index, never by name) and reports the original error. If a change to an existing pair
    fails halfway, the module puts back what it had changed (up or down, MTUs, MACs, queue lengths, offload
    sizes, policies, address generation mode, the peer's namespace).
author:
  - xcnf.netkit contributors (@cassamajor)
extends_documentation_fragment:
  - xcnf.netkit.attributes
  - xcnf.netkit.attributes.pairs
  - xcnf.netkit.attributes.lock
options:
  name:
    description:
      - Name of the primary device, at most 15 bytes, without C(/), C(:), C(%) (the kernel would
        expand it), whitespace or control characters, and not C(.) or C(..).
    type: str
    required: true
  peer_name:
    description:
      - Name of the peer device, at most 15 bytes.
      - Defaults to O(name) with V(p) appended (V(nk0) gets the peer V(nk0p)); then O(name) can have at
        most 14 bytes.
      - An existing pair whose peer has another name is never changed; the task fails instead.
    type: str
  state:
    description:
      - V(present) creates the pair or brings it in line; V(absent) deletes it (both ends go together).
      - A device called O(name) that is not a netkit primary is never deleted or changed.
    type: str
    choices: [present, absent]
    default: present
  pairing:
    description:
      - V(pair) makes two devices, the primary and its peer. V(single) (Linux 7.0+) makes one netkit device
        without a peer, for AF_XDP and zero-copy RX queues leased from a physical NIC.
      - A single device forwards (O(policy) can only be V(forward)), has no scrub setting, and takes no
        eBPF programs (M(xcnf.netkit.netkit_bpf) refuses it). Every peer option (O(peer_name), O(peer_netns),
        O(peer_policy), O(scrub), O(peer_scrub), O(peer_mtu), O(peer_txqueuelen), O(peer_address),
        O(peer_numrxqueues), O(peer_numtxqueues)) is refused with it.
      - Omitted means a pair on a new device; an existing single device is only managed by a task that says
        V(single) (or V(pair) with O(recreate=true)). Fixed at creation.
      - Kernels before 7.0 make pairs only, and report V(pair); V(single) there fails before anything changes.
    type: str
    choices: [pair, single]
  mode:
    description:
      - V(l3) hands packets on at the IP layer; the devices have no MAC address and no ARP.
      - V(l2) makes Ethernet devices with random MAC addresses (O(address) sets them).
      - The kernel's default when creating is V(l3). Fixed at creation.
    type: str
    choices: [l2, l3]
  scrub:
    description:
      - Whether the kernel clears packet metadata (mark, priority) on packets the primary receives
        from the peer. V(default) clears it, V(none) keeps it for the programs and stack behind.
      - Needs Linux 6.12 or newer (6.13 upstream, backported). Fixed at creation.
    type: str
    choices: [default, none]
  peer_scrub:
    description:
      - As O(scrub), for packets the peer receives.
    type: str
    choices: [default, none]
  headroom:
    description:
      - Bytes of headroom the kernel reserves in packets for both ends. Needs Linux 6.14 or newer.
        Fixed at creation.
    type: int
  tailroom:
    description:
      - Bytes of tailroom, as O(headroom).
    type: int
  numrxqueues:
    description:
      - Number of receive queues of the primary (1 to 4096), fixed at creation. From Linux 7.0 on, netkit
        takes at most 1024, which a peer or single device can lease from a physical NIC's queues (leasing
        itself is not part of this collection, see the README).
    type: int
  peer_numrxqueues:
    description:
      - As O(numrxqueues), for the peer.
    type: int
  numtxqueues:
    description:
      - Number of transmit queues of the primary, fixed at creation. Linux 7.0 and newer give netkit devices
        one TX queue and refuse any other number (the module refuses it first); older kernels take 1 to 4096.
    type: int
  peer_numtxqueues:
    description:
      - As O(numtxqueues), for the peer.
    type: int
  policy:
    description:
      - What the primary does with packets when no eBPF program decides. V(forward) passes them on,
        V(blackhole) drops them. The kernel's default is V(forward). Changes in place.
    type: str
    choices: [forward, blackhole]
  peer_policy:
    description:
      - As O(policy), for the peer.
    type: str
    choices: [forward, blackhole]
  address:
    description:
      - MAC address of the primary in V(l2) mode, such as V(02:00:5e:10:00:01); unicast, not all zero;
        upper or lower case, colons or dashes. Changes in place, even while the pair is up.
      - Without it the kernel gives each end a random MAC, which udev's C(MACAddressPolicy=persistent) may
        rewrite on hosts that run udev rules for all devices; datapaths such as Cilium set random MACs and
        keep them to avoid that.
      - Refused in V(l3) mode, where netkit devices have no MAC.
      - Quote it in YAML. Unquoted, a MAC of decimal digits such as C(52:54:00:12:34:56) is read as a number,
        which the module refuses with a hint.
    type: str
  peer_address:
    description:
      - As O(address), for the peer; it must differ from O(address).
    type: str
  mtu:
    description:
      - MTU of the primary (68 to 65535). The kernel does not keep the two ends' MTUs in step.
    type: int
  peer_mtu:
    description:
      - MTU of the peer.
    type: int
  txqueuelen:
    description:
      - Transmit queue length of the primary, in packets (0 to 4294967295). The kernel makes netkit
        devices with 1000 (what Cilium sets). Changes in place.
    type: int
  peer_txqueuelen:
    description:
      - As O(txqueuelen), for the peer.
    type: int
  gso_max_size:
    description:
      - The largest packet, in bytes, the stack builds for segmentation offload on both ends (one setting
        for both, as datapaths set it for BIG TCP). The kernel's default is 65536; above it, IPv6 traffic
        can use BIG TCP. At most the devices' C(tso_max_size) (524280 on Linux 6.12); a larger value fails
        before anything changes. Changes in place.
      - At or below 65536 the kernel sets the IPv4 limit (O(gso_ipv4_max_size)) to the same value; set that
        one too for BIG TCP over IPv4 (Linux 6.3+, so every kernel with netkit).
      - The pair reports it as null when the two ends differ (set by something else).
    type: int
  gro_max_size:
    description:
      - As O(gso_max_size), for receive offload (1 to 524280). Changes in place.
    type: int
  gso_ipv4_max_size:
    description:
      - As O(gso_max_size), for IPv4 packets (BIG TCP over IPv4), on both ends. Changes in place.
    type: int
  gro_ipv4_max_size:
    description:
      - As O(gro_max_size), for IPv4 packets, on both ends. Changes in place.
    type: int
  up:
    description:
      - Whether both ends are administratively up.
    type: bool
    default: true
  peer_netns:
    description:
      - Name of the network namespace (as listed by C(ip netns list)) the peer lives in; the primary
        stays in the namespace the module runs in.
      - The namespace must exist already. A peer that moves loses its addresses and comes back up
        as O(up) says.
      - Omit it to create the peer beside the primary and to leave an existing peer where it is.
    type: str
  link_local:
    description:
      - V(true) gives each end one IPv6 link-local address (C(fe80::/64)) with a random 64-bit
        interface ID, distinct on the two ends. The kernel makes it (C(addrgenmode random)), keeps it
        across a link down/up, and re-runs never add a second one.
      - V(false) gives the ends no IPv6 link-local address at all (C(addrgenmode none)).
      - Omit it to leave the kernel's default. Note that in V(l3) mode that default gives both ends the
        same address, C(fe80::200:ff:fe00:0), which does not reach the other end.
      - Switching it on a pair that is up takes both ends down for a moment.
      - IPv6 needs an MTU of 1280 or more, so V(true) with a smaller O(mtu) or O(peer_mtu) (asked, or the
        pair's) is refused. Below 1280 the kernel keeps no IPv6 on an end, which reads as V(false).
    type: bool
  recreate:
    description:
      - When a setting fixed at creation differs on a live pair, V(true) deletes and re-creates the pair
        (traffic through it stops meanwhile, attached eBPF programs go with it); V(false) fails.
      - The new pair keeps the old one's settings the task does not set (peer namespace, MTUs, MACs, queue
        lengths and counts, offload sizes, policies, link-local addresses, up or down). A pair re-created as a
        single device keeps nothing of its peer; one re-created in V(l3) mode keeps no MACs.
      - A setting the running kernel cannot hold (for example O(headroom) before Linux 6.14) fails before
        the old pair is deleted.
    type: bool
    default: false
notes:
  - The module never runs a shell or a command; it speaks netlink to the kernel.
seealso:
  - module: xcnf.netkit.netkit_pair_info
  - name: netkit in the kernel documentation
    description: The netkit device.
    link: https://docs.kernel.org/networking/netkit.html
"""

EXAMPLES = r"""
- name: A pair nk0/nk0p with link-local addresses, the peer in the netns blue
  xcnf.netkit.netkit_pair:
    name: nk0
    peer_netns: blue
    link_local: true

- name: An L2 pair that keeps packet metadata, with a named peer
  xcnf.netkit.netkit_pair:
    name: web0
    peer_name: web0-ctr
    mode: l2
    scrub: none
    peer_scrub: none
    mtu: 9000
    peer_mtu: 9000

- name: What Cilium sets on an L2 pair, declared (BIG TCP, pinned MACs)
  xcnf.netkit.netkit_pair:
    name: lxc0
    peer_name: lxc0-ctr
    mode: l2
    scrub: none
    peer_policy: blackhole
    address: 02:5e:10:00:00:01
    peer_address: 02:5e:10:00:00:02
    txqueuelen: 1000
    peer_txqueuelen: 1000
    gso_max_size: 196608
    gro_max_size: 196608
    gso_ipv4_max_size: 196608
    gro_ipv4_max_size: 196608

- name: A single netkit device with 8 RX queues (Linux 7.0+)
  xcnf.netkit.netkit_pair:
    name: nkxsk0
    pairing: single
    numrxqueues: 8

- name: Drop everything the peer sends until a program says otherwise
  xcnf.netkit.netkit_pair:
    name: nk0
    peer_policy: blackhole

- name: Switch an existing pair to L2, re-creating it
  xcnf.netkit.netkit_pair:
    name: nk0
    mode: l2
    recreate: true

- name: Delete the pair
  xcnf.netkit.netkit_pair:
    name: nk0
    state: absent
"""

RETURN = r"""
pair:
  description:
    - The pair as the kernel has it after the task; in check mode, as it would be.
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the primary.
      type: str
      sample: nk0
    ifindex:
      description: Interface index of the primary.
      type: int
      sample: 12
    pairing:
      description: V(pair), or V(single) for a device without a peer (Linux 7.0+).
      type: str
      sample: pair
    peer_name:
      description: Name of the peer; null for a single device.
      type: str
      sample: nk0p
    peer_ifindex:
      description: Interface index of the peer, in its namespace; null for a single device.
      type: int
      sample: 11
    peer_netns:
      description: Network namespace of the peer; null when it is beside the primary.
      type: str
      sample: blue
    mode:
      description: V(l3) or V(l2).
      type: str
      sample: l3
    policy:
      description: The primary's policy.
      type: str
      sample: forward
    peer_policy:
      description: The peer's policy.
      type: str
      sample: forward
    scrub:
      description: The primary's scrub setting; null where the kernel does not report it (before 6.12).
      type: str
      sample: default
    peer_scrub:
      description: The peer's scrub setting.
      type: str
      sample: default
    headroom:
      description: Headroom in bytes; null where the kernel does not report it (before 6.14).
      type: int
      sample: null
    tailroom:
      description: Tailroom in bytes; null where the kernel does not report it.
      type: int
      sample: null
    numrxqueues:
      description: Receive queues of the primary.
      type: int
      sample: 1
    peer_numrxqueues:
      description: Receive queues of the peer.
      type: int
      sample: 1
    numtxqueues:
      description: Transmit queues of the primary.
      type: int
      sample: 1
    peer_numtxqueues:
      description: Transmit queues of the peer.
      type: int
      sample: 1
    address:
      description: MAC address of the primary; null in V(l3) mode, where netkit devices have none.
      type: str
      sample: 02:5e:10:00:00:01
    peer_address:
      description: MAC address of the peer.
      type: str
      sample: 02:5e:10:00:00:02
    mtu:
      description: MTU of the primary.
      type: int
      sample: 1500
    peer_mtu:
      description: MTU of the peer.
      type: int
      sample: 1500
    txqueuelen:
      description: Transmit queue length of the primary.
      type: int
      sample: 1000
    peer_txqueuelen:
      description: Transmit queue length of the peer.
      type: int
      sample: 1000
    gso_max_size:
      description: The GSO size limit of both ends; null when they differ.
      type: int
      sample: 65536
    gro_max_size:
      description: The GRO size limit of both ends; null when they differ.
      type: int
      sample: 65536
    gso_ipv4_max_size:
      description: The GSO size limit of both ends for IPv4; null when they differ.
      type: int
      sample: 65536
    gro_ipv4_max_size:
      description: The GRO size limit of both ends for IPv4; null when they differ.
      type: int
      sample: 65536
    up:
      description:
        - V(true) when both ends are administratively up, V(false) when both are down, null when one
          end is up and the other down.
      type: bool
      sample: true
    link_local:
      description:
        - V(true) when both ends have (or, while down, will get) one random link-local address,
          V(false) when neither has or gets one, null for anything else (such as the kernel's default).
      type: bool
      sample: true
    addresses:
      description: IPv6 link-local addresses of the primary.
      type: list
      elements: str
      sample: [fe80::991c:f047:9e3f:4f95]
    peer_addresses:
      description: IPv6 link-local addresses of the peer.
      type: list
      elements: str
      sample: [fe80::7c10:f58c:21cb:eb1d]
    addrgenmode:
      description: The primary's IPv6 address generation mode.
      type: str
      sample: random
    peer_addrgenmode:
      description: The peer's IPv6 address generation mode.
      type: str
      sample: random
recreated:
  description: Whether the pair was (or in check mode would be) deleted and created again.
  returned: always
  type: bool
  sample: false
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xcnf.netkit.plugins.module_utils._module_errors import fail_without_pyroute2, run_or_fail
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import PAIR_ARGUMENT_SPEC
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import diff_view
from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import reconcile_pairs


def main():
    module = AnsibleModule(
        argument_spec=PAIR_ARGUMENT_SPEC,
        supports_check_mode=True,
    )
    fail_without_pyroute2(module)
    outcome = run_or_fail(module, reconcile_pairs, [module.params], module.check_mode)[0]
    module.exit_json(
        changed=outcome['changed'],
        pair=outcome['after'] or {},
        recreated=outcome['recreated'],
        diff={'before': diff_view(outcome['before']), 'after': diff_view(outcome['after'])},
    )


if __name__ == '__main__':
    main()
