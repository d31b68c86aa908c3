# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pair's parameters, module_utils/_pair_arguments.py: hostile input against every
validator, with hypothesis, and the examples that pin the messages down.

Each validator either raises NetkitError with a message that starts with the parameter
it is about, or accepts a value that meets the rules written out here independently of
the code (the oracles below). No other exception type ever escapes. Pure logic: no
kernel, no netkit, no root.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils import _pair_arguments as pa
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.tests.unit.plugins.module_utils.hostile_names import (
    has_surrogate, hostile_text, is_control, raised, utf8_size, valid_ifname, valid_names,
)

CHECK = settings(max_examples=200, deadline=None)

# The same without lone surrogates: what a YAML or JSON task file can hold as UTF-8.
encodable_text = hostile_text.filter(lambda text: not has_surrogate(text))


def kernel_dev_valid_name(raw):
    """The kernel's dev_valid_name() (net/core/dev.c) over the bytes it gets: its isspace()
    is lib/ctype.c's, which counts bytes 9 to 13, 32 and 160 (0xa0) as space."""
    return (0 < len(raw) < 16 and raw not in (b'.', b'..')
            and not any(byte in b'/:' or byte in (9, 10, 11, 12, 13, 32, 160) for byte in bytearray(raw)))


def valid_netns_name(name):
    """A name `ip netns add` takes (a file of /run/netns): no '/', no control characters,
    not '.' or '..', at most 255 bytes."""
    return (bool(name) and '/' not in name and name not in ('.', '..') and not any(is_control(c) for c in name)
            and utf8_size(name) is not None and utf8_size(name) <= 255)


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
    error = raised(pa.check_ifname, param, value)
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
    if raised(pa.check_ifname, 'name', value) is None:
        assert kernel_dev_valid_name(value.encode('utf-8')), '%r is refused by the kernel' % value
        assert '%' not in value, "the kernel would expand '%%d' in %r to a number" % value


@pytest.mark.parametrize('name', ['a' * 14, 'ü' * 6 + 'ab', 'nk0'])
def test_default_peer_name_fits_when_name_leaves_a_byte(name):
    assert pa.default_peer_name(name) == name + 'p'
    pa.check_ifname('peer_name', pa.default_peer_name(name))


@CHECK
@given(value=valid_names)
def test_default_peer_name_is_valid_or_refused_with_a_hint(value):
    error = raised(pa.default_peer_name, value)
    if len(value.encode('utf-8')) <= 14:
        assert error is None
        assert valid_ifname(pa.default_peer_name(value))
    else:
        assert 'set peer_name' in str(error) and str(error).startswith('peer_name ')


# ------------------------------------------------------------ network namespace names

@CHECK
@given(name=hostile_text)
@example(name='a' * 255)
@example(name='a' * 256)
@example(name='ü' * 128)
def test_check_netns_name_raises_only_netkit_errors_naming_peer_netns(name):
    error = raised(pa.check_netns_name, name)
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
    assert (raised(pa.check_netns_name, name) is None) == valid_netns_name(name)


# ------------------------------------------------------------ desired_pair

def pair_params(**values):
    params = dict((key, spec.get('default')) for key, spec in pa.PAIR_ARGUMENT_SPEC.items())
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
        wanted = pa.desired_pair(params)
    except NetkitError as exc:
        assert problem is not None, 'refused %r: %s' % (params, exc)
        assert str(exc).startswith(problem + ' '), (problem, str(exc))
        return
    assert problem is None, '%s %r was accepted' % (problem, params[problem])
    assert wanted['name'] == name
    assert wanted['peer_name'] == (peer_name if peer_name is not None else name + 'p')
    assert valid_ifname(wanted['peer_name'])
    assert set(wanted) == set(pa.SETTINGS) | {'name'}
    for key in pa.SETTINGS:
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
    error = raised(pa.desired_pair, params)
    if problem is None:
        assert error is None
    else:
        assert str(error).startswith(problem + ' '), (problem, error)
        if problem == 'link_local':
            assert 'needs an MTU of at least 1280' in str(error)


def test_desired_pair_does_not_change_its_input():
    params = pair_params(name='nk0', mtu=1500)
    copy = dict(params)
    pa.desired_pair(params)
    assert params == copy


# ------------------------------------------------------------ examples

def test_interface_names_have_the_kernels_size():
    assert pa.IFNAMSIZ == 16, 'IFNAMSIZ of include/uapi/linux/if.h, the terminating NUL included'


@pytest.mark.parametrize('name', ['nk0', 'a' * 15, 'eth-0_x', 'ü' * 7, 'x.y'])
def test_accepts_names_the_kernel_accepts(name):
    assert pa.check_ifname('name', name) is None


@pytest.mark.parametrize('name,message', [
    ('', 'must not be empty'),
    ('a' * 16, 'is 16 bytes long'),
    ('ü' * 8, 'is 16 bytes long'),
    ('a/b', 'not a valid interface name'),
    ('a:b', 'not a valid interface name'),
    ('a b', 'not a valid interface name'),
    ('nk%d', 'not a valid interface name'),
    ('..', 'not a valid interface name'),
    ('\ud800', 'is not valid UTF-8'),
])
def test_rejects_names_the_kernel_rejects(name, message):
    with pytest.raises(NetkitError, match=message):
        pa.check_ifname('peer_name', name)


def test_default_peer_name_appends_p():
    assert pa.default_peer_name('nk0') == 'nk0p'
    with pytest.raises(NetkitError, match='shorten name to at most 14 bytes or set peer_name'):
        pa.default_peer_name('a' * 15)


def test_desired_pair_fills_the_peer_name_and_checks_ranges():
    assert pa.desired_pair(pair_params(name='nk0'))['peer_name'] == 'nk0p'
    with pytest.raises(NetkitError, match='mtu 10 is out of range'):
        pa.desired_pair(pair_params(name='nk0', mtu=10))
    with pytest.raises(NetkitError, match='peer_name must differ'):
        pa.desired_pair(pair_params(name='nk0', peer_name='nk0'))
    assert pa.desired_pair(pair_params(name='nk0', peer_name='nk0', peer_netns='blue'))['peer_name'] == 'nk0'
    with pytest.raises(NetkitError, match='peer_netns'):
        pa.desired_pair(pair_params(name='nk0', peer_netns='../x'))
    with pytest.raises(NetkitError, match='headroom must be 0 to 65535 bytes'):
        pa.desired_pair(pair_params(name='nk0', headroom=65536))


def test_deleting_needs_no_room_for_the_default_peer_name():
    assert pa.desired_pair(pair_params(name='a' * 15, state='absent'))['peer_name'] is None
    with pytest.raises(NetkitError, match='peer_name defaults to name'):
        pa.desired_pair(pair_params(name='a' * 15))


@pytest.mark.parametrize('wanted,pair,message', [
    (dict(link_local=True), dict(mtu=1500, peer_mtu=1279), 'and peer_mtu is 1279: raise peer_mtu or drop link_local'),
    (dict(link_local=True, mtu=1000), dict(mtu=1500, peer_mtu=1500), 'and mtu is 1000: raise mtu'),
    (dict(link_local=True, mtu=1500, peer_mtu=1500), dict(mtu=1000, peer_mtu=1000), None),
    (dict(link_local=False), dict(mtu=68, peer_mtu=68), None),
    (dict(link_local=None, mtu=68), dict(), None),
    (dict(link_local=True), dict(mtu=None, peer_mtu=None), None),
])
def test_link_local_checks_the_mtu_each_end_will_have(wanted, pair, message):
    """The task's MTU where it sets one, else the pair's."""
    error = raised(pa.check_link_local_mtu, wanted, pair)
    if message is None:
        assert error is None
    else:
        assert str(error).startswith('link_local needs an MTU of at least 1280 on both ends (IPv6), ')
        assert message in str(error)


def test_the_argument_spec_has_every_setting():
    assert set(pa.SETTINGS) | {'name', 'state', 'recreate'} == set(pa.PAIR_ARGUMENT_SPEC)
    assert pa.PAIR_ARGUMENT_SPEC['name']['required'] is True
    assert (pa.PAIR_ARGUMENT_SPEC['state']['default'], pa.PAIR_ARGUMENT_SPEC['up']['default'],
            pa.PAIR_ARGUMENT_SPEC['recreate']['default']) == ('present', True, False)


@pytest.mark.parametrize('key,value,message', [
    ('txqueuelen', -1, 'txqueuelen -1 is out of range: 0 to 4294967295 packets'),
    ('peer_txqueuelen', 2 ** 32, 'peer_txqueuelen 4294967296 is out of range'),
    ('gso_max_size', 0, 'gso_max_size 0 is out of range: 1 to 524280 bytes'),
    ('gro_max_size', 524281, 'gro_max_size 524281 is out of range: 1 to 524280 bytes'),
])
def test_queue_and_offload_sizes_are_checked(key, value, message):
    with pytest.raises(NetkitError, match=message):
        pa.desired_pair({'name': 'nk0', key: value})
    for fits in (0 if 'txqueuelen' in key else 1, 1000, 524280):
        assert pa.desired_pair({'name': 'nk0', key: fits})[key] == fits


# ------------------------------------------------------------ MAC addresses

HEX = '0123456789abcdefABCDEF'


def expected_mac(value):
    """What mac_address() must make of value, or None where it must refuse it: six groups of
    two hex digits, split by ':' or '-', surrounding whitespace aside; unicast (an even first
    byte) and not all zero; given back in lower case with colons."""
    groups = value.strip().replace('-', ':').split(':')
    if len(groups) != 6 or not all(len(group) == 2 and all(c in HEX for c in group) for group in groups):
        return None
    octets = [int(group, 16) for group in groups]
    if octets[0] & 1 or not any(octets):
        return None
    return ':'.join('%02x' % octet for octet in octets)


# Six bytes written the ways people write them: any case, colons or dashes; and broken ones.
written_macs = st.builds(
    lambda raw, upper, sep: sep.join(('%02X' if upper else '%02x') % byte for byte in bytearray(raw)),
    st.binary(min_size=6, max_size=6), st.booleans(), st.sampled_from([':', '-', '', '.', ' ', '::']))
mac_like = st.one_of(
    written_macs,
    st.tuples(written_macs, hostile_text, st.integers(0, 17)).map(
        lambda parts: parts[0][:parts[2]] + parts[1] + parts[0][parts[2]:]),
    st.tuples(written_macs, st.sampled_from([' ', '\t', '\n', '\x00', '\u3000', '\x1b[31m'])).map(
        lambda parts: parts[1] + parts[0] + parts[1]),
    hostile_text,
)


@CHECK
@given(param=st.sampled_from(['address', 'peer_address']), value=mac_like)
@example(param='address', value='02:00:5E:10:00:01')
@example(param='address', value='02-00-5e-10-00-01')
@example(param='address', value='02:00:5e:10:00:01\n')
@example(param='address', value='02:00:5e:10:00:01\x00')
@example(param='peer_address', value='0:0:5e:10:0:1')
@example(param='peer_address', value='\uff10\uff12:00:5e:10:00:01')
def test_mac_address_accepts_exactly_unicast_macs(param, value):
    expected = expected_mac(value)
    event('accepted' if expected else 'refused')
    error = raised(pa.mac_address, param, value)
    if expected is None:
        assert error is not None, '%r was accepted' % value
        assert str(error).startswith(param + ' ')
        # The value is shown with repr(): a NUL, a newline or an escape sequence cannot garble the message.
        assert not any(is_control(c) for c in str(error))
    else:
        assert error is None, (value, error)
        assert pa.mac_address(param, value) == expected


@pytest.mark.parametrize('value,normal', [
    ('02:00:5e:10:00:01', '02:00:5e:10:00:01'),
    ('02:00:5E:10:00:0A', '02:00:5e:10:00:0a'),
    ('02-00-5e-10-00-01', '02:00:5e:10:00:01'),
    ('fe:ff:ff:ff:ff:ff', 'fe:ff:ff:ff:ff:ff'),
    ('00:00:00:00:00:01', '00:00:00:00:00:01'),
])
def test_mac_address_gives_the_form_the_kernel_reports(value, normal):
    assert pa.mac_address('address', value) == normal


@pytest.mark.parametrize('param,value,message', [
    ('address', '01:00:5e:00:00:01', 'address 01:00:5e:00:00:01 is a multicast address; an end needs a unicast MAC'),
    ('peer_address', 'FF:FF:FF:FF:FF:FF', 'peer_address ff:ff:ff:ff:ff:ff is a multicast address'),
    ('peer_address', '33-33-00-00-00-01', 'peer_address 33:33:00:00:00:01 is a multicast address'),
    ('address', '00:00:00:00:00:00', 'address 00:00:00:00:00:00 is a zero address'),
    ('address', '00-00-00-00-00-00', 'address 00:00:00:00:00:00 is a zero address'),
    ('address', '02:00:5e:10:00', "address '02:00:5e:10:00' is not a MAC address (six bytes in hex"),
    ('peer_address', '02:00:5e:10:00:01:02', "peer_address '02:00:5e:10:00:01:02' is not a MAC address"),
    ('address', '0200.5e10.0001', "address '0200.5e10.0001' is not a MAC address"),
    ('address', '02:00:5g:10:00:01', "address '02:00:5g:10:00:01' is not a MAC address"),
    ('address', '', "address '' is not a MAC address"),
])
def test_mac_address_refuses_naming_the_parameter(param, value, message):
    with pytest.raises(NetkitError) as info:
        pa.mac_address(param, value)
    assert str(info.value).startswith(message), str(info.value)


def test_desired_pair_normalises_the_macs_and_wants_them_different():
    wanted = pa.desired_pair(pair_params(name='nk0', mode='l2', address='02:00:5E:10:00:01',
                                         peer_address='02-00-5e-10-00-02'))
    assert (wanted['address'], wanted['peer_address']) == ('02:00:5e:10:00:01', '02:00:5e:10:00:02')
    with pytest.raises(NetkitError) as info:
        pa.desired_pair(pair_params(name='nk0', address='02:00:5E:10:00:01', peer_address='02-00-5e-10-00-01'))
    assert str(info.value) == ('address and peer_address are both 02:00:5e:10:00:01; the two ends of a pair need '
                               'different MACs')
    with pytest.raises(NetkitError, match='^peer_address 01:00:5e:00:00:01 is a multicast address'):
        pa.desired_pair(pair_params(name='nk0', peer_address='01:00:5e:00:00:01'))


@pytest.mark.parametrize('asked,mode,message', [
    (dict(address='02:00:5e:10:00:01'), 'l2', None),
    (dict(address='02:00:5e:10:00:01', peer_address='02:00:5e:10:00:02'), 'l2', None),
    (dict(), 'l3', None),
    (dict(address=None, peer_address=None), 'l3', None),
    (dict(address='02:00:5e:10:00:01'), 'l3',
     'address: netkit devices have MAC addresses in mode l2 only, and this device is l3; set mode: l2 (with '
     'recreate: true for an existing device) or drop address'),
    (dict(peer_address='02:00:5e:10:00:02'), 'l3', 'peer_address: netkit devices have MAC addresses in mode l2 only'),
    (dict(address='02:00:5e:10:00:01', peer_address='02:00:5e:10:00:02'), 'l3',
     'address, peer_address: netkit devices have MAC addresses in mode l2 only, and this device is l3; set mode: l2 '
     '(with recreate: true for an existing device) or drop address and peer_address'),
])
def test_macs_belong_to_l2_ends(asked, mode, message):
    error = raised(pa.check_address_mode, asked, mode)
    if message is None:
        assert error is None
    else:
        assert str(error).startswith(message), str(error)


# ------------------------------------------------------------ queue counts and IPv4 offload sizes

@pytest.mark.parametrize('key', ['numrxqueues', 'peer_numrxqueues', 'numtxqueues', 'peer_numtxqueues'])
def test_queue_counts_are_1_to_the_kernels_4096(key):
    for fits in (1, 8, 4096):
        assert pa.desired_pair(pair_params(name='nk0', **{key: fits}))[key] == fits
    for value in (0, -1, 4097, 2 ** 32):
        with pytest.raises(NetkitError) as info:
            pa.desired_pair(pair_params(name='nk0', **{key: value}))
        assert str(info.value) == '%s %d is out of range: 1 to 4096 queues' % (key, value)


@pytest.mark.parametrize('key', ['gso_ipv4_max_size', 'gro_ipv4_max_size'])
def test_ipv4_offload_sizes_are_checked_like_the_others(key):
    for fits in (1, 65536, 196608, 524280):
        assert pa.desired_pair(pair_params(name='nk0', **{key: fits}))[key] == fits
    for value in (0, 524281):
        with pytest.raises(NetkitError, match='^%s %d is out of range: 1 to 524280 bytes' % (key, value)):
            pa.desired_pair(pair_params(name='nk0', **{key: value}))


def test_an_ends_settings_are_its_own_and_the_offload_sizes_of_both():
    wanted = pa.desired_pair(pair_params(name='nk0', mode='l2', address='02:00:00:00:00:01',
                                         peer_address='02:00:00:00:00:02', mtu=9000, peer_mtu=4000, txqueuelen=0,
                                         peer_txqueuelen=500, gso_max_size=196608, gro_ipv4_max_size=131072))
    sizes = {'gso_max_size': 196608, 'gro_max_size': None, 'gso_ipv4_max_size': None, 'gro_ipv4_max_size': 131072}
    assert pa.end_settings(wanted, peer=False) == dict(sizes, address='02:00:00:00:00:01', mtu=9000, txqueuelen=0)
    assert pa.end_settings(wanted, peer=True) == dict(sizes, address='02:00:00:00:00:02', mtu=4000, txqueuelen=500)


# ------------------------------------------------------------ single devices

# What a single device has none of, written out: the peer's options, and the scrub settings.
PEER_OPTIONS = {'peer_name': 'nk0p', 'peer_netns': 'blue', 'scrub': 'none', 'peer_scrub': 'default',
                'peer_policy': 'forward', 'peer_numrxqueues': 1, 'peer_numtxqueues': 1,
                'peer_address': '02:00:00:00:00:02', 'peer_mtu': 1500, 'peer_txqueuelen': 1000}


def test_the_peer_settings_are_the_options_a_single_device_has_not():
    assert set(pa.PEER_SETTINGS) == set(PEER_OPTIONS)


@pytest.mark.parametrize('key', sorted(PEER_OPTIONS))
def test_a_single_device_refuses_each_peer_option(key):
    with pytest.raises(NetkitError) as info:
        pa.desired_pair(pair_params(name='nks0', pairing='single', **{key: PEER_OPTIONS[key]}))
    assert str(info.value) == ('pairing single makes one device without a peer; drop %s (they need a pair)' % key)


def test_a_single_device_names_every_peer_option_it_refuses():
    with pytest.raises(NetkitError) as info:
        pa.check_single(dict(pairing='single', peer_mtu=1500, scrub='none', peer_name='x'))
    assert str(info.value).startswith('pairing single makes one device without a peer; drop ')
    refused = str(info.value).split('drop ')[1].split(' (')[0].split(', ')
    assert sorted(refused) == ['peer_mtu', 'peer_name', 'scrub']


def test_a_single_device_only_forwards():
    with pytest.raises(NetkitError) as info:
        pa.desired_pair(pair_params(name='nks0', pairing='single', policy='blackhole'))
    assert str(info.value).startswith('policy blackhole: a single device only forwards')
    assert pa.desired_pair(pair_params(name='nks0', pairing='single', policy='forward'))['policy'] == 'forward'


def test_a_single_device_has_no_peer_name_and_needs_no_room_for_one():
    wanted = pa.desired_pair(pair_params(name='a' * 15, pairing='single', mode='l2', address='02:00:00:00:00:01',
                                         numrxqueues=8, mtu=9000, link_local=True))
    assert wanted['peer_name'] is None
    assert (wanted['pairing'], wanted['numrxqueues'], wanted['address']) == ('single', 8, '02:00:00:00:00:01')
    # The same name as a pair has no room for the default peer name.
    with pytest.raises(NetkitError, match='^peer_name defaults to name'):
        pa.desired_pair(pair_params(name='a' * 15, pairing='pair'))


def test_pairing_pair_takes_peer_options():
    wanted = pa.desired_pair(pair_params(name='nk0', pairing='pair', **PEER_OPTIONS))
    assert all(wanted[key] == value for key, value in PEER_OPTIONS.items())


@pytest.mark.parametrize('value', ['41135085296', '0'])
def test_a_mac_yaml_read_as_a_number_gets_the_quoting_hint(value):
    """YAML 1.1 reads 52:54:00:12:34:56 unquoted as a base-60 integer; Ansible's str makes it digits."""
    error = raised(pa.mac_address, 'address', value)
    assert "'%s' is a number, not a MAC address" % value in str(error) and 'quote it' in str(error)
