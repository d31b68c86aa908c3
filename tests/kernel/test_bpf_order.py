# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf beside other tools: ordered programs per hook, other tools' programs left in
place, the hook's revision, and change by content. Judged by bpftool's order and by traffic."""

import ctypes
import json
import os
import shutil

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach, _libbpf
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_object import LoadedObject
from ansible_collections.xcnf.netkit.plugins.module_utils._bpf_plan import HOOK_MAX
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from suite import PIN_ROOT, reconcile, sh

FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'files')
CHAIN = os.path.join(FILES, 'chain.bpf.o')
ABSENT = {'state': 'absent', 'programs': None, 'object': None, 'pin_path': None}


def params(device, names, hook='primary', **options):
    return dict({'device': device, 'object': CHAIN, 'state': 'present', 'pin_path': None,
                 'programs': [{'name': name, 'attach': hook} for name in names]}, **options)


def orders(device):
    """{hook: [(program name, link id)]} in the order bpftool lists them (the order they run)."""
    shown = json.loads(sh('bpftool', '-j', 'net', 'show', 'dev', device).stdout)
    found = dict((hook, []) for hook in _libbpf.HOOKS)
    for entry in shown[0].get('tc', []) if shown else []:
        if entry['kind'].startswith('netkit/'):
            found[entry['kind'][len('netkit/'):]].append((entry['name'], entry.get('link_id')))
    return found


def order(device, hook='primary'):
    return orders(device)[hook]


def ifindex(device):
    return json.loads(sh('ip', '-j', 'link', 'show', device).stdout)[0]['ifindex']


class OtherTool:
    """Another tool's programs: loaded and attached with libbpf directly, pinned in a
    directory of its own (each load is a program of its own: a hook runs a program once)."""

    def __init__(self, ns):
        self.lib = _libbpf.Libbpf()
        self.dir = os.path.join(PIN_ROOT, ns.bpf_device())
        os.makedirs(self.dir, 0o700)
        self.count = 0

    def attach(self, device, where='last', relative_id=0, link=True, revision=0, program='chain_foreign'):
        """Attach a fresh program of chain.bpf.o; its link id."""
        flags = {'first': _libbpf.BPF_F_BEFORE, 'last': 0, 'before': _libbpf.BPF_F_BEFORE,
                 'after': _libbpf.BPF_F_AFTER}[where] | (_libbpf.BPF_F_LINK if relative_id and link else 0)
        loaded = LoadedObject(self.lib, CHAIN, {program: 'primary'})
        try:
            opts = _libbpf.BpfNetkitOpts(sz=ctypes.sizeof(_libbpf.BpfNetkitOpts), flags=flags, relative_id=relative_id,
                                         expected_revision=revision)
            handle = self.lib.bpf_program__attach_netkit(loaded.programs[program], ifindex(device), ctypes.byref(opts))
            assert handle, os.strerror(ctypes.get_errno())
            self.count += 1
            path = os.path.join(self.dir, 'link%d' % self.count)
            assert self.lib.bpf_link__pin(handle, path.encode()) == 0
            self.lib.bpf_link__destroy(handle)
            return _bpf_attach.pinned_link(self.lib, path)['link_id']
        finally:
            loaded.close()


def converge(arguments):
    """check -> apply -> apply again -> check again; the kernel's order after the apply."""
    device = arguments['device']
    before = order(device)
    predicted = _bpf_attach.reconcile_attachments(arguments, True)
    assert order(device) == before, 'check mode changed the hook'
    applied = _bpf_attach.reconcile_attachments(arguments, False)
    assert predicted['changed'] and applied['changed']
    assert [(entry['program'], entry['owner'] is not None) for entry in predicted['after']['primary']] == \
        [(entry['program'], entry['owner'] is not None) for entry in applied['after']['primary']]
    assert [entry['program'] for entry in applied['after']['primary']] == [name for name, _link in order(device)]
    again = _bpf_attach.reconcile_attachments(arguments, False)
    assert not again['changed'] and again['after'] == applied['after']
    assert not _bpf_attach.reconcile_attachments(arguments, True)['changed']
    return order(device)


@pytest.fixture
def pair(ns):
    name = ns.bpf_device()
    reconcile([{'name': name}])
    return ns, name


def test_the_listed_order_is_the_order_they_run_and_a_reorder_keeps_what_it_can(pair):
    _ns, name = pair
    assert [n for n, _l in converge(params(name, ['chain_one', 'chain_two', 'chain_three']))] == \
        ['chain_one', 'chain_two', 'chain_three']
    links = dict(order(name))
    moved = converge(params(name, ['chain_two', 'chain_three', 'chain_one']))
    assert [n for n, _l in moved] == ['chain_two', 'chain_three', 'chain_one']
    assert dict(moved)['chain_two'] == links['chain_two'] and dict(moved)['chain_three'] == links['chain_three'], \
        'the two that kept their order keep their links'
    fewer = converge(params(name, ['chain_two', 'chain_one']))
    assert fewer == [(n, l) for n, l in moved if n != 'chain_three'], 'dropping one from the list detaches only it'


def test_other_tools_programs_stay_in_place_through_every_reconcile_and_absent(pair):
    ns, name = pair
    other = OtherTool(ns)
    first = other.attach(name)
    converge(params(name, ['chain_one', 'chain_two']))
    second = other.attach(name)
    assert [link for _n, link in order(name)][0] == first and order(name)[-1][1] == second
    # The default is last: the collection's programs move back behind the newcomer.
    settled = converge(params(name, ['chain_one', 'chain_two']))
    assert settled[:2] == [('chain_foreign', first), ('chain_foreign', second)]
    converge(params(name, ['chain_three'], placement={'primary': {'position': 'first'}}))
    assert [link for _n, link in order(name)][1:] == [first, second]
    for check in (True, False):
        gone = _bpf_attach.reconcile_attachments(dict(ABSENT, device=name), check)
        assert gone['changed']
    assert order(name) == [('chain_foreign', first), ('chain_foreign', second)]
    assert not _bpf_attach.reconcile_attachments(dict(ABSENT, device=name), False)['changed']


@pytest.mark.parametrize('position', ['before', 'after'])
@pytest.mark.parametrize('anchor', ['program_id', 'link_id', 'pin', 'program'])
def test_before_and_after_an_anchor(pair, position, anchor):
    ns, name = pair
    other = OtherTool(ns)
    links = [other.attach(name, program=program) for program in ('chain_foreign', 'chain_three')]
    program_ids = dict((link, program_id) for program_id, link in _libbpf.query_hook(other.lib, ifindex(name), 'primary')[1])
    value = {'link_id': links[0], 'program_id': program_ids[links[0]], 'pin': os.path.join(other.dir, 'link1'),
             'program': 'chain_foreign'}[anchor]
    ran = converge(params(name, ['chain_one', 'chain_two'],
                          placement={'primary': {'position': position, anchor: value}}))
    expected = (['chain_one', 'chain_two', 'chain_foreign', 'chain_three'] if position == 'before'
                else ['chain_foreign', 'chain_one', 'chain_two', 'chain_three'])
    assert [n for n, _l in ran] == expected


def test_a_writer_between_plan_and_apply_gets_estale_and_no_change(pair):
    ns, name = pair
    other = OtherTool(ns)
    lib = _libbpf.Libbpf()
    converge(params(name, ['chain_one']))
    arguments = params(name, ['chain_two', 'chain_one'])
    device = _bpf_attach.resolve_primary(name)
    pin_dir = os.path.join(PIN_ROOT, name)
    loaded = LoadedObject(lib, CHAIN, {'chain_one': 'primary', 'chain_two': 'primary'}, map_pin_dir=pin_dir)
    try:
        wanted = dict((program, loaded.info(program)) for program in ('chain_one', 'chain_two'))
        planned = {'primary': _bpf_attach.plan_for(lib, device, 'primary', pin_dir, ['chain_two', 'chain_one'],
                                                   ('last', None, None), wanted)}
        intruder = other.attach(name)
        between = order(name)
        with pytest.raises(NetkitError, match='changed after it was read'):
            _bpf_attach.apply_plans(lib, loaded, device, pin_dir, planned, [])
    finally:
        loaded.close()
    assert order(name) == between and between[-1][1] == intruder
    assert sorted(os.listdir(pin_dir)) == ['link_primary_chain_one', 'source_primary_chain_one']
    # The next run plans against what is there now.
    assert [n for n, _l in converge(arguments)] == ['chain_foreign', 'chain_two', 'chain_one']


def test_more_than_the_kernel_takes_is_refused_before_anything_changes(pair):
    ns, name = pair
    other = OtherTool(ns)
    for _count in range(HOOK_MAX - 2):
        other.attach(name)
    converge(params(name, ['chain_one', 'chain_two']))
    full = order(name)
    assert len(full) == HOOK_MAX
    for arguments, check in ((params(name, ['chain_one', 'chain_two', 'chain_three']), False),
                             (params(name, ['chain_two', 'chain_one']), True)):
        with pytest.raises(NetkitError, match='the kernel takes at most 63'):
            _bpf_attach.reconcile_attachments(arguments, check)
        assert order(name) == full


def test_a_rodata_only_rebuild_swaps_the_program_and_traffic_proves_the_new_verdict(ns, tmp_path):
    blue = ns.peer()
    name = ns.bpf_device()
    made = reconcile([{'name': name, 'peer_netns': blue, 'link_local': True}])[0]['after']
    target = tmp_path / 'verdict.bpf.o'
    program = [{'name': 'verdict_primary', 'attach': 'primary'}]
    shutil.copyfile(os.path.join(FILES, 'verdict_next.bpf.o'), str(target))
    arguments = {'device': name, 'object': str(target), 'programs': program, 'state': 'present', 'pin_path': None}
    passing = converge(arguments)
    first = _bpf_attach.reconcile_attachments(arguments, False)['after']['primary'][0]
    assert sh('ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', '%s%%%s' % (made['peer_addresses'][0], name),
              check=False).returncode == 0
    shutil.copyfile(os.path.join(FILES, 'verdict_drop.bpf.o'), str(target))
    dropping = converge(arguments)
    second = _bpf_attach.reconcile_attachments(arguments, False)['after']['primary'][0]
    assert second['tag'] == first['tag'], 'the rebuild changed the constant only: the kernel tag is the same'
    assert second['source'][1] != first['source'][1] and second['program_id'] != first['program_id']
    assert dropping[0][1] == passing[0][1], 'swapped into the same link'
    assert sh('ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', '%s%%%s' % (made['peer_addresses'][0], name),
              check=False).returncode != 0


def test_a_link_pinned_by_a_release_before_lists_is_taken_over_in_place(pair):
    """link_<hook> pins (one program per hook) become link_<hook>_<program>, keeping the link."""
    ns, name = pair
    converge(params(name, ['chain_one']))
    pin_dir = os.path.join(PIN_ROOT, name)
    os.rename(os.path.join(pin_dir, 'link_primary_chain_one'), os.path.join(pin_dir, 'link_primary'))
    os.unlink(os.path.join(pin_dir, 'source_primary_chain_one'))
    link = order(name)[0][1]
    taken = _bpf_attach.reconcile_attachments(params(name, ['chain_one', 'chain_two']), False)
    assert taken['changed'] and order(name)[0] == ('chain_one', link)
    assert sorted(os.listdir(pin_dir)) == ['link_primary_chain_one', 'link_primary_chain_two',
                                           'source_primary_chain_one', 'source_primary_chain_two']
    assert not _bpf_attach.reconcile_attachments(params(name, ['chain_one', 'chain_two']), False)['changed']


def test_a_newly_listed_program_in_the_place_of_an_old_one_takes_its_link(pair):
    _ns, name = pair
    converge(params(name, ['chain_one', 'chain_two']))
    links = dict(order(name))
    replaced = converge(params(name, ['chain_one', 'chain_three']))
    assert replaced == [('chain_one', links['chain_one']), ('chain_three', links['chain_two'])]
    assert sorted(os.listdir(os.path.join(PIN_ROOT, name))) == [
        'link_primary_chain_one', 'link_primary_chain_three', 'source_primary_chain_one', 'source_primary_chain_three']


def test_a_refused_placement_leaves_no_pin_directory(pair):
    """Loading pinned the object's maps before the hook was planned: a refusal takes them back."""
    _ns, name = pair
    observer = os.path.join(os.path.dirname(os.path.dirname(FILES)), '..', 'roles', 'netkit', 'files', 'ipv6_observer.bpf.o')
    for check in (True, False):
        with pytest.raises(NetkitError, match='nothing of that program runs'):
            _bpf_attach.reconcile_attachments(dict(params(name, ['observe_primary'], object=os.path.normpath(observer)),
                                                   placement={'primary': {'position': 'after', 'program': 'absent_one'}}),
                                              check)
    assert not os.path.exists(os.path.join(PIN_ROOT, name)) and order(name) == []
