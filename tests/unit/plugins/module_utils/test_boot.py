# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot unit's state file, module_utils/_boot.py: read_state() against what the role
writes (roles/netkit/templates/boot.json.j2) and against every way the file can be wrong,
and main()'s exits on the paths that stop before the restore. Pure logic: main() is never
given a state it would restore, so nothing here reaches the kernel.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import jinja2
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ansible.module_utils.common.validation import check_type_bool, check_type_int
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE
from ansible.plugins.filter.core import to_nice_json
from ansible_collections.xcnf.netkit.plugins.module_utils._boot import main, read_state
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import PAIR_ARGUMENT_SPEC

CHECK = settings(max_examples=200, deadline=None)
ROLE = os.path.join(os.path.dirname(os.path.realpath(__file__)), '..', '..', '..', '..', 'roles', 'netkit')
OBJECT_DIR = '/usr/local/lib/xcnf-netkit/bpf'
OBSERVER_PROGRAMS = [{'name': 'observe_primary', 'attach': 'primary'}, {'name': 'observe_peer', 'attach': 'peer'}]
# Written out here rather than taken from PAIR_ARGUMENT_SPEC, so that a default lost there shows.
DEFAULTS = {'state': 'present', 'up': True, 'recreate': False}
# The words Ansible's boolean() takes, from Ansible itself: the oracle of the bool options.
TRUE_WORDS = sorted(word for word in BOOLEANS_TRUE if isinstance(word, str))
FALSE_WORDS = sorted(word for word in BOOLEANS_FALSE if isinstance(word, str))


def pair(**values):
    """A pair entry as read_state() gives it: every key of the argument spec."""
    full = dict.fromkeys(PAIR_ARGUMENT_SPEC)
    full.update(DEFAULTS)
    full.update(values)
    return full


def attachment_entry(device, programs=None):
    return {'device': device, 'object': '%s/%s.bpf.o' % (OBJECT_DIR, device),
            'programs': OBSERVER_PROGRAMS if programs is None else programs}


def state(**parts):
    """A valid state (two pairs, programs on the first) with parts replaced."""
    whole = {'version': 1, 'netns': ['blue'],
             'pairs': [{'name': 'nk0', 'peer_netns': 'blue'}, {'name': 'nk1', 'mode': 'l2'}],
             'bpf': [attachment_entry('nk0')]}
    whole.update(parts)
    return whole


def with_second_pair(**values):
    return state(pairs=[{'name': 'nk0', 'peer_netns': 'blue'}, dict({'name': 'nk1'}, **values)])


def with_second_attachment(**fields):
    return state(bpf=[attachment_entry('nk0'), dict(attachment_entry('nk1'), **fields)])


def without(mapping, key):
    return dict((k, v) for k, v in mapping.items() if k != key)


def refusal(whole):
    """The NetkitError read_state() raises for whole (a dict, or the text itself)."""
    text = whole if isinstance(whole, str) else json.dumps(whole)
    with pytest.raises(NetkitError) as raised:
        read_state(text)
    return str(raised.value)


# ------------------------------------------------------------ what the role writes

def render_role_state(netkit_pairs, manage_netns=True):
    """boot.json.j2 rendered with the role's variables for netkit_pairs, derived as
    roles/netkit/vars/main.yml derives them, and its to_nice_json."""
    with open(os.path.join(ROLE, 'vars', 'main.yml')) as role_vars:
        observer_programs = yaml.safe_load(role_vars)['netkit_observer_programs']
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROLE, 'templates')),
                                     undefined=jinja2.StrictUndefined)
    environment.filters['to_nice_json'] = to_nice_json
    namespaces = []
    for entry in netkit_pairs:
        if 'peer_netns' in entry and entry['peer_netns'] not in namespaces:
            namespaces.append(entry['peer_netns'])
    return environment.get_template('boot.json.j2').render(
        netkit_pair_entries=[without(entry, 'bpf') for entry in netkit_pairs],
        netkit_bpf_pairs=[entry for entry in netkit_pairs if 'bpf' in entry],
        netkit_peer_namespaces=namespaces, netkit_manage_netns=manage_netns,
        netkit_bpf_dir=OBJECT_DIR, netkit_observer_programs=observer_programs)


def test_the_state_the_role_writes_reads_back_typed_and_with_the_defaults():
    # Values as YAML gives them to the role, of the types Ansible's argument spec converts.
    netkit_pairs = [
        {'name': 'nk0', 'peer_netns': 'blue', 'link_local': True, 'bpf': {}},
        {'name': 'nk1', 'mode': 'l2', 'mtu': '9000', 'peer_mtu': 9000.0, 'up': 'yes', 'recreate': 'on',
         'peer_netns': 'blue', 'bpf': {'object': 'mine.bpf.o', 'programs': [{'name': 'count', 'attach': 'peer'}]}},
        {'name': 'nk2', 'scrub': 'none', 'txqueuelen': '1000', 'up': 'no', 'link_local': False, 'headroom': 0},
        {'name': 'nk3', 'peer_netns': 'red', 'up': '1', 'recreate': True, 'peer_name': 12},
    ]
    netns, pairs, attachments = read_state(render_role_state(netkit_pairs))
    assert netns == ['blue', 'red']
    assert pairs == [
        pair(name='nk0', peer_netns='blue', link_local=True),
        pair(name='nk1', mode='l2', mtu=9000, peer_mtu=9000, up=True, recreate=True, peer_netns='blue'),
        pair(name='nk2', scrub='none', txqueuelen=1000, up=False, link_local=False, headroom=0),
        pair(name='nk3', peer_netns='red', up=True, recreate=True, peer_name='12'),
    ]
    assert all(sorted(entry) == sorted(PAIR_ARGUMENT_SPEC) for entry in pairs)
    assert attachments == [
        {'device': 'nk0', 'object': OBJECT_DIR + '/nk0.bpf.o', 'state': 'present', 'pin_path': None,
         'placement': {}, 'programs': OBSERVER_PROGRAMS},
        {'device': 'nk1', 'object': OBJECT_DIR + '/nk1.bpf.o', 'state': 'present', 'pin_path': None,
         'placement': {}, 'programs': [{'name': 'count', 'attach': 'peer'}]},
    ]


def test_the_state_of_a_role_that_leaves_namespaces_alone_lists_none():
    netns, pairs, attachments = read_state(render_role_state([{'name': 'nk0', 'peer_netns': 'blue'}],
                                                             manage_netns=False))
    assert (netns, pairs, attachments) == ([], [pair(name='nk0', peer_netns='blue')], [])


def test_an_empty_state_is_nothing_to_restore():
    assert read_state(json.dumps(state(netns=[], pairs=[], bpf=[]))) == ([], [], [])


def test_an_explicit_null_is_the_default():
    assert read_state(json.dumps(with_second_pair(up=None, mtu=None, state=None)))[1][1] == pair(name='nk1')


@pytest.mark.parametrize('given_value, expected', [
    ('9000', 9000), (9000, 9000), (9000.0, 9000), (' 9000 ', 9000), ('+9000', 9000), ('-1', -1), ('0', 0),
    ('9000.0', 9000), ('9e3', 9000), ('9E3', 9000), ('9_000', 9000), ('90.0e2', 9000), (' -9_000.00 ', -9000),
])
def test_an_int_option_takes_what_ansible_converts_to_an_int(given_value, expected):
    converted = read_state(json.dumps(with_second_pair(mtu=given_value)))[1][1]['mtu']
    assert converted == expected and isinstance(converted, int) and not isinstance(converted, bool)


@pytest.mark.parametrize('given_value, expected', [
    ('yes', True), ('on', True), ('1', True), (True, True), (1, True), ('true', True), ('y', True), ('t', True),
    (1.0, True),
    ('no', False), (False, False), ('off', False), ('0', False), (0, False), ('false', False), ('n', False),
    ('f', False), (0.0, False),
])
def test_a_bool_option_takes_what_ansible_converts_to_a_bool(given_value, expected):
    assert read_state(json.dumps(with_second_pair(up=given_value)))[1][1]['up'] is expected


@pytest.mark.parametrize('key, given_value, expected', [
    ('peer_name', 12, '12'), ('address', 0, '0'), ('peer_netns', 3.5, '3.5'), ('name', 7, '7'),
])
def test_a_str_option_given_a_number_becomes_its_text(key, given_value, expected):
    assert read_state(json.dumps(with_second_pair(**{key: given_value})))[1][1][key] == expected


def test_netns_names_given_as_numbers_become_their_text():
    assert read_state(json.dumps(state(netns=[5, 'blue'])))[0] == ['5', 'blue']


@CHECK
@given(n=st.integers(min_value=-2 ** 53, max_value=2 ** 53), form=st.sampled_from([int, str, float]))
def test_any_int_in_any_form_json_carries_converts_to_itself(n, form):
    # Up to 2**53 every int is exactly a float, so float(n) stands for the same number.
    converted = read_state(json.dumps(with_second_pair(headroom=form(n))))[1][1]['headroom']
    assert converted == n and isinstance(converted, int) and not isinstance(converted, bool)


@st.composite
def bool_words(draw):
    """A word Ansible takes for a bool, in any mix of cases, with blanks around it."""
    value = draw(st.sampled_from([True, False]))
    word = draw(st.sampled_from(TRUE_WORDS if value else FALSE_WORDS))
    cased = ''.join(draw(st.sampled_from([c.lower(), c.upper()])) for c in word)
    blank = st.sampled_from(['', ' ', '\t', '\n'])
    return draw(blank) + cased + draw(blank), value


@CHECK
@given(word=bool_words())
def test_a_bool_word_in_any_case_converts_to_its_bool(word):
    text, value = word
    assert read_state(json.dumps(with_second_pair(link_local=text)))[1][1]['link_local'] is value


@pytest.mark.parametrize('word', [word + '!' for word in TRUE_WORDS]
                         + ['ja', 'nein', 'yess', '10', 'tru', 'o n', '1.0', '0.0'])
def test_a_word_ansible_takes_for_no_bool_is_refused(word):
    assert "up: %r is not a boolean" % word in refusal(with_second_pair(up=word))


@pytest.mark.parametrize('number', [2, -1, 0.5, 2.0, -1.0])
def test_a_number_other_than_0_and_1_is_no_bool(number):
    assert refusal(with_second_pair(up=number)) == 'pairs[1] (nk1) of the boot state: up: %r is not a boolean' % number


# Ansible's argument spec is the oracle: netkit_pairs saw what the role wrote through it.
# Strings of ints in every form Python's int() and Decimal() share (signs, blanks, '_'
# between digit groups, a '.0', an exponent), up to 10**14 (below 2**53, where a float is
# exact), with ints and finite floats; what this core's check_type_int refuses is left out.
INT_TEXT = st.from_regex(r'[ \t]?[+-]?[0-9]{1,3}(_[0-9]{3}){0,3}(\.0{0,2})?([eE]\+?[0-2])?[ \t]?', fullmatch=True)


@CHECK
@given(value=st.one_of(INT_TEXT, st.integers(min_value=-2 ** 53, max_value=2 ** 53),
                       st.floats(allow_nan=False, allow_infinity=False)))
def test_what_ansible_converts_to_an_int_the_boot_state_converts_to_the_same_int(value):
    try:
        expected = check_type_int(value)
    except TypeError:
        assume(False)
    converted = read_state(json.dumps(with_second_pair(txqueuelen=value)))[1][1]['txqueuelen']
    assert converted == expected and isinstance(converted, int) and not isinstance(converted, bool)


@CHECK
@given(value=st.one_of(st.text(max_size=6), st.sampled_from(TRUE_WORDS + FALSE_WORDS + ['1.0', '0.0', ' Yes\t']),
                       st.integers(min_value=-3, max_value=3), st.floats(allow_nan=False, allow_infinity=False)))
def test_the_boot_state_takes_for_a_bool_exactly_what_ansible_does(value):
    try:
        expected = check_type_bool(value)
    except TypeError:
        assert 'up: %r is not a boolean' % (value,) in refusal(with_second_pair(up=value))
    else:
        assert read_state(json.dumps(with_second_pair(up=value)))[1][1]['up'] is expected


# ------------------------------------------------------------ refusals

@pytest.mark.parametrize('text', ['', '{"version": 1,', 'not json', '{"version": 1} trailing'])
def test_text_that_is_not_json_is_refused(text):
    assert refusal(text).startswith('the boot state is not JSON: ')


@pytest.mark.parametrize('whole', [
    without(state(), 'version'), state(version=2), state(version=0), state(version='1'), state(version=None),
    [], 'a string', 1,
], ids=['missing', '2', '0', 'text', 'null', 'a list', 'a string', 'a number'])
def test_a_state_not_of_version_1_is_refused_with_a_hint(whole):
    message = refusal(json.dumps(whole))
    assert 'not version 1' in message and 'run the role again' in message


@pytest.mark.parametrize('version', [True, False])
def test_a_version_of_true_is_no_version_1(version):
    # In Python True == 1: the check must not take JSON's true for the number 1.
    assert json.dumps(state(version=version)).startswith('{"version": %s' % json.dumps(version))
    assert refusal(state(version=version)) == (
        "the boot state is not version 1 of xcnf.netkit's (run the role again)")


@pytest.mark.parametrize('whole', [
    without(state(), 'bpf'), without(state(), 'netns'), without(state(), 'pairs'), state(extra=[]),
    state(pairs={}), state(netns='blue'), state(bpf=None), state(pairs={'name': 'nk0'}),
], ids=['no bpf', 'no netns', 'no pairs', 'an extra key', 'pairs a dict', 'netns a string', 'bpf null',
        'pairs one entry'])
def test_a_state_without_exactly_its_three_lists_is_refused(whole):
    assert refusal(whole) == 'the boot state must have the lists netns, pairs and bpf'


@pytest.mark.parametrize('whole, fragments', [
    (with_second_pair(colour='red'), ['pairs[1]', '(nk1)', 'unknown keys: colour']),
    (with_second_pair(bpf={}, colour='red'), ['pairs[1]', 'unknown keys: bpf, colour']),
    (state(pairs=[{'name': 'nk0'}, {'mtu': 1500}]), ['pairs[1]', 'no name']),
    (state(pairs=[{'name': 'nk0'}, {'name': None}]), ['pairs[1]', 'no name']),
    (state(pairs=[{'name': 'nk0'}, 'nk1']), ['pairs[1]', 'not a dict']),
    (with_second_pair(mtu=True), ['pairs[1]', '(nk1)', 'mtu', 'True', 'not an integer']),
    (with_second_pair(mtu=False), ['pairs[1]', 'mtu', 'False', 'not an integer']),
    (with_second_pair(mtu='12x'), ['pairs[1]', '(nk1)', 'mtu', "'12x'"]),
    (with_second_pair(mtu='1500.5'), ['pairs[1]', 'mtu', "'1500.5' is not an integer"]),
    (with_second_pair(mtu='1e-3'), ['pairs[1]', 'mtu', "'1e-3' is not an integer"]),
    (with_second_pair(mtu='nan'), ['pairs[1]', 'mtu', "'nan' is not an integer"]),
    (with_second_pair(mtu='inf'), ['pairs[1]', 'mtu', "'inf' is not an integer"]),
    (with_second_pair(mtu=''), ['pairs[1]', '(nk1)', 'mtu']),
    (with_second_pair(mtu=[1500]), ['pairs[1]', 'mtu', '[1500] is not an integer']),
    (with_second_pair(mtu={'value': 1500}), ['pairs[1]', 'mtu', 'not an integer']),
    (with_second_pair(up='maybe'), ['pairs[1]', '(nk1)', 'up', "'maybe'", 'not a boolean']),
    (with_second_pair(up=2), ['pairs[1]', 'up', 'not a boolean']),
    (with_second_pair(up=''), ['pairs[1]', 'up', 'not a boolean']),
    (with_second_pair(mode='l4'), ['pairs[1]', '(nk1)', "mode is 'l4'", 'not one of l2, l3']),
    (with_second_pair(state='gone'), ['pairs[1]', "state is 'gone'", 'present, absent']),
    (with_second_pair(peer_name=True), ['pairs[1]', 'peer_name', 'not a string']),
    (with_second_pair(peer_netns=['blue']), ['pairs[1]', 'peer_netns', 'not a string']),
])
def test_a_bad_pair_entry_is_refused_naming_its_place_and_key(whole, fragments):
    message = refusal(whole)
    assert 'of the boot state' in message
    for fragment in fragments:
        assert fragment in message, '%r is not in %r' % (fragment, message)


@pytest.mark.parametrize('text', ['12x', '', ' ', '0x10', 'nine', '1,5'])
def test_a_string_that_is_no_number_is_refused_as_not_an_integer(text):
    message = refusal(with_second_pair(mtu=text))
    assert message == 'pairs[1] (nk1) of the boot state: mtu: %r is not an integer' % text


@pytest.mark.parametrize('number', [1500.5, 0.5, -1.5, 9000.000001])
def test_a_float_with_a_fraction_is_refused_not_truncated(number):
    assert refusal(with_second_pair(mtu=number)) == (
        'pairs[1] (nk1) of the boot state: mtu: %r is not an integer' % number)


@pytest.mark.parametrize('number', ['Infinity', '-Infinity', '1e400'])
def test_an_infinite_number_is_refused_as_not_an_integer(number):
    text = json.dumps(with_second_pair(mtu=0)).replace('"mtu": 0', '"mtu": %s' % number)
    assert refusal(text).startswith('pairs[1] (nk1) of the boot state: mtu: ')


def test_the_first_bad_pair_entry_is_the_one_named():
    message = refusal(state(pairs=[{'name': 'nk0'}, {'name': 'nk1', 'mtu': 'x'}, {'name': 'nk2', 'up': 'x'}]))
    assert message.startswith('pairs[1] (nk1)') and 'mtu' in message


EXACTLY_BPF = 'bpf[1] of the boot state must have exactly device, object, programs (and maybe placement); not '
NOT_A_DICT_BPF = 'bpf[1] of the boot state must be a dict of device, object, programs'


@pytest.mark.parametrize('whole, message', [
    (with_second_attachment(pin_path='/sys/fs/bpf/x'), EXACTLY_BPF + 'pin_path'),
    (state(bpf=[attachment_entry('nk0'), without(attachment_entry('nk1'), 'object')]), EXACTLY_BPF + 'object'),
    (state(bpf=[attachment_entry('nk0'), without(attachment_entry('nk1'), 'programs')]), EXACTLY_BPF + 'programs'),
    (state(bpf=[attachment_entry('nk0'), without(attachment_entry('nk1'), 'device')]), EXACTLY_BPF + 'device'),
    (state(bpf=[attachment_entry('nk0'), dict(without(attachment_entry('nk1'), 'device'), name='nk1', attach=[])]),
     EXACTLY_BPF + 'attach, device, name'),
    (state(bpf=[attachment_entry('nk0'), {}]), EXACTLY_BPF + 'device, object, programs'),
    (state(bpf=[attachment_entry('nk0'), 'nk1']), NOT_A_DICT_BPF),
    (state(bpf=[attachment_entry('nk0'), ['nk1']]), NOT_A_DICT_BPF),
], ids=['an extra key', 'no object', 'no programs', 'no device', 'two extra keys and none of device',
        'an empty dict', 'a string', 'a list'])
def test_a_bpf_entry_without_exactly_its_keys_is_refused_naming_the_wrong_ones(whole, message):
    assert refusal(whole) == message


@pytest.mark.parametrize('programs', [[], {'name': 'count', 'attach': 'peer'}, 'count', None],
                         ids=['empty', 'a dict', 'a string', 'null'])
def test_bpf_programs_other_than_a_non_empty_list_are_refused(programs):
    assert refusal(with_second_attachment(programs=programs)) == (
        'bpf[1] of the boot state: programs must be a list of {name, attach}')


EXACTLY_PROGRAM = 'bpf[1].programs[%d] of the boot state must have exactly attach, name; not %s'
NO_HOOK = 'bpf[1].programs[%d] of the boot state: attach is %r, not primary or peer'
COUNT = {'name': 'count', 'attach': 'peer'}


@pytest.mark.parametrize('programs, message', [
    ([{'name': 'count', 'attach': 'ingress'}],
     "bpf[1].programs[0] of the boot state: attach is 'ingress', not primary or peer"),
    ([COUNT, {'name': 'count', 'attach': None}], NO_HOOK % (1, None)),
    ([COUNT, {'name': 'count', 'attach': ['peer']}], NO_HOOK % (1, ['peer'])),
    ([{'name': 'count', 'attach': 'Peer'}], NO_HOOK % (0, 'Peer')),
    ([dict(COUNT, pin=True)], EXACTLY_PROGRAM % (0, 'pin')),
    ([{'name': 'count'}], EXACTLY_PROGRAM % (0, 'attach')),
    ([COUNT, {'attach': 'primary'}], EXACTLY_PROGRAM % (1, 'name')),
    ([{'name': 'count', 'hook': 'peer'}], EXACTLY_PROGRAM % (0, 'attach, hook')),
    ([COUNT, 'count'], 'bpf[1].programs[1] of the boot state must be a dict of attach, name'),
], ids=['attach ingress', 'attach null', 'attach a list', 'attach capitalised', 'a program with an extra key',
        'a program without attach', 'a program without name', 'hook for attach', 'a program not a dict'])
def test_a_bad_bpf_program_is_refused_naming_its_place_and_key(programs, message):
    assert refusal(with_second_attachment(programs=programs)) == message


@pytest.mark.parametrize('path', ['nk1.bpf.o', '', './nk1.bpf.o', 'bpf/nk1.bpf.o', None, 7])
def test_a_bpf_object_not_given_by_an_absolute_path_is_refused(path):
    assert refusal(with_second_attachment(object=path)) == 'bpf[1] of the boot state: object must be an absolute path'


def test_programs_for_a_device_no_pair_lists_are_refused_naming_it():
    message = refusal(state(bpf=[attachment_entry('nk0'), attachment_entry('nk9'), attachment_entry('nk8')]))
    assert message == 'the boot state attaches programs to nk8, nk9, which its pairs do not list'


@pytest.mark.parametrize('name', ['../x', '', 'a/b', '.', '..', 'a\nb', 'a\x00b', '/run/netns/x', 'x' * 256])
def test_a_netns_name_ip_netns_would_not_take_is_refused_naming_its_place(name):
    message = refusal(state(netns=['blue', name]))
    assert message.startswith('netns[1] of the boot state: peer_netns %r is not a network namespace name' % name)


# Ansible's own argument spec takes these (ansible-core 2.19's check_type_int goes through
# Decimal, boolean() has 1.0 and 0.0 in its sets), so netkit_pairs accepted them and the
# role wrote them as they were; the boot unit must take them too, or it restores nothing.
@pytest.mark.parametrize('key, given_value, expected', [
    ('mtu', '9000.0', 9000), ('mtu', '9e3', 9000), ('mtu', '9_000', 9000), ('up', 1.0, True), ('up', 0.0, False),
])
def test_what_ansibles_argument_spec_converts_the_boot_state_converts_too(key, given_value, expected):
    converted = read_state(json.dumps(with_second_pair(**{key: given_value})))[1][1][key]
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize('whole, message', [
    (state(netns=[None]), 'netns[0] of the boot state: None is not a string'),
    (state(netns=['blue', True]), 'netns[1] of the boot state: True is not a string'),
    (state(netns=[['blue']]), "netns[0] of the boot state: ['blue'] is not a string"),
    (state(netns=[{'name': 'blue'}]), "netns[0] of the boot state: {'name': 'blue'} is not a string"),
    (with_second_attachment(device=None), 'bpf[1].device of the boot state: None is not a string'),
    (with_second_attachment(device=True), 'bpf[1].device of the boot state: True is not a string'),
    (with_second_attachment(device=['nk1']), "bpf[1].device of the boot state: ['nk1'] is not a string"),
    (with_second_attachment(programs=[{'name': None, 'attach': 'peer'}]),
     'bpf[1].programs[0].name of the boot state: None is not a string'),
    (with_second_attachment(programs=[COUNT, {'name': False, 'attach': 'primary'}]),
     'bpf[1].programs[1].name of the boot state: False is not a string'),
], ids=['netns null', 'netns true', 'netns a list', 'netns a dict', 'device null', 'device true', 'device a list',
        'program name null', 'second program name false'])
def test_a_non_string_name_in_the_bpf_or_netns_lists_is_refused_naming_its_place(whole, message):
    assert refusal(whole) == message


def test_bpf_devices_and_program_names_given_as_numbers_become_their_text():
    attachments = read_state(json.dumps(state(
        pairs=[{'name': 'nk0'}, {'name': 7}], bpf=[attachment_entry(7, [{'name': 12, 'attach': 'peer'}])])))[2]
    assert [(entry['device'], entry['programs']) for entry in attachments] == [
        ('7', [{'name': '12', 'attach': 'peer'}])]


# ------------------------------------------------------------ main

def run_main(argv):
    lines = []
    return main(argv, log=lines.append), lines


@pytest.mark.parametrize('argv', [[], ['a.json', 'b.json']])
def test_main_with_other_than_one_argument_prints_the_usage(argv):
    assert run_main(argv) == (2, ['usage: netkit_boot.pyz STATE_FILE'])


def test_main_without_the_state_file_fails_with_one_line_naming_it(tmp_path):
    path = str(tmp_path / 'state.json')
    code, lines = run_main([path])
    assert code == 1
    assert len(lines) == 1 and path in lines[0] and 'No such file' in lines[0]


def test_main_with_a_directory_for_the_state_fails_naming_it(tmp_path):
    code, lines = run_main([str(tmp_path)])
    assert code == 1
    assert len(lines) == 1 and str(tmp_path) in lines[0]


@pytest.mark.parametrize('content, reason', [
    ('{"version": 1', 'the boot state is not JSON: '),
    (json.dumps(state(version=2)), "the boot state is not version 1 of xcnf.netkit's (run the role again)"),
    (json.dumps(state(version=True)), "the boot state is not version 1 of xcnf.netkit's (run the role again)"),
    (json.dumps(with_second_pair(mtu='12.5')), "pairs[1] (nk1) of the boot state: mtu: '12.5' is not an integer"),
    (json.dumps(state(netns=['a/b'])), "netns[0] of the boot state: peer_netns 'a/b' is not a network namespace name"),
    (json.dumps(state(netns=[None])), 'netns[0] of the boot state: None is not a string'),
    (json.dumps(with_second_attachment(device=None)), 'bpf[1].device of the boot state: None is not a string'),
    (json.dumps(with_second_attachment(programs=[{'name': 'count', 'attach': 'ingress'}])),
     "bpf[1].programs[0] of the boot state: attach is 'ingress', not primary or peer"),
])
def test_main_with_a_state_it_cannot_use_fails_with_the_reason(tmp_path, content, reason):
    path = tmp_path / 'state.json'
    path.write_text(content)
    code, lines = run_main([str(path)])
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(reason)


def test_main_logs_the_refusal_as_read_state_words_it(tmp_path):
    whole = with_second_attachment(pin_path='/sys/fs/bpf/x')
    path = tmp_path / 'state.json'
    path.write_text(json.dumps(whole))
    assert run_main([str(path)]) == (1, [refusal(whole)])


@pytest.mark.parametrize('content', [b'{"version": 1, "netns": ["\xff\xfe"]}', b'\xef\xbb', b'\x80',
                                     '{"version": 1, "netns": ["bl\u00e5"]}'.encode('latin-1')],
                         ids=['invalid bytes in a name', 'a cut-off sequence', 'a lone continuation byte', 'latin-1'])
def test_main_with_a_state_that_is_not_utf8_text_fails_with_one_line_naming_it(tmp_path, content):
    path = tmp_path / 'state.json'
    path.write_bytes(content)
    assert run_main([str(path)]) == (1, ['the boot state %s is not UTF-8 text (run the role again)' % path])


def test_main_decodes_the_state_as_utf8(tmp_path):
    # A name that is not ASCII comes back in the refusal as itself: UTF-8 decoded, not replaced or mangled.
    path = tmp_path / 'state.json'
    path.write_bytes(json.dumps(state(netns=['bl\u00e5/x']), ensure_ascii=False).encode('utf-8'))
    assert run_main([str(path)]) == (1, [
        "netns[0] of the boot state: peer_netns 'bl\u00e5/x' is not a network namespace name "
        "(as in `ip netns list`: no '/', control characters, '.' or '..')"])
