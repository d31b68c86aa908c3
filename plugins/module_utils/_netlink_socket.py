# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Netlink route sockets per network namespace: reads, dumps and windowed writes.
Private to this collection.

Changes when the way requests travel changes (windows, retries, namespaces), not when
what they say changes (that is _netlink_messages.py and _netlink_requests.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import os
import socket
import time

from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError, NetlinkError
from ansible_collections.xcnf.netkit.plugins.module_utils._netlink_messages import (
    NETLINK_ROUTE, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, RTM_NEWLINK,
    address_facts, addresses_request, error_code, link_facts, link_group, links_request, messages, nsid_of,
    nsid_request,
)

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = '/run/netns'
DUMP_ATTEMPTS = 7
DUMP_RETRY_PAUSE = 0.05
# Requests per send: their acknowledgements must fit the socket's receive buffer (208 KiB by default).
WRITE_WINDOW = 64
RECEIVE_SIZE = 1 << 20
RECEIVE_BUFFER = 4 << 20
SO_RCVBUFFORCE = getattr(socket, 'SO_RCVBUFFORCE', 33)


def netns_path(name):
    return os.path.join(NETNS_RUN_DIR, name)


def list_netns():
    try:
        return sorted(os.listdir(NETNS_RUN_DIR))
    except OSError:
        return []


def missing_netns_message(name):
    return ('peer_netns: network namespace %r does not exist (%s/%s is missing); create it first, '
            'for example with `ip netns add %s`' % (name, NETNS_RUN_DIR, name, name))


def open_netns(name):
    """A file descriptor of the named network namespace; a clear error when it does not exist."""
    try:
        return os.open(netns_path(name), os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise NetkitError(missing_netns_message(name))
        raise


def _setns(fd):
    if hasattr(os, 'setns'):
        os.setns(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _route_socket():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)
    # Room for a window's acknowledgements and echoes with a wide margin: the kernel has done
    # what a window asks before the first answer is read, so answers it cannot queue (ENOBUFS)
    # would leave its outcome unknown. SO_RCVBUFFORCE passes the system's limit (root only).
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    return sock


class Kernel:
    """One netlink route socket per network namespace, opened on first use."""

    def __init__(self):
        self._sockets = {}
        self._seq = 0

    def close(self):
        for sock in self._sockets.values():
            sock.close()
        self._sockets = {}

    def _socket(self, netns):
        if netns not in self._sockets:
            self._sockets[netns] = self._open(netns)
        return self._sockets[netns]

    @staticmethod
    def _open(netns):
        if netns is None:
            return _route_socket()
        target = open_netns(netns)
        # A netlink socket stays in the namespace it was created in: enter, open, leave.
        origin = os.open('/proc/self/ns/net', os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(target)
            try:
                return _route_socket()
            finally:
                _setns(origin)
        finally:
            os.close(target)
            os.close(origin)

    def _next_seq(self, count=1):
        first = self._seq + 1
        self._seq += count
        return first

    def read(self, netns, request, consistent=True):
        """Send one read request; the payloads of its replies.

        A dump the kernel marks as interrupted (links or addresses changed meanwhile, for
        example by udev working through a backlog of new devices) may miss or repeat
        entries, so it is read again, a little later each time. consistent=False takes it
        as it is, for callers that only look for something and will look again.
        """
        for attempt in range(DUMP_ATTEMPTS):
            if attempt:
                time.sleep(DUMP_RETRY_PAUSE * 2 ** (attempt - 1))
            payloads, interrupted = self._read_once(netns, request)
            if not interrupted or not consistent:
                return payloads
        raise NetkitError('the kernel interrupted %d dumps in a row over %.0f s: the links are changing too fast '
                          'to read' % (DUMP_ATTEMPTS, DUMP_RETRY_PAUSE * (2 ** (DUMP_ATTEMPTS - 1) - 1)))

    def _read_once(self, netns, request):
        sock = self._socket(netns)
        seq = self._next_seq()
        sock.send(request.encode(seq))
        payloads = []
        interrupted = False
        for kind, msg_flags, reply_seq, payload in self._replies(sock):
            if reply_seq != seq:
                continue
            interrupted = interrupted or bool(msg_flags & NLM_F_DUMP_INTR)
            if kind == NLMSG_DONE:
                # A dump that failed halfway ends with its error code here.
                code = error_code(payload) if len(payload) >= 4 else 0
                if code:
                    raise NetlinkError(code, os.strerror(code))
                return payloads, interrupted
            if kind == NLMSG_ERROR:
                code = error_code(payload)
                if code:
                    raise NetlinkError(code, os.strerror(code))
                return payloads, interrupted
            payloads.append(payload)
            if not request.flags & NLM_F_DUMP:
                return payloads, interrupted

    @staticmethod
    def _replies(sock):
        """(type, flags, seq, payload) of every netlink message received on sock, for ever."""
        while True:
            yield from messages(sock.recv(RECEIVE_SIZE))

    def write(self, netns, requests):
        """Send requests, each acknowledged, in windows of WRITE_WINDOW without waiting for
        each acknowledgement; the error code of each, 0 for success.

        The kernel handles the messages of one send in order and answers each, also after
        one of them failed, so this is what one request after another would do, without a
        round trip per request (measured: the round trips made creating 1,000 pairs
        2.5 times slower than ip -batch).
        """
        return [code for code, _echo in self.write_echoed(netns, requests)]

    def write_echoed(self, netns, requests):
        """As write(), with what the kernel echoed for each request sent with NLM_F_ECHO
        (the new link's RTM_NEWLINK, Linux 6.3+): [(code, echoed payload or None)]."""
        sock = self._socket(netns)
        answers = []
        for start in range(0, len(requests), WRITE_WINDOW):
            window = requests[start:start + WRITE_WINDOW]
            first = self._next_seq(len(window))
            last = first + len(window) - 1
            sock.send(b''.join(request.encode(first + position, NLM_F_REQUEST | NLM_F_ACK)
                               for position, request in enumerate(window)))
            answered, echoed = {}, {}
            for kind, _flags, seq, payload in self._replies(sock):
                if not first <= seq <= last:
                    continue
                if kind == NLMSG_ERROR:
                    answered[seq] = error_code(payload)
                    if len(answered) == len(window):
                        break
                elif kind == RTM_NEWLINK:
                    echoed[seq] = payload
            answers.extend((answered[seq], echoed.get(seq)) for seq in range(first, last + 1))
        return answers

    def change(self, netns, request):
        """Send one request that changes something; NetlinkError when the kernel refuses it."""
        code = self.write(netns, [request])[0]
        if code:
            raise NetlinkError(code, os.strerror(code))

    def links(self, netns=None):
        return [link_facts(payload) for payload in self.read(netns, links_request())]

    def groups(self, netns=None):
        """{ifindex: device group} of every link of a namespace."""
        return dict(link_group(payload) for payload in self.read(netns, links_request()))

    def link(self, netns, name):
        """One link by name (one request, no dump), or None."""
        try:
            return link_facts(self.read(netns, links_request(name))[0])
        except NetlinkError as exc:
            if exc.code == errno.ENODEV:
                return None
            raise

    def addresses(self, netns=None, consistent=True):
        """{ifindex: [link-local address facts]} of one namespace."""
        by_index = {}
        for payload in self.read(netns, addresses_request(), consistent):
            found = address_facts(payload)
            if found is not None and found[1] not in by_index.get(found[0], []):
                by_index.setdefault(found[0], []).append(found[1])
        return by_index

    def netns_ids(self):
        """{nsid: name} for the named namespaces the host namespace has an id for."""
        ids = {}
        for name in list_netns():
            try:
                fd = os.open(netns_path(name), os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                nsid = nsid_of(self.read(None, nsid_request(fd))[0])
            except (NetlinkError, IndexError):
                nsid = None
            finally:
                os.close(fd)
            if nsid is not None:
                ids[nsid] = name
        return ids
