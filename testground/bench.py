"""`make bench`: bulk netkit pair reconciliation against ip -batch, in the test ground VM.

Boots the VM unless it runs, times in one run: ip -batch, the collection's reconciler
inside the guest (the time the module spends), the netkit_pairs task as Ansible runs it,
a loop of netkit_pair tasks, and a no-op netkit_pair task against ansible.builtin.ping;
prints a table and writes it to docs/benchmarks.md. `--smoke` runs every row with
BENCH_SMOKE_PAIRS pairs (default 50) and writes .tmp/benchmarks-smoke.md instead: make test
runs it, so that the bench cannot rot unnoticed; its numbers mean nothing.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vm  # noqa: E402  (the test ground tool beside this file)
from bench_guest import expect  # noqa: E402
from kernel_suite import collection_files  # noqa: E402

SMOKE = "--smoke" in sys.argv[1:]
PAIRS = int(os.environ.get("BENCH_SMOKE_PAIRS", "50")) if SMOKE else int(os.environ.get("BENCH_PAIRS", "1000"))
LOOP_PAIRS = 2 if SMOKE else int(os.environ.get("BENCH_LOOP_PAIRS", "20"))
# Alternating runs of the no-op task and of ping; the ratio is their medians'.
NOOP_ROUNDS = 1 if SMOKE else int(os.environ.get("BENCH_NOOP_ROUNDS", "7"))
# Off by default: under TCG udev takes tens of minutes to settle 20,000 new devices, before each row.
LARGE_PAIRS = 0 if SMOKE else int(os.environ.get("BENCH_LARGE_PAIRS", "0"))
PREFIX = "nkbench"
LOOP_PREFIX = "nkloop"
GUEST_ROOT = "/root/bench"
GUEST_COLLECTION = f"{GUEST_ROOT}/ansible_collections/xcnf/netkit"
OUTPUT = vm.REPO / (".tmp/benchmarks-smoke.md" if SMOKE else "docs/benchmarks.md")


TESTGROUND = vm.Testground()


def guest(command, stdin=None):
    return TESTGROUND.run(command, stdin=stdin).stdout


def ansible_task(module, args, check=False):
    """Run one ad hoc task; (seconds of the whole `ansible` command, the task's result)."""
    tree = TESTGROUND.state / "bench-tree"
    command = ["ansible", "netkit", "-m", module, "--tree", str(tree)] + (["-a", json.dumps(args)] if args else [])
    started = time.monotonic()
    done = subprocess.run(command + (["--check"] if check else []), capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    print(f"ansible {module}{' --check' if check else ''}: {seconds:.2f} s", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"ansible {module} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return seconds, json.loads((tree / TESTGROUND.host).read_text())


def settle():
    guest(f"cd {GUEST_COLLECTION} && python3 -c 'import sys; sys.path.insert(0, \"testground\"); "
          f"import bench_guest; bench_guest.settle()'")


def ansible_phases():
    entries = [{"name": f"{PREFIX}{i}", "link_local": True} for i in range(PAIRS)]
    out = {}
    settle()
    out["task_check"], result = ansible_task("xcnf.netkit.netkit_pairs", {"pairs": entries}, check=True)
    expect(result["changed"] and sum(p["changed"] for p in result["pairs"]) == PAIRS, "check mode reports all")
    expect(guest(f"ip -br link show | grep -c '^{PREFIX}' || true").strip() == "0", "check mode created nothing")
    settle()
    out["task_create"], result = ansible_task("xcnf.netkit.netkit_pairs", {"pairs": entries})
    expect(result["changed"] and all(len(p["pair"]["peer_addresses"]) == 1 for p in result["pairs"]),
           "the task created every pair with link-local addresses")
    settle()
    out["task_rerun"], result = ansible_task("xcnf.netkit.netkit_pairs", {"pairs": entries})
    expect(not result["changed"], "the re-run task reports changed=false")
    settle()
    out["task_delete"], result = ansible_task("xcnf.netkit.netkit_pairs", {"pairs": [], "prune_prefix": PREFIX})
    expect(sum(p["pruned"] for p in result["pairs"]) == PAIRS, "pruning deleted every pair")
    out.update(loop_phase())
    out.update(noop_phase())
    return out


def loop_phase():
    playbook = TESTGROUND.state / "bench-loop.yml"
    playbook.write_text(
        "- hosts: netkit\n  gather_facts: false\n  tasks:\n"
        "    - name: loop\n      xcnf.netkit.netkit_pair: {name: '%s{{ item }}', link_local: true}\n"
        "      loop: '{{ range(%d) | list }}'\n" % (LOOP_PREFIX, LOOP_PAIRS))
    settle()
    started = time.monotonic()
    subprocess.run(["ansible-playbook", str(playbook)], capture_output=True, check=True)
    seconds = time.monotonic() - started
    print(f"loop of {LOOP_PAIRS}: {seconds:.2f} s", flush=True)
    made = guest(f"ip -br link show | grep -c '^{LOOP_PREFIX}[0-9]*@' || true").strip()
    expect(made == str(LOOP_PAIRS), f"the loop created every pair ({made} primaries)")
    ansible_task("xcnf.netkit.netkit_pairs", {"pairs": [], "prune_prefix": LOOP_PREFIX})
    return {"loop_create": seconds}


def noop_phase():
    """A netkit_pair task with nothing to do against ansible.builtin.ping, alternating."""
    ansible_task("xcnf.netkit.netkit_pair", {"name": "nknoop", "link_local": True})
    noop, ping = [], []
    for _round in range(NOOP_ROUNDS):
        settle()
        seconds, result = ansible_task("xcnf.netkit.netkit_pair", {"name": "nknoop", "link_local": True})
        expect(not result["changed"], "the no-op task changes nothing")
        noop.append(seconds)
        settle()
        ping.append(ansible_task("ansible.builtin.ping", {})[0])
    ansible_task("xcnf.netkit.netkit_pair", {"name": "nknoop", "state": "absent"})
    return {"noop": noop, "ping": ping}


def header():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    accel = TESTGROUND.accel.upper()
    versions = guest("uname -r; ip -V; python3 -c 'import importlib.metadata as m; print(m.version(\"pyroute2\"))'")
    kernel, iproute, pyroute2 = versions.strip().splitlines()
    ansible = subprocess.run(["ansible", "--version"], capture_output=True, text=True, check=True).stdout
    return [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- host: {cpu}, {os.cpu_count()} CPUs; guest: 2 vCPUs under {accel}",
        f"- guest kernel {kernel}; {iproute}; pyroute2 {pyroute2}",
        f"- controller: {ansible.splitlines()[0]}, Python {platform.python_version()}",
    ]


def table(guest, task):
    n = guest["pairs"]
    rows = [
        ("create with link-local addresses", guest["ip_create"], guest["module_create"], task["task_create"]),
        ("idempotent re-run (changed=false)", None, guest["module_rerun"], task["task_rerun"]),
        ("check mode, nothing exists yet", None, guest["module_check"], task["task_check"]),
        ("delete (state: absent entries)", guest["ip_delete"], guest["module_delete"], None),
        ("prune (prune_prefix, no entries)", guest["ip_delete"], guest["module_prune"], task["task_delete"]),
    ]
    lines = [f"| {n} L3 pairs | ip -batch | netkit_pairs, in the module | netkit_pairs, whole `ansible` command |",
             "| --- | ---: | ---: | ---: |"]
    for what, ip, inside, whole in rows:
        lines.append(f"| {what} | {fmt(ip)} | {fmt(inside)} | {fmt(whole)} |")
    loop = task["loop_create"]
    lines.append(f"| netkit_pair in an Ansible loop (ansible-playbook), {LOOP_PAIRS} pairs | | | {fmt(loop)} "
                 f"({loop / LOOP_PAIRS:.2f} s per pair, {loop / LOOP_PAIRS * n:.0f} s for {n}) |")
    if guest.get("large"):
        large = guest["large"]
        lines += ["", f"| {large} L3 pairs, in the module | seconds |", "| --- | ---: |",
                  f"| create with link-local addresses | {fmt(guest['large_create'])} |",
                  f"| idempotent re-run | {fmt(guest['large_rerun'])} "
                  f"({guest['large_rerun'] / guest['large_create']:.1%} of creating) |",
                  f"| prune | {fmt(guest['large_prune'])} |"]
    parts = dict(guest["rerun_parts"])
    read = parts["link dump (kernel and socket)"] + parts["decoding the links"]
    lines += ["", f"Where an idempotent re-run of {n} pairs spends its time, step by step in the guest"
              f" ({parts.pop('links in the dump')} links, {parts.pop('bytes in the dump')} bytes in the link dump):",
              "", "| step | seconds |", "| --- | ---: |"]
    lines += [f"| {step} | {seconds:.3f} |" for step, seconds in parts.items()]
    noop, ping = statistics.median(task["noop"]), statistics.median(task["ping"])
    ratios = [
        f"- bulk create / ip -batch: {guest['module_create'] / guest['ip_create']:.2f} (target: at most 2)",
        f"- re-run / create, in the module: {guest['module_rerun'] / guest['module_create']:.1%}"
        f" (target: at most 5 %; the median of {len(guest['module_reruns'])} re-runs: "
        f"{', '.join(f'{x:.2f}' for x in guest['module_reruns'])} s)",
        f"- delete / ip -batch: {guest['module_delete'] / guest['ip_delete']:.2f}, prune / ip -batch: "
        f"{guest['module_prune'] / guest['ip_delete']:.2f} (target: at most 0.2); the kernel's floor, every pair "
        f"in one device group and one `ip link del group`: {fmt(guest['ip_delete_group'])}"
        f" ({guest['ip_delete_group'] / guest['ip_delete']:.2f})",
        f"- a netkit_pair task with nothing to do / `ansible -m ping` to the same host, medians of {len(task['noop'])}"
        f" alternating runs: {noop:.2f} s / {ping:.2f} s = {noop / ping:.2f} (target: at most 1.2; runs: "
        f"{', '.join(f'{x:.2f}' for x in task['noop'])} / {', '.join(f'{x:.2f}' for x in task['ping'])})",
        f"- importing the reconciler and an empty check run, in the guest (pyroute2 is loaded only to change something):"
        f" {fmt(guest['import'])}",
        f"- the floor of deleting with the module: the kernel's group delete and one read of the host (what the"
        f" re-run costs) = {fmt(guest['ip_delete_group'] + guest['module_rerun'])}"
        f" ({(guest['ip_delete_group'] + guest['module_rerun']) / guest['ip_delete']:.2f} of ip -batch)",
        f"- the floor of a re-run: the link dump and decoding it alone = {fmt(read)}"
        f" ({read / guest['module_create']:.1%} of creating)",
    ]
    return lines, ratios


def fmt(seconds):
    return "" if seconds is None else f"{seconds:.2f} s"


def main():
    was_running = bool(TESTGROUND.running_pids())
    if LARGE_PAIRS:
        # Memory in MiB for the large row's pairs (each end is a device with its IPv6 state).
        os.environ.setdefault("NETKIT_VM_MEMORY", "3072")
    TESTGROUND.up()
    try:
        run()
    finally:
        if not was_running:
            TESTGROUND.down()


def run():
    # systemd-networkd keeps both vCPUs busy working through thousands of link events
    # (measured: load 15 through the Ansible phases); the address it configured stays.
    guest("systemctl stop systemd-networkd.socket systemd-networkd")
    try:
        measure()
    finally:
        guest("systemctl start systemd-networkd.socket systemd-networkd")


def measure():
    TESTGROUND.push_tree(vm.REPO, collection_files(), GUEST_COLLECTION)
    guest_times = json.loads(guest(f"cd {GUEST_COLLECTION} && PYTHONPATH={GUEST_ROOT} PYTHONDONTWRITEBYTECODE=1 "
                                   f"python3 testground/bench_guest.py {PAIRS} {PREFIX} {LARGE_PAIRS}"))
    print(f"guest: {json.dumps(guest_times)}", flush=True)
    task_times = ansible_phases()
    print(f"tasks: {json.dumps(task_times)}", flush=True)
    lines, ratios = table(guest_times, task_times)
    text = "\n".join(
        ["# Benchmarks", "",
         "Written by `make bench` (testground/bench.py); regenerate rather than edit.", ""]
        + header() + [""] + lines + [""] + ratios + [
            "",
            "In the guest: systemd-networkd stopped, udev settled before each row. *In the module* is the",
            "reconciler's own time in the guest (one link and one address dump, the requests, waiting for the",
            "link-local addresses, reading back). *Whole command* is the wall clock of `ansible HOST -m",
            "xcnf.netkit.netkit_pairs`: the controller starting, SSH, sending the module, starting Python and",
            "importing the collection in the guest (and pyroute2 when something changes), the work, and the",
            "result (one dictionary per pair) on its way back. The ip -batch column makes the pairs with",
            "kernel-named peers and renames them (iproute2 keeps its netkit parser's state in static variables,",
            "so a batch with a second `peer name` fails): six requests per pair, each waiting for its answer.",
            "The module sends five per new pair (create, two address generation modes, two ups), 64 at a time",
            "without waiting for each answer (netlink answers them in order). ip -batch deletes one pair per",
            "request, and the kernel waits for an RCU grace period per device it unregisters; the module puts",
            "the pairs it deletes into a device group of its own (proven empty of other devices first) and",
            "deletes the group, one wait for all. The re-run row in the module is the median of",
            f"{len(guest_times['module_reruns'])} re-runs one after another (the ratio says each).",
            ""])
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
