# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the role's boot unit runs (netkit_persistent): the pairs, their namespaces and
their programs back from the state file the role wrote, before the network comes up,
with no controller. Private to this collection; changes when the state file's shape or
the order of the restore changes.

The role writes the entries it handed to netkit_pairs and netkit_bpf in the same run,
after those modules accepted them; entries() gives them the types and defaults the
modules' argument specs would (Ansible itself is not on the host at boot).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, error_message
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import PAIR_ARGUMENT_SPEC, check_netns_name

STATE_VERSION = 1
NETNS_DIR = '/run/netns'
# The role's marker of a namespace it made (roles/netkit/vars/main.yml, netkit_netns_marker):
# a namespace the boot unit makes again is still the role's to delete.
NETNS_MARKER = '/run/xcnf-netkit-netns.'
HOOKS = ('primary', 'peer')
# What Ansible's argument spec accepts for a bool, as the modules saw the entries.
TRUE = ('y', 'yes', 'on', '1', 'true', 't')
FALSE = ('n', 'no', 'off', '0', 'false', 'f')


def as_int(value):
    """An int as Ansible's check_type_int takes it: an int, an integral float, or a string
    of either (Python's own syntax: '9000', '9_000', '9000.0', '9e3')."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError('%r is not an integer' % (value,))
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    try:
        number = float(value)
    except ValueError:
        number = None
    # is_integer() is False for a fraction, infinity and NaN alike.
    if number is None or not number.is_integer():
        raise ValueError('%r is not an integer' % (value,))
    return int(number)


def as_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError('%r is not a boolean' % (value,))


def as_str(value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('%r is not a string' % (value,))
    return str(value)


CONVERT = {'int': as_int, 'bool': as_bool, 'str': as_str}


def pair_entry(entry, position):
    """One pairs entry with the types and defaults of netkit_pair's argument spec."""
    where = 'pairs[%d]' % position
    if not isinstance(entry, dict):
        raise NetkitError('%s of the boot state is not a dict' % where)
    unknown = sorted(set(entry) - set(PAIR_ARGUMENT_SPEC))
    if unknown:
        raise NetkitError('%s (%s) of the boot state has unknown keys: %s' % (where, entry.get('name'), ', '.join(unknown)))
    full = {}
    for key, spec in PAIR_ARGUMENT_SPEC.items():
        value = entry.get(key)
        try:
            value = spec.get('default') if value is None else CONVERT[spec['type']](value)
        except ValueError as exc:
            raise NetkitError('%s (%s) of the boot state: %s: %s' % (where, entry.get('name'), key, exc))
        if value is None and spec.get('required'):
            raise NetkitError('%s of the boot state has no %s' % (where, key))
        if value is not None and value not in spec.get('choices', (value,)):
            raise NetkitError('%s (%s) of the boot state: %s is %r, not one of %s'
                              % (where, entry.get('name'), key, value, ', '.join(spec['choices'])))
        full[key] = value
    return full


def named(where, value):
    """value as a name (a string), or the boot state's error at where."""
    try:
        return as_str(value)
    except ValueError as exc:
        raise NetkitError('%s of the boot state: %s' % (where, exc))


def check_keys(where, entry, keys, optional=()):
    if not isinstance(entry, dict):
        raise NetkitError('%s of the boot state must be a dict of %s' % (where, ', '.join(keys)))
    wrong = sorted((set(entry) - set(optional)) ^ set(keys))
    if wrong:
        raise NetkitError('%s of the boot state must have exactly %s%s; not %s'
                          % (where, ', '.join(keys), ' (and maybe %s)' % ', '.join(optional) if optional else '',
                             ', '.join(wrong)))


def placement(where, given):
    """netkit_bpf's placement as the role's run passed it (the module checked its values)."""
    if not isinstance(given, dict) or set(given) - set(HOOKS):
        raise NetkitError('%s.placement of the boot state must be a dict of primary and peer' % where)
    for hook, spec in given.items():
        if spec is not None:
            check_keys('%s.placement.%s' % (where, hook), spec, (), ('position', 'program', 'program_id', 'link_id', 'pin'))
    return given


def attachment(entry, position):
    """One bpf entry: netkit_bpf's parameters for the role's attach of one pair."""
    where = 'bpf[%d]' % position
    check_keys(where, entry, ('device', 'object', 'programs'), ('placement',))
    programs = entry['programs']
    if not isinstance(programs, list) or not programs:
        raise NetkitError('%s of the boot state: programs must be a list of {name, attach}' % where)
    for number, program in enumerate(programs):
        check_keys('%s.programs[%d]' % (where, number), program, ('attach', 'name'))
        if program['attach'] not in HOOKS:
            raise NetkitError('%s.programs[%d] of the boot state: attach is %r, not primary or peer'
                              % (where, number, program['attach']))
    if not isinstance(entry['object'], str) or not os.path.isabs(entry['object']):
        raise NetkitError('%s of the boot state: object must be an absolute path' % where)
    return {'device': named(where + '.device', entry['device']), 'object': entry['object'], 'state': 'present',
            'pin_path': None, 'placement': placement(where, entry.get('placement') or {}),
            'programs': [{'name': named('%s.programs[%d].name' % (where, number), program['name']),
                          'attach': program['attach']} for number, program in enumerate(programs)]}


def read_state(text):
    """The boot state's parts (namespaces, pair entries, attachments), checked and typed."""
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise NetkitError('the boot state is not JSON: %s' % exc)
    version = state.get('version') if isinstance(state, dict) else None
    if isinstance(version, bool) or version != STATE_VERSION:
        raise NetkitError('the boot state is not version %d of xcnf.netkit\'s (run the role again)' % STATE_VERSION)
    if sorted(state) != ['bpf', 'netns', 'pairs', 'version'] or not all(
            isinstance(state[key], list) for key in ('bpf', 'netns', 'pairs')):
        raise NetkitError('the boot state must have the lists netns, pairs and bpf')
    netns = [named('netns[%d]' % position, name) for position, name in enumerate(state['netns'])]
    for position, name in enumerate(netns):
        try:
            check_netns_name(name)
        except NetkitError as exc:
            raise NetkitError('netns[%d] of the boot state: %s' % (position, exc))
    pairs = [pair_entry(entry, position) for position, entry in enumerate(state['pairs'])]
    attachments = [attachment(entry, position) for position, entry in enumerate(state['bpf'])]
    names = [pair['name'] for pair in pairs]
    unlisted = sorted(set(entry['device'] for entry in attachments) - set(names))
    if unlisted:
        raise NetkitError('the boot state attaches programs to %s, which its pairs do not list' % ', '.join(unlisted))
    return netns, pairs, attachments


def make_netns(name):
    """Make a named namespace as `ip netns add` does (pyroute2's port of it), unless it
    exists; True when made."""
    # Through _pyroute2 first, which keeps pyroute2's package __init__ (all of pyroute2) from loading.
    from ansible_collections.xcnf.netkit.plugins.module_utils._pyroute2 import require_pyroute2
    require_pyroute2()
    from pyroute2 import netns as named_netns

    if os.path.exists(os.path.join(NETNS_DIR, name)):
        return False
    named_netns.create(name)
    with open(NETNS_MARKER + name, 'w'):
        pass
    return True


class Restore:
    """One restore: namespaces, then the pairs (those with programs down), then the
    programs, then those pairs up, so that a pair's traffic never runs without its
    programs (as with the role). Each failure is logged and the rest goes on."""

    def __init__(self, log):
        self.log = log
        self.failures = 0

    def attempt(self, what, step, *args):
        """step(*args), or None with the failure logged as what."""
        try:
            return step(*args)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            message = error_message(exc)
            if message is None:
                raise
            self.failures += 1
            self.log('%s: %s' % (what, message))
            return None

    def run(self, netns, pairs, attachments):
        from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_attach import reconcile_attachments
        from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import read_all_pairs, reconcile_pairs

        for name in netns:
            if self.attempt('network namespace %s' % name, make_netns, name):
                self.log('made network namespace %s' % name)
        # A pair with programs that is up already (the unit started again) keeps running.
        running = self.attempt('reading the pairs', read_all_pairs, [entry['device'] for entry in attachments])
        if running is None:
            return self.failures
        wait = set(entry['device'] for entry in attachments) - set(pair['name'] for pair in running if pair['up'])
        done = self.attempt('the pairs', reconcile_pairs, [
            dict(pair, up=False) if pair['name'] in wait else pair for pair in pairs], False)
        if done is None:
            return self.failures
        self.log('%d pairs made again, %d as they were' % (sum(o['changed'] for o in done),
                                                           sum(not o['changed'] for o in done)))
        attached = [entry['device'] for entry in attachments
                    if self.attempt('the programs of %s (it stays down)' % entry['device'],
                                    reconcile_attachments, entry, False) is not None]
        if attached and self.attempt('bringing %s up' % ', '.join(attached), reconcile_pairs,
                                     [pair for pair in pairs if pair['name'] in attached], False) is not None:
            self.log('programs attached, and up: %s' % ', '.join(attached))
        return self.failures


def stderr_log(message):
    """One line to the journal (the unit's standard error)."""
    sys.stderr.write('xcnf-netkit-boot: %s\n' % message)
    sys.stderr.flush()


def main(argv, log=stderr_log):
    """The boot unit's command: restore what the state file at argv[0] lists; 0 when all of it came back."""
    if len(argv) != 1:
        log('usage: netkit_boot.pyz STATE_FILE')
        return 2
    try:
        with open(argv[0], 'rb') as state:
            text = state.read().decode('utf-8')
    except OSError as exc:
        log(error_message(exc))
        return 1
    except UnicodeError:
        log('the boot state %s is not UTF-8 text (run the role again)' % argv[0])
        return 1
    try:
        netns, pairs, attachments = read_state(text)
    except NetkitError as exc:
        log(str(exc))
        return 1
    return 1 if Restore(log).run(netns, pairs, attachments) else 0
