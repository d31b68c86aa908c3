#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: netkit_bpf
short_description: Attach eBPF programs to the hooks of a netkit pair, pinned so they stay
version_added: 0.1.0
description:
  - Loads programs from a compiled BPF object on the target and attaches them to the V(primary) or
    V(peer) hook of a netkit pair with libbpf, through BPF links pinned in bpffs, so the attachment
    outlives the module. Each hook of a pair takes one program managed by this module (per O(pin_path)).
  - A V(primary) program runs on the packets the primary sends (towards the peer); a V(peer) program on
    the packets the peer sends (back towards the primary). Both attach through the primary.
  - Idempotent by program tag, the hash the kernel computes over a program's instructions. A different
    program for a hook is swapped into the hook's link in place, so the hook is never without a program.
  - The object's maps are pinned beside the links (C(map_<name>)) and reused when the programs are swapped,
    so counters survive a swap.
  - bpffs is mounted on C(/sys/fs/bpf), mode 0700, when it is not.
author:
  - xcnf.netkit contributors (@cassamajor)
requirements:
  - Linux 6.7 or newer with C(CONFIG_NETKIT) on the target.
  - libbpf 1.3 or newer on the target (Debian/Ubuntu C(libbpf1)), and pyroute2 for the device lookup.
  - Root (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN for the mount).
extends_documentation_fragment:
  - xcnf.netkit.attributes
  - xcnf.netkit.attributes.lock
attributes:
  check_mode:
    support: full
    details: Check mode loads the object into the kernel to learn the programs' tags, then unloads it.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  device:
    description:
      - The netkit pair, named by its primary or, when both ends are in this namespace, its peer.
      - An interface name (at most 15 bytes, no C(/), C(%), C(:), whitespace, C(.) or C(..)); a path is refused.
      - A single netkit device (C(pairing=single), Linux 7.0+) is refused with O(state=present) before anything
        is loaded or pinned, since the kernel attaches no programs to one.
      - With O(state=absent) a device that does not exist is not an error; pins left under the default
        O(pin_path) of a primary of that name (links of a deleted pair) are removed.
    type: str
    required: true
  object:
    description:
      - Path on the target of the compiled BPF object (C(clang -target bpf)). Required with O(state=present).
      - It must be a regular file owned by root and writable by root only, in directories only root can
        change (a directory others can write must be sticky, as C(/tmp) is), since root loads what it holds, check
        mode too.
    type: path
  programs:
    description:
      - The programs to attach, by their function names in the object.
      - Required with O(state=present). With O(state=absent), the hooks to clear; all when omitted.
    type: list
    elements: dict
    suboptions:
      name:
        description: The program's name (its C function).
        type: str
        required: true
      attach:
        description: The hook.
        type: str
        choices: [primary, peer]
        required: true
  state:
    description:
      - V(present) attaches (or swaps in) the programs; V(absent) unpins the hooks' links, which detaches
        them, and once no link is left unpins the maps and removes the pin directory.
      - Only what this module pins (C(link_primary), C(link_peer), C(map_*)) is ever removed; a directory
        with anything else in it stays.
    type: str
    choices: [present, absent]
    default: present
  pin_path:
    description:
      - bpffs directory for the pins. Defaults to C(/sys/fs/bpf/xcnf-netkit/<primary>), created mode 0700.
      - Must be a directory below C(/sys/fs/bpf), written without C(..), C(.) or a trailing C(/) (bpffs
        refuses names with a dot).
      - A directory on the way that is a link, or that a user other than root owns or can write, is
        refused; so is C(/sys/fs/bpf) mounted writable by others without the sticky bit.
    type: path
seealso:
  - module: xcnf.netkit.netkit_pair
"""

EXAMPLES = r"""
- name: Observe the IPv6 traffic of nk0 in both directions
  xcnf.netkit.netkit_bpf:
    device: nk0
    object: /usr/local/lib/bpf/ipv6_observer.bpf.o
    programs:
      - {name: observe_primary, attach: primary}
      - {name: observe_peer, attach: peer}

- name: Detach everything this collection attached to nk0
  xcnf.netkit.netkit_bpf:
    device: nk0
    state: absent
"""

RETURN = r"""
attachments:
  description: What runs on each hook after the task (in check mode, would run); null for an empty hook.
  returned: always
  type: dict
  contains:
    primary:
      description: The primary hook's attachment.
      type: dict
      contains:
        program:
          description: Program name (the kernel keeps 15 characters).
          type: str
        tag:
          description: The program's tag.
          type: str
        program_id:
          description: The kernel's id of the program.
          type: int
        link_id:
          description: The kernel's id of the link (absent in check mode for a new attachment).
          type: int
        link_pin:
          description: Path of the pinned link.
          type: str
        ifindex:
          description:
            - Interface index of the end whose packets the program sees (for the peer hook, the peer's
              index in its namespace).
          type: int
    peer:
      description: The peer hook's attachment, as above.
      type: dict
  sample:
    primary: {program: observe_primary, tag: 5b3c1f2e8d6a4c90, program_id: 41, link_id: 7,
              link_pin: /sys/fs/bpf/xcnf-netkit/nk0/link_primary, ifindex: 12}
    peer: null
pin_path:
  description: The bpffs directory of the pins.
  returned: always
  type: str
  sample: /sys/fs/bpf/xcnf-netkit/nk0
map_pins:
  description: Paths of the object's pinned maps.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [/sys/fs/bpf/xcnf-netkit/nk0/map_counters]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xcnf.netkit.plugins.module_utils._module_errors import run_or_fail
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_attach import diff_view, reconcile_attachments


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='str', required=True),
            object=dict(type='path'),
            programs=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                attach=dict(type='str', choices=['primary', 'peer'], required=True),
            )),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            pin_path=dict(type='path'),
        ),
        required_if=[('state', 'present', ('object', 'programs'))],
        supports_check_mode=True,
    )
    outcome = run_or_fail(module, reconcile_attachments, module.params, module.check_mode)
    module.exit_json(
        changed=outcome['changed'],
        attachments=outcome['after'],
        pin_path=outcome['pin_path'],
        map_pins=outcome['map_pins'],
        diff={'before': diff_view(outcome['before']), 'after': diff_view(outcome['after'])},
    )


if __name__ == '__main__':
    main()
