"""The guest side of `make bench`: times ip -batch and the collection's reconciler in one run.

Usage (in the VM, with the collection on PYTHONPATH): python3 bench_guest.py N PREFIX [LARGE]
Prints one JSON object of seconds and counts. Every phase checks its outcome, so a
number is only printed for work that was really done. udev is settled before each phase.
"""
import json
import statistics
import subprocess
import sys
import time

# Re-runs of the bulk task timed, one after another.
RERUNS = 5


def ip_json(*args):
    return json.loads(subprocess.run(["ip", "-j", *args], check=True, capture_output=True, text=True).stdout or "[]")


def our_links(prefix):
    return [link["ifname"] for link in ip_json("link", "show") if link["ifname"].startswith(prefix)]


def ends_with_link_local(prefix):
    return sum(1 for link in ip_json("-6", "addr", "show") if link["ifname"].startswith(prefix)
               and any(a["local"].startswith("fe80:") for a in link.get("addr_info", [])))


def wait_for_addresses(prefix, ends, timeout=300):
    deadline = time.monotonic() + timeout
    while ends_with_link_local(prefix) < ends:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {ends_with_link_local(prefix)} of {ends} ends got a link-local address")
        time.sleep(0.05)


def settle(attempts=5):
    """Wait until udev has handled every event so far: under TCG it can be minutes behind a
    thousand new devices, and too busy meanwhile to answer `udevadm settle` at all."""
    for _attempt in range(attempts):
        if subprocess.run(["udevadm", "settle", "--timeout=120"], check=False).returncode == 0:
            return
        time.sleep(5)
    raise SystemExit("udev did not settle")


def ip_batch(lines):
    subprocess.run(["ip", "-batch", "-"], input="".join(lines), text=True, check=True)


def ip_create(names, prefix):
    """The fastest correct iproute2 equivalent of what the module does.

    iproute2 keeps the netkit parser's state in static variables, so an `ip -batch` with a
    second `type netkit peer name ...` line fails ("duplicate peer"). The pairs are made
    with kernel-named peers instead, then one dump finds the peers, and a second batch
    renames them, sets both address generation modes and brings the ends up: six requests
    per pair (the module's five: create with the peer's name, two modes, two ups).
    """
    ip_batch([f"link add {name} type netkit\n" for name in names])
    peers = dict((link["ifname"], link["link"]) for link in ip_json("link", "show") if link["ifname"] in names)
    ip_batch([line for name in names for line in (
        f"link set dev {peers[name]} name {name}p\n", f"link set {name} addrgenmode random\n",
        f"link set {name}p addrgenmode random\n", f"link set {name}p up\n", f"link set {name} up\n")])
    wait_for_addresses(prefix, 2 * len(names))


def timed(step, settled=True):
    if settled:
        settle()
    started = time.monotonic()
    outcome = step()
    return time.monotonic() - started, outcome


def expect(condition, what):
    if not condition:
        raise SystemExit(f"benchmark check failed: {what}")


def entries(names, **options):
    from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import PAIR_ARGUMENT_SPEC
    defaults = dict((key, spec.get("default")) for key, spec in PAIR_ARGUMENT_SPEC.items())
    return [dict(defaults, name=name, link_local=True, **options) for name in names]


def reconcile(pairs, check=False, prune=None):
    from ansible_collections.xcnf.netkit.plugins.module_utils._pairs import reconcile_pairs
    return reconcile_pairs(pairs, check, prune)


def iproute2_rows(names, prefix, out):
    out["ip_create"] = timed(lambda: ip_create(names, prefix))[0]
    out["ip_delete"] = timed(lambda: ip_batch([f"link del {name}\n" for name in names]))[0]
    expect(our_links(prefix) == [], "ip -batch deleted every pair")
    # The kernel's floor for deleting: every pair in one device group, one `ip link del group`.
    ip_create(names, prefix)
    settle()
    ip_batch([f"link set {name} group 4242\n" for name in names])
    out["ip_delete_group"] = timed(lambda: ip_batch(["link del group 4242\n"]))[0]
    expect(our_links(prefix) == [], "ip link del group deleted every pair")


def module_rows(names, prefix, out):
    out["import"] = timed(lambda: reconcile([], True))[0]
    wanted = entries(names)
    out["module_check"], results = timed(lambda: reconcile(wanted, True))
    expect(sum(r["changed"] for r in results) == len(names) and our_links(prefix) == [],
           "check mode predicts every pair and creates none")
    out["module_create"], results = timed(lambda: reconcile(wanted))
    expect(sum(r["changed"] for r in results) == len(names), "every pair created")
    expect(ends_with_link_local(prefix) == 2 * len(names), "every end has its link-local address")
    # Under TCG one scheduling hiccup is a tenth of a re-run: the row is the median of a few.
    out["module_reruns"] = []
    for _run in range(RERUNS):
        seconds, results = timed(lambda: reconcile(wanted))
        expect(not any(r["changed"] for r in results), "the re-run changes nothing")
        out["module_reruns"].append(seconds)
    out["module_rerun"] = statistics.median(out["module_reruns"])
    out["rerun_parts"] = rerun_parts(wanted)
    out["module_delete"], results = timed(lambda: reconcile(entries(names, state="absent")))
    expect(sum(r["changed"] for r in results) == len(names) and our_links(prefix) == [], "every pair deleted")
    reconcile(wanted)
    out["module_prune"], results = timed(lambda: reconcile([], prune=prefix))
    expect(sum(r["pruned"] for r in results) == len(names) and our_links(prefix) == [], "every pair pruned")


def rerun_parts(wanted):
    """Where a re-run's time goes, step by step as reconcile_pairs() takes them."""
    from ansible_collections.xcnf.netkit.plugins.module_utils import _netlink_messages, _netlink_socket
    from ansible_collections.xcnf.netkit.plugins.module_utils._pair_arguments import desired_pair
    from ansible_collections.xcnf.netkit.plugins.module_utils._pair_plan import plan_pairs
    from ansible_collections.xcnf.netkit.plugins.module_utils._pair_snapshot import Snapshot
    kernel = _netlink_socket.Kernel()
    parts = {}
    parts["link dump (kernel and socket)"], payloads = timed(
        lambda: kernel.read(None, _netlink_messages.links_request()), settled=False)
    parts["decoding the links"] = timed(lambda: [_netlink_messages.link_facts(p) for p in payloads], settled=False)[0]
    parts["address dump and decoding"] = timed(lambda: kernel.addresses(None), settled=False)[0]
    parts["validating the entries"] = timed(lambda: [desired_pair(entry) for entry in wanted], settled=False)[0]
    snapshot = Snapshot(kernel)
    snapshot.links()
    snapshot.addresses(None, 0)
    parts["planning on the read snapshot"] = timed(lambda: plan_pairs(snapshot, wanted), settled=False)[0]
    parts["links in the dump"] = len(payloads)
    parts["bytes in the dump"] = sum(len(payload) for payload in payloads)
    kernel.close()
    return parts


def large_rows(count, out):
    names = [f"nkl{i}" for i in range(count)]
    wanted = entries(names)
    out["large"] = count
    out["large_create"], results = timed(lambda: reconcile(wanted))
    expect(sum(r["changed"] for r in results) == count, "every large pair created")
    out["large_rerun"], results = timed(lambda: reconcile(wanted))
    expect(not any(r["changed"] for r in results), "the large re-run changes nothing")
    out["large_prune"], results = timed(lambda: reconcile([], prune="nkl"))
    expect(our_links("nkl") == [], "every large pair pruned")


def main():
    count, prefix = int(sys.argv[1]), sys.argv[2]
    large = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    names = [f"{prefix}{i}" for i in range(count)]
    out = {"pairs": count}
    expect(our_links(prefix) == [], f"no device named {prefix}* before the run")
    iproute2_rows(names, prefix, out)
    module_rows(names, prefix, out)
    if large:
        large_rows(large, out)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
