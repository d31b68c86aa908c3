# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile input against every validator of module_utils, with hypothesis.

Each validator either raises NetkitError with a message that starts with the parameter
it is about, or accepts a value that meets the rules written out here independently of
the code (the oracles below). No other exception type ever escapes. Pure logic: no
kernel, no netkit, no root.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf
from ansible_collections.xcnf.netkit.plugins.module_utils import _netkit as nk
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError

CHECK = settings(max_examples=200, deadline=None)

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
# The same without lone surrogates: what a YAML or JSON task file can hold as UTF-8.
encodable_text = hostile_text.filter(lambda text: not has_surrogate(text))


def has_surrogate(text):
    return any(0xd800 <= ord(c) <= 0xdfff for c in text)


def is_control(c):
    return ord(c) < 32 or ord(c) == 127


def utf8_size(text):
    try:
        return len(text.encode('utf-8'))
    except UnicodeEncodeError:
        return None


def valid_ifname(value):
    """An interface name this collection can find again: at most 15 bytes of UTF-8, none
    of '/', ':', '%', whitespace or control characters, no byte 0xa0 (the kernel's isspace()
    counts it), not '.' or '..'."""
    size = utf8_size(value) if value else None
    return (size is not None and 1 <= size <= 15 and value not in ('.', '..')
            and b'\xa0' not in value.encode('utf-8')
            and not any(c in '/:%' or c.isspace() or is_control(c) for c in value))


# Names that pass, to reach the checks after the name: edge sizes and random printable UTF-8.
valid_names = st.one_of(
    st.sampled_from(['nk0', 'a' * 14, 'a' * 15, 'ü' * 7, 'ü' * 6 + 'a', 'x.y', '-', '\u200b', '\U0001f600' * 3]),
    st.text(st.characters(codec='utf-8', exclude_categories=('Cc', 'Cs', 'Zs', 'Zl', 'Zp')), min_size=1, max_size=15)
    .map(lambda text: text.encode('utf-8')[:15].decode('utf-8', 'ignore')).filter(valid_ifname),
)


def kernel_dev_valid_name(raw):
    """The kernel's dev_valid_name() (net/core/dev.c) over the bytes it gets: its isspace()
    is lib/ctype.c's, which counts bytes 9 to 13, 32 and 160 (0xa0) as space."""
    return (0 < len(raw) < nk.IFNAMSIZ and raw not in (b'.', b'..')
            and not any(byte in b'/:' or byte in (9, 10, 11, 12, 13, 32, 160) for byte in bytearray(raw)))


def valid_netns_name(name):
    """A name `ip netns add` takes (a file of /run/netns): no '/', no control characters,
    not '.' or '..', at most 255 bytes."""
    return (bool(name) and '/' not in name and name not in ('.', '..') and not any(is_control(c) for c in name)
            and utf8_size(name) is not None and utf8_size(name) <= 255)


def valid_pin_name(name):
    """bpffs refuses names with a dot (EPERM); no empty component, no control characters,
    nothing without UTF-8 (a lone surrogate)."""
    return bool(name) and '.' not in name and not any(is_control(c) for c in name) and not has_surrogate(name)


def raised(function, *args):
    """The NetkitError function raised, or None. Any other exception fails the test."""
    try:
        function(*args)
    except NetkitError as exc:
        return exc
    return None


# ------------------------------------------------------------ interface names

@CHECK
@given(param=st.sampled_from(['name', 'peer_name', 'device']), value=hostile_text)
@example(param='name', value='ü' * 7)
@example(param='name', value='ü' * 8)
@example(param='name', value='a' * 15)
@example(param='name', value='a' * 16)
@example(param='name', value='nk%d')
@example(param='name', value='\ud800')
def test_check_ifname_accepts_exactly_the_valid_names(param, value):
    error = raised(nk.check_ifname, param, value)
    if valid_ifname(value):
        assert error is None
    else:
        assert error is not None, '%r was accepted' % value
        assert str(error).startswith(param + ' ')
        # The value is shown with repr(): a NUL, a newline or an escape sequence cannot garble the message.
        assert not any(is_control(c) for c in str(error))


@CHECK
@given(value=hostile_text)
def test_check_ifname_accepts_nothing_the_kernel_refuses(value):
    """Every name check_ifname takes is one that dev_valid_name() takes too (byte 0xa0, in
    the UTF-8 of 'à', included): a task never gets as far as a kernel EINVAL."""
    if raised(nk.check_ifname, 'name', value) is None:
        assert kernel_dev_valid_name(value.encode('utf-8')), '%r is refused by the kernel' % value
        assert '%' not in value, "the kernel would expand '%%d' in %r to a number" % value


@pytest.mark.parametrize('name', ['a' * 14, 'ü' * 6 + 'ab', 'nk0'])
def test_default_peer_name_fits_when_name_leaves_a_byte(name):
    assert nk.default_peer_name(name) == name + 'p'
    nk.check_ifname('peer_name', nk.default_peer_name(name))


@CHECK
@given(value=valid_names)
def test_default_peer_name_is_valid_or_refused_with_a_hint(value):
    error = raised(nk.default_peer_name, value)
    if len(value.encode('utf-8')) <= 14:
        assert error is None
        assert valid_ifname(nk.default_peer_name(value))
    else:
        assert 'set peer_name' in str(error) and str(error).startswith('peer_name ')


# ------------------------------------------------------------ network namespace names

@CHECK
@given(name=hostile_text)
@example(name='a' * 255)
@example(name='a' * 256)
@example(name='ü' * 128)
def test_check_netns_name_raises_only_netkit_errors_naming_peer_netns(name):
    error = raised(nk.check_netns_name, name)
    if error is not None:
        assert str(error).startswith('peer_netns ')
        assert not any(is_control(c) for c in str(error))


@CHECK
@given(name=hostile_text)
@example(name='a' * 255)
@example(name='a' * 256)
@example(name='ü' * 127 + 'a')
@example(name='ü' * 128)
def test_check_netns_name_accepts_exactly_the_names_ip_netns_takes(name):
    """Lone surrogates included: they have no UTF-8, so no file of /run/netns has them."""
    assert (raised(nk.check_netns_name, name) is None) == valid_netns_name(name)


# ------------------------------------------------------------ desired_pair

def pair_params(**values):
    params = dict((key, spec.get('default')) for key, spec in nk.PAIR_ARGUMENT_SPEC.items())
    params.update(values)
    return params


def expected_problem(params):
    """The parameter desired_pair must complain about first, or None when all is well."""
    name, peer, netns = params['name'], params['peer_name'], params['peer_netns']
    if not valid_ifname(name):
        return 'name'
    if peer is None:
        peer = name + 'p'
        if len(peer.encode('utf-8')) > 15:
            return 'peer_name'
    if not valid_ifname(peer) or (peer == name and not netns):
        return 'peer_name'
    if netns is not None and not valid_netns_name(netns):
        return 'peer_netns'
    for key in ('mtu', 'peer_mtu'):
        if params[key] is not None and not 68 <= params[key] <= 65535:
            return key
    for key in ('headroom', 'tailroom'):
        if params[key] is not None and not 0 <= params[key] <= 65535:
            return key
    if params['link_local'] and any(params[key] is not None and params[key] < 1280 for key in ('mtu', 'peer_mtu')):
        return 'link_local'
    return None


def maybe(strategy):
    return st.one_of(st.none(), strategy)


MTUS = st.one_of(st.sampled_from([-1, 0, 67, 68, 1279, 1280, 1500, 65535, 65536, 2 ** 32]), st.integers(68, 65535),
                 st.integers(-10, 70000))
ROOMS = st.one_of(st.sampled_from([-1, 0, 64, 65535, 65536]), st.integers(0, 65535), st.integers(-10, 70000))


@CHECK
@given(name=st.one_of(valid_names, hostile_text), peer_name=maybe(st.one_of(valid_names, hostile_text)),
       peer_netns=maybe(st.one_of(st.sampled_from(['blue', 'a b', '%d', 'ns:1']), encodable_text)), mtu=maybe(MTUS),
       peer_mtu=maybe(MTUS), headroom=maybe(ROOMS), tailroom=maybe(ROOMS), link_local=maybe(st.booleans()))
@example(name='nk0', peer_name='nk0', peer_netns=None, mtu=None, peer_mtu=None, headroom=None, tailroom=None,
         link_local=None)
@example(name='nk0', peer_name='nk0', peer_netns='blue', mtu=None, peer_mtu=None, headroom=None, tailroom=None,
         link_local=None)
@example(name='a' * 15, peer_name=None, peer_netns=None, mtu=None, peer_mtu=None, headroom=None, tailroom=None,
         link_local=None)
@example(name='ü' * 7, peer_name=None, peer_netns=None, mtu=1280, peer_mtu=1279, headroom=None, tailroom=None,
         link_local=True)
@example(name='nk0', peer_name=None, peer_netns='', mtu=None, peer_mtu=None, headroom=None, tailroom=None,
         link_local=None)
def test_desired_pair_names_the_first_bad_parameter(name, peer_name, peer_netns, mtu, peer_mtu, headroom,
                                                    tailroom, link_local):
    params = pair_params(name=name, peer_name=peer_name, peer_netns=peer_netns, mtu=mtu, peer_mtu=peer_mtu,
                         headroom=headroom, tailroom=tailroom, link_local=link_local)
    problem = expected_problem(params)
    event('refused for %s' % problem if problem else 'accepted')
    try:
        wanted = nk.desired_pair(params)
    except NetkitError as exc:
        assert problem is not None, 'refused %r: %s' % (params, exc)
        assert str(exc).startswith(problem + ' '), (problem, str(exc))
        return
    assert problem is None, '%s %r was accepted' % (problem, params[problem])
    assert wanted['name'] == name
    assert wanted['peer_name'] == (peer_name if peer_name is not None else name + 'p')
    assert valid_ifname(wanted['peer_name'])
    assert set(wanted) == set(nk.SETTINGS) | {'name'}
    for key in nk.SETTINGS:
        if key != 'peer_name':
            assert wanted[key] == params[key]


@CHECK
@given(name=valid_names, peer_name=maybe(valid_names), mtu=maybe(MTUS), peer_mtu=maybe(MTUS),
       headroom=maybe(ROOMS), tailroom=maybe(ROOMS), link_local=maybe(st.booleans()))
@example(name='nk0', peer_name=None, mtu=1280, peer_mtu=1280, headroom=None, tailroom=None, link_local=True)
@example(name='nk0', peer_name=None, mtu=1279, peer_mtu=None, headroom=None, tailroom=None, link_local=True)
@example(name='nk0', peer_name=None, mtu=None, peer_mtu=1279, headroom=None, tailroom=None, link_local=True)
@example(name='nk0', peer_name=None, mtu=1000, peer_mtu=1000, headroom=None, tailroom=None, link_local=False)
@example(name='nk0', peer_name=None, mtu=None, peer_mtu=None, headroom=65536, tailroom=None, link_local=None)
def test_desired_pair_checks_sizes_and_link_local(name, peer_name, mtu, peer_mtu, headroom, tailroom, link_local):
    """Names that pass, so that the MTU, headroom and link-local checks get their turn."""
    params = pair_params(name=name, peer_name=peer_name, peer_netns='blue', mtu=mtu, peer_mtu=peer_mtu,
                         headroom=headroom, tailroom=tailroom, link_local=link_local)
    problem = expected_problem(params)
    event('refused for %s' % problem if problem else 'accepted')
    error = raised(nk.desired_pair, params)
    if problem is None:
        assert error is None
    else:
        assert str(error).startswith(problem + ' '), (problem, error)
        if problem == 'link_local':
            assert 'needs an MTU of at least 1280' in str(error)


def test_desired_pair_does_not_change_its_input():
    params = pair_params(name='nk0', mtu=1500)
    copy = dict(params)
    nk.desired_pair(params)
    assert params == copy


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
    error = raised(_bpf.check_pin_path, path)
    if error is not None:
        assert isinstance(error, _bpf.BpfError)
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
    assert (raised(_bpf.check_pin_path, path) is None) == all(valid_pin_name(c) for c in components)


@CHECK
@given(param=st.sampled_from(['pin_path', 'device']), names=st.lists(hostile_text, max_size=4))
def test_check_pin_names_names_the_parameter(param, names):
    error = raised(_bpf.check_pin_names, param, names)
    if all(valid_pin_name(name) for name in names):
        assert error is None
    else:
        assert isinstance(error, _bpf.BpfError)
        assert str(error).startswith(param + ': ')
        assert not any(is_control(c) for c in str(error))


@CHECK
@given(device=valid_names)
def test_default_pin_dir_is_below_the_collections_directory(device):
    """Without pin_path, the pin directory is the primary's name under DEFAULT_PIN_DIR,
    or a BpfError about device (interface names may have a dot, bpffs names may not)."""
    error = raised(_bpf.pin_dir_of, {}, device)
    if '.' in device:
        assert str(error).startswith('device: ')
    else:
        assert error is None
        pin_dir = _bpf.pin_dir_of({}, device)
        assert os.path.dirname(pin_dir) == _bpf.DEFAULT_PIN_DIR
        _bpf.check_pin_path(pin_dir)


# ------------------------------------------------------------ programs

programs = st.lists(st.fixed_dictionaries({'name': hostile_text, 'attach': st.sampled_from(sorted(_bpf.HOOKS))}),
                    max_size=4)


@CHECK
@given(programs=programs)
@example(programs=[{'name': 'a', 'attach': 'peer'}, {'name': 'a', 'attach': 'primary'}])
@example(programs=[{'name': 'a', 'attach': 'peer'}, {'name': 'b', 'attach': 'peer'}])
def test_hooks_of_gives_one_program_per_hook(programs):
    names = [program['name'] for program in programs]
    hooks = [program['attach'] for program in programs]
    error = raised(_bpf.hooks_of, programs)
    if len(set(names)) == len(names) and len(set(hooks)) == len(hooks):
        assert error is None
        assert _bpf.hooks_of(programs) == dict((p['name'], p['attach']) for p in programs)
    else:
        assert isinstance(error, _bpf.BpfError)
        assert str(error).startswith('programs: ')
