# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kernel suite's tests share: their namespaces, the judges (iproute2 and
bpftool, never what the reconciler returns) and the check -> apply -> apply again ->
check again sequence every behaviour goes through."""

import itertools
import json
import os
import platform
import socket
import struct
import subprocess
import time

from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import PAIR_ARGUMENT_SPEC
from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import diff_view
from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import reconcile_pairs

PIN_ROOT = '/sys/fs/bpf/xcnf-netkit'
# Reconcile calls and steps the property tests made, printed at the end of the run.
COUNTS = {'pairs calls': 0, 'pairs steps': 0, 'bpf calls': 0, 'bpf steps': 0}
# Two suite processes run side by side: each one's names carry its pid.
TAG = str(os.getpid() % 100000)
_names = itertools.count()


def unique(prefix):
    """A name no other test of this run uses (also for pin directories and files)."""
    return '%s%s-%d' % (prefix, TAG, next(_names))


def sh(*command, check=True, netns=None):
    if netns:
        command = ('ip', 'netns', 'exec', netns) + command
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError('%s failed (%d): %s' % (' '.join(command), done.returncode, done.stderr))
    return done


class Namespaces:
    """The test's own network namespace (the 'host' the reconciler sees) and the named
    namespaces it makes for peers; all of them deleted when the test ends."""

    def __init__(self):
        self.host = unique('kt')
        self.peers = []
        self.pin_dirs = []
        self._ip = {}
        sh('ip', 'netns', 'add', self.host)
        self._origin = os.open('/proc/self/ns/net', os.O_RDONLY)
        fd = os.open('/run/netns/' + self.host, os.O_RDONLY)
        try:
            os.setns(fd, os.CLONE_NEWNET)
        finally:
            os.close(fd)

    def peer(self):
        """A new named namespace for peers (as `ip netns add` makes it)."""
        name = unique('kp')
        sh('ip', 'netns', 'add', name)
        self.peers.append(name)
        return name

    def bpf_device(self):
        """A primary name unique in the run: pins live in one bpffs for every namespace."""
        name = unique('nb')
        self.pin_dirs.append(os.path.join(PIN_ROOT, name))
        return name

    def close(self):
        for process in self._ip.values():
            process.stdin.close()
            process.wait()
        os.setns(self._origin, os.CLONE_NEWNET)
        os.close(self._origin)
        for path in self.pin_dirs:
            sh('rm', '-rf', path)
        for name in self.peers + [self.host]:
            sh('ip', 'netns', 'del', name, check=False)

    # The judges: what iproute2 says, independently of the collection.

    def ip(self, netns, command):
        """What `ip -j -d COMMAND` prints in netns, from one long-lived `ip -batch -` per
        namespace: starting a process costs about 0.1 s under TCG, a command in it a few ms."""
        if netns not in self._ip:
            self._ip[netns] = subprocess.Popen(
                ('ip', '-j', '-d') + (('-n', netns) if netns else ()) + ('-force', '-batch', '-'),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        process = self._ip[netns]
        process.stdin.write(command + '\n')
        return json.loads(process.stdout.readline() or '[]')

    def links(self, netns=None):
        """{name: ip -j -d link entry} of the host namespace or of netns."""
        return dict((link['ifname'], link) for link in self.ip(netns, 'link show'))

    def link_local(self, netns=None):
        """{name: [fe80:: addresses]} per device."""
        return dict((entry['ifname'], [a['local'] for a in entry.get('addr_info', [])
                                       if a['family'] == 'inet6' and a.get('scope') == 'link'])
                    for entry in self.ip(netns, 'addr show'))

    def state(self):
        """Everything a test may compare before and after: links and addresses, every namespace.
        Without operstate and the NO-CARRIER flag, which the kernel's linkwatch sets a moment after
        a device comes up; read once linkwatch has caught up, since the link-local address of an
        end whose carrier came on is made by linkwatch's work, not by the request."""
        deadline = time.monotonic() + LINKWATCH_WAIT
        while True:
            links = dict((netns, self.links(netns)) for netns in [None] + self.peers)
            if time.monotonic() > deadline or not any(linkwatch_behind(link) for found in links.values()
                                                      for link in found.values()):
                break
            time.sleep(0.02)
        return dict((netns, (dict((name, settled(link)) for name, link in links[netns].items()),
                             self.link_local(netns)))
                    for netns in links)


# (major, minor) of the running kernel.
LINUX = tuple(int(part) for part in platform.release().split('-')[0].split('.')[:2])


def netkit_pairing(name):
    """IFLA_NETKIT_PAIRING of the netkit device name (0 pair, 1 single; None when the kernel
    does not report it), read from the kernel's own reply: iproute2 cannot show it. Decoded here
    with struct, apart from the collection's decoder."""
    rtm_getlink, ifla_ifname, ifla_linkinfo, ifla_info_data, ifla_netkit_pairing = 18, 3, 18, 2, 10
    name_attr = name.encode() + b'\0'
    body = struct.pack('=BxHiII', 0, 0, 0, 0, 0) + struct.pack('=HH', 4 + len(name_attr), ifla_ifname) + name_attr
    body += b'\0' * (-len(body) % 4)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
        sock.send(struct.pack('=IHHII', 16 + len(body), rtm_getlink, 1, 1, 0) + body)
        reply = sock.recv(65536)
    attrs = tlv(reply, 16 + 16)
    info = tlv(attrs[ifla_linkinfo], 0)
    pairing = tlv(info[ifla_info_data], 0).get(ifla_netkit_pairing)
    return None if pairing is None else struct.unpack('=I', pairing)[0]


def tlv(data, offset):
    """{type: payload} of the netlink attributes in data from offset on."""
    found = {}
    while offset + 4 <= len(data):
        length, kind = struct.unpack_from('=HH', data, offset)
        if length < 4:
            break
        found[kind & 0x3fff] = data[offset + 4:offset + length]
        offset += (length + 3) & ~3
    return found


# Linkwatch handles a netkit end's carrier on a workqueue, after the request has returned: on
# an idle guest before the next `ip` call, on a busy one later. A bound, not an expected wait.
LINKWATCH_WAIT = 5


def linkwatch_behind(link):
    """Whether the kernel has a carrier for an up link that linkwatch has not acted on yet
    (its operstate still says down). Narrower than the module's: what this compares leaves
    out the operstate, and a device linkwatch never acts on (UNKNOWN) would cost a wait."""
    flags = link.get('flags', [])
    return 'UP' in flags and 'LOWER_UP' in flags and link.get('operstate') in ('DOWN', 'LOWERLAYERDOWN')


def settled(link):
    """A link's ip -j -d entry without what linkwatch changes after the fact."""
    link = dict((key, value) for key, value in link.items() if key != 'operstate')
    if 'flags' in link:
        link['flags'] = [flag for flag in link['flags'] if flag != 'NO-CARRIER']
    return link


def reconcile(entries, check=False, prune=None):
    """netkit_pairs' call (netkit_pair is a list of one): entries get the argument spec's defaults."""
    return reconcile_pairs([entry_with_defaults(entry) for entry in entries], check, prune)


def entry_with_defaults(entry):
    full = dict((key, spec.get('default')) for key, spec in PAIR_ARGUMENT_SPEC.items())
    full.update(entry)
    return full


def converge(ns, entries, prune=None):
    """check -> apply -> apply again -> check again; the check changes nothing in the kernel
    and predicts what the apply does; the second apply and check change nothing.
    Returns the apply's outcomes."""
    seen = ns.state()
    predicted = reconcile(entries, check=True, prune=prune)
    assert_same(seen, ns.state(), 'check mode changed the kernel')
    applied = reconcile(entries, prune=prune)
    assert [o['changed'] for o in predicted] == [o['changed'] for o in applied]
    assert any(o['changed'] for o in applied), 'nothing changed; the case proves nothing'
    for guess, outcome in zip(predicted, applied):
        assert guess['before'] == outcome['before']
        if outcome['after'] is not None:
            assert_prediction(guess['after'], outcome['after'])
        else:
            assert guess['after'] is None
    settled = ns.state()
    again = reconcile(entries, prune=prune)
    assert not any(o['changed'] for o in again), [o['name'] for o in again if o['changed']]
    assert [o['after'] for o in again] == [o['after'] for o in applied if not o['pruned']]
    assert not any(o['changed'] for o in reconcile(entries, check=True, prune=prune))
    assert_same(settled, ns.state(), 'a run with nothing to do changed the kernel')
    for outcome in applied:
        if outcome['changed']:
            assert diff_view(outcome['before']) != diff_view(outcome['after'])
    return applied


PREDICTED_KEYS = ('name', 'pairing', 'peer_name', 'peer_netns', 'mode', 'policy', 'peer_policy', 'scrub',
                  'peer_scrub', 'numrxqueues', 'peer_numrxqueues', 'numtxqueues', 'peer_numtxqueues', 'address',
                  'peer_address', 'mtu', 'peer_mtu', 'txqueuelen', 'peer_txqueuelen', 'gso_max_size', 'gro_max_size',
                  'gso_ipv4_max_size', 'gro_ipv4_max_size', 'up', 'link_local')


def assert_prediction(guess, after):
    """A check run predicts every setting (not the kernel's choices: indexes and addresses)."""
    for key in PREDICTED_KEYS:
        if guess.get(key) is not None:
            assert guess[key] == after[key], (key, guess[key], after[key])


def netkit_info(link):
    return link['linkinfo']['info_data']


def up(link):
    return 'UP' in link['flags']


def differences(before, after):
    """What differs between two Namespaces.state() results, one line per device."""
    lines = []
    for netns in sorted(set(before) | set(after), key=str):
        for part, (old, new) in enumerate(zip(before.get(netns, ({}, {})), after.get(netns, ({}, {})))):
            for device in sorted(set(old) | set(new)):
                was, now = old.get(device), new.get(device)
                if was != now:
                    if isinstance(was, dict) and isinstance(now, dict):
                        was, now = [dict((key, side.get(key)) for key in set(was) | set(now)
                                         if was.get(key) != now.get(key)) for side in (was, now)]
                    lines.append('%s %s %s: %s -> %s' % (netns, ('link', 'addresses')[part], device, was, now))
    return lines


def assert_same(before, after, what):
    changed = differences(before, after)
    assert not changed, '%s:\n%s' % (what, '\n'.join(changed))
