# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile strings and independent oracles of interface names and program names, for the
validators' tests (test_pair_arguments.py, test_bpf_pins.py, test_bpf_attach.py; not a test module)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from hypothesis import strategies as st

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError

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


# Interface names that pass check_ifname (a pair's primary): edge sizes and random printable UTF-8.
valid_names = st.one_of(
    st.sampled_from(['nk0', 'a' * 14, 'a' * 15, 'ü' * 7, 'ü' * 6 + 'a', 'x.y', '-', '\u200b', '\U0001f600' * 3]),
    st.text(st.characters(codec='utf-8', exclude_categories=('Cc', 'Cs', 'Zs', 'Zl', 'Zp')), min_size=1, max_size=15)
    .map(lambda text: text.encode('utf-8')[:15].decode('utf-8', 'ignore')).filter(valid_ifname),
)


# The characters of a C identifier, as a program's name (it names pins) must be: ASCII only.
IDENTIFIER_START = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_'
IDENTIFIER_CHARACTERS = IDENTIFIER_START + '0123456789'


def valid_program_name(name):
    """A C identifier of 1 to 128 characters."""
    return (1 <= len(name) <= 128 and name[0] in IDENTIFIER_START
            and all(character in IDENTIFIER_CHARACTERS for character in name))


# C identifiers of 1 to 128 characters.
c_identifiers = st.builds(lambda first, rest: first + rest, st.sampled_from(IDENTIFIER_START),
                          st.text(st.sampled_from(IDENTIFIER_CHARACTERS), max_size=127))
# Program names good and bad: hostile text, C identifiers, C identifiers with something
# hostile in them (or before, or after), and the edges of the rules.
program_names = st.one_of(
    hostile_text,
    c_identifiers,
    st.tuples(c_identifiers, hostile_text, st.integers(0, 130)).map(lambda t: t[0][:t[2]] + t[1] + t[0][t[2]:]),
    st.sampled_from(['a' * 128, 'a' * 129, '_' * 128, 'A9' * 64, '9a', '_9', 'a-b', 'a.b', 'a b', 'a\nb', '\xe9',
                     '\u0131', '\u212a']),
)


def raised(function, *args):
    """The NetkitError function raised, or None. Any other exception fails the test."""
    try:
        function(*args)
    except NetkitError as exc:
        return exc
    return None
