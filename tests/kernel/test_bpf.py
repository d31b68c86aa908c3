# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_bpf and netkit_bpf_info on the real kernel, judged by bpftool and by traffic."""

import json
import os
import socket

import pytest

from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach, _bpf_observer, _bpf_pins, _libbpf
from ansible_collections.xcnf.netkit.plugins.module_utils._errors import NetkitError
from suite import reconcile, sh

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OBSERVER = os.path.join(ROOT, 'roles', 'netkit', 'files', 'ipv6_observer.bpf.o')
DROP_ALL = os.path.join(ROOT, 'tests', 'kernel', 'files', 'drop_all.bpf.o')
BOTH = [{'name': 'observe_primary', 'attach': 'primary'}, {'name': 'observe_peer', 'attach': 'peer'}]


def params(device, **options):
    return dict({'device': device, 'object': OBSERVER, 'programs': BOTH, 'state': 'present', 'pin_path': None},
                **options)


def attached(device):
    """{program name: prog id} on the device's hooks, as bpftool lists them."""
    shown = json.loads(sh('bpftool', '-j', 'net', 'show', 'dev', device).stdout)
    return dict((entry['name'], entry['prog_id']) for entry in (shown[0].get('tc', []) if shown else []))


def kernel_links():
    """Every BPF link's id (of every namespace: only for asking whether some are gone)."""
    return sorted(link['id'] for link in json.loads(sh('bpftool', '-j', 'link', 'show').stdout or '[]'))


def counters(pin_dir):
    dumped = json.loads(sh('bpftool', '-j', 'map', 'dump', 'pinned', pin_dir + '/map_counters').stdout)
    return [entry['formatted']['value'] for entry in dumped]


def ping(address, device):
    return sh('ping', '-6', '-c', '3', '-i', '0.2', '-W', '1', '%s%%%s' % (address, device), check=False).returncode


def one(hooks, hook):
    """The collection's one link on a hook of a result, or None."""
    owned = [entry for entry in hooks[hook] if entry['owner'] is not None]
    assert len(owned) <= 1, owned
    return owned[0] if owned else None


def converge_bpf(arguments):
    """check -> apply -> apply again -> check again; returns the apply's outcome."""
    programs = attached(arguments['device'])
    predicted = _bpf_attach.reconcile_attachments(arguments, True)
    assert attached(arguments['device']) == programs, 'check mode changed what is attached'
    applied = _bpf_attach.reconcile_attachments(arguments, False)
    assert predicted['changed'] and applied['changed']
    for hook in _libbpf.HOOKS:
        assert [(entry['program'], entry['tag'], entry['owner'] is not None) for entry in predicted['after'][hook]] == \
            [(entry['program'], entry['tag'], entry['owner'] is not None) for entry in applied['after'][hook]]
    again = _bpf_attach.reconcile_attachments(arguments, False)
    assert not again['changed'] and again['after'] == applied['after']
    assert not _bpf_attach.reconcile_attachments(arguments, True)['changed']
    assert _bpf_attach.diff_view(applied['before']) != _bpf_attach.diff_view(applied['after'])
    return applied


@pytest.fixture
def pair(ns):
    """A pair with its peer in a namespace and link-local addresses; (namespaces, name, pair)."""
    blue = ns.peer()
    name = ns.bpf_device()
    made = reconcile([{'name': name, 'peer_netns': blue, 'link_local': True}])[0]['after']
    return ns, name, made


def test_the_observer_on_both_hooks_counts_both_directions(pair):
    ns, name, made = pair
    applied = converge_bpf(params(name))
    pin_dir = applied['pin_path']
    assert pin_dir == '/sys/fs/bpf/xcnf-netkit/' + name
    assert attached(name) == {'observe_primary': one(applied['after'], 'primary')['program_id'],
                              'observe_peer': one(applied['after'], 'peer')['program_id']}
    assert sorted(applied['map_pins']) == [pin_dir + '/map_counters', pin_dir + '/map_ipv6_events']
    assert oct(os.stat(pin_dir).st_mode & 0o777) == '0o700'
    assert ping(made['peer_addresses'][0], name) == 0
    seen = counters(pin_dir)
    assert seen[0]['packets'] >= 3 and seen[1]['packets'] >= 3 and seen[0]['bytes'] > 0
    observed = _bpf_observer.read_observer({'device': name, 'pin_path': None, 'watch': 1, 'max_events': 100,
                                            'counters_map': 'counters', 'events_map': 'ipv6_events'})
    later = counters(pin_dir)
    assert observed['attachments'] == _bpf_attach.attachments_view(applied['after'])
    assert observed['hooks'] == dict((hook, _bpf_attach.hook_view(entries)) for hook, entries in applied['after'].items())
    for position, direction in enumerate(('to_peer', 'from_peer')):
        assert seen[position]['packets'] <= observed['counters'][direction]['packets'] <= later[position]['packets']
        assert seen[position]['bytes'] <= observed['counters'][direction]['bytes'] <= later[position]['bytes']
    # The echoes of the ping, each way, with the ends' own addresses (ICMPv6, 64 bytes).
    echoes = [event for event in observed['events'] if event['next_header'] == 58 and event['payload_length'] == 64]
    assert len([e for e in echoes if e['direction'] == 'to_peer' and e['source'] == made['addresses'][0]
                and e['destination'] == made['peer_addresses'][0]]) >= 3
    assert len([e for e in echoes if e['direction'] == 'from_peer' and e['source'] == made['peer_addresses'][0]]) >= 3


def test_a_swap_keeps_the_link_and_changes_what_runs(pair):
    ns, name, made = pair
    first = _bpf_attach.reconcile_attachments(params(name), False)
    dropping = converge_bpf(params(name, object=DROP_ALL, programs=[{'name': 'drop_all', 'attach': 'primary'}]))
    assert one(dropping['after'], 'primary')['link_id'] == one(first['after'], 'primary')['link_id']
    assert one(dropping['after'], 'primary')['program'] == 'drop_all'
    assert one(dropping['after'], 'peer') == one(first['after'], 'peer')
    assert attached(name)['drop_all'] == one(dropping['after'], 'primary')['program_id']
    assert ping(made['peer_addresses'][0], name) != 0
    counted = counters(dropping['pin_path'])[0]['packets']
    back = _bpf_attach.reconcile_attachments(params(name), False)
    assert back['changed'] and one(back['after'], 'primary')['link_id'] == one(first['after'], 'primary')['link_id']
    assert ping(made['peer_addresses'][0], name) == 0
    assert counters(back['pin_path'])[0]['packets'] >= counted + 3


def test_absent_detaches_and_removes_the_pins_once(pair):
    ns, name, _made = pair
    applied = _bpf_attach.reconcile_attachments(params(name), False)
    ids = [one(applied['after'], hook)['link_id'] for hook in _libbpf.HOOKS]
    gone = converge_bpf({'device': name, 'state': 'absent', 'programs': None, 'object': None, 'pin_path': None})
    assert gone['after'] == {'primary': [], 'peer': []}
    assert attached(name) == {} and not set(ids) & set(kernel_links())
    assert not os.path.exists(applied['pin_path'])
    observed = _bpf_observer.read_observer({'device': name, 'pin_path': None, 'watch': 0, 'max_events': 100,
                                            'counters_map': 'counters', 'events_map': 'ipv6_events'})
    assert observed['attachments'] == {'primary': [], 'peer': []} and observed['counters'] is None
    assert observed['hooks'] == {'primary': [], 'peer': []}


def test_the_peer_named_as_device_means_its_pair(ns):
    name = ns.bpf_device()
    reconcile([{'name': name}])
    applied = _bpf_attach.reconcile_attachments(params(name + 'p'), False)
    assert applied['pin_path'].endswith('/' + name) and set(attached(name)) == {'observe_primary', 'observe_peer'}


def test_a_recreated_pair_gets_its_program_again_and_absent_cleans_up_after_a_deleted_one(ns):
    name = ns.bpf_device()
    program = [{'name': 'observe_primary', 'attach': 'primary'}]
    reconcile([{'name': name}])
    first = one(_bpf_attach.reconcile_attachments(params(name, programs=program), False)['after'], 'primary')
    reconcile([{'name': name, 'state': 'absent'}])
    made = reconcile([{'name': name}])[0]['after']
    again = _bpf_attach.reconcile_attachments(params(name, programs=program), False)
    assert again['changed'] and attached(name) == {'observe_primary': one(again['after'], 'primary')['program_id']}
    assert one(again['after'], 'primary')['link_id'] != first['link_id']
    reconcile([{'name': name, 'state': 'absent'}])
    absent = {'device': name, 'state': 'absent', 'programs': None, 'object': None, 'pin_path': None}
    removed = _bpf_attach.reconcile_attachments(absent, False)
    assert removed['changed'] and removed['after'] == {'primary': [], 'peer': []}
    assert not _bpf_attach.reconcile_attachments(absent, False)['changed']
    assert not os.path.exists(removed['pin_path'])


def test_the_pins_of_a_renamed_pair_are_left_to_it(ns):
    """The pair was renamed and another pair took its name: the pin directory of the name holds
    a link that runs on the renamed pair, so a task for the new pair fails before anything
    changes, and absent through the renamed pair detaches it."""
    name = ns.bpf_device()
    program = [{'name': 'observe_primary', 'attach': 'primary'}]
    reconcile([{'name': name}])
    first = _bpf_attach.reconcile_attachments(params(name, programs=program), False)
    sh('ip', 'link', 'set', name, 'name', 'renamed')
    sh('ip', 'link', 'set', name + 'p', 'name', 'renamedp')
    reconcile([{'name': name}])
    refused = ('holds link_primary_observe_primary, a link attached to the primary hook of renamed, not %s: '
               'unpinning it would detach that program' % name)
    for arguments in (params(name, programs=program),
                      {'device': name, 'state': 'absent', 'programs': None, 'object': None, 'pin_path': None}):
        for check in (True, False):
            with pytest.raises(NetkitError, match=refused):
                _bpf_attach.reconcile_attachments(arguments, check)
    assert attached('renamed') == {'observe_primary': one(first['after'], 'primary')['program_id']}
    assert attached(name) == {}
    converge_bpf({'device': 'renamed', 'state': 'absent', 'programs': None, 'object': None,
                  'pin_path': first['pin_path']})
    assert attached('renamed') == {} and not os.path.exists(first['pin_path'])
    outcome = converge_bpf(params(name, programs=program))
    assert attached(name) == {'observe_primary': one(outcome['after'], 'primary')['program_id']}


def test_a_pin_path_two_pairs_share_is_refused_before_anything_changes(ns):
    """Whichever hooks the task names: loading would pin its maps beside the other pair's links."""
    first, second = ns.bpf_device(), ns.bpf_device()
    reconcile([{'name': first}, {'name': second}])
    applied = _bpf_attach.reconcile_attachments(params(first, programs=BOTH[1:]), False)
    shared = applied['pin_path']
    running, pins = attached(first), sorted(os.listdir(shared))
    absent = {'state': 'absent', 'programs': None, 'object': None, 'pin_path': shared}
    for device, arguments in ((second, params(second, object=DROP_ALL, pin_path=shared,
                                              programs=[{'name': 'drop_all', 'attach': 'primary'}])),
                              (second, dict(absent, device=second)),
                              ('nbmissing', dict(absent, device='nbmissing'))):
        for check in (True, False):
            with pytest.raises(NetkitError, match='pin_path %s holds link_peer_observe_peer, a link attached to the '
                               'peer hook of %s, not %s: .* state=absent, device=%s and pin_path=%s detaches it'
                               % (shared, first, device, first, shared)):
                _bpf_attach.reconcile_attachments(arguments, check)
            assert attached(first) == running and attached(second) == {} and sorted(os.listdir(shared)) == pins


def test_a_pair_of_the_same_name_and_ifindex_in_another_namespace_keeps_its_program(ns):
    """An ifindex is a namespace's own: the pinned link of a pair moved to another namespace is not
    this namespace's device of the same ifindex, and the default pin directory is by name."""
    name, elsewhere = ns.bpf_device(), ns.peer()
    program = [{'name': 'observe_primary', 'attach': 'primary'}]
    reconcile([{'name': name}])
    first = _bpf_attach.reconcile_attachments(params(name, programs=program), False)
    ifindex = socket.if_nametoindex(name)
    sh('ip', 'link', 'set', name, 'netns', elsewhere)
    sh('ip', 'link', 'add', name, 'index', str(ifindex), 'type', 'netkit', 'peer', 'name', name + 'q')
    moved = json.loads(sh('bpftool', '-j', 'net', 'show', 'dev', name, netns=elsewhere).stdout)[0]['tc']
    for check in (True, False):
        with pytest.raises(NetkitError, match='a link attached to the primary hook of a pair that is not in this '
                           'network namespace \\(its device has ifindex %d there\\), not %s' % (ifindex, name)):
            _bpf_attach.reconcile_attachments(params(name, programs=program), check)
    assert json.loads(sh('bpftool', '-j', 'net', 'show', 'dev', name, netns=elsewhere).stdout)[0]['tc'] == moved
    assert [entry['prog_id'] for entry in moved] == [one(first['after'], 'primary')['program_id']]
    assert attached(name) == {}


# A pin of the pair's own observer (its counters map), filled in per test.
MAP_PIN = '{pins}/map_counters'
BAD = [
    ({'object': '/nonexistent.o'}, 'does not exist on the target'),
    ({'programs': [{'name': 'nope', 'attach': 'primary'}], 'object': DROP_ALL}, 'has no program nope'),
    ({'programs': [{'name': 'not_netkit', 'attach': 'primary'}], 'object': DROP_ALL},
     'is in section xdp, which is not a netkit program'),
    ({'programs': [{'name': 'rejected', 'attach': 'primary'}], 'object': DROP_ALL}, 'the kernel refused to load'),
    ({'programs': [{'name': 'drop_all', 'attach': 'primary'}, {'name': 'drop_all', 'attach': 'primary'}],
      'object': DROP_ALL}, 'drop_all is listed twice for the primary hook'),
    ({'programs': [{'name': '../x', 'attach': 'primary'}]}, 'is not a program name'),
    ({'programs': [{'name': 'a' * 129, 'attach': 'primary'}]}, 'is not a program name'),
    ({'placement': {'peer': {'position': 'first'}}, 'programs': [{'name': 'observe_primary', 'attach': 'primary'}]},
     'placement.peer is set, but programs lists nothing for the peer hook'),
    ({'placement': {'primary': {'position': 'before'}}}, 'before needs exactly one anchor'),
    ({'placement': {'primary': {'position': 'first', 'program_id': 1}}}, 'first takes no anchor'),
    ({'placement': {'primary': {'position': 'after', 'program': 'nothing_here'}}}, 'nothing of that program runs'),
    ({'placement': {'primary': {'position': 'after', 'link_id': 2 ** 31}}}, 'nothing of that link id runs'),
    ({'placement': {'primary': {'position': 'after', 'program': 'observe_primary'}}},
     'is one of this collection\'s own links'),
    ({'placement': {'primary': {'position': 'after', 'pin': '/tmp/x'}}}, 'is not a path below /sys/fs/bpf'),
    ({'placement': {'primary': {'position': 'after', 'pin': '/sys/fs/bpf/../../tmp/x'}}}, 'is not a path below'),
    ({'placement': {'primary': {'position': 'after', 'pin': '/sys/fs/bpf/xcnf-netkit/none-such'}}},
     'cannot open the pin'),
    ({'placement': {'primary': {'position': 'after', 'pin': MAP_PIN}}}, 'holds a map, not a program or a link'),
    ({'pin_path': '/tmp/pins'}, 'is not a directory below /sys/fs/bpf'),
    ({'pin_path': '/sys/fs/bpf/../../tmp'}, 'is not a directory below /sys/fs/bpf'),
    ({'pin_path': '/sys/fs/bpf/a.b'}, 'cannot name a directory on bpffs'),
]


@pytest.mark.parametrize('options, message', BAD, ids=[case[1] for case in BAD])
def test_bad_input_changes_nothing(pair, options, message):
    ns, name, _made = pair
    _bpf_attach.reconcile_attachments(params(name), False)
    programs, pins = attached(name), os.listdir(os.path.join(_bpf_pins.DEFAULT_PIN_DIR, name))
    options = json.loads(json.dumps(options).replace('{pins}', os.path.join(_bpf_pins.DEFAULT_PIN_DIR, name)))
    for check in (True, False):
        with pytest.raises(NetkitError, match=message):
            _bpf_attach.reconcile_attachments(params(name, **options), check)
    assert attached(name) == programs and os.listdir(os.path.join(_bpf_pins.DEFAULT_PIN_DIR, name)) == pins


def test_a_refused_program_is_reported_with_the_verifiers_words(pair):
    """libbpf's log travels with the error: the user reads why the verifier refused it."""
    ns, name, _made = pair
    with pytest.raises(NetkitError) as refused:
        _bpf_attach.reconcile_attachments(params(name, object=DROP_ALL,
                                                 programs=[{'name': 'rejected', 'attach': 'primary'}]), False)
    message = str(refused.value)
    assert 'the kernel refused to load' in message and 'libbpf said' in message and 'bpftool prog load' in message
    assert 'invalid access to packet' in message, message


def test_files_that_are_not_bpf_objects(pair, tmp_path):
    ns, name, _made = pair
    (tmp_path / 'text.o').write_text('not an object')
    for path, message in ((tmp_path / 'text.o', 'is not an ELF file'), ('/bin/true', 'not BPF')):
        with pytest.raises(NetkitError, match=message):
            _bpf_attach.reconcile_attachments(params(name, object=str(path)), False)


def test_devices_that_are_not_netkit_pairs(ns):
    sh('ip', 'link', 'add', 'nbdummy', 'type', 'dummy')
    for device, message in (('nbdummy', 'is a dummy device, not netkit'), ('nbnone', 'does not exist')):
        with pytest.raises(NetkitError, match=message):
            _bpf_attach.reconcile_attachments(params(device), False)


@pytest.mark.parametrize('device', ['/tmp/victim', '../../../tmp/victim', 'a/../../b', '.', '..', '', 'nk%d'])
def test_absent_never_takes_a_path_for_a_device(ns, tmp_path, device):
    """A path given as device name used to select the directory absent emptied and removed."""
    victim = tmp_path / 'victim'
    victim.mkdir()
    (victim / 'file').write_text('kept')
    device = device.replace('/tmp/victim', str(victim))
    for check in (True, False):
        with pytest.raises(NetkitError, match='device'):
            _bpf_attach.reconcile_attachments({'device': device, 'state': 'absent', 'programs': None, 'object': None,
                                               'pin_path': None}, check)
    assert (victim / 'file').read_text() == 'kept'


def test_absent_never_removes_a_pin_path_outside_bpffs(ns, tmp_path):
    victim = tmp_path / 'victim'
    victim.mkdir()
    (victim / 'map_x').write_text('kept')
    with pytest.raises(NetkitError, match='is not a directory below /sys/fs/bpf'):
        _bpf_attach.reconcile_attachments({'device': 'nbnone', 'state': 'absent', 'programs': None, 'object': None,
                                           'pin_path': str(victim)}, False)
    assert (victim / 'map_x').read_text() == 'kept'


def test_absent_leaves_what_it_did_not_pin_and_reports_what_it_removed(pair):
    ns, name, _made = pair
    applied = _bpf_attach.reconcile_attachments(params(name), False)
    pin_dir = applied['pin_path']
    foreign = os.path.join(pin_dir, 'someone_elses')
    os.mkdir(foreign)
    for entry in os.listdir(pin_dir):
        if entry.startswith('link_'):
            os.unlink(os.path.join(pin_dir, entry))
    absent = {'device': name, 'state': 'absent', 'programs': None, 'object': None, 'pin_path': None}
    predicted = _bpf_attach.reconcile_attachments(absent, True)
    removed = _bpf_attach.reconcile_attachments(absent, False)
    assert predicted['changed'] and removed['changed'], 'removing the map pins is a change'
    assert sorted(os.listdir(pin_dir)) == ['someone_elses']
    assert not _bpf_attach.reconcile_attachments(absent, False)['changed']


def in_private_bpffs(script, *options):
    """Run a Python snippet as root in a mount namespace of its own, with /sys/fs/bpf a fresh
    mount made by `options` (or none): bpffs mounts change nothing outside it."""
    mount = ('mount -t bpf %s bpf /sys/fs/bpf && ' % ' '.join(options)) if options else ''
    return sh('unshare', '--mount', '--propagation', 'private', 'sh', '-c',
              'umount /sys/fs/bpf && %s exec python3 -c "$0"' % mount, script, check=False)


IMPORT = 'from ansible_collections.xcnf.netkit.plugins.module_utils import _bpf_attach, _bpf_pins, _libbpf\n'


def test_bpffs_is_mounted_root_only(ns):
    done = in_private_bpffs(IMPORT + 'import os\nassert _bpf_pins.mount_bpffs()\n'
                            'print(oct(os.stat("/sys/fs/bpf").st_mode & 0o777))')
    assert done.returncode == 0, done.stderr
    # The kernel adds the sticky bit to every bpffs root.
    assert done.stdout.strip() == '0o700'


def test_a_pin_root_other_users_can_write_is_refused(ns):
    name = ns.bpf_device()
    reconcile([{'name': name}])
    script = IMPORT + '''
import os, sys
os.mkdir("/sys/fs/bpf/xcnf-netkit", 0o700)
os.chown("/sys/fs/bpf/xcnf-netkit", 65534, 65534)
try:
    _bpf_attach.reconcile_attachments({"device": sys.argv[1], "object": sys.argv[2], "state": "present",
                               "pin_path": None, "programs": [{"name": "observe_primary", "attach": "primary"}]}, False)
except _libbpf.BpfError as exc:
    print(exc)
print(sorted(os.listdir("/sys/fs/bpf/xcnf-netkit")))
'''
    done = sh('unshare', '--mount', '--propagation', 'private', 'sh', '-c',
              'umount /sys/fs/bpf && mount -t bpf -o mode=1777 bpf /sys/fs/bpf && exec python3 -c "$0" "$1" "$2"',
              script, name, OBSERVER, check=False)
    assert done.returncode == 0, done.stderr
    assert 'is owned by uid 65534' in done.stdout and done.stdout.strip().endswith('[]')


def test_check_mode_on_a_host_without_bpffs_mounts_and_makes_nothing(ns):
    name = ns.bpf_device()
    reconcile([{'name': name}])
    script = IMPORT + '''
import os, sys
outcome = _bpf_attach.reconcile_attachments({"device": sys.argv[1], "object": sys.argv[2], "state": "present",
                                     "pin_path": None, "programs": [{"name": "observe_primary", "attach": "primary"}]},
                                    True)
print(outcome["changed"], _bpf_pins.is_bpffs("/sys/fs/bpf"), os.listdir("/sys/fs/bpf"))
'''
    done = sh('unshare', '--mount', '--propagation', 'private', 'sh', '-c',
              'umount /sys/fs/bpf && exec python3 -c "$0" "$1" "$2"', script, name, OBSERVER, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['True', 'False', '[]']


def test_a_replaced_object_file_changes_nothing_until_the_next_run(pair, tmp_path):
    """The file behind an attachment is rewritten: what runs stays until a run swaps it in."""
    ns, name, _made = pair
    target = tmp_path / 'policy.bpf.o'
    program = [{'name': 'drop_all', 'attach': 'primary'}]
    with open(DROP_ALL, 'rb') as source:
        target.write_bytes(source.read())
    first = one(_bpf_attach.reconcile_attachments(params(name, object=str(target), programs=program), False)['after'],
                'primary')
    with open(OBSERVER, 'rb') as source:
        target.write_bytes(source.read())
    assert attached(name) == {'drop_all': first['program_id']}
    swapped = _bpf_attach.reconcile_attachments(params(name, object=str(target),
                                                       programs=[{'name': 'observe_primary', 'attach': 'primary'}]), False)
    assert swapped['changed'] and one(swapped['after'], 'primary')['link_id'] == first['link_id']
    assert attached(name) == {'observe_primary': one(swapped['after'], 'primary')['program_id']}


@pytest.mark.parametrize('spoil', ['owner', 'mode', 'fifo', 'directory'])
def test_an_object_another_user_could_change_is_refused(pair, tmp_path, spoil):
    ns, name, _made = pair
    directory = tmp_path / 'objects'
    directory.mkdir()
    target = directory / 'x.bpf.o'
    if spoil == 'fifo':
        os.mkfifo(str(target))
    else:
        with open(DROP_ALL, 'rb') as source:
            target.write_bytes(source.read())
    if spoil == 'owner':
        os.chown(str(target), 65534, 65534)
    elif spoil == 'mode':
        os.chmod(str(target), 0o666)
    elif spoil == 'directory':
        os.chown(str(directory), 65534, 65534)
    message = 'is not a regular file' if spoil == 'fifo' else 'another user could change what root loads'
    for check in (True, False):
        with pytest.raises(NetkitError, match=message):
            _bpf_attach.reconcile_attachments(params(name, object=str(target),
                                                     programs=[{'name': 'drop_all', 'attach': 'primary'}]), check)
    assert attached(name) == {}


def test_an_object_the_kernel_refuses_leaves_no_pin_directory(ns):
    name = ns.bpf_device()
    reconcile([{'name': name}])
    with pytest.raises(NetkitError, match='the kernel refused to load'):
        _bpf_attach.reconcile_attachments(params(name, object=DROP_ALL, programs=[{'name': 'rejected', 'attach': 'primary'}]),
                                          False)
    assert not os.path.exists(os.path.join(_bpf_pins.DEFAULT_PIN_DIR, name))


def test_absent_for_a_pair_whose_name_bpffs_cannot_hold_is_a_no_op(ns):
    reconcile([{'name': 'nk.1'}])
    outcome = _bpf_attach.reconcile_attachments({'device': 'nk.1', 'state': 'absent', 'programs': None, 'object': None,
                                                 'pin_path': None}, False)
    assert not outcome['changed'] and outcome['after'] == {'primary': [], 'peer': []}
    with pytest.raises(NetkitError, match='cannot name a directory on bpffs'):
        _bpf_attach.reconcile_attachments(params('nk.1'), False)
