# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""All netlink knowledge about netkit pairs, private to this collection.

No pyroute2 release knows the netkit link kind, so this file teaches it (the
IFLA_NETKIT_* attributes of include/uapi/linux/if_link.h), then reads pairs into
one normalised dict, plans the changes a desired pair needs, applies them and
reads the result back. Modules call reconcile_pairs() and read_all_pairs().
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import importlib.util
import os
import platform
import socket
import struct
import time
import sys
import traceback

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, os_error_message
from ansible_collections.xcnf.netkit.plugins.module_utils._host_lock import host_lock, reading_lock


def _skip_pyroute2_package_init():
    """Make `import pyroute2.x.y` load only x.y and what it needs.

    pyroute2's package __init__ imports every subsystem it has (NDB, IPDB, the CLI...):
    measured in the test ground, 3.8 s of a 4.5 s `import pyroute2` under software
    emulation, paid by every module run. The modules used here import fine on their own
    (pyroute2 0.7 and 0.9, tested in the VM).
    """
    if 'pyroute2' in sys.modules:
        return
    spec = importlib.util.find_spec('pyroute2')
    if spec is None:
        raise ImportError('No module named pyroute2')
    sys.modules['pyroute2'] = importlib.util.module_from_spec(spec)


try:
    _skip_pyroute2_package_init()
    from pyroute2.iproute.linux import IPRoute
    from pyroute2.netlink import NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REQUEST, nla
    from pyroute2.netlink.exceptions import NetlinkError
    from pyroute2.netlink.rtnl import RTM_DELADDR, RTM_DELLINK, RTM_GETADDR, RTM_GETLINK, RTM_NEWLINK
    from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg, ifinfveth
except ImportError:
    HAS_PYROUTE2 = False
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()

    class NetlinkError(Exception):
        """Stands in for pyroute2's, so that this file imports without it (the modules fail on
        HAS_PYROUTE2 before anything could raise it)."""
else:
    HAS_PYROUTE2 = True
    PYROUTE2_IMPORT_ERROR = None

    class netkit_data(nla):
        """IFLA_INFO_DATA of kind netkit (include/uapi/linux/if_link.h)."""

        prefix = 'IFLA_NETKIT_'
        nla_map = (
            (0, 'IFLA_NETKIT_UNSPEC', 'none'),
            (1, 'IFLA_NETKIT_PEER_INFO', 'peer_info'),
            (2, 'IFLA_NETKIT_PRIMARY', 'uint8'),
            (3, 'IFLA_NETKIT_POLICY', 'uint32'),
            (4, 'IFLA_NETKIT_PEER_POLICY', 'uint32'),
            (5, 'IFLA_NETKIT_MODE', 'uint32'),
            (6, 'IFLA_NETKIT_SCRUB', 'uint32'),
            (7, 'IFLA_NETKIT_PEER_SCRUB', 'uint32'),
            (8, 'IFLA_NETKIT_HEADROOM', 'uint16'),
            (9, 'IFLA_NETKIT_TAILROOM', 'uint16'),
        )

        @staticmethod
        def peer_info(_msg, *argv, **kwarg):
            # The peer is described like veth's: a struct ifinfomsg and IFLA_* attributes.
            return ifinfveth

    def register_netkit_kind():
        ifinfmsg.ifinfo.register_link_kind(module={'netkit': netkit_data})

KIND = 'netkit'
IFNAMSIZ = 16
MODES = {'l2': 0, 'l3': 1}
POLICIES = {'forward': 0, 'blackhole': 2}
SCRUBS = {'none': 0, 'default': 1}
ADDR_GEN_MODES = {'eui64': 0, 'none': 1, 'stable_secret': 2, 'random': 3}
IFF_UP = 0x1
IFA_F_STABLE_PRIVACY = 0x800
CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = '/run/netns'
AF_INET6 = socket.AF_INET6

# Settings the kernel fixes when it creates the pair, and the release that added each.
CREATION_SETTINGS = ('mode', 'scrub', 'peer_scrub', 'headroom', 'tailroom')
SETTING_MIN_KERNEL = {'scrub': '6.12', 'peer_scrub': '6.12', 'headroom': '6.14', 'tailroom': '6.14'}
NETKIT_MIN_KERNEL = (6, 7)
ATTR = {
    'mode': 'IFLA_NETKIT_MODE', 'policy': 'IFLA_NETKIT_POLICY', 'peer_policy': 'IFLA_NETKIT_PEER_POLICY',
    'scrub': 'IFLA_NETKIT_SCRUB', 'peer_scrub': 'IFLA_NETKIT_PEER_SCRUB',
    'headroom': 'IFLA_NETKIT_HEADROOM', 'tailroom': 'IFLA_NETKIT_TAILROOM',
}
VALUE_NAMES = {'mode': MODES, 'policy': POLICIES, 'peer_policy': POLICIES, 'scrub': SCRUBS, 'peer_scrub': SCRUBS}
# Keys of the pair dict that a user can ask for, in the order diffs show them.
SETTINGS = ('peer_name', 'peer_netns', 'mode', 'scrub', 'peer_scrub', 'headroom', 'tailroom',
            'policy', 'peer_policy', 'mtu', 'peer_mtu', 'up', 'link_local')
LINK_LOCAL_WAIT = 5.0
# IPv6 needs this MTU (RFC 8200); below it the kernel drops a device's IPv6 state.
IPV6_MIN_MTU = 1280


# netkit_pair's options; netkit_pairs validates each entry of its list against them.
PAIR_ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    peer_name=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    mode=dict(type='str', choices=['l2', 'l3']),
    scrub=dict(type='str', choices=['default', 'none']),
    peer_scrub=dict(type='str', choices=['default', 'none']),
    headroom=dict(type='int'),
    tailroom=dict(type='int'),
    policy=dict(type='str', choices=['forward', 'blackhole']),
    peer_policy=dict(type='str', choices=['forward', 'blackhole']),
    mtu=dict(type='int'),
    peer_mtu=dict(type='int'),
    up=dict(type='bool', default=True),
    peer_netns=dict(type='str'),
    link_local=dict(type='bool'),
    recreate=dict(type='bool', default=False),
)


def kernel_release():
    return platform.release()


def release_tuple(text):
    return tuple(int(part) for part in text.split('.'))


def kernel_version(release=None):
    numbers = []
    for part in (release or kernel_release()).split('-')[0].split('.')[:2]:
        digits = ''.join(c for c in part if c.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers + [0] * (2 - len(numbers)))


def check_kernel(release=None):
    release = release or kernel_release()
    if kernel_version(release) < NETKIT_MIN_KERNEL:
        raise NetkitError(not_supported_message(release))


def not_supported_message(release=None):
    return ('netkit needs Linux 6.7+ built with CONFIG_NETKIT; this host runs %s'
            % (release or kernel_release()))


def check_ifname(param, value):
    """Raise unless value names exactly one interface: what the kernel's dev_valid_name
    accepts, without '%' (the kernel would expand it to a number: nk%d makes nk0, which
    no later run could find) and without control characters (a NUL would cut it short)."""
    if not value:
        raise NetkitError('%s must not be empty' % param)
    encoded = utf8(param, value)
    if len(encoded) >= IFNAMSIZ:
        raise NetkitError('%s %r is %d bytes long; interface names have at most %d bytes'
                          % (param, value, len(encoded), IFNAMSIZ - 1))
    # The kernel's isspace() also takes the byte 0xa0 (in the UTF-8 of a, S, G with accents) for a space.
    if (value in ('.', '..') or any(c in value for c in '/:%') or any(c.isspace() for c in value)
            or any(ord(c) < 32 or ord(c) == 127 for c in value) or b'\xa0' in encoded):
        raise NetkitError("%s %r is not a valid interface name (no '/', ':', '%%', whitespace, control "
                          "characters, '.' or '..')" % (param, value))


def utf8(param, value):
    try:
        return value.encode('utf-8')
    except UnicodeError:
        raise NetkitError('%s %r is not valid UTF-8' % (param, value))


def default_peer_name(name):
    """The peer's default name, name + 'p', as veth pairs are often named."""
    peer = name + 'p'
    if len(peer.encode('utf-8')) >= IFNAMSIZ:
        raise NetkitError('peer_name defaults to name + "p" = %r, which is longer than %d bytes; '
                          'shorten name to at most %d bytes or set peer_name'
                          % (peer, IFNAMSIZ - 1, IFNAMSIZ - 2))
    return peer


def desired_pair(params):
    """The settings a task asks for, validated; None means "leave as it is"."""
    check_ifname('name', params['name'])
    wanted = dict((key, params.get(key)) for key in SETTINGS)
    wanted['name'] = params['name']
    if wanted['peer_name'] is None and params.get('state') == 'absent':
        # Deleting needs the primary only; a 15-byte name has no room for the default peer name.
        pass
    elif wanted['peer_name'] is None:
        wanted['peer_name'] = default_peer_name(params['name'])
    if wanted['peer_name'] is not None:
        check_ifname('peer_name', wanted['peer_name'])
    if wanted['peer_name'] == wanted['name'] and not wanted['peer_netns']:
        raise NetkitError('peer_name must differ from name when both ends are in one namespace')
    if wanted['peer_netns'] is not None:
        check_netns_name(wanted['peer_netns'])
    for key in ('mtu', 'peer_mtu'):
        if wanted[key] is not None and not 68 <= wanted[key] <= 65535:
            raise NetkitError('%s %d is out of range: netkit takes 68 to 65535' % (key, wanted[key]))
    for key in ('headroom', 'tailroom'):
        if wanted[key] is not None and not 0 <= wanted[key] <= 65535:
            raise NetkitError('%s must be 0 to 65535 bytes' % key)
    check_link_local_mtu(wanted, wanted)
    return wanted


def has_no_ipv6(mtu):
    return mtu is not None and mtu < IPV6_MIN_MTU


def check_link_local_mtu(wanted, pair):
    """IPv6 link-local addresses need an MTU of 1280 or more on both ends."""
    if not wanted.get('link_local'):
        return
    for key in ('mtu', 'peer_mtu'):
        mtu = wanted.get(key) if wanted.get(key) is not None else pair.get(key)
        if mtu is not None and mtu < IPV6_MIN_MTU:
            raise NetkitError('link_local needs an MTU of at least %d on both ends (IPv6), and %s is %d: '
                              'raise %s or drop link_local' % (IPV6_MIN_MTU, key, mtu, key))


def check_netns_name(name):
    if (not name or '/' in name or name in ('.', '..') or len(utf8('peer_netns', name)) > 255
            or any(ord(c) < 32 or ord(c) == 127 for c in name)):
        raise NetkitError('peer_netns %r is not a network namespace name (as in `ip netns list`: no '
                          "'/', control characters, '.' or '..')" % name)


# ---------------------------------------------------------------- planning (pure)

def link_local_state(end):
    """True when an end has one kernel-made random link-local address (or will get it
    on up), False when it has none and will not get one, None for anything else."""
    addresses = end['addresses']
    if end['addrgenmode'] is None and not addresses and (end.get('mtu') or 0) < IPV6_MIN_MTU:
        # Below IPv6's minimum MTU the kernel keeps no IPv6 state for the end at all.
        return False
    if end['addrgenmode'] == 'random':
        if not end['up'] or not end['carrier']:
            return True if not addresses else None
        if len(addresses) == 1 and addresses[0]['stable_privacy']:
            return True
        return None
    if end['addrgenmode'] == 'none' and not addresses:
        return False
    return None


def plan_pair(before, wanted):
    """Compare only what the task set; return (changes, blocked).

    changes: {setting: (before, after)} for settings that differ.
    blocked: the subset that only deleting and re-creating the pair can change.
    """
    changes = {}
    for key in SETTINGS:
        value = wanted.get(key)
        if value is None or key == 'peer_name':
            continue
        current = before.get(key)
        if current != value:
            changes[key] = (current, value)
    blocked = dict((key, changes[key]) for key in CREATION_SETTINGS if key in changes)
    return changes, blocked


def predict_after(before, wanted):
    """The pair as it will be once wanted is applied (for check mode's diff)."""
    after = dict(before or {})
    after.update(dict((key, value) for key, value in wanted.items() if value is not None))
    if before is None:
        for key, default in (('mode', 'l3'), ('policy', 'forward'), ('peer_policy', 'forward'),
                             ('scrub', 'default'), ('peer_scrub', 'default'), ('peer_netns', None)):
            after.setdefault(key, default)
    for key in ('mtu', 'peer_mtu'):
        old, new = (before or {}).get(key), wanted.get(key)
        if wanted.get('link_local') is None and None not in (old, new) and (old < IPV6_MIN_MTU) != (new < IPV6_MIN_MTU):
            # The kernel drops an end's IPv6 below 1280 and starts it afresh above: unknown until read.
            after['link_local'] = None
    if before is None or (wanted.get('link_local') is not None
                          and wanted['link_local'] != before.get('link_local')):
        after['addresses'] = after['peer_addresses'] = ['(chosen by the kernel when applied)'] \
            if wanted.get('link_local') else []
    return after


def diff_view(pair):
    """The part of a pair dict worth showing in --diff."""
    if pair is None:
        return {'state': 'absent'}
    view = dict((key, pair.get(key)) for key in ('name',) + SETTINGS + ('addresses', 'peer_addresses'))
    view['state'] = 'present'
    return view


def blocked_message(name, blocked):
    details = ', '.join('%s is %s, the task wants %s' % (key, blocked[key][0], blocked[key][1])
                        for key in sorted(blocked))
    return ('netkit pair %s: %s; the kernel fixes these when it creates a pair. Set recreate=true to '
            'delete and re-create it (traffic stops meanwhile), or change the task.' % (name, details))


# ---------------------------------------------------------------- kernel access

def _setns(fd):
    if hasattr(os, 'setns'):
        os.setns(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def netns_path(name):
    return os.path.join(NETNS_RUN_DIR, name)


def list_netns():
    try:
        return sorted(os.listdir(NETNS_RUN_DIR))
    except OSError:
        return []


class Kernel:
    """Netlink sockets, one pair per network namespace: pyroute2 for requests that change
    something, a raw socket for reads, whose replies this module decodes itself."""

    def __init__(self):
        register_netkit_kind()
        self._sockets = {}
        self._seq = 0

    def close(self):
        for ipr, raw in self._sockets.values():
            ipr.close()
            raw.close()
        self._sockets = {}

    def ipr(self, netns=None):
        return self._socket_pair(netns)[0]

    def _socket_pair(self, netns):
        if netns not in self._sockets:
            self._sockets[netns] = self._open(netns)
        return self._sockets[netns]

    @staticmethod
    def _new_pair():
        ipr = IPRoute()
        # pyroute2 0.9's synchronous nlm_request() reads a status key that its IPRoute never sets.
        status = getattr(ipr, 'status', None)
        if hasattr(status, 'setdefault'):
            status.setdefault('nlm_generator', False)
        return ipr, socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)

    @classmethod
    def _open(cls, netns):
        if netns is None:
            return cls._new_pair()
        try:
            target = os.open(netns_path(netns), os.O_RDONLY)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                raise NetkitError(missing_netns_message(netns))
            raise
        # A netlink socket stays in the namespace it was created in: enter, open, leave.
        origin = os.open('/proc/self/ns/net', os.O_RDONLY)
        try:
            _setns(target)
            try:
                return cls._new_pair()
            finally:
                _setns(origin)
        finally:
            os.close(target)
            os.close(origin)

    def request(self, netns, msg, msg_type, flags):
        return tuple(self.ipr(netns).nlm_request(msg, msg_type=msg_type, msg_flags=flags))

    def read(self, netns, msg_type, flags, body, consistent=True):
        """Send one read request on the raw socket; the payloads of its replies.

        A dump the kernel marks as interrupted (links or addresses changed meanwhile, for
        example by udev working through a backlog of new devices) may miss or repeat
        entries, so it is read again, a little later each time. consistent=False takes it
        as it is, for callers that only look for something and will look again.
        """
        for attempt in range(DUMP_ATTEMPTS):
            if attempt:
                time.sleep(DUMP_RETRY_PAUSE * 2 ** (attempt - 1))
            payloads, interrupted = self._read_once(netns, msg_type, flags, body)
            if not interrupted or not consistent:
                return payloads
        raise NetkitError('the kernel interrupted %d dumps in a row over %.0f s: the links are changing too fast '
                          'to read' % (DUMP_ATTEMPTS, DUMP_RETRY_PAUSE * (2 ** (DUMP_ATTEMPTS - 1) - 1)))

    def _read_once(self, netns, msg_type, flags, body):
        sock = self._socket_pair(netns)[1]
        self._seq += 1
        sock.send(_message(msg_type, flags, self._seq, body))
        payloads = []
        interrupted = False
        for kind, msg_flags, seq, payload in _replies(sock):
            if seq != self._seq:
                continue
            interrupted = interrupted or bool(msg_flags & NLM_F_DUMP_INTR)
            if kind == NLMSG_DONE:
                return payloads, interrupted
            if kind == NLMSG_ERROR:
                code = _error_code(payload)
                if code:
                    raise NetlinkError(code, os.strerror(code))
                return payloads, interrupted
            payloads.append(payload)
            if not flags & NLM_F_DUMP:
                return payloads, interrupted

    def write(self, netns, requests):
        """Send requests ((msg_type, flags, body), each acknowledged) in windows of
        WRITE_WINDOW without waiting for each acknowledgement; the error code of each, 0
        for success.

        The kernel handles the messages of one send in order and answers each, also after
        one of them failed, so this is what one request after another would do, without a
        round trip per request (measured: the round trips made creating 1,000 pairs
        2.5 times slower than ip -batch).
        """
        return [code for code, _echo in self.write_echoed(netns, requests)]

    def write_echoed(self, netns, requests):
        """As write(), with what the kernel echoed for each request sent with NLM_F_ECHO
        (the new link's RTM_NEWLINK, Linux 6.3+): [(code, echoed payload or None)]."""
        sock = self._socket_pair(netns)[1]
        answers = []
        for start in range(0, len(requests), WRITE_WINDOW):
            window = requests[start:start + WRITE_WINDOW]
            first = self._seq + 1
            self._seq += len(window)
            sock.send(b''.join(_message(msg_type, NLM_F_REQUEST | NLM_F_ACK | flags, first + position, body)
                               for position, (msg_type, flags, body) in enumerate(window)))
            answered, echoed = {}, {}
            for kind, _flags, seq, payload in _replies(sock):
                if not first <= seq <= self._seq:
                    continue
                if kind == NLMSG_ERROR:
                    answered[seq] = _error_code(payload)
                    if len(answered) == len(window):
                        break
                elif kind == RTM_NEWLINK:
                    echoed[seq] = payload
            answers.extend((answered[seq], echoed.get(seq)) for seq in range(first, self._seq + 1))
        return answers

    def links(self, netns=None):
        body = IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0) + _attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)
        return [link_facts(payload) for payload in self.read(netns, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, body)]

    def link(self, netns, name):
        """One link by name (one request, no dump), or None."""
        body = (IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0) + _attr(IFLA_IFNAME, name.encode('utf-8') + b'\0')
                + _attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))
        try:
            return link_facts(self.read(netns, RTM_GETLINK, NLM_F_REQUEST, body)[0])
        except NetlinkError as exc:
            if exc.code == errno.ENODEV:
                return None
            raise

    def addresses(self, netns=None, consistent=True):
        """{ifindex: [link-local address facts]} of one namespace."""
        by_index = {}
        body = IFADDRMSG.pack(AF_INET6, 0, 0, 0, 0)
        for payload in self.read(netns, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, body, consistent):
            found = address_facts(payload)
            if found is not None and found[1] not in by_index.get(found[0], []):
                by_index.setdefault(found[0], []).append(found[1])
        return by_index

    def netns_ids(self):
        """{nsid: name} for the named namespaces the host namespace has an id for."""
        ids = {}
        for name in list_netns():
            try:
                fd = os.open(netns_path(name), os.O_RDONLY)
            except OSError:
                continue
            try:
                reply = self.ipr().get_netnsid(fd=fd)
            except NetlinkError:
                reply = None
            finally:
                os.close(fd)
            if reply and reply.get('nsid') is not None and reply['nsid'] >= 0:
                ids[reply['nsid']] = name
        return ids

    def send_link(self, netns, index=0, attrs=(), flags=0, change=0):
        msg = ifinfmsg()
        msg['family'] = socket.AF_UNSPEC
        msg['index'] = index
        msg['flags'] = flags
        msg['change'] = change
        msg['attrs'] = [list(attr) for attr in attrs]
        self.request(netns, msg, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK)

    def delete_address(self, netns, index, address):
        msg = ifaddrmsg()
        msg['family'] = AF_INET6
        msg['prefixlen'] = address['prefixlen']
        msg['index'] = index
        msg['attrs'] = [['IFA_ADDRESS', address['address']]]
        self.request(netns, msg, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK)


def missing_netns_message(name):
    return ('peer_netns: network namespace %r does not exist (%s/%s is missing); create it first, '
            'for example with `ip netns add %s`' % (name, NETNS_RUN_DIR, name, name))


# Reading: dumps are decoded here rather than by pyroute2, whose decoder measured about
# 100 times slower than the kernel's reply for 2,000 links (45-75 s against 0.5 s under
# TCG). Only the attributes below are read; everything else is skipped by its length.
IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_LINKINFO, IFLA_EXT_MASK = 3, 4, 5, 18, 29
IFLA_AF_SPEC, IFLA_CARRIER, IFLA_LINK_NETNSID = 26, 33, 37
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_INET6_ADDR_GEN_MODE = 8
IFLA_NET_NS_FD = 28
IFLA_NETKIT_PEER_INFO, IFLA_NETKIT_PRIMARY = 1, 2
NETKIT_ATTR_IDS = {'policy': 3, 'peer_policy': 4, 'mode': 5, 'scrub': 6, 'peer_scrub': 7, 'headroom': 8, 'tailroom': 9}
NETKIT_ATTR_FORMATS = {'headroom': '=H', 'tailroom': '=H'}
IFA_ADDRESS, IFA_FLAGS = 1, 8
RTEXT_FILTER_SKIP_STATS = 1 << 3
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSG_HEADER = struct.Struct('=LHHLL')
ATTR_HEADER = struct.Struct('=HH')
LINK_ATTRS = frozenset((IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_LINKINFO, IFLA_AF_SPEC, IFLA_CARRIER, IFLA_LINK_NETNSID))
IFINFOMSG = struct.Struct('=BxHiII')
IFADDRMSG = struct.Struct('=BBBBI')
NETLINK_ROUTE = 0
NLM_F_DUMP_INTR = 0x10
DUMP_ATTEMPTS = 7
DUMP_RETRY_PAUSE = 0.05
# Requests per send: their acknowledgements must fit the socket's receive buffer (208 KiB by default).
WRITE_WINDOW = 64
ADDR_GEN_MODE_NAMES = dict((number, name) for name, number in ADDR_GEN_MODES.items())
VALUE_NAMES_BY_NUMBER = dict((key, dict((number, name) for name, number in names.items()))
                             for key, names in VALUE_NAMES.items())


def attributes(data, offset=0, wanted=None):
    """{type: payload} of the netlink attributes in data from offset on (only the wanted types)."""
    found = {}
    end = len(data)
    unpack = ATTR_HEADER.unpack_from
    while offset + 4 <= end:
        length, kind = unpack(data, offset)
        if length < 4:
            break
        kind &= 0x3fff
        if wanted is None or kind in wanted:
            found[kind] = data[offset + 4:offset + length]
        offset += (length + 3) & ~3
    return found


def _attr(kind, value):
    """One netlink attribute: an int as u32, bytes as they are."""
    payload = struct.pack('=I', value) if isinstance(value, int) else value
    length = 4 + len(payload)
    return struct.pack('=HH', length, kind) + payload + b'\0' * ((4 - length % 4) % 4)


def _message(msg_type, flags, seq, body):
    return NLMSG_HEADER.pack(NLMSG_HEADER.size + len(body), msg_type, flags, seq, 0) + body


def _replies(sock):
    """(type, flags, seq, payload) of every netlink message received on sock, for ever."""
    while True:
        data = sock.recv(1 << 20)
        offset = 0
        while offset + NLMSG_HEADER.size <= len(data):
            length, kind, flags, seq, _pid = NLMSG_HEADER.unpack_from(data, offset)
            if length < NLMSG_HEADER.size:
                raise NetkitError('malformed netlink reply (message length %d)' % length)
            yield kind, flags, seq, data[offset + NLMSG_HEADER.size:offset + length]
            offset += (length + 3) & ~3


def _error_code(payload):
    """The errno of an NLMSG_ERROR payload (0 for an acknowledgement)."""
    return -struct.unpack_from('=i', payload)[0]


def _cstring(text):
    return text.encode('utf-8') + b'\0'


def _uint(payload, default=None):
    if payload is None:
        return default
    return int.from_bytes(payload, sys.byteorder)


def _string(payload):
    return payload.split(b'\0', 1)[0].decode('utf-8', 'replace') if payload is not None else None


def link_facts(payload):
    """The facts this collection uses from one RTM_NEWLINK message (without its nlmsghdr)."""
    _family, _type, index, flags, _change = IFINFOMSG.unpack_from(payload)
    attrs = attributes(payload, IFINFOMSG.size, LINK_ATTRS)
    info = attributes(attrs.get(IFLA_LINKINFO, b''))
    kind = _string(info.get(IFLA_INFO_KIND))
    netnsid = attrs.get(IFLA_LINK_NETNSID)
    facts = {
        'index': index,
        'name': _string(attrs.get(IFLA_IFNAME)),
        'kind': kind,
        'up': bool(flags & IFF_UP),
        'carrier': bool(_uint(attrs.get(IFLA_CARRIER), 0)),
        'mtu': _uint(attrs.get(IFLA_MTU)),
        'link': _uint(attrs.get(IFLA_LINK)),
        'link_netnsid': struct.unpack('=i', netnsid)[0] if netnsid is not None else None,
        'addrgenmode': None,
        'netkit': None,
    }
    af_spec = attributes(attrs.get(IFLA_AF_SPEC, b''), 0, (socket.AF_INET6,))
    inet6 = attributes(af_spec.get(socket.AF_INET6, b''), 0, (IFLA_INET6_ADDR_GEN_MODE,))
    gen_mode = _uint(inet6.get(IFLA_INET6_ADDR_GEN_MODE))
    if gen_mode is not None:
        facts['addrgenmode'] = ADDR_GEN_MODE_NAMES.get(gen_mode, str(gen_mode))
    if kind == KIND:
        facts['netkit'] = netkit_facts(attributes(info.get(IFLA_INFO_DATA, b'')))
    return facts


def netkit_facts(data):
    """Decode the {type: payload} of a netkit link's IFLA_INFO_DATA; what the kernel did not send is None."""
    facts = {'primary': bool(_uint(data.get(IFLA_NETKIT_PRIMARY), 0))}
    for key, attr in NETKIT_ATTR_IDS.items():
        value = _uint(data.get(attr))
        names = VALUE_NAMES_BY_NUMBER.get(key)
        if names is not None and value is not None:
            value = names.get(value, str(value))
        facts[key] = value
    return facts


def address_facts(payload):
    """(ifindex, address) for an IPv6 link-local address of an RTM_NEWADDR message, else None."""
    _family, prefixlen, flags, _scope, index = IFADDRMSG.unpack_from(payload)
    attrs = attributes(payload, IFADDRMSG.size)
    raw = attrs.get(IFA_ADDRESS)
    if raw is None or len(raw) != 16 or raw[:2] != b'\xfe\x80':
        return None
    flags = _uint(attrs.get(IFA_FLAGS), flags)
    return index, {'address': socket.inet_ntop(AF_INET6, raw), 'prefixlen': prefixlen,
                   'stable_privacy': bool(flags & IFA_F_STABLE_PRIVACY)}


def create_request(wanted, netns_fd=None):
    """The RTM_NEWLINK body that creates a pair, both ends down."""
    peer = _attr(IFLA_IFNAME, _cstring(wanted['peer_name']))
    if wanted.get('peer_mtu') is not None:
        peer += _attr(IFLA_MTU, wanted['peer_mtu'])
    if netns_fd is not None:
        peer += _attr(IFLA_NET_NS_FD, netns_fd)
    data = _attr(IFLA_NETKIT_PEER_INFO, IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0) + peer)
    for key, attr in sorted(NETKIT_ATTR_IDS.items(), key=lambda item: item[1]):
        value = wanted.get(key)
        if value is not None:
            number = VALUE_NAMES[key][value] if key in VALUE_NAMES else value
            data += _attr(attr, struct.pack(NETKIT_ATTR_FORMATS.get(key, '=I'), number))
    body = IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _cstring(wanted['name']))
    if wanted.get('mtu') is not None:
        body += _attr(IFLA_MTU, wanted['mtu'])
    return body + _attr(IFLA_LINKINFO, _attr(IFLA_INFO_KIND, _cstring(KIND)) + _attr(IFLA_INFO_DATA, data))


def addrgenmode_request(name, mode):
    """The RTM_NEWLINK body that sets the IPv6 address generation mode of the device name."""
    mode_attr = _attr(IFLA_INET6_ADDR_GEN_MODE, struct.pack('=B', ADDR_GEN_MODES[mode]))
    return (IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _cstring(name))
            + _attr(IFLA_AF_SPEC, _attr(socket.AF_INET6, mode_attr)))


def up_request(name):
    return IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, IFF_UP, IFF_UP) + _attr(IFLA_IFNAME, _cstring(name))


def delete_request(index):
    """The RTM_DELLINK body that deletes the device index (never by name: see PairCreator)."""
    return IFINFOMSG.pack(socket.AF_UNSPEC, 0, index, 0, 0)


def addrgenmode_attrs(mode):
    return [['IFLA_AF_SPEC', {'attrs': [['AF_INET6', {'attrs': [
        ['IFLA_INET6_ADDR_GEN_MODE', ADDR_GEN_MODES[mode]]]}]]}]]


def policy_attrs(policies):
    data = [[ATTR[key], POLICIES[value]] for key, value in sorted(policies.items())]
    return [['IFLA_LINKINFO', {'attrs': [['IFLA_INFO_KIND', KIND], ['IFLA_INFO_DATA', {'attrs': data}]]}]]


# ---------------------------------------------------------------- reading pairs

class Snapshot:
    """One dump of links and addresses per namespace, read on demand."""

    def __init__(self, kernel):
        self.kernel = kernel
        self._links = {}
        self._by_index = {}
        self._addresses = {}
        self._netns_ids = None

    def links(self, netns=None):
        if netns not in self._links:
            links = self.kernel.links(netns)
            self._links[netns] = dict((link['name'], link) for link in links)
            self._by_index[netns] = dict((link['index'], link) for link in links)
        return self._links[netns]

    def link_by_index(self, netns, index):
        self.links(netns)
        return self._by_index[netns].get(index)

    def addresses(self, netns, index):
        if netns not in self._addresses:
            self._addresses[netns] = self.kernel.addresses(netns)
        return self._addresses[netns].get(index, [])

    def without_addresses(self):
        """This snapshot, its address dumps forgotten (to read them again after a wait)."""
        self._addresses = {}
        return self

    def netns_name(self, nsid):
        if self._netns_ids is None:
            self._netns_ids = self.kernel.netns_ids()
        return self._netns_ids.get(nsid)

    def pair(self, name):
        """The pair whose primary is name, None when no device has that name.

        Raises NetkitError when name belongs to something this collection does not own.
        """
        link = self.links().get(name)
        if link is None:
            return None
        if link['kind'] != KIND:
            raise NetkitError('a %s device named %s already exists and is not a netkit pair; this task '
                              'leaves it alone: remove it or choose another name'
                              % (link['kind'] or 'non-netkit', name))
        if not link['netkit']['primary']:
            raise NetkitError('%s is the peer end of a netkit pair; name must be the primary (the end '
                              'created first)' % name)
        return self.pair_from_primary(link)

    def pair_from_primary(self, link):
        peer_netns = None
        if link['link_netnsid'] is not None:
            peer_netns = self.netns_name(link['link_netnsid'])
            if peer_netns is None:
                peer_netns = 'nsid:%d' % link['link_netnsid']
        peer = None
        if peer_netns is None or not peer_netns.startswith('nsid:'):
            peer = self.link_by_index(peer_netns, link['link'])
        primary_end = self.end(None, link)
        peer_end = self.end(peer_netns, peer) if peer else None
        pair = dict((key, link['netkit'][key]) for key in ATTR)
        pair.update({
            'name': link['name'], 'ifindex': link['index'], 'mtu': link['mtu'],
            'peer_name': peer['name'] if peer else None, 'peer_ifindex': link['link'],
            'peer_netns': peer_netns, 'peer_mtu': peer['mtu'] if peer else None,
            # Both up, both down, or (null) one of each.
            'up': link['up'] if peer and peer['up'] == link['up'] else None,
            'addrgenmode': link['addrgenmode'], 'peer_addrgenmode': peer['addrgenmode'] if peer else None,
            'addresses': [a['address'] for a in primary_end['addresses']],
            'peer_addresses': [a['address'] for a in peer_end['addresses']] if peer_end else [],
        })
        states = set([link_local_state(primary_end), link_local_state(peer_end) if peer_end else None])
        pair['link_local'] = states.pop() if len(states) == 1 else None
        return pair

    def end(self, netns, link):
        return {'netns': netns, 'index': link['index'], 'up': link['up'], 'carrier': link['carrier'],
                'mtu': link['mtu'],
                'addrgenmode': link['addrgenmode'], 'addresses': self.addresses(netns, link['index'])}

    def netkit_attributes(self):
        """The netkit settings this kernel reports (it reports every one it knows), read from
        any netkit device of the host namespace; None when there is none to read."""
        for link in self.links().values():
            if link['kind'] == KIND:
                return set(key for key, value in link['netkit'].items() if value is not None)
        return None

    def all_pairs(self):
        return [self.pair_from_primary(link) for link in sorted(self.links().values(), key=lambda link: link['name'])
                if link['kind'] == KIND and link['netkit']['primary']]


# ---------------------------------------------------------------- applying

def describe_netlink_error(exc, doing):
    code = getattr(exc, 'code', None)
    if code == errno.EOPNOTSUPP:
        return not_supported_message()
    if code == errno.EPERM:
        return '%s: operation not permitted; managing netkit needs CAP_NET_ADMIN (use become: true)' % doing
    return '%s: %s' % (doing, os.strerror(code) if code else exc)


class PairCreator:
    """Creates new pairs in batches (see Kernel.write) and deletes them again if a later step fails.

    A new pair is five requests, as with ip: create it (down), set both ends' address
    generation mode, bring both ends up. The mode is set before an end comes up because
    the kernel makes the link-local address when the end gets a carrier and never again.
    """

    def __init__(self, kernel):
        self.kernel = kernel
        self.created = []
        # The primaries' ifindexes, by name: deleting again goes by ifindex, so that a device
        # someone else gave the name meanwhile is never deleted.
        self.created_index = {}

    def create(self, pairs):
        """Create pairs (wanted dicts); return those whose primary someone else created meanwhile."""
        answers = self._write_creates(pairs)
        for wanted, (code, echo) in zip(pairs, answers):
            if code == 0:
                self.created.append(wanted)
                self.created_index[wanted['name']] = self._created_index(wanted, echo)
        taken = []
        for wanted, (code, _echo) in zip(pairs, answers):
            if code == errno.EEXIST and self.kernel.link(None, wanted['name']) is not None:
                taken.append(wanted)
            elif code:
                raise_for(wanted, 'creating netkit pair %s' % wanted['name'], code)
        for netns, steps in sorted(self._configuration_steps().items(), key=lambda item: item[0] or ''):
            codes = self.kernel.write(netns, [(RTM_NEWLINK, 0, body) for _wanted, body in steps])
            for (wanted, _body), code in zip(steps, codes):
                if code:
                    raise_for(wanted, 'configuring new netkit pair %s' % wanted['name'], code)
        return taken

    def _write_creates(self, pairs):
        fds = {}
        try:
            for netns in set(wanted['peer_netns'] for wanted in pairs if wanted['peer_netns'] is not None):
                try:
                    fds[netns] = os.open(netns_path(netns), os.O_RDONLY)
                except OSError:
                    raise NetkitError(missing_netns_message(netns))
            return self.kernel.write_echoed(None, [(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO,
                                                    create_request(wanted, fds.get(wanted['peer_netns'])))
                                                   for wanted in pairs])
        finally:
            for fd in fds.values():
                os.close(fd)

    def _created_index(self, wanted, echo):
        if echo is not None:
            return link_facts(echo)['index']
        # A kernel that does not echo (before 6.3 none has netkit, but to be sure): the name
        # is exact (check_ifname refuses '%'), and nothing else had it a moment ago.
        link = self.kernel.link(None, wanted['name'])
        return link['index'] if link is not None else None

    def _configuration_steps(self):
        """{netns: [(wanted, request body)]}: each end's mode, then the end up; the host first."""
        steps = {}
        for wanted in self.created:
            mode = None if wanted.get('link_local') is None else 'random' if wanted['link_local'] else 'none'
            for netns, name, mtu in ((None, wanted['name'], wanted.get('mtu')),
                                     (wanted['peer_netns'], wanted['peer_name'], wanted.get('peer_mtu'))):
                end = steps.setdefault(netns, [])
                if mode is not None and not has_no_ipv6(mtu):
                    end.append((wanted, addrgenmode_request(name, mode)))
                if wanted['up'] is not False:
                    end.append((wanted, up_request(name)))
        return steps

    def check_created(self, snapshot):
        """Older kernels ignore attributes they do not know: never report what did not happen.
        The ends that will get a link-local address, for wait_for_link_local()."""
        ends = []
        for wanted in self.created:
            primary = snapshot.links().get(wanted['name'])
            try:
                if primary is None or primary['kind'] != KIND:
                    raise NetkitError('it was deleted or replaced by another program right after its creation')
                check_applied(wanted, primary['netkit'])
            except NetkitError as exc:
                raise NetkitError('netkit pair %s: %s' % (wanted['name'], exc))
            if wanted['up'] is not False and wanted.get('link_local'):
                ends.extend(((None, primary['index'], 'mtu'), (wanted['peer_netns'], primary['link'], 'peer_mtu')))
        return ends

    def delete_created(self):
        """Delete the pairs this run created, by ifindex; what to tell the user about it."""
        names = [wanted['name'] for wanted in self.created if self.created_index.get(wanted['name'])]
        self.created = []
        if not names:
            return ''
        codes = self.kernel.write(None, [(RTM_DELLINK, 0, delete_request(self.created_index[name]))
                                         for name in names])
        deleted = [name for name, code in zip(names, codes) if code in (0, errno.ENODEV)]
        kept = ['%s (%s)' % (name, os.strerror(code)) for name, code in zip(names, codes) if code not in (0, errno.ENODEV)]
        message = '; the pairs this run had created (%s) were deleted again' % ', '.join(deleted) if deleted else ''
        if kept:
            message += '; deleting these pairs this run had created failed, remove them by hand: %s' % ', '.join(kept)
        return message


def raise_for(wanted, doing, code):
    raise NetkitError(describe_netlink_error(NetlinkError(code, os.strerror(code)), doing))


def check_applied(wanted, settings):
    for key in CREATION_SETTINGS:
        value = wanted.get(key)
        if value is None or settings.get(key) == value:
            continue
        if settings.get(key) is None:
            raise NetkitError(unsupported_message(key))
        raise NetkitError('the kernel made %s %s, not %s' % (key, settings.get(key), value))


class PairApplier:
    """Makes an existing pair what the task wants.

    configure() returns the ends that will get a link-local address, for
    wait_for_link_local() to wait on once for all pairs of a run. restore() puts back
    what configure() changed when the run fails later on.
    """

    def __init__(self, kernel, wanted, snapshot=None):
        self.kernel = kernel
        self.wanted = wanted
        self.snapshot = snapshot
        self.before = None

    def configure(self, pair):
        """Apply the live settings (everything but the creation-time ones) to an existing pair."""
        wanted = self.wanted
        self.before = self.ends_as_they_are(pair)
        peer_netns = pair['peer_netns']
        if wanted['peer_netns'] is not None and peer_netns != wanted['peer_netns']:
            self.move_peer(peer_netns, pair['peer_ifindex'], wanted['peer_netns'])
            self.snapshot = Snapshot(self.kernel)
            pair = self.snapshot.pair(wanted['name'])
            peer_netns = pair['peer_netns']
        policies = dict((key, wanted[key]) for key in ('policy', 'peer_policy')
                        if wanted.get(key) is not None and pair[key] != wanted[key])
        if policies:
            self.kernel.send_link(None, index=pair['ifindex'], attrs=policy_attrs(policies))
        ends = ((None, pair['ifindex'], 'mtu'), (peer_netns, pair['peer_ifindex'], 'peer_mtu'))
        for netns, index, key in ends:
            if wanted.get(key) is not None and pair[key] != wanted[key]:
                self.kernel.send_link(netns, index=index, attrs=[['IFLA_MTU', wanted[key]]])
        took_down = False
        if wanted.get('link_local') is not None and pair['link_local'] != wanted['link_local']:
            self.reset_link_local(ends, [pair[key] if wanted.get(key) is None else wanted[key] for _n, _i, key in ends])
            took_down = True
        up = wanted['up'] if wanted.get('up') is not None else pair['up']
        if up is not None and (up != pair['up'] or (up and took_down)):
            self.set_up(ends, up)
        return ends if up and wanted.get('link_local') else ()

    def ends_as_they_are(self, pair):
        """What restore() puts back: the peer's namespace, the policies, and each end's MTU,
        address generation mode and up state."""
        snapshot = self.snapshot or Snapshot(self.kernel)
        primary = snapshot.link_by_index(None, pair['ifindex'])
        peer = snapshot.link_by_index(pair['peer_netns'], pair['peer_ifindex'])
        return {'pair': pair, 'ends': ((None, pair['name'], primary), (pair['peer_netns'], pair['peer_name'], peer))}

    def move_peer(self, netns, index, target):
        path = netns_path(target) if target is not None else '/proc/self/ns/net'
        fd = os.open(path, os.O_RDONLY)
        try:
            self.kernel.send_link(netns, index=index, attrs=[['IFLA_NET_NS_FD', fd]])
        finally:
            os.close(fd)

    def restore(self):
        """Best effort, after a later step of the run failed: put back what configure()
        changed. Returns what could not be put back (empty when all was)."""
        if self.before is None:
            return []
        before = self.before['pair']
        failed = []
        try:
            now = Snapshot(self.kernel).pair(before['name'])
            if now is None:
                return ['%s is gone' % before['name']]
            if now['peer_netns'] != before['peer_netns']:
                self.move_peer(now['peer_netns'], now['peer_ifindex'], before['peer_netns'])
                now = Snapshot(self.kernel).pair(before['name'])
            policies = dict((key, before[key]) for key in ('policy', 'peer_policy') if now[key] != before[key])
            if policies:
                self.kernel.send_link(None, index=now['ifindex'], attrs=policy_attrs(policies))
            indexes = (now['ifindex'], now['peer_ifindex'])
            ends = list(zip(self.before['ends'], indexes, (now['addrgenmode'], now['peer_addrgenmode'])))
            for (netns, _name, link), index, mode in ends:
                self.kernel.send_link(netns, index=index, attrs=[['IFLA_MTU', link['mtu']]])
                if link['addrgenmode'] != mode and link['addrgenmode'] in ADDR_GEN_MODES:
                    # Down first: the kernel makes the end's link-local address anew when it comes up.
                    self.kernel.send_link(netns, index=index, flags=0, change=IFF_UP)
                    self.kernel.send_link(netns, index=index, attrs=addrgenmode_attrs(link['addrgenmode']))
            # The peer first, as set_up() does: the primary gets a carrier once the peer is up.
            for (netns, _name, link), index, _mode in reversed(ends):
                self.kernel.send_link(netns, index=index, flags=IFF_UP if link['up'] else 0, change=IFF_UP)
        except (NetkitError, NetlinkError, OSError) as exc:
            failed.append('%s: %s' % (before['name'], exc))
        return failed

    def set_up(self, ends, up):
        # The peer first: the primary only gets a carrier once the peer is up.
        for netns, index, _key in reversed(ends):
            self.kernel.send_link(netns, index=index, flags=IFF_UP if up else 0, change=IFF_UP)

    def set_addrgenmode(self, ends, mtus):
        mode = 'random' if self.wanted['link_local'] else 'none'
        for (netns, index, _key), mtu in zip(ends, mtus):
            if not has_no_ipv6(mtu):
                self.kernel.send_link(netns, index=index, attrs=addrgenmode_attrs(mode))

    def reset_link_local(self, ends, mtus):
        """Set the kernel's address generation mode with both ends down, and drop their
        link-local addresses: the kernel makes a new one when an end comes up (an end
        that stays up keeps whatever it made before)."""
        snapshot = self.snapshot or Snapshot(self.kernel)
        for netns, index, _key in ends:
            self.kernel.send_link(netns, index=index, flags=0, change=IFF_UP)
        self.set_addrgenmode(ends, mtus)
        for (netns, index, _key), mtu in zip(ends, mtus):
            if has_no_ipv6(mtu):
                # The kernel dropped the end's IPv6 state, addresses included, with the MTU.
                continue
            for address in snapshot.addresses(netns, index):
                try:
                    self.kernel.delete_address(netns, index, address)
                except NetlinkError as exc:
                    # Taking an end down flushes its addresses already.
                    if exc.code != errno.EADDRNOTAVAIL:
                        raise


def wait_for_link_local(kernel, ends):
    """Wait until each of ends has a link-local address: one address dump per namespace and round."""
    deadline = time.time() + LINK_LOCAL_WAIT
    while ends:
        by_netns = {}
        for netns, index, _key in ends:
            by_netns.setdefault(netns, set()).add(index)
        # An interrupted dump may miss an address: that end is simply looked at again.
        addresses = dict((netns, kernel.addresses(netns, consistent=False)) for netns in by_netns)
        ends = [end for end in ends if not addresses[end[0]].get(end[1])]
        if not ends:
            return
        if time.time() > deadline:
            raise NetkitError('the kernel gave no link-local address to ifindex %s within %ss'
                              % (', '.join(str(end[1]) for end in ends), LINK_LOCAL_WAIT))
        time.sleep(0.05)


def plan_one(snapshot, params):
    """What one entry asks of the kernel: {wanted, before, action, state}; raises on bad input.

    action is None (nothing to do), 'create', 'configure', 'recreate' or 'delete'.
    """
    wanted = desired_pair(params)
    state = params.get('state') or 'present'
    before = snapshot.pair(wanted['name'])
    if before is not None and before['peer_name'] is None and state == 'present':
        raise NetkitError('the peer of netkit primary %s is in a network namespace without a name under %s (%s); '
                          'this collection manages peers beside the primary or in named namespaces only: '
                          'name it (ip netns attach NAME PID) or manage the pair another way'
                          % (wanted['name'], NETNS_RUN_DIR, before['peer_netns']))
    if before is not None and before['peer_name'] != wanted['peer_name'] and (
            state == 'present' or params.get('peer_name') is not None):
        raise NetkitError('netkit primary %s has the peer %s, not %s; this task leaves that pair alone: '
                          'set peer_name: %s to manage it, or choose another name'
                          % (wanted['name'], before['peer_name'], wanted['peer_name'], before['peer_name']))
    plan = {'wanted': wanted, 'before': before, 'state': state, 'action': None}
    if state == 'absent':
        plan['action'] = 'delete' if before is not None else None
    elif before is None:
        check_creatable(snapshot, wanted)
        plan['action'] = 'create'
    else:
        check_changeable(snapshot, before, wanted)
        changes, blocked = plan_pair(before, wanted)
        if blocked and not params.get('recreate'):
            raise NetkitError(blocked_message(wanted['name'], blocked))
        if blocked:
            plan['action'] = 'recreate'
            plan['wanted'] = carried_over(before, wanted)
        elif changes:
            plan['action'] = 'configure'
            if 'peer_netns' in changes and wanted['link_local'] is None and before['link_local'] is not None:
                # A peer that changes namespace loses its IPv6 settings: keep what it had, where it can.
                kept = dict(wanted, link_local=before['link_local'])
                try:
                    check_link_local_mtu(kept, before)
                    plan['wanted'] = kept
                except NetkitError:
                    pass
    return plan


def check_changeable(snapshot, before, wanted):
    """Fail before changing anything when an existing pair cannot become what is asked."""
    for key in CREATION_SETTINGS:
        if wanted.get(key) is not None and before.get(key) is None:
            # The kernel reports every netkit attribute it knows: it cannot make this one.
            raise NetkitError(unsupported_message(key))
    check_link_local_mtu(wanted, before)
    target = wanted['peer_netns']
    if target is not None and target != before['peer_netns']:
        if not os.path.exists(netns_path(target)):
            raise NetkitError(missing_netns_message(target))
        taken = snapshot.links(target).get(before['peer_name'])
        if taken is not None:
            raise NetkitError('peer_netns %s has a %s device named %s already; the peer cannot move there'
                              % (target, taken['kind'] or 'non-netkit', before['peer_name']))


def unsupported_message(key):
    return '%s needs Linux %s+; this host runs %s' % (key, SETTING_MIN_KERNEL.get(key, '?'), kernel_release())


def carried_over(before, wanted):
    """What re-creating a pair makes: the old pair's settings, changed where the task says,
    so that re-creating for one setting loses none of the others (the peer's namespace,
    MTUs, policies, link-local addresses, up or down)."""
    kept = dict((key, before.get(key)) for key in SETTINGS if before.get(key) is not None)
    kept.update((key, value) for key, value in wanted.items() if value is not None)
    if wanted.get('link_local') is None and kept.get('link_local'):
        try:
            check_link_local_mtu(kept, kept)
        except NetkitError:
            # The task's new MTU leaves no room for IPv6: the old addresses cannot come back.
            kept.pop('link_local')
    return dict(wanted, **kept)


def device_keys(plan):
    """(namespace, name) of each device an entry names: its primary, and its peer where it is known."""
    keys = [(None, plan['wanted']['name'])]
    if plan['state'] == 'present':
        before = plan['before'] or {}
        netns = plan['wanted']['peer_netns'] if plan['wanted']['peer_netns'] is not None else before.get('peer_netns')
        keys.append((netns, plan['wanted']['peer_name']))
    elif plan['before'] is not None:
        keys.append((plan['before']['peer_netns'], plan['before']['peer_name']))
    return keys


def plan_pairs(snapshot, pairs, prune_prefix=None):
    """Plan every entry before anything changes, so that bad input changes nothing."""
    plans = []
    seen = {}
    for position, params in enumerate(pairs):
        try:
            plan = plan_one(snapshot, params)
        except NetkitError as exc:
            raise NetkitError('%s%s' % (entry_label(pairs, position, params), exc))
        # Any state: an entry that creates a pair and one that deletes it would flip every run.
        for key in device_keys(plan):
            if key in seen:
                raise NetkitError('%sthe device %s is named by pairs[%d] already; each device belongs to '
                                  'one entry' % (entry_label(pairs, position, params), key[1], seen[key]))
            seen[key] = position
        plans.append(plan)
    if prune_prefix:
        listed = set(plan['wanted']['name'] for plan in plans)
        for name, link in sorted(snapshot.links().items()):
            if (name.startswith(prune_prefix) and name not in listed and link['kind'] == KIND
                    and link['netkit']['primary']):
                plans.append({'wanted': {'name': name}, 'before': snapshot.pair_from_primary(link),
                              'state': 'absent', 'action': 'delete', 'pruned': True})
    return plans


def entry_label(pairs, position, params):
    """'pairs[3] (nk3): ' for an entry of a list; nothing for a single pair."""
    return 'pairs[%d] (%s): ' % (position, params.get('name')) if len(pairs) > 1 else ''


def delete_pairs(kernel, plans):
    """Delete the pairs of plans by their primary's ifindex (a pair already gone counts as deleted)."""
    codes = kernel.write(None, [(RTM_DELLINK, 0, delete_request(plan['before']['ifindex'])) for plan in plans])
    for plan, code in zip(plans, codes):
        if code and code != errno.ENODEV:
            raise_for(plan['wanted'], 'deleting netkit pair %s' % plan['wanted']['name'], code)


def apply_plans(kernel, snapshot, plans):
    """Carry the plans out and return a snapshot read afterwards.

    Changes to existing pairs first, then re-creations and creations, then deletions, so
    that a step that fails has deleted nothing that was asked to stay. On a failure the
    pairs this run created are deleted again, the changed ones put back as they were
    (up or down, MTU, policies, namespace), and the error re-raised.
    """
    creator = PairCreator(kernel)
    appliers = []
    lost = []
    try:
        waiting = []
        for plan in plans:
            if plan['action'] == 'configure':
                applier = PairApplier(kernel, plan['wanted'], snapshot)
                appliers.append(applier)
                waiting.extend(configure(applier, plan['before']))
        recreating = [plan for plan in plans if plan['action'] == 'recreate']
        delete_pairs(kernel, recreating)
        lost = [plan['wanted']['name'] for plan in recreating]
        taken = creator.create([plan['wanted'] for plan in plans if plan['action'] in ('create', 'recreate')])
        if taken:
            # Someone created these meanwhile: plan them again on what is there now, with every
            # check a found pair gets (its peer's name, settings fixed at creation).
            now = Snapshot(kernel)
            for wanted in taken:
                again = plan_one(now, dict(wanted, state='present'))
                if again['action'] == 'create':
                    raise NetkitError('netkit pair %s was created and deleted again by another program meanwhile'
                                      % wanted['name'])
                if again['action'] is not None:
                    applier = PairApplier(kernel, again['wanted'], now)
                    appliers.append(applier)
                    waiting.extend(configure(applier, again['before']))
        after = Snapshot(kernel)
        waiting.extend(creator.check_created(after))
        wait_for_link_local(kernel, waiting)
        delete_pairs(kernel, [plan for plan in plans if plan['action'] == 'delete'])
        return after.without_addresses()
    except BaseException as exc:
        cleanup = creator.delete_created()
        not_restored = [failure for applier in reversed(appliers) for failure in applier.restore()]
        if not_restored:
            cleanup += '; putting back what this run had changed failed: %s' % '; '.join(not_restored)
        elif appliers:
            cleanup += '; the pairs this run had changed were put back as they were'
        if lost:
            cleanup += recreate_as_they_were(kernel, [plan for plan in plans if plan['wanted']['name'] in lost])
        if isinstance(exc, (NetkitError, NetlinkError, OSError)) and cleanup:
            raise NetkitError('%s%s' % (describe_error(exc), cleanup))
        raise


def recreate_as_they_were(kernel, plans):
    """After a failure, make the pairs a run had deleted to re-create them again as they were
    before it (best effort; their programs are gone either way); what to tell the user."""
    names = ', '.join(plan['wanted']['name'] for plan in plans)
    unset = dict((key, None) for key in SETTINGS if key != 'peer_name')
    old = [carried_over(plan['before'], dict(plan['wanted'], **unset)) for plan in plans]
    restorer = PairCreator(kernel)
    try:
        restorer.create(old)
    except (NetkitError, NetlinkError, OSError) as exc:
        return ('; the pairs being re-created (%s) had been deleted first, and making them again as they were '
                'failed (%s): re-create them' % (names, describe_error(exc)))
    return '; the pairs being re-created (%s) were made again as they were before (without their programs)' % names


def configure(applier, before):
    try:
        return applier.configure(before)
    except NetlinkError as exc:
        raise NetkitError(describe_netlink_error(exc, 'configuring netkit pair %s' % applier.wanted['name']))


def describe_error(exc):
    if isinstance(exc, NetlinkError):
        return describe_netlink_error(exc, 'netlink')
    return os_error_message(exc) if isinstance(exc, OSError) else str(exc)


def check_creatable(snapshot, wanted):
    """Fail before changing anything when the pair cannot be created as asked."""
    known = snapshot.netkit_attributes()
    for key in CREATION_SETTINGS:
        if wanted.get(key) is None:
            continue
        if known is not None and key not in known:
            raise NetkitError(unsupported_message(key))
        if known is None and key in SETTING_MIN_KERNEL and kernel_version() < release_tuple(SETTING_MIN_KERNEL[key]):
            # No netkit device to read what this kernel knows: its release says (check mode too).
            raise NetkitError(unsupported_message(key))
    netns = wanted['peer_netns']
    if netns is not None and not os.path.exists(netns_path(netns)):
        raise NetkitError(missing_netns_message(netns))
    taken = snapshot.links(netns).get(wanted['peer_name'])
    if taken is not None:
        raise NetkitError('peer_name %s is taken: a %s device of that name exists%s; this task leaves it alone'
                          % (wanted['peer_name'], taken['kind'] or 'non-netkit',
                             ' in network namespace %s' % netns if netns else ''))


def plan_result(plan, after):
    return {'name': plan['wanted']['name'], 'changed': plan['action'] is not None,
            'before': plan['before'], 'after': after, 'recreated': plan['action'] == 'recreate',
            'pruned': bool(plan.get('pruned'))}


def pair_after(plan, snapshot):
    """The pair once its plan is carried out: read from snapshot, or predicted without one (check mode)."""
    if plan['state'] == 'absent':
        return None
    if plan['action'] is None:
        return plan['before']
    if snapshot is None:
        return predict_after(plan['before'], plan['wanted'])
    return snapshot.pair(plan['wanted']['name'])


def reconcile_pairs(pairs, check_mode, prune_prefix=None):
    """Reconcile a list of pairs (each a dict of netkit_pair's parameters) in one process:
    one link and one address dump per namespace to plan, requests only for what changes,
    and one more dump to read back when something changed."""
    check_kernel()
    with reading_lock() if check_mode else host_lock(exclusive=True):
        kernel = Kernel()
        try:
            snapshot = Snapshot(kernel)
            plans = plan_pairs(snapshot, pairs, prune_prefix)
            changing = [plan for plan in plans if plan['action'] is not None]
            after = apply_plans(kernel, snapshot, changing) if changing and not check_mode else None
            return [plan_result(plan, pair_after(plan, after)) for plan in plans]
        except NetlinkError as exc:
            raise NetkitError(describe_netlink_error(exc, 'netlink'))
        finally:
            kernel.close()


def read_all_pairs(names=None):
    """The host's netkit pairs (all, or those whose primary is in names)."""
    with reading_lock():
        kernel = Kernel()
        try:
            pairs = Snapshot(kernel).all_pairs()
        except NetlinkError as exc:
            raise NetkitError(describe_netlink_error(exc, 'reading the links'))
        finally:
            kernel.close()
    if names:
        pairs = [pair for pair in pairs if pair['name'] in names]
    return pairs
