#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: netkit_pairs
short_description: Reconcile many netkit device pairs in one task
version_added: 0.1.0
description:
  - Makes a whole list of netkit pairs what the task says in one module run, for hosts that carry one
    pair per container. Each entry takes the options of M(xcnf.netkit.netkit_pair) and behaves as that
    module would.
  - Reads the host's links and IPv6 addresses once (once per namespace involved), checks every entry
    before changing anything (bad input in any entry changes nothing), sends requests only for what
    differs, waits once for the link-local addresses of all new pairs, and reads back once when
    something changed.
  - The diff shows only the pairs that change.
  - With O(prune_prefix), netkit pairs whose primary's name starts with it and that the list does not
    name are deleted, so the list is the whole truth for that prefix.
  - If applying fails halfway, the pairs this run created are deleted again, the ones it changed are put
    back as they were, and the error says so.
  - Several pairs deleted in one run go together, as a device group of the run's own (one wait in the
    kernel instead of one per pair); see the README's notes on it.
author:
  - xcnf.netkit contributors (@cassamajor)
extends_documentation_fragment:
  - xcnf.netkit.attributes
  - xcnf.netkit.attributes.pairs
  - xcnf.netkit.attributes.lock
options:
  pairs:
    description:
      - The pairs, each a dictionary of the options of M(xcnf.netkit.netkit_pair) (V(name) is required,
        V(state) defaults to V(present)). A device may be named by one entry only.
      - An entry that is invalid fails the task naming its position, for example C(pairs[3] (nk3)).
    type: list
    elements: dict
    required: true
  prune_prefix:
    description:
      - Delete the netkit pairs whose primary's name starts with this prefix and is not in O(pairs).
      - Pairs with other names are never touched.
    type: str
seealso:
  - module: xcnf.netkit.netkit_pair
  - module: xcnf.netkit.netkit_pair_info
"""

EXAMPLES = r"""
- name: The pairs of this host's containers; other pairs named ctr-* are deleted
  xcnf.netkit.netkit_pairs:
    pairs:
      - {name: ctr-web, peer_netns: web, link_local: true}
      - {name: ctr-db, peer_netns: db, link_local: true, mtu: 9000, peer_mtu: 9000}
    prune_prefix: ctr-

- name: A thousand L3 pairs, nk0 to nk999, with link-local addresses
  xcnf.netkit.netkit_pairs:
    pairs: "{{ many | from_yaml }}"
  vars:
    many: |
      {% for i in range(1000) %}
      - {name: nk{{ i }}, link_local: true}
      {% endfor %}
"""

RETURN = r"""
pairs:
  description:
    - One result per entry of O(pairs), in order, then one per pruned pair.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The primary's name.
      type: str
    changed:
      description: Whether this pair was (or in check mode would be) changed.
      type: bool
    recreated:
      description: Whether it was deleted and created again (O(xcnf.netkit.netkit_pair#module:recreate)).
      type: bool
    pruned:
      description: Whether it was deleted by O(prune_prefix).
      type: bool
    pair:
      description:
        - The pair afterwards, with the keys M(xcnf.netkit.netkit_pair) returns; empty when it is absent.
      type: dict
  sample:
    - {name: nk0, changed: true, recreated: false, pruned: false,
       pair: {name: nk0, peer_name: nk0p, mode: l3, link_local: true, addresses: [fe80::991c:f047:9e3f:4f95]}}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._module_errors import fail_without_pyroute2, run_or_fail
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import PAIR_ARGUMENT_SPEC
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import diff_view
from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import reconcile_pairs


def validated_entries(module):
    validator = ArgumentSpecValidator(PAIR_ARGUMENT_SPEC)
    entries = []
    for position, entry in enumerate(module.params['pairs']):
        checked = validator.validate(entry)
        if checked.error_messages:
            raise NetkitError('pairs[%d] (%s): %s' % (position, entry.get('name'), '; '.join(checked.error_messages)))
        entries.append(checked.validated_parameters)
    return entries


def reconcile(module):
    return reconcile_pairs(validated_entries(module), module.check_mode, module.params['prune_prefix'] or None)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            pairs=dict(type='list', elements='dict', required=True),
            prune_prefix=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    fail_without_pyroute2(module)
    outcomes = run_or_fail(module, reconcile, module)
    changed = [outcome for outcome in outcomes if outcome['changed']]
    module.exit_json(
        changed=bool(changed),
        pairs=[dict(name=outcome['name'], changed=outcome['changed'], recreated=outcome['recreated'],
                    pruned=outcome['pruned'], pair=outcome['after'] or {}) for outcome in outcomes],
        diff={'before': dict((outcome['name'], diff_view(outcome['before'])) for outcome in changed),
              'after': dict((outcome['name'], diff_view(outcome['after'])) for outcome in changed)},
    )


if __name__ == '__main__':
    main()
