# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot unit's entry point, tools/make_boot_entry.py: the deflated zip it makes of module_utils,
the same bytes for the same sources, and a zip that runs on its own (an isolated
interpreter in a directory of the test's, nothing of the checkout on sys.path)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from ansible_collections.xcnf.netkit.tools import make_boot_entry

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.realpath(__file__)), '..', '..', '..'))
MODULE_UTILS = os.path.join(ROOT, 'plugins', 'module_utils')
PACKAGE = 'ansible_collections/xcnf/netkit/plugins/module_utils'
PACKAGE_INITS = ['ansible_collections/__init__.py', 'ansible_collections/xcnf/__init__.py',
                 'ansible_collections/xcnf/netkit/__init__.py', 'ansible_collections/xcnf/netkit/plugins/__init__.py',
                 PACKAGE + '/__init__.py']
SOURCES = sorted(name for name in os.listdir(MODULE_UTILS) if name.endswith('.py') and name != '__init__.py')
USAGE = 'xcnf-netkit-boot: usage: netkit_boot.pyz STATE_FILE'


def build(root, output):
    make_boot_entry.main(str(root), str(output))
    with open(str(output), 'rb') as built:
        return built.read()


def isolated(*args, **kwargs):
    """sys.executable -I (no PYTHONPATH, no user site, no script directory of the checkout)
    with an environment of PATH only, in the directory kwargs['cwd']."""
    return subprocess.run([sys.executable, '-I'] + list(args), env={'PATH': os.environ.get('PATH', '/usr/bin')},
                          capture_output=True, text=True, timeout=60, check=False, **kwargs)


@pytest.fixture(scope='module')
def entry(tmp_path_factory):
    """The zip built from the checkout, once for the module."""
    output = tmp_path_factory.mktemp('entry') / 'netkit_boot.pyz'
    build(ROOT, output)
    return output


@pytest.fixture
def built(entry):
    return entry.read_bytes()


def copy_of_module_utils(root, mtime, reverse):
    """A collection root holding a copy of module_utils, its files written in the given
    order and stamped with mtime."""
    target = root / 'plugins' / 'module_utils'
    target.mkdir(parents=True)
    for name in sorted(SOURCES, reverse=reverse):
        shutil.copyfile(os.path.join(MODULE_UTILS, name), str(target / name))
        os.utime(str(target / name), (mtime, mtime))
    return root


def test_the_same_sources_give_the_same_bytes(tmp_path, built):
    # Different mtimes and directory orders: neither may reach the zip.
    first = build(copy_of_module_utils(tmp_path / 'a', 1e9, False), tmp_path / 'a.pyz')
    second = build(copy_of_module_utils(tmp_path / 'b', 2e9, True), tmp_path / 'b.pyz')
    assert first == second == built
    assert build(ROOT, tmp_path / 'again.pyz') == built


def test_a_changed_source_changes_the_bytes(tmp_path, built):
    root = copy_of_module_utils(tmp_path / 'changed', 1e9, False)
    with open(str(root / 'plugins' / 'module_utils' / '_boot.py'), 'a') as source:
        source.write('# another line\n')
    assert build(root, tmp_path / 'changed.pyz') != built


def test_the_zip_holds_the_main_the_package_inits_and_every_module_util(entry):
    with zipfile.ZipFile(str(entry)) as archive:
        names = archive.namelist()
        assert names == ['__main__.py'] + PACKAGE_INITS + ['%s/%s' % (PACKAGE, name) for name in SOURCES]
        assert '%s/_boot.py' % PACKAGE in names and '%s/_pair_arguments.py' % PACKAGE in names
        for name in SOURCES:
            with open(os.path.join(MODULE_UTILS, name), 'rb') as source:
                assert archive.read('%s/%s' % (PACKAGE, name)) == source.read(), name
        assert all(archive.read(name) == b'' for name in PACKAGE_INITS)
        assert b'_boot import main' in archive.read('__main__.py')
        assert set(info.date_time for info in archive.infolist()) == {(1980, 1, 1, 0, 0, 0)}
        assert archive.testzip() is None


def test_every_member_of_the_zip_is_deflated(entry):
    with zipfile.ZipFile(str(entry)) as archive:
        members = archive.infolist()
    assert [(info.filename, info.compress_type) for info in members] == [
        (info.filename, zipfile.ZIP_DEFLATED) for info in members]
    # Really compressed, not only marked so: Python source deflates to well under its size.
    names = ['%s/%s' % (PACKAGE, name) for name in SOURCES]
    sources = [info for info in members if info.filename in names]
    assert [info.filename for info in sources] == names
    assert all(info.compress_size < info.file_size for info in sources), [
        (info.filename, info.compress_size, info.file_size) for info in sources]
    assert sum(info.compress_size for info in sources) < sum(info.file_size for info in sources) / 2
    assert os.path.getsize(str(entry)) < sum(info.file_size for info in members)


def test_the_build_leaves_only_its_output(tmp_path):
    output = tmp_path / 'out' / 'netkit_boot.pyz'
    output.parent.mkdir()
    output.write_bytes(b'an older build')
    build(ROOT, output)
    assert os.listdir(str(output.parent)) == ['netkit_boot.pyz']
    assert zipfile.is_zipfile(str(output))


def test_the_script_as_the_makefile_runs_it_builds_the_same_zip(tmp_path, built):
    output = tmp_path / 'netkit_boot.pyz'
    done = isolated(os.path.join(ROOT, 'tools', 'make_boot_entry.py'), ROOT, str(output), cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert output.read_bytes() == built


def test_the_zip_run_without_a_state_file_prints_the_usage_and_exits_2(tmp_path, entry):
    done = isolated(str(entry), cwd=str(tmp_path))
    assert (done.returncode, done.stdout, done.stderr) == (2, '', USAGE + '\n')


def test_the_zip_run_with_a_missing_state_file_says_so_and_exits_1(tmp_path, entry):
    done = isolated(str(entry), str(tmp_path / 'state.json'), cwd=str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.startswith('xcnf-netkit-boot: No such file or directory')
    assert str(tmp_path / 'state.json') in done.stderr and len(done.stderr.splitlines()) == 1


# What the restore imports (Restore.run), with Ansible made unimportable: the host at boot has none.
IMPORT_CHECK = '''
import json, sys
sys.path.insert(0, sys.argv[1])
sys.modules['ansible'] = None
from ansible_collections.xcnf.netkit.plugins.module_utils import _boot, _bpf_attach, _pairs
print(json.dumps([module.__file__ for module in (_boot, _bpf_attach, _pairs)]))
'''


def test_the_zip_imports_what_the_restore_needs_from_itself_without_ansible(tmp_path, entry):
    done = isolated('-c', IMPORT_CHECK, str(entry), cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)
    assert [os.path.basename(path) for path in files] == ['_boot.py', '_bpf_attach.py', '_pairs.py']
    assert all(path.startswith(str(entry) + os.sep) for path in files), files
