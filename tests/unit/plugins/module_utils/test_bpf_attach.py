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

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_attach import (
    PROGRAM_NAME_LEN, _reconcile_attachments, diff_view, end_index, hooks_of, resolve_primary,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import HOOKS, BpfError
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.hostile_names import hostile_text, raised
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.pair_hosts import FakeKernel, host7

CHECK = settings(max_examples=200, deadline=None)
# A name no device has.
MISSING = 'xcnf-no-such'

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
    assert resolve_primary(MISSING, missing_ok=True) == {'name': MISSING, 'ifindex': None, 'peer_ifindex': None,
                                                         'single': False}


class ClosableHost(FakeKernel):
    """host7() (pair_hosts.py) as the Kernel resolve_primary() opens and closes."""

    def __init__(self):
        fake = host7()
        FakeKernel.__init__(self, fake._links, fake._addresses, fake._netns_ids)
        self.closed = False

    def close(self):
        self.closed = True


@pytest.fixture
def on_host7(monkeypatch):
    monkeypatch.setattr(_bpf_attach, 'Kernel', ClosableHost)


def test_a_pairs_primary_is_found_from_either_end(on_host7):
    expected = {'name': 'nk0', 'ifindex': 5, 'peer_ifindex': 4, 'single': False}
    assert resolve_primary('nk0') == expected
    assert resolve_primary('nk0p') == expected


def test_a_single_device_is_its_own_primary_without_a_peer(on_host7):
    """Its IFLA_LINK (0) is no peer: nothing would run on it, and the module refuses it by 'single'."""
    assert resolve_primary('nks0') == {'name': 'nks0', 'ifindex': 20, 'peer_ifindex': None, 'single': True}


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
