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
    outlives the module.
  - A V(primary) program runs on the packets the primary sends (towards the peer); a V(peer) program on
    the packets the peer sends (back towards the primary). Both attach through the primary.
  - Each hook runs the programs listed for it one after another, in the order listed, at the place
    O(placement) gives them among the programs other tools attached (Cilium, an observer, another
    O(pin_path)). Those are never detached, swapped or moved; they are reported in RV(hooks).
  - Idempotent by content. A link is up to date when its program was loaded from the same instructions
    and the same initial contents of the object's own maps it reads (C(.rodata), C(.data), C(.bss)), since the
    kernel's tag alone leaves out a rebuilt constant. What each link was loaded from is recorded beside its
    pin (C(source_<hook>_<program>), a one-element map) and compared on every run.
  - A changed program is swapped into its link in place (the hook is never without it), and only if the
    link still runs the program that was read. A program that must move is attached at its new place
    before its old link is detached, so it runs twice for a moment rather than not at all.
  - Every attach expects the hook's revision as read. When another writer attached or detached a program
    on the hook meanwhile, the kernel refuses it (ESTALE), the task fails saying so, and what the run had
    attached or swapped is undone.
  - The object's maps are pinned beside the links (C(map_<name>)) and reused when the programs are swapped,
    so counters survive a swap.
  - bpffs is mounted on C(/sys/fs/bpf), mode 0700, when it is not.
author:
  - xcnf.netkit contributors (@cassamajor)
requirements:
  - Linux 6.7 or newer with C(CONFIG_NETKIT) on the target.
  - libbpf 1.3 or newer on the target (Debian/Ubuntu C(libbpf1)). It does not use pyroute2.
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
      - The programs to attach, by their function names in the object. The order of the programs listed for
        one hook is the order they run in; a program may be listed for both hooks, once each.
      - Required with O(state=present). A hook not listed is left as it is. With O(state=absent), the hooks to
        clear; all when omitted.
      - A program of this collection's on a listed hook that the list no longer names is detached.
      - A hook holds at most 63 programs (the kernel's limit), counting other tools' programs and, for a
        moment, a program that moves twice; more is refused before anything changes.
    type: list
    elements: dict
    suboptions:
      name:
        description: The program's name (its C function), of letters, digits and C(_).
        type: str
        required: true
      attach:
        description: The hook.
        type: str
        choices: [primary, peer]
        required: true
  placement:
    description:
      - Where the programs listed for a hook run among the programs of other tools there, per hook.
      - Kept on every run. A program another tool attaches later next to them stays where it is, and
        the collection's programs move back into place around it (V(first) and V(last) against another
        tool that wants the same place would move them on every run).
      - A missing anchor, one that names two programs, or one that is this collection's own link in this
        O(pin_path) fails the task before anything changes.
    type: dict
    suboptions:
      primary:
        description: The primary hook's placement.
        type: dict
        suboptions:
          position:
            description:
              - V(first) before every other program, V(last) after every other program, V(before) or V(after)
                the one anchor given (O(placement.primary.program), O(placement.primary.program_id),
                O(placement.primary.link_id) or O(placement.primary.pin)).
            type: str
            choices: [first, last, before, after]
            default: last
          program:
            description: The anchor by program name (as the kernel keeps it, at most 15 characters).
            type: str
          program_id:
            description: The anchor by program id.
            type: int
          link_id:
            description: The anchor by link id.
            type: int
          pin:
            description: The anchor by the bpffs path of its pinned link or program (below C(/sys/fs/bpf)).
            type: path
      peer:
        description: The peer hook's placement, with the suboptions of O(placement.primary).
        type: dict
        suboptions:
          position:
            description: As O(placement.primary.position).
            type: str
            choices: [first, last, before, after]
            default: last
          program:
            description: As O(placement.primary.program).
            type: str
          program_id:
            description: As O(placement.primary.program_id).
            type: int
          link_id:
            description: As O(placement.primary.link_id).
            type: int
          pin:
            description: As O(placement.primary.pin).
            type: path
  state:
    description:
      - V(present) attaches (or swaps in) the programs; V(absent) detaches the collection's links of the
        hooks and unpins them, and once no link is left unpins the maps and removes the pin directory.
      - Only what this module pins (C(link_<hook>_<program>), C(source_<hook>_<program>), C(map_*), and
        C(link_<hook>) of earlier releases) is ever removed; a directory with anything else in it stays.
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
      - Each pair needs one of its own. When it holds a link of this module's attached anywhere but this
        pair (the same O(pin_path) given to two pairs, the pins of a pair renamed since another took its
        name, or of a pair of the same name in another network namespace), the task fails before anything
        changes, whichever hooks it names, since removing the pin would detach the program from a device
        the task does not name. The error names that device (or says it is in another namespace);
        O(state=absent) for that device with this O(pin_path) detaches the links.
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

- name: Run a policy and then a counter on nk0's primary hook, both before Cilium's program there
  xcnf.netkit.netkit_bpf:
    device: nk0
    object: /usr/local/lib/bpf/site.bpf.o
    programs:
      - {name: site_policy, attach: primary}
      - {name: site_counter, attach: primary}
    placement:
      primary: {position: before, program: cil_from_contai}

- name: Detach everything this collection attached to nk0
  xcnf.netkit.netkit_bpf:
    device: nk0
    state: absent
"""

RETURN = r"""
attachments:
  description:
    - The collection's links on each hook after the task (in check mode, would be), in the order they run.
  returned: always
  type: dict
  contains:
    primary:
      description: The primary hook's links.
      type: list
      elements: dict
      contains:
        name:
          description: The program as listed.
          type: str
        program:
          description: Program name as the kernel keeps it (15 characters).
          type: str
        tag:
          description: The program's tag.
          type: str
        digest:
          description: sha256 of what the program was loaded from (its tag and the initial contents of its maps).
          type: str
        program_id:
          description: The kernel's id of the program (null in check mode for a program to be loaded).
          type: int
        link_id:
          description: The kernel's id of the link (null in check mode for a new link).
          type: int
        link_pin:
          description: Path of the pinned link.
          type: str
    peer:
      description: The peer hook's links, as above.
      type: list
      elements: dict
  sample:
    primary: [{name: observe_primary, program: observe_primary, tag: 5b3c1f2e8d6a4c90, program_id: 41, link_id: 7,
               digest: 9f2c0d7e3b1a4f6e8d5c2b0a9e7f6d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e,
               link_pin: /sys/fs/bpf/xcnf-netkit/nk0/link_primary_observe_primary}]
    peer: []
hooks:
  description:
    - Everything on each hook of the pair after the task (in check mode, would be), in the order it runs,
      the collection's links and other tools' programs alike.
  returned: always
  type: dict
  contains:
    primary:
      description: The primary hook's programs in order.
      type: list
      elements: dict
      contains:
        program:
          description: Program name as the kernel keeps it.
          type: str
        program_id:
          description: Program id.
          type: int
        tag:
          description: Program tag.
          type: str
        link_id:
          description: Link id; null for a program attached without a link.
          type: int
        owned:
          description: Whether it is this collection's link in O(pin_path).
          type: bool
        link_pin:
          description: The pin of the collection's link; null for another tool's.
          type: str
    peer:
      description: The peer hook's programs, as above.
      type: list
      elements: dict
  sample:
    primary:
      - {program: observe_primary, program_id: 41, tag: 5b3c1f2e8d6a4c90, link_id: 7, owned: true,
         link_pin: /sys/fs/bpf/xcnf-netkit/nk0/link_primary_observe_primary}
      - {program: cil_from_contai, program_id: 12, tag: 0a1b2c3d4e5f6071, link_id: 3, owned: false, link_pin: null}
    peer: []
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
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_attach import (
    attachments_view, diff_view, hook_view, reconcile_attachments,
)


PLACEMENT = dict(
    position=dict(type='str', choices=['first', 'last', 'before', 'after'], default='last'),
    program=dict(type='str'),
    program_id=dict(type='int'),
    link_id=dict(type='int'),
    pin=dict(type='path'),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='str', required=True),
            object=dict(type='path'),
            programs=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                attach=dict(type='str', choices=['primary', 'peer'], required=True),
            )),
            placement=dict(type='dict', options=dict((hook, dict(type='dict', options=PLACEMENT))
                                                     for hook in ('primary', 'peer'))),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            pin_path=dict(type='path'),
        ),
        required_if=[('state', 'present', ('object', 'programs'))],
        supports_check_mode=True,
    )
    outcome = run_or_fail(module, reconcile_attachments, module.params, module.check_mode)
    module.exit_json(
        changed=outcome['changed'],
        attachments=attachments_view(outcome['after']),
        hooks=dict((hook, hook_view(entries)) for hook, entries in outcome['after'].items()),
        pin_path=outcome['pin_path'],
        map_pins=outcome['map_pins'],
        diff={'before': diff_view(outcome['before']), 'after': diff_view(outcome['after'])},
    )


if __name__ == '__main__':
    main()
