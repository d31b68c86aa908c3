# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bpffs pin paths and the pin tree, module_utils/_bpf_pins.py.

The checks that keep pins inside the bpffs mount, and the program names that name pins,
meet hostile input (hypothesis): each raises BpfError with a message that starts with the
parameter it is about, or accepts what meets the rules written out here. The pin names
(link_<hook>_<program>, link_<hook> of releases before lists, source_<hook>_<program>,
map_<name>) are parsed back; what the collection may make and remove in a pin directory is
tried on directories of a tmp_path. No bpffs, no libbpf.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_pins
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_pins import (
    DEFAULT_PIN_DIR, LINK_PIN, MAP_PIN_PREFIX, PIN_ROOT, SOURCE_PIN, check_owned_by_root, check_pin_names,
    check_pin_path, check_pin_tree, check_program_names, is_bpffs, leftovers, link_pin_path, link_pins, make_pin_dir,
    managed_entries, map_pin_path, pin_dir_of, remove_made_dirs, remove_pin_dir, source_pin_path, unpin,
)
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._libbpf import HOOKS, BpfError
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.hostile_names import (
    c_identifiers, has_surrogate, hostile_text, is_control, program_names, raised, valid_names, valid_program_name,
)

CHECK = settings(max_examples=200, deadline=None)


def valid_pin_name(name):
    """bpffs refuses names with a dot (EPERM); no empty component, no control characters,
    nothing without UTF-8 (a lone surrogate)."""
    return bool(name) and '.' not in name and not any(is_control(c) for c in name) and not has_surrogate(name)


# ------------------------------------------------------------ bpffs pin paths

pin_component = st.one_of(hostile_text, st.sampled_from(['x', 'xcnf-netkit', 'nk0', 'a b', 'a:b', '%s']))
pin_paths = st.one_of(
    st.lists(pin_component, min_size=1, max_size=4).map(lambda parts: '/sys/fs/bpf/' + '/'.join(parts)),
    st.tuples(st.sampled_from(['/sys/fs/bpf', '/sys/fs/bpf/', '/sys/fs/bpfx', '//sys/fs/bpf/', 'sys/fs/bpf/',
                               '/sys/fs/bpf/../', '/sys/fs/bpf/./', '/sys/fs/bpf//', '/etc/', '/']),
              st.lists(pin_component, max_size=3)).map(lambda p: p[0] + '/'.join(p[1])),
    hostile_text,
)


@CHECK
@given(path=pin_paths)
@example(path='/sys/fs/bpf/xcnf-netkit/nk0')
@example(path='/sys/fs/bpf/')
@example(path='/sys/fs/bpf')
@example(path='/sys/fs/bpf/x/')
@example(path='/sys/fs/bpf/x/../../../etc')
@example(path='/sys/fs/bpf/x/./y')
@example(path='/sys/fs/bpf/x//y')
@example(path='/sys/fs/bpf/x.y')
@example(path='/sys/fs/bpf/x\x00y')
@example(path='/etc')
def test_check_pin_path_accepts_only_normalised_paths_below_bpffs(path):
    error = raised(check_pin_path, path)
    if error is not None:
        assert isinstance(error, BpfError)
        assert str(error).startswith('pin_path')
        return
    prefix = '/sys/fs/bpf/'
    assert path.startswith(prefix) and len(path) > len(prefix)
    assert os.path.normpath(path) == path
    assert os.path.commonpath([path, '/sys/fs/bpf']) == '/sys/fs/bpf'
    components = path[len(prefix):].split('/')
    assert all(valid_pin_name(component) for component in components), components


@CHECK
@given(parts=st.lists(pin_component, min_size=1, max_size=4))
def test_check_pin_path_refuses_exactly_the_bad_components(parts):
    path = '/sys/fs/bpf/' + '/'.join(parts)
    components = path[len('/sys/fs/bpf/'):].split('/')
    assert (raised(check_pin_path, path) is None) == all(valid_pin_name(c) for c in components)


@CHECK
@given(param=st.sampled_from(['pin_path', 'device']), names=st.lists(hostile_text, max_size=4))
def test_check_pin_names_names_the_parameter(param, names):
    error = raised(check_pin_names, param, names)
    if all(valid_pin_name(name) for name in names):
        assert error is None
    else:
        assert isinstance(error, BpfError)
        assert str(error).startswith(param + ': ')
        assert not any(is_control(c) for c in str(error))


@CHECK
@given(device=valid_names)
def test_default_pin_dir_is_below_the_collections_directory(device):
    """Without pin_path, the pin directory is the primary's name under DEFAULT_PIN_DIR,
    or a BpfError about device (interface names may have a dot, bpffs names may not)."""
    error = raised(pin_dir_of, {}, device)
    if '.' in device:
        assert str(error).startswith('device: ')
    else:
        assert error is None
        pin_dir = pin_dir_of({}, device)
        assert os.path.dirname(pin_dir) == DEFAULT_PIN_DIR
        check_pin_path(pin_dir)


@pytest.mark.parametrize('params,primary,pin_dir', [
    ({}, 'nk0', '/sys/fs/bpf/xcnf-netkit/nk0'),
    ({'pin_path': None}, 'nk0', '/sys/fs/bpf/xcnf-netkit/nk0'),
    ({'pin_path': '/sys/fs/bpf/mine/nk0'}, 'nk0', '/sys/fs/bpf/mine/nk0'),
    ({'pin_path': '/sys/fs/bpf/mine'}, None, '/sys/fs/bpf/mine'),
])
def test_pin_dir_of(params, primary, pin_dir):
    assert pin_dir_of(params, primary) == pin_dir


# ------------------------------------------------------------ pin names

def test_pins_are_on_bpffs():
    assert (PIN_ROOT, DEFAULT_PIN_DIR) == ('/sys/fs/bpf', '/sys/fs/bpf/xcnf-netkit')


def test_pin_names_have_no_dots():
    # bpffs refuses names with a dot.
    assert link_pin_path('/sys/fs/bpf/x', 'primary', 'observe_primary') == '/sys/fs/bpf/x/link_primary_observe_primary'
    assert link_pin_path('/sys/fs/bpf/x', 'peer', 'count') == '/sys/fs/bpf/x/link_peer_count'
    assert source_pin_path('/sys/fs/bpf/x', 'peer', 'count') == '/sys/fs/bpf/x/source_peer_count'
    assert map_pin_path('/sys/fs/bpf/x', 'counters') == '/sys/fs/bpf/x/map_counters'
    assert MAP_PIN_PREFIX == 'map_'


# ------------------------------------------------------------ program names

@CHECK
@given(names=st.lists(program_names, max_size=3))
@example(names=['observe_primary', 'observe_peer'])
@example(names=['%d'])
@example(names=['a\x00'])
@example(names=['..'])
@example(names=['a/b'])
@example(names=['a\n'])
@example(names=['\u0430'])
@example(names=['a' * 129])
@example(names=['a' * 128, '_' * 128])
@example(names=[])
def test_check_program_names_accepts_c_identifiers_only(names):
    error = raised(check_program_names, names)
    if all(valid_program_name(name) for name in names):
        assert error is None
        return
    assert isinstance(error, BpfError)
    assert str(error).startswith('programs: %r is not a program name' % next(
        name for name in names if not valid_program_name(name)))
    assert not any(is_control(c) for c in str(error)) and not has_surrogate(str(error))


@pytest.mark.parametrize('name', ['%d', '%s', 'a\x00', '\x00', '.', '..', 'a..b', '/', 'a/b', '/etc', ' ', 'a b', 'a\t',
                                  'a\n', '\u3000', 'ü', 'a\u200b', '\U0001f600', '\ud800', 'a' * 129, '', '0a', '-a'])
def test_hostile_program_names_are_refused(name):
    with pytest.raises(BpfError, match='^programs: '):
        check_program_names(['fine', name])


@pytest.mark.parametrize('name', ['a', '_', 'A', 'observe_primary', 'a' * 128, '_' + '9' * 127, 'cil_from_container'])
def test_c_identifiers_up_to_128_are_program_names(name):
    assert check_program_names([name]) is None


# ------------------------------------------------------------ the names of the pins

@CHECK
@given(hook=st.sampled_from(sorted(HOOKS)), program=c_identifiers)
def test_a_link_and_its_record_are_found_again_by_their_pin_names(hook, program):
    link = os.path.basename(link_pin_path('/sys/fs/bpf/x', hook, program))
    source = os.path.basename(source_pin_path('/sys/fs/bpf/x', hook, program))
    assert LINK_PIN.fullmatch(link).groups() == (hook, program)
    assert SOURCE_PIN.fullmatch(source).groups() == (hook, program)
    assert not SOURCE_PIN.fullmatch(link) and not LINK_PIN.fullmatch(source)
    assert not link.startswith(MAP_PIN_PREFIX) and not source.startswith(MAP_PIN_PREFIX)
    check_pin_names('pin', [link, source])


@pytest.mark.parametrize('name,groups', [
    ('link_primary', ('primary', None)),
    ('link_peer', ('peer', None)),
    ('link_primary_observe_primary', ('primary', 'observe_primary')),
    ('link_peer_a_b', ('peer', 'a_b')),
    ('link_primary_peer', ('primary', 'peer')),
    ('link_peer_' + 'a' * 128, ('peer', 'a' * 128)),
    ('link_peer_' + 'a' * 129, None),
    ('link_primary_', None),
    ('link_primary_9a', None),
    ('link_primary_a-b', None),
    ('link_primary_a\n', None),
    ('link_other', None),
    ('link_', None),
    ('link_primaryx', None),
    ('Link_primary', None),
    ('source_primary_a', None),
    ('map_counters', None),
])
def test_link_pin_names(name, groups):
    match = LINK_PIN.fullmatch(name)
    assert (match.groups() if match else None) == groups


@pytest.mark.parametrize('name,groups', [
    ('source_primary_a', ('primary', 'a')),
    ('source_peer_observe_peer', ('peer', 'observe_peer')),
    ('source_peer', None),
    ('source_primary', None),
    ('source_primary_', None),
    ('source_peer_' + 'a' * 129, None),
    ('source_other_a', None),
    ('link_primary_a', None),
])
def test_source_pin_names(name, groups):
    match = SOURCE_PIN.fullmatch(name)
    assert (match.groups() if match else None) == groups


# ------------------------------------------------------------ what a pin directory holds

def fill(directory, *names):
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).write_text('')
    return str(directory)


def test_managed_entries_are_link_source_and_map_pins_only(tmp_path):
    pin_dir = fill(tmp_path / 'nk0', 'link_primary', 'link_peer_count', 'source_peer_count', 'map_counters',
                   'link_other', 'link_peer_', 'source_peer', 'source_other_x', 'mine', 'maps', 'link_peer_a.b')
    assert managed_entries(pin_dir) == ['link_peer_count', 'link_primary', 'map_counters', 'source_peer_count']
    assert managed_entries(str(tmp_path / 'missing')) == []


def test_managed_entries_of_a_file_is_an_error(tmp_path):
    with pytest.raises(OSError):
        managed_entries(fill(tmp_path / 'nk0', 'link_peer') + '/link_peer')


def test_link_pins_are_per_hook_with_the_listed_name(tmp_path):
    pin_dir = fill(tmp_path / 'nk0', 'link_primary', 'link_primary_b', 'link_primary_a', 'link_peer_count',
                   'source_peer_count', 'map_counters', 'link_other', 'mine')
    assert link_pins(pin_dir) == {
        'primary': [('link_primary', None), ('link_primary_a', 'a'), ('link_primary_b', 'b')],
        'peer': [('link_peer_count', 'count')]}
    assert link_pins(str(tmp_path / 'missing')) == {'primary': [], 'peer': []}


@pytest.mark.parametrize('names,links_left,expected', [
    (['link_primary_a', 'source_primary_a', 'map_counters', 'map_events'], ['primary'], []),
    (['link_peer', 'map_counters'], ['peer'], []),
    (['map_counters', 'map_events'], [], ['map_counters', 'map_events', '.']),
    (['map_counters', 'source_peer_a', 'mine'], [], ['map_counters', 'source_peer_a']),
    (['link_peer_a', 'source_peer_a', 'map_counters'], [], ['map_counters', 'source_peer_a', '.']),
    (['link_peer', 'link_primary_b', 'map_counters'], [], ['map_counters', '.']),
    (['link_other', 'map_counters'], [], ['map_counters']),
    ([], [], ['.']),
])
def test_leftovers_are_the_maps_and_records_once_no_link_is_left(tmp_path, names, links_left, expected):
    """What remove_pin_dir() would remove once only the hooks in links_left keep link pins
    (check mode's answer); the link pins themselves are not in it."""
    assert leftovers(fill(tmp_path / 'nk0', *names), links_left) == expected


def test_leftovers_of_a_missing_directory_are_none(tmp_path):
    assert leftovers(str(tmp_path / 'missing'), []) == []


@pytest.mark.parametrize('link', ['link_peer_count', 'link_peer'])
def test_remove_pin_dir_waits_for_the_last_link(tmp_path, link):
    pin_dir = fill(tmp_path / 'nk0', link, 'source_peer_count', 'map_counters')
    remove_pin_dir(pin_dir)
    assert sorted(os.listdir(pin_dir)) == sorted([link, 'source_peer_count', 'map_counters'])
    assert unpin(os.path.join(pin_dir, link)) is True
    assert unpin(os.path.join(pin_dir, link)) is False, 'already gone'
    remove_pin_dir(pin_dir)
    assert not os.path.exists(pin_dir)


def test_remove_pin_dir_leaves_what_it_did_not_make(tmp_path):
    foreign = ['mine', 'link_other', 'source_peer', 'link_primary_', 'maps', 'link_peer_a.b']
    pin_dir = fill(tmp_path / 'nk0', 'map_counters', 'source_primary_a', *foreign)
    remove_pin_dir(pin_dir)
    assert sorted(os.listdir(pin_dir)) == sorted(foreign)
    remove_pin_dir(str(tmp_path / 'missing'))
    assert not (tmp_path / 'missing').exists()


@CHECK
@given(names=st.lists(st.one_of(st.sampled_from(['link_primary', 'link_peer', 'link_primary_a', 'link_peer_b',
                                                 'source_primary_a', 'source_peer_b', 'map_counters', 'map_x',
                                                 'mine', 'link_other', 'source_peer', 'maps']),
                                st.text(st.sampled_from('lmnk_aeprs'), min_size=1, max_size=12)),
                      unique=True, max_size=6))
def test_remove_pin_dir_does_what_leftovers_said(names):
    """leftovers(pin_dir, []) is check mode's word for what remove_pin_dir() removes when no
    other hook keeps a link; and nothing but the collection's pins ever goes."""
    with tempfile.TemporaryDirectory() as root:
        pin_dir = os.path.join(root, 'nk0')
        os.mkdir(pin_dir)
        for name in names:
            open(os.path.join(pin_dir, name), 'w').close()
        links = [name for name in names if LINK_PIN.fullmatch(name)]
        said = leftovers(pin_dir, [])
        remove_pin_dir(pin_dir)
        if links:
            assert sorted(os.listdir(pin_dir)) == sorted(names), 'a link is left: nothing goes'
            return
        kept = sorted(set(names) - set(said))
        assert kept == sorted(name for name in names if not SOURCE_PIN.fullmatch(name)
                              and not name.startswith(MAP_PIN_PREFIX))
        if '.' in said:
            assert not os.path.exists(pin_dir) and kept == []
        else:
            assert sorted(os.listdir(pin_dir)) == kept != []


def test_unpin_says_whether_the_pin_was_there(tmp_path):
    pin_dir = fill(tmp_path / 'nk0', 'link_peer_a')
    assert unpin(os.path.join(pin_dir, 'link_peer_a')) is True
    assert unpin(os.path.join(pin_dir, 'link_peer_a')) is False
    assert unpin(str(tmp_path / 'missing' / 'link_peer_a')) is False
    assert os.listdir(pin_dir) == []


def test_unpin_of_a_directory_is_an_error(tmp_path):
    with pytest.raises(OSError):
        unpin(fill(tmp_path / 'nk0'))
    assert os.path.isdir(str(tmp_path / 'nk0'))


# ------------------------------------------------------------ the pin tree

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='making files of another user needs root')


@pytest.fixture
def pin_root(tmp_path, monkeypatch):
    """A directory of tmp_path as the bpffs mount: only root can change it."""
    root = tmp_path / 'bpf'
    root.mkdir(mode=0o700)
    monkeypatch.setattr(_bpf_pins, 'PIN_ROOT', str(root))
    return root


def test_check_owned_by_root_refuses_a_file_or_a_link(tmp_path):
    target = fill(tmp_path / 'dir')
    os.symlink(target, str(tmp_path / 'link'))
    for path in (str(tmp_path / 'link'), fill(tmp_path, 'file') + '/file'):
        with pytest.raises(BpfError, match='is not a directory'):
            check_owned_by_root(path)
    assert check_owned_by_root(str(tmp_path / 'missing')) is None


@pytest.mark.parametrize('mode,refused', [(0o700, False), (0o755, False), (0o1777, False), (0o777, True),
                                          (0o770, True), (0o702, True)])
def test_check_owned_by_root_refuses_what_others_can_change(tmp_path, mode, refused):
    path = tmp_path / 'pins'
    path.mkdir()
    os.chmod(str(path), mode)
    error = None
    try:
        check_owned_by_root(str(path))
    except BpfError as exc:
        error = exc
    if refused or os.geteuid() != 0:
        assert 'other users could change what is pinned there' in str(error)
    else:
        assert error is None


@needs_root
def test_make_pin_dir_makes_root_only_directories_and_says_which(pin_root):
    pin_dir = str(pin_root / 'xcnf-netkit' / 'nk0')
    made = make_pin_dir(pin_dir)
    assert made == [str(pin_root / 'xcnf-netkit'), pin_dir]
    assert all(os.stat(path).st_mode & 0o777 == 0o700 for path in made)
    assert make_pin_dir(pin_dir) == [], 'nothing to make the second time'
    fill(pin_root / 'xcnf-netkit' / 'nk0', 'link_peer')
    remove_made_dirs(made)
    assert os.path.isdir(pin_dir), 'not empty: left'
    os.unlink(os.path.join(pin_dir, 'link_peer'))
    remove_made_dirs(made)
    assert os.listdir(str(pin_root)) == []


@needs_root
def test_check_pin_tree_looks_at_every_directory_down_to_the_pins(pin_root):
    pin_dir = str(pin_root / 'shared' / 'nk0')
    os.makedirs(pin_dir, 0o700)
    assert check_pin_tree(pin_dir) is None
    os.chmod(str(pin_root / 'shared'), 0o777)
    with pytest.raises(BpfError, match='shared is owned by uid 0 with mode 777'):
        check_pin_tree(pin_dir)
    with pytest.raises(BpfError, match='shared is owned by uid 0 with mode 777'):
        make_pin_dir(pin_dir)


@needs_root
def test_check_pin_tree_refuses_a_directory_of_another_user(pin_root):
    pin_dir = str(pin_root / 'nk0')
    os.mkdir(pin_dir, 0o700)
    os.chown(pin_dir, 65534, 65534)
    with pytest.raises(BpfError, match='is owned by uid 65534'):
        check_pin_tree(pin_dir)


def test_a_directory_that_is_not_bpffs_is_known_as_such(tmp_path):
    assert is_bpffs(str(tmp_path)) is False
    assert is_bpffs(str(tmp_path / 'missing')) is False


def test_bpf_errors_are_netkit_errors():
    assert issubclass(BpfError, NetkitError), 'the modules report them as they are'
