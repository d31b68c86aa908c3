#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: netkit_bpf_info
short_description: Read what netkit_bpf attached to a pair, the IPv6 observer's counters and its events
version_added: 0.1.0
description:
  - Reports everything attached to a pair's hooks in the order it runs, which of it M(xcnf.netkit.netkit_bpf)
    attached (pinned in O(pin_path)) and which other tools did, the shipped IPv6 observer's
    packet and byte counters per direction, and, with O(watch), the IPv6 events the observer puts in its
    ring buffer during that many seconds.
  - Reading events consumes them from the ring buffer, as any reader of a ring buffer does.
author:
  - xcnf.netkit contributors (@cassamajor)
requirements:
  - libbpf 1.3 or newer on the target; root. It does not use pyroute2.
extends_documentation_fragment:
  - xcnf.netkit.attributes
attributes:
  check_mode:
    support: full
    details: The module changes nothing, apart from consuming the events it returns.
  diff_mode:
    support: N/A
  idempotent:
    support: N/A
    details: It reports counters and events, which change with traffic.
options:
  device:
    description:
      - The netkit pair, by its primary (or a peer in the same namespace). Needed unless O(pin_path) is set.
    type: str
  pin_path:
    description:
      - The pin directory given to M(xcnf.netkit.netkit_bpf), below C(/sys/fs/bpf). Defaults to
        C(/sys/fs/bpf/xcnf-netkit/<primary>).
    type: path
  watch:
    description:
      - Seconds to read events for, at most V(3600); V(0) reads none.
      - Watching holds no lock, so runs that change pairs meanwhile do not wait for it.
    type: float
    default: 0
  max_events:
    description:
      - Stop reading after this many events.
    type: int
    default: 100
  counters_map:
    description:
      - Name of the counters map in the object (pinned as C(map_<name>)), of letters, digits and C(_), at most 15.
    type: str
    default: counters
  events_map:
    description:
      - Name of the ring buffer map in the object, as O(counters_map).
    type: str
    default: ipv6_events
seealso:
  - module: xcnf.netkit.netkit_bpf
"""

EXAMPLES = r"""
- name: Read nk0's counters and watch its IPv6 traffic for five seconds
  xcnf.netkit.netkit_bpf_info:
    device: nk0
    watch: 5
  register: observed

- name: Show them
  ansible.builtin.debug:
    msg: "{{ observed.counters }} {{ observed.events[:3] }}"
"""

RETURN = r"""
attachments:
  description:
    - The collection's links in the pin directory on each hook, in the order they run, as M(xcnf.netkit.netkit_bpf)
      returns them.
  returned: always
  type: dict
  sample:
    primary: [{name: observe_primary, program: observe_primary, tag: 7b9b29dcce69318b, program_id: 42, link_id: 5,
               digest: 3d1f0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e,
               link_pin: /sys/fs/bpf/xcnf-netkit/nk0/link_primary_observe_primary}]
    peer: []
hooks:
  description:
    - Everything attached to each hook of the pair in the kernel's order, the collection's links and other tools'
      programs alike, as M(xcnf.netkit.netkit_bpf) returns it (C(owned) says whose).
    - Null when only O(pin_path) is given, without O(device).
  returned: always
  type: dict
  sample:
    primary:
      - {program: observe_primary, program_id: 42, tag: 7b9b29dcce69318b, link_id: 5, owned: true,
         link_pin: /sys/fs/bpf/xcnf-netkit/nk0/link_primary_observe_primary}
      - {program: cil_from_contai, program_id: 12, tag: 0a1b2c3d4e5f6071, link_id: 3, owned: false, link_pin: null}
    peer: []
pin_path:
  description: The pin directory read.
  returned: always
  type: str
  sample: /sys/fs/bpf/xcnf-netkit/nk0
counters:
  description: Packets and bytes per direction; null when no counters map is pinned.
  returned: always
  type: dict
  sample: {to_peer: {packets: 3, bytes: 354}, from_peer: {packets: 4, bytes: 424}}
events:
  description: IPv6 packets seen, oldest first.
  returned: always
  type: list
  elements: dict
  sample:
    - {source: "fe80::7701:46fa:4ad6:b69", destination: "fe80::de0d:4c07:4a03:61ee", next_header: 58,
       payload_length: 64, hop_limit: 64, direction: to_peer}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xcnf.netkit.plugins.module_utils._module_errors import run_or_fail
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_observer import read_observer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='str'),
            pin_path=dict(type='path'),
            watch=dict(type='float', default=0),
            max_events=dict(type='int', default=100),
            counters_map=dict(type='str', default='counters'),
            events_map=dict(type='str', default='ipv6_events'),
        ),
        required_one_of=[('device', 'pin_path')],
        supports_check_mode=True,
    )
    observed = run_or_fail(module, read_observer, module.params)
    module.exit_json(changed=False, **observed)


if __name__ == '__main__':
    main()
