# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The attributes every module of the collection documents."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: linux
"""

    # The modules that change pairs or attachments (module_utils/_host_lock.py).
    LOCK = r"""
options: {}
notes:
  - Runs that change pairs or attachments on a host take turns through C(/run/xcnf-netkit/lock), in a
    directory only root can create (check runs and the info modules share it), so two runs for the same
    pair at once never act on each other's half-made pair. A run waits up to 5 minutes for its turn.
"""

    # What netkit_pair and netkit_pairs need and support alike.
    PAIRS = r"""
options: {}
requirements:
  - Linux 6.7 or newer with C(CONFIG_NETKIT) on the target.
  - pyroute2 (0.7 or newer) for the target's Python, for example Debian's C(python3-pyroute2).
  - CAP_NET_ADMIN on the target (O(ignore:become=true) for a non-root user).
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
"""
