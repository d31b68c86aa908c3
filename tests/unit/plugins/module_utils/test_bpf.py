# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of module_utils/_bpf.py; loading and attaching are tested in the VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf

OBSERVER = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'netkit', 'files', 'ipv6_observer.bpf.o')


def test_accepts_the_observer_object_the_build_makes():
    _bpf.check_object_file(OBSERVER)


@pytest.mark.parametrize('content,message', [
    (b'not an object\n', 'is not an ELF file'),
    (None, 'not BPF'),
])
def test_rejects_files_that_are_not_bpf_objects(tmp_path, content, message):
    path = tmp_path / 'x.o'
    if content is None:
        with open(sys.executable, 'rb') as handle:
            content = handle.read(64)
    path.write_bytes(content)
    with pytest.raises(_bpf.BpfError, match=message):
        _bpf.check_object_file(str(path))


def test_rejects_a_missing_object(tmp_path):
    with pytest.raises(_bpf.BpfError, match='does not exist on the target'):
        _bpf.check_object_file(str(tmp_path / 'missing.o'))


def test_one_program_per_hook():
    assert _bpf.hooks_of([{'name': 'a', 'attach': 'primary'}, {'name': 'b', 'attach': 'peer'}]) == {
        'a': 'primary', 'b': 'peer'}
    with pytest.raises(_bpf.BpfError, match='two programs for the peer hook'):
        _bpf.hooks_of([{'name': 'a', 'attach': 'peer'}, {'name': 'b', 'attach': 'peer'}])


def test_pin_names_have_no_dots():
    # bpffs refuses names with a dot.
    assert '.' not in os.path.basename(_bpf.link_pin_path('/sys/fs/bpf/x', 'primary'))
    assert _bpf.map_pin_path('/sys/fs/bpf/x', 'counters') == '/sys/fs/bpf/x/map_counters'


def test_diff_shows_program_and_tag_per_hook():
    assert _bpf.diff_view({'primary': {'program': 'observe_primary', 'tag': '7b9b29dcce69318b'}, 'peer': None}) == {
        'peer': None, 'primary': 'observe_primary (tag 7b9b29dcce69318b)'}


def test_decodes_an_observer_event():
    source = bytes(bytearray([0xfe, 0x80] + [0] * 13 + [1]))
    destination = bytes(bytearray([0xff, 0x02] + [0] * 13 + [2]))
    raw = _bpf.IPV6_EVENT.pack(source, destination, 16, 58, 255, 1)
    assert len(raw) == 40  # sizeof(struct ipv6_event) in roles/netkit/files/ipv6_observer.bpf.c
    assert _bpf.decode_ipv6_event(raw) == {
        'source': 'fe80::1', 'destination': 'ff02::2', 'next_header': 58,
        'payload_length': 16, 'hop_limit': 255, 'direction': 'from_peer'}


@pytest.mark.parametrize('watch', [float('nan'), float('inf'), -1.0, 3601.0])
def test_a_watch_that_could_not_end_or_is_not_a_number_is_refused(watch):
    with pytest.raises(_bpf.BpfError, match='watch takes 0 to 3600 seconds'):
        _bpf.read_observer(dict(device='nk0', pin_path=None, watch=watch, max_events=10,
                                counters_map='counters', events_map='ipv6_events'))
