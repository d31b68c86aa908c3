# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host lock with real flock(2) calls and a forked holder, in a directory of the test's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import multiprocessing
import os

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _host_lock as hl
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError


@pytest.fixture
def lock_dir(tmp_path, monkeypatch):
    path = str(tmp_path / 'xcnf-netkit')
    monkeypatch.setattr(hl, 'LOCK_DIR', path)
    monkeypatch.setattr(hl, 'LOCK_WAIT', 0.2)
    return path


def run_holding_lock(exclusive, ready, release):
    with hl.host_lock(exclusive):
        ready.set()
        release.wait(10)


@pytest.mark.parametrize('first, second, waits', [(True, True, True), (True, False, True), (False, True, True),
                                                  (False, False, False)])
def test_check_runs_share_it_and_the_rest_take_turns(lock_dir, first, second, waits):
    context = multiprocessing.get_context('fork')
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=run_holding_lock, args=(first, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        if waits:
            with pytest.raises(NetkitError, match='another xcnf.netkit run has held'):
                with hl.host_lock(second):
                    pass
        else:
            with hl.host_lock(second):
                pass
    finally:
        release.set()
        holder.join(10)
    with hl.host_lock(True):
        assert oct(os.stat(hl.lock_path()).st_mode & 0o777) == '0o600'
        assert oct(os.stat(lock_dir).st_mode & 0o777) == '0o700'


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='making files of another user needs root')


@needs_root
def test_refuses_a_lock_directory_another_user_made(lock_dir):
    os.mkdir(lock_dir, 0o700)
    os.chown(lock_dir, 65534, 65534)
    with pytest.raises(NetkitError, match='is owned by uid 65534'):
        with hl.host_lock(True):
            pass


def test_refuses_a_lock_directory_others_can_write(lock_dir):
    os.mkdir(lock_dir)
    os.chmod(lock_dir, 0o1777)
    with pytest.raises(NetkitError, match='writable by root only'):
        with hl.host_lock(True):
            pass


def test_refuses_a_link_in_place_of_the_lock(lock_dir, tmp_path):
    os.mkdir(lock_dir, 0o700)
    target = tmp_path / 'elsewhere'
    target.write_text('')
    os.symlink(str(target), hl.lock_path())
    with pytest.raises(NetkitError, match='cannot open the xcnf.netkit lock'):
        with hl.host_lock(True):
            pass
    assert target.read_text() == ''


@needs_root
def test_refuses_a_lock_file_another_user_made(lock_dir):
    os.mkdir(lock_dir, 0o700)
    with open(hl.lock_path(), 'w'):
        pass
    os.chown(hl.lock_path(), 65534, 65534)
    with pytest.raises(NetkitError, match='is owned by uid 65534'):
        with hl.host_lock(False):
            pass


def test_a_directory_that_cannot_be_made_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(hl, 'LOCK_DIR', str(tmp_path / 'missing' / 'xcnf-netkit'))
    with pytest.raises(NetkitError, match='cannot create .*need root'):
        with hl.host_lock(True):
            pass
