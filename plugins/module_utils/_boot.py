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
import re
import subprocess
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
INTEGER = re.compile(r'^[+-]?[0-9]+$')


def as_int(value):
    if isinstance(value, bool):
        raise ValueError('%r is not an integer' % value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and INTEGER.match(value.strip()):
        return int(value)
    raise ValueError('%r is not an integer' % (value,))


def as_bool(value):
    if isinstance(value, bool):
        return value
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


def attachment(entry, position):
    """One bpf entry: netkit_bpf's parameters for the role's attach of one pair."""
    where = 'bpf[%d] of the boot state' % position
    if not isinstance(entry, dict) or sorted(entry) != ['device', 'object', 'programs']:
        raise NetkitError('%s must be a dict of device, object and programs' % where)
    programs = entry['programs']
    if not isinstance(programs, list) or not programs or any(
            not isinstance(program, dict) or sorted(program) != ['attach', 'name'] or program['attach'] not in HOOKS
            for program in programs):
        raise NetkitError('%s: programs must be a list of {name, attach} with attach primary or peer' % where)
    if not isinstance(entry['object'], str) or not os.path.isabs(entry['object']):
        raise NetkitError('%s: object must be an absolute path' % where)
    return {'device': as_str(entry['device']), 'object': entry['object'], 'state': 'present', 'pin_path': None,
            'programs': [{'name': as_str(program['name']), 'attach': program['attach']} for program in programs]}


def read_state(text):
    """The boot state's parts (namespaces, pair entries, attachments), checked and typed."""
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise NetkitError('the boot state is not JSON: %s' % exc)
    if not isinstance(state, dict) or state.get('version') != STATE_VERSION:
        raise NetkitError('the boot state is not version %d of xcnf.netkit\'s (run the role again)' % STATE_VERSION)
    if sorted(state) != ['bpf', 'netns', 'pairs', 'version'] or not all(
            isinstance(state[key], list) for key in ('bpf', 'netns', 'pairs')):
        raise NetkitError('the boot state must have the lists netns, pairs and bpf')
    for name in state['netns']:
        check_netns_name(as_str(name))
    pairs = [pair_entry(entry, position) for position, entry in enumerate(state['pairs'])]
    attachments = [attachment(entry, position) for position, entry in enumerate(state['bpf'])]
    names = [pair['name'] for pair in pairs]
    unlisted = sorted(set(entry['device'] for entry in attachments) - set(names))
    if unlisted:
        raise NetkitError('the boot state attaches programs to %s, which its pairs do not list' % ', '.join(unlisted))
    return [as_str(name) for name in state['netns']], pairs, attachments


def make_netns(name):
    """Make a named namespace as `ip netns add` does, unless it exists; True when made."""
    if os.path.exists(os.path.join(NETNS_DIR, name)):
        return False
    done = subprocess.run(['ip', 'netns', 'add', name], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NetkitError('ip netns add %s failed: %s' % (name, done.stderr.strip()))
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
        with open(argv[0]) as state:
            netns, pairs, attachments = read_state(state.read())
    except (OSError, NetkitError) as exc:
        log(error_message(exc))
        return 1
    return 1 if Restore(log).run(netns, pairs, attachments) else 0
