# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf's reconciling, module_utils/_bpf_attach.py: the programs a task lists, the
diff, and finding a pair's primary on the host's own kernel (read only: lo and names no
device has). Loading, attaching and swapping are tested in the VM.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_attach import (
    PROGRAM_NAME_LEN, _reconcile_attachments, diff_view, end_index, hooks_of, resolve_primary,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import HOOKS, BpfError

CHECK = settings(max_examples=200, deadline=None)
# A name no device has.
MISSING = 'xcnf-no-such'

# Pieces that trip up naive name validators: format directives, path tricks, NUL,
# ASCII and unicode whitespace, control characters, names of 15 and 16 bytes, multi-byte
# UTF-8 (ü is 2 bytes: 7 of them fit, 8 do not), 'à' (whose UTF-8 ends in byte 0xa0),
# a zero-width space, and lone surrogates (text that has no UTF-8 at all).
HOSTILE = [
    '%d', '%s', '%', '\x00', '.', '..', '/', '/etc', '/sys/fs/bpf', ':', ' ', '\t', '\n', '\r', '\x0b', '\x0c',
    '\x1c', '\x1f', '\x7f', '\x1b[31m', '\x85', '\xa0', '\u1680', '\u2003', '\u2028', '\u3000', '\u200b', '\ufeff',
    'a' * 15, 'a' * 16, 'ü', 'ü' * 7, 'ü' * 8, 'à', '\U0001f600', '\ud800', '\udfff', '\udc80',
    'nk0', 'eth0', 'a', '-', '_', '0', 'x.y',
]
# All of unicode, surrogates and control characters included.
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE + list('abcz09-_.')), min_size=1, max_size=5).map(''.join),
    st.text(ANY_CHARACTER, max_size=20),
)


def raised(function, *args):
    """The NetkitError function raised, or None. Any other exception fails the test."""
    try:
        function(*args)
    except NetkitError as exc:
        return exc
    return None


# ------------------------------------------------------------ programs

programs = st.lists(st.fixed_dictionaries({'name': hostile_text, 'attach': st.sampled_from(sorted(HOOKS))}),
                    max_size=4)


@CHECK
@given(programs=programs)
@example(programs=[{'name': 'a', 'attach': 'peer'}, {'name': 'a', 'attach': 'primary'}])
@example(programs=[{'name': 'a', 'attach': 'peer'}, {'name': 'b', 'attach': 'peer'}])
def test_hooks_of_gives_one_program_per_hook(programs):
    names = [program['name'] for program in programs]
    hooks = [program['attach'] for program in programs]
    error = raised(hooks_of, programs)
    if len(set(names)) == len(names) and len(set(hooks)) == len(hooks):
        assert error is None
        assert hooks_of(programs) == dict((p['name'], p['attach']) for p in programs)
    else:
        assert isinstance(error, BpfError)
        assert str(error).startswith('programs: ')


def test_one_program_per_hook():
    assert hooks_of([{'name': 'a', 'attach': 'primary'}, {'name': 'b', 'attach': 'peer'}]) == {
        'a': 'primary', 'b': 'peer'}
    assert hooks_of([]) == {}
    with pytest.raises(BpfError, match='two programs for the peer hook'):
        hooks_of([{'name': 'a', 'attach': 'peer'}, {'name': 'b', 'attach': 'peer'}])
    with pytest.raises(BpfError, match='programs: a is listed twice'):
        hooks_of([{'name': 'a', 'attach': 'peer'}, {'name': 'a', 'attach': 'primary'}])


# ------------------------------------------------------------ the diff and the ends

def test_diff_shows_program_and_tag_per_hook():
    assert diff_view({'primary': {'program': 'observe_primary', 'tag': '7b9b29dcce69318b'}, 'peer': None}) == {
        'peer': None, 'primary': 'observe_primary (tag 7b9b29dcce69318b)'}
    assert diff_view({}) == {}


def test_the_peer_hook_runs_on_the_peers_ifindex():
    device = {'name': 'nk0', 'ifindex': 5, 'peer_ifindex': 4}
    assert (end_index(device, 'primary'), end_index(device, 'peer')) == (5, 4)


def test_the_kernel_keeps_15_characters_of_a_program_name():
    assert PROGRAM_NAME_LEN == 15, 'BPF_OBJ_NAME_LEN - 1'


# ------------------------------------------------------------ the pair's primary, on the host's kernel

def test_a_device_name_is_checked_before_anything_is_read():
    with pytest.raises(NetkitError, match='^device .* is not a valid interface name'):
        resolve_primary('a/b')


def test_a_missing_device_is_an_error_unless_absent_is_asked():
    with pytest.raises(BpfError, match='^device %s does not exist$' % MISSING):
        resolve_primary(MISSING)
    assert resolve_primary(MISSING, missing_ok=True) == {'name': MISSING, 'ifindex': None, 'peer_ifindex': None}


def test_programs_attach_to_netkit_pairs_only():
    with pytest.raises(BpfError, match='^device lo is a non-netkit device, not netkit; programs attach to netkit'):
        resolve_primary('lo')


def test_absent_for_a_name_bpffs_cannot_have_changes_nothing():
    """A dot in the primary's name: nothing was ever pinned for it, and nothing is looked at."""
    result = _reconcile_attachments({'programs': None, 'device': 'nk.0', 'state': 'absent', 'pin_path': None,
                                     'object': None}, check_mode=False)
    assert result == {'changed': False, 'before': {'primary': None, 'peer': None},
                      'after': {'primary': None, 'peer': None}, 'pin_path': None, 'map_pins': []}


def test_duplicate_hooks_are_refused_before_the_device_is_looked_up():
    with pytest.raises(BpfError, match='two programs for the primary hook'):
        _reconcile_attachments({'programs': [{'name': 'a', 'attach': 'primary'}, {'name': 'b', 'attach': 'primary'}],
                                'device': MISSING, 'state': 'present', 'pin_path': None, 'object': None}, False)
