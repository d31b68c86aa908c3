#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: netkit_pair_info
short_description: List the netkit pairs of a host
version_added: 0.1.0
description:
  - Lists the netkit pairs whose primary is in the network namespace the module runs in, with the
    same facts M(xcnf.netkit.netkit_pair) returns.
  - On a kernel without netkit it reports no pairs and O(ignore:supported=false) instead of failing.
author:
  - xcnf.netkit contributors (@cassamajor)
requirements:
  - Python 3.9 or newer on the target, and nothing else (it reads the kernel over netlink itself,
    without pyroute2).
extends_documentation_fragment:
  - xcnf.netkit.attributes
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: N/A
  idempotent:
    support: full
options:
  names:
    description:
      - Report only the pairs whose primary has one of these names. All pairs when omitted.
    type: list
    elements: str
seealso:
  - module: xcnf.netkit.netkit_pair
"""

EXAMPLES = r"""
- name: Read every netkit pair
  xcnf.netkit.netkit_pair_info:
  register: netkit

- name: Show the peer's link-local address of nk0
  ansible.builtin.debug:
    msg: "{{ (netkit.pairs | selectattr('name', 'equalto', 'nk0') | first).peer_addresses }}"
"""

RETURN = r"""
supported:
  description: Whether the kernel is new enough for netkit (Linux 6.7+).
  returned: always
  type: bool
  sample: true
kernel:
  description: The kernel release of the host.
  returned: always
  type: str
  sample: 6.12.117+deb13-cloud-amd64
pairs:
  description:
    - The pairs, sorted by the primary's name, each as the C(pair) that M(xcnf.netkit.netkit_pair)
      returns (name, ifindex, pairing, peer_name, peer_ifindex, peer_netns, mode, policy, peer_policy,
      scrub, peer_scrub, headroom, tailroom, numrxqueues, peer_numrxqueues, numtxqueues,
      peer_numtxqueues, address, peer_address, mtu, peer_mtu, txqueuelen, peer_txqueuelen,
      gso_max_size, gro_max_size, gso_ipv4_max_size, gro_ipv4_max_size, up, link_local, addresses,
      peer_addresses, addrgenmode, peer_addrgenmode).
    - A single netkit device (pairing V(single), Linux 7.0+) is listed too, with its peer_* facts
      null and its peer_addresses empty.
    - A peer in a namespace without a name under C(/run/netns) shows as C(nsid:N), with its own
      facts null.
  returned: always
  type: list
  elements: dict
  sample:
    - name: nk0
      ifindex: 12
      pairing: pair
      peer_name: nk0p
      peer_ifindex: 11
      peer_netns: blue
      mode: l3
      policy: forward
      peer_policy: forward
      scrub: default
      peer_scrub: default
      headroom: null
      tailroom: null
      numrxqueues: 1
      peer_numrxqueues: 1
      numtxqueues: 1
      peer_numtxqueues: 1
      address: null
      peer_address: null
      mtu: 1500
      peer_mtu: 1500
      txqueuelen: 1000
      peer_txqueuelen: 1000
      gso_max_size: 65536
      gro_max_size: 65536
      gso_ipv4_max_size: 65536
      gro_ipv4_max_size: 65536
      up: true
      link_local: true
      addresses: [fe80::991c:f047:9e3f:4f95]
      peer_addresses: [fe80::7c10:f58c:21cb:eb1d]
      addrgenmode: random
      peer_addrgenmode: random
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xcnf.netkit.plugins.module_utils._module_errors import run_or_fail
from ansible_collections.xcnf.netkit.plugins.module_utils._netkit_kind import (
    NETKIT_MIN_KERNEL,
    kernel_release,
    kernel_version,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import read_all_pairs


def main():
    module = AnsibleModule(
        argument_spec=dict(names=dict(type='list', elements='str')),
        supports_check_mode=True,
    )
    supported = kernel_version() >= NETKIT_MIN_KERNEL
    pairs = run_or_fail(module, read_all_pairs, module.params['names']) if supported else []
    module.exit_json(changed=False, supported=supported, kernel=kernel_release(), pairs=pairs)


if __name__ == '__main__':
    main()
