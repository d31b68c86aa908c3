"""The guest side of `make bench`: times ip -batch and the collection's reconciler in one run.

Usage (in the VM): python3 bench_guest.py N PREFIX PATH_TO__netkit.py
Prints one JSON object of seconds and counts. Every phase checks its outcome, so a
number is only printed for work that was really done.
"""
import importlib.util
import json
import subprocess
import sys
import time


def load_reconciler(path):
    spec = importlib.util.spec_from_file_location("_netkit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ip_json(*args):
    return json.loads(subprocess.run(["ip", "-j", *args], check=True, capture_output=True, text=True).stdout or "[]")


def our_links(prefix):
    return [link["ifname"] for link in ip_json("link", "show") if link["ifname"].startswith(prefix)]


def ends_with_link_local(prefix):
    return sum(1 for link in ip_json("-6", "addr", "show") if link["ifname"].startswith(prefix)
               and any(a["local"].startswith("fe80:") for a in link.get("addr_info", [])))


def wait_for_addresses(prefix, ends, timeout=120):
    deadline = time.monotonic() + timeout
    while ends_with_link_local(prefix) < ends:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {ends_with_link_local(prefix)} of {ends} ends got a link-local address")
        time.sleep(0.05)


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


def timed(step):
    started = time.monotonic()
    outcome = step()
    return time.monotonic() - started, outcome


def expect(condition, what):
    if not condition:
        raise SystemExit(f"benchmark check failed: {what}")


def main():
    count, prefix, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    names = [f"{prefix}{i}" for i in range(count)]
    out = {"pairs": count}
    expect(our_links(prefix) == [], f"no device named {prefix}* before the run")

    out["ip_create"] = timed(lambda: ip_create(names, prefix))[0]
    out["ip_delete"] = timed(lambda: ip_batch([f"link del {name}\n" for name in names]))[0]
    expect(our_links(prefix) == [], "ip -batch deleted every pair")

    out["import"], netkit = timed(lambda: load_reconciler(path))
    entries = [{"name": name, "link_local": True, "up": True, "state": "present"} for name in names]
    out["module_check"], results = timed(lambda: netkit.reconcile_pairs(entries, True))
    expect(sum(r["changed"] for r in results) == count and our_links(prefix) == [],
           "check mode predicts every pair and creates none")
    out["module_create"], results = timed(lambda: netkit.reconcile_pairs(entries, False))
    expect(sum(r["changed"] for r in results) == count, "every pair created")
    expect(ends_with_link_local(prefix) == 2 * count, "every end has its link-local address")
    out["module_rerun"], results = timed(lambda: netkit.reconcile_pairs(entries, False))
    expect(not any(r["changed"] for r in results), "the re-run changes nothing")
    gone = [dict(entry, state="absent") for entry in entries]
    out["module_delete"], results = timed(lambda: netkit.reconcile_pairs(gone, False))
    expect(sum(r["changed"] for r in results) == count and our_links(prefix) == [], "every pair deleted")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
