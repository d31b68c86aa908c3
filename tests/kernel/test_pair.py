# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netkit_pair's options on the real kernel: create, change in place, no-op, check mode, diff."""

import pytest

from suite import converge, netkit_info, reconcile, sh, up


def test_a_new_pair_gets_one_distinct_random_link_local_address_per_end(ns):
    applied = converge(ns, [{'name': 'nk0', 'link_local': True}])[0]
    links, ll = ns.links(), ns.link_local()
    assert netkit_info(links['nk0'])['type'] == 'primary' and netkit_info(links['nk0p'])['type'] == 'peer'
    assert netkit_info(links['nk0'])['mode'] == 'l3'
    assert links['nk0']['link'] == 'nk0p'
    assert up(links['nk0']) and up(links['nk0p'])
    assert links['nk0']['inet6_addr_gen_mode'] == 'random'
    assert len(ll['nk0']) == 1 and len(ll['nk0p']) == 1 and ll['nk0'] != ll['nk0p']
    assert 'fe80::200:ff:fe00:0' not in ll['nk0'] + ll['nk0p']
    assert applied['after']['addresses'] == ll['nk0'] and applied['after']['peer_addresses'] == ll['nk0p']
    assert applied['after']['ifindex'] == links['nk0']['ifindex']


def test_link_local_addresses_survive_a_down_up(ns):
    first = converge(ns, [{'name': 'nk0', 'link_local': True}])[0]['after']
    sh('ip', 'link', 'set', 'nk0', 'down')
    sh('ip', 'link', 'set', 'nk0', 'up')
    again = reconcile([{'name': 'nk0', 'link_local': True}])[0]
    assert not again['changed']
    assert ns.link_local()['nk0'] == first['addresses'] and ns.link_local()['nk0p'] == first['peer_addresses']


def test_an_end_raised_above_ipv6s_minimum_mtu_gets_the_asked_link_local_state(ns):
    """Below 1280 the kernel drops an end's IPv6; raised above it, the end starts IPv6 afresh
    with an EUI-64 address unless the run sets its address generation mode again."""
    for link_local, count in ((False, 0), (True, 1)):
        name = 'nkf' if not link_local else 'nkt'
        reconcile([{'name': name, 'link_local': link_local}])
        sh('ip', 'link', 'set', name + 'p', 'mtu', '1000')
        outcome = converge(ns, [{'name': name, 'peer_mtu': 1400, 'link_local': link_local}])[0]
        peer = ns.links()[name + 'p']
        assert peer['mtu'] == 1400 and up(peer)
        assert peer['inet6_addr_gen_mode'] == ('random' if link_local else 'none')
        assert len(ns.link_local()[name + 'p']) == count
        assert outcome['after']['link_local'] is link_local


CREATED = [
    ({'mode': 'l2'}, lambda p, q: netkit_info(p)['mode'] == 'l2' and p['address'] != '00:00:00:00:00:00'),
    ({'scrub': 'none', 'peer_scrub': 'none'},
     lambda p, q: netkit_info(p)['scrub'] == 'none' and netkit_info(p)['peer_scrub'] == 'none'),
    ({'policy': 'blackhole'}, lambda p, q: netkit_info(p)['policy'] == 'blackhole'),
    ({'peer_policy': 'blackhole'}, lambda p, q: netkit_info(p)['peer_policy'] == 'blackhole'),
    ({'mtu': 9000, 'peer_mtu': 4000}, lambda p, q: p['mtu'] == 9000 and q['mtu'] == 4000),
    ({'up': False}, lambda p, q: not up(p) and not up(q)),
    ({'link_local': False}, lambda p, q: p['inet6_addr_gen_mode'] == 'none' and q['inet6_addr_gen_mode'] == 'none'),
    ({'txqueuelen': 500, 'peer_txqueuelen': 0}, lambda p, q: p['txqlen'] == 500 and q.get('txqlen', 0) == 0),
    ({'gso_max_size': 196608, 'gro_max_size': 131072},
     lambda p, q: p['gso_max_size'] == q['gso_max_size'] == 196608 and p['gro_max_size'] == q['gro_max_size'] == 131072),
]


@pytest.mark.parametrize('options, holds', CREATED, ids=[' '.join(sorted(case[0])) for case in CREATED])
def test_each_creation_option_is_what_the_kernel_has(ns, options, holds):
    outcome = converge(ns, [dict(name='nk0', **options)])[0]
    links = ns.links()
    assert holds(links['nk0'], links['nk0p'])
    for key, value in options.items():
        assert outcome['after'][key] == value


def test_offload_sizes_that_differ_between_the_ends_read_as_null_and_are_made_equal(ns):
    reconcile([{'name': 'nk0'}])
    sh('ip', 'link', 'set', 'nk0p', 'gso_max_size', '100000')
    assert reconcile([{'name': 'nk0'}])[0]['after']['gso_max_size'] is None
    outcome = converge(ns, [{'name': 'nk0', 'gso_max_size': 65536}])[0]
    assert outcome['before']['gso_max_size'] is None and outcome['after']['gso_max_size'] == 65536
    assert ns.links()['nk0']['gso_max_size'] == ns.links()['nk0p']['gso_max_size'] == 65536


def test_a_named_peer_in_a_namespace(ns):
    blue = ns.peer()
    outcome = converge(ns, [{'name': 'web0', 'peer_name': 'web0-ctr', 'peer_netns': blue, 'link_local': True}])[0]
    peer = ns.links(blue)['web0-ctr']
    assert netkit_info(peer)['type'] == 'peer' and up(peer)
    assert 'link_netnsid' in ns.links()['web0']
    assert outcome['after']['peer_netns'] == blue
    assert outcome['after']['peer_addresses'] == ns.link_local(blue)['web0-ctr']
    assert 'web0-ctr' not in ns.links()


CHANGED = [
    ({'policy': 'blackhole', 'peer_policy': 'blackhole'},
     lambda ns, p, q: netkit_info(p)['policy'] == netkit_info(p)['peer_policy'] == 'blackhole'),
    ({'mtu': 9000, 'peer_mtu': 4000}, lambda ns, p, q: p['mtu'] == 9000 and q['mtu'] == 4000),
    ({'up': False}, lambda ns, p, q: not up(p) and not up(q)),
    ({'txqueuelen': 2000, 'peer_txqueuelen': 100}, lambda ns, p, q: p['txqlen'] == 2000 and q['txqlen'] == 100),
    ({'gso_max_size': 524280, 'gro_max_size': 65000},
     lambda ns, p, q: p['gso_max_size'] == q['gso_max_size'] == 524280 and p['gro_max_size'] == q['gro_max_size'] == 65000),
    ({'link_local': False},
     lambda ns, p, q: ns.link_local()['nk0'] == [] and ns.link_local()['nk0p'] == [] and up(p) and up(q)),
]


@pytest.mark.parametrize('options, holds', CHANGED, ids=[' '.join(sorted(case[0])) for case in CHANGED])
def test_each_live_setting_changes_in_place(ns, options, holds):
    made = reconcile([{'name': 'nk0', 'link_local': True}])[0]['after']
    outcome = converge(ns, [dict({'name': 'nk0', 'link_local': True}, **options)])[0]
    links = ns.links()
    assert holds(ns, links['nk0'], links['nk0p'])
    assert outcome['after']['ifindex'] == made['ifindex'] and not outcome['recreated']


def test_moving_the_peer_brings_its_address_back(ns):
    blue = ns.peer()
    reconcile([{'name': 'nk0', 'link_local': True}])
    outcome = converge(ns, [{'name': 'nk0', 'peer_netns': blue, 'link_local': True}])[0]
    peer = ns.links(blue)['nk0p']
    assert up(peer) and len(ns.link_local(blue)['nk0p']) == 1
    assert outcome['after']['peer_addresses'] == ns.link_local(blue)['nk0p']


def test_up_again_gives_the_link_local_addresses_back(ns):
    reconcile([{'name': 'nk0', 'link_local': True, 'up': False}])
    converge(ns, [{'name': 'nk0', 'link_local': True, 'up': True}])
    assert len(ns.link_local()['nk0']) == 1 and len(ns.link_local()['nk0p']) == 1


def test_recreate_changes_a_creation_setting_and_keeps_the_others(ns):
    blue = ns.peer()
    made = reconcile([{'name': 'nk0', 'mode': 'l2', 'mtu': 9000, 'peer_netns': blue, 'policy': 'blackhole',
                       'link_local': True}])[0]['after']
    outcome = converge(ns, [{'name': 'nk0', 'mode': 'l3', 'recreate': True}])[0]
    primary, peer = ns.links()['nk0'], ns.links(blue)['nk0p']
    assert outcome['recreated'] and outcome['before']['mode'] == 'l2'
    assert netkit_info(primary)['mode'] == 'l3' and primary['ifindex'] != made['ifindex']
    assert primary['mtu'] == 9000 and netkit_info(primary)['policy'] == 'blackhole'
    assert up(peer) and len(ns.link_local(blue)['nk0p']) == 1


def test_absent_deletes_both_ends(ns):
    reconcile([{'name': 'nk0'}])
    converge(ns, [{'name': 'nk0', 'state': 'absent'}])
    assert 'nk0' not in ns.links() and 'nk0p' not in ns.links()


def test_the_kernels_default_l3_address_is_not_link_local_true(ns):
    made = reconcile([{'name': 'nk0'}])[0]['after']
    assert made['link_local'] is None
    assert ns.link_local()['nk0'] == ns.link_local()['nk0p'] == ['fe80::200:ff:fe00:0']
    converge(ns, [{'name': 'nk0', 'link_local': True}])
    assert ns.link_local()['nk0'] != ns.link_local()['nk0p']


def test_the_result_has_the_addresses_the_kernel_makes_once_an_end_gets_its_carrier(ns):
    """The kernel's own link-local address (EUI-64 here) is made in linkwatch's work, after the
    request that brought the end up has returned (on a loaded host, after the run's read): the
    result is the pair as a read a moment later finds it, whether the run created the pair,
    brought up one made down, or brought up one just taken down (linkwatch acts on that up to a
    second later: the end may come back up showing the operstate from before). One pair per
    run, the narrowest window; several runs of each, as the lag varies."""
    reported, found = [], []
    for i in range(18):
        name = 'nk%d' % i
        before = ('none', 'made down', 'taken down')[i % 3]
        if before != 'none':
            reconcile([{'name': name, 'up': before == 'taken down'}])
        if before == 'taken down':
            # By another tool: nothing of the module's runs between down and up.
            sh('ip', 'link', 'set', name, 'down')
            sh('ip', 'link', 'set', name + 'p', 'down')
        pair = reconcile([{'name': name, 'up': True}])[0]['after']
        ns.state()
        ll = ns.link_local()
        reported.append((pair['addresses'], pair['peer_addresses']))
        found.append((ll[name], ll[name + 'p']))
    assert reported == found
    assert all(addresses == ['fe80::200:ff:fe00:0'] for pair in found for addresses in pair)


def test_the_diff_shows_the_change_and_nothing_else(ns):
    from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import diff_view
    reconcile([{'name': 'nk0', 'mtu': 1500}])
    outcome = reconcile([{'name': 'nk0', 'mtu': 9000}], check=True)[0]
    before, after = diff_view(outcome['before']), diff_view(outcome['after'])
    assert (before['mtu'], after['mtu']) == (1500, 9000)
    assert dict(before, mtu=None) == dict(after, mtu=None)


def test_the_info_reader_lists_exactly_the_netkit_primaries_ip_lists(ns):
    from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import read_all_pairs
    blue = ns.peer()
    made = reconcile([{'name': 'nka', 'link_local': True}, {'name': 'nkb', 'peer_netns': blue}])
    sh('ip', 'link', 'add', 'nkdummy', 'type', 'dummy')
    primaries = sorted(name for name, link in ns.links().items()
                       if link.get('linkinfo', {}).get('info_data', {}).get('type') == 'primary')
    everything = read_all_pairs()
    assert [pair['name'] for pair in everything] == primaries == ['nka', 'nkb']
    assert everything == [outcome['after'] for outcome in made]
    assert everything[0]['addresses'] == made[0]['after']['addresses']
    assert [pair['name'] for pair in read_all_pairs(['nkb', 'missing'])] == ['nkb']
