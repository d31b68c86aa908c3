"""`make bench`: bulk netkit pair reconciliation against ip -batch, in the test ground VM.

Boots the VM unless it runs, times in one run: ip -batch, the collection's reconciler
inside the guest (the time the module spends), the netkit_pairs task as Ansible runs it,
and a loop of netkit_pair tasks; prints a table and writes it to docs/benchmarks.md.
"""
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vm  # noqa: E402  (the test ground tool beside this file)
from bench_guest import expect  # noqa: E402

PAIRS = int(os.environ.get("BENCH_PAIRS", "1000"))
LOOP_PAIRS = int(os.environ.get("BENCH_LOOP_PAIRS", "20"))
PREFIX = "nkbench"
LOOP_PREFIX = "nkloop"
GUEST_DIR = "/tmp/xcnf-bench"
OUTPUT = vm.REPO / "docs" / "benchmarks.md"


TESTGROUND = vm.Testground()


def guest(command, stdin=None):
    return TESTGROUND.run(command, stdin=stdin).stdout


def upload(local, remote):
    guest(f"mkdir -p {GUEST_DIR} && cat > {remote}", stdin=Path(local).read_text())


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


def ansible_phases():
    entries = [{"name": f"{PREFIX}{i}", "link_local": True} for i in range(PAIRS)]
    out = {}
    out["task_check"], result = ansible_task("xcnf.netkit.netkit_pairs", {"pairs": entries}, check=True)
    expect(result["changed"] and sum(p["changed"] for p in result["pairs"]) == PAIRS, "check mode reports all")
    expect(guest(f"ip -br link show | grep -c '^{PREFIX}' || true").strip() == "0", "check mode created nothing")
    out["task_create"], result = ansible_task("xcnf.netkit.netkit_pairs", {"pairs": entries})
    expect(result["changed"] and all(len(p["pair"]["peer_addresses"]) == 1 for p in result["pairs"]),
           "the task created every pair with link-local addresses")
    out["task_rerun"], result = ansible_task("xcnf.netkit.netkit_pairs", {"pairs": entries})
    expect(not result["changed"], "the re-run task reports changed=false")
    out["task_delete"], result = ansible_task("xcnf.netkit.netkit_pairs", {"pairs": [], "prune_prefix": PREFIX})
    expect(sum(p["pruned"] for p in result["pairs"]) == PAIRS, "pruning deleted every pair")

    playbook = TESTGROUND.state / "bench-loop.yml"
    playbook.write_text(
        "- hosts: netkit\n  gather_facts: false\n  tasks:\n"
        "    - name: loop\n      xcnf.netkit.netkit_pair: {name: '%s{{ item }}', link_local: true}\n"
        "      loop: '{{ range(%d) | list }}'\n" % (LOOP_PREFIX, LOOP_PAIRS))
    started = time.monotonic()
    subprocess.run(["ansible-playbook", str(playbook)], capture_output=True, check=True)
    out["loop_create"] = time.monotonic() - started
    print(f"loop of {LOOP_PAIRS}: {out['loop_create']:.2f} s", flush=True)
    made = guest(f"ip -br link show | grep -c '^{LOOP_PREFIX}[0-9]*@' || true").strip()
    expect(made == str(LOOP_PAIRS), f"the loop created every pair ({made} primaries)")
    ansible_task("xcnf.netkit.netkit_pairs", {"pairs": [], "prune_prefix": LOOP_PREFIX})
    out["ansible_overhead"] = ansible_task("ansible.builtin.ping", {})[0]
    return out


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


def table(guest_times, task_times):
    n = guest_times["pairs"]
    rows = [
        ("create with link-local addresses", guest_times["ip_create"], guest_times["module_create"],
         task_times["task_create"]),
        ("idempotent re-run (changed=false)", None, guest_times["module_rerun"], task_times["task_rerun"]),
        ("check mode, nothing exists yet", None, guest_times["module_check"], task_times["task_check"]),
        ("delete", guest_times["ip_delete"], guest_times["module_delete"], task_times["task_delete"]),
    ]
    lines = [f"| {n} L3 pairs | ip -batch | netkit_pairs, in the module | netkit_pairs, whole `ansible` command |",
             "| --- | ---: | ---: | ---: |"]
    for what, ip, inside, task in rows:
        lines.append(f"| {what} | {fmt(ip)} | {fmt(inside)} | {fmt(task)} |")
    loop = task_times["loop_create"]
    lines.append(f"| netkit_pair in an Ansible loop (ansible-playbook), {LOOP_PAIRS} pairs | | | {fmt(loop)} "
                 f"({loop / LOOP_PAIRS:.2f} s per pair, {loop / LOOP_PAIRS * n:.0f} s for {n}) |")
    ratios = [
        f"- bulk create / ip -batch: {guest_times['module_create'] / guest_times['ip_create']:.2f} (target: at most 2)",
        f"- re-run / create, in the module: {guest_times['module_rerun'] / guest_times['module_create']:.1%}"
        " (target: under 20 %)",
        f"- importing the reconciler (pyroute2 included) in the guest: {fmt(guest_times['import'])}, part of"
        " every task's time",
        f"- an `ansible -m ping` to the same host takes {fmt(task_times['ansible_overhead'])}: the fixed cost"
        " in every number of the last column",
    ]
    return lines, ratios


def fmt(seconds):
    return "" if seconds is None else f"{seconds:.2f} s"


def main():
    was_running = bool(TESTGROUND.running_pids())
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
    upload(vm.REPO / "plugins" / "module_utils" / "_netkit.py", f"{GUEST_DIR}/_netkit.py")
    upload(vm.REPO / "testground" / "bench_guest.py", f"{GUEST_DIR}/bench_guest.py")
    guest_times = json.loads(guest(f"python3 {GUEST_DIR}/bench_guest.py {PAIRS} {PREFIX} {GUEST_DIR}/_netkit.py"))
    print(f"guest: {json.dumps(guest_times)}", flush=True)
    task_times = ansible_phases()
    lines, ratios = table(guest_times, task_times)
    text = "\n".join(
        ["# Benchmarks", "",
         "Written by `make bench` (testground/bench.py); regenerate rather than edit.", ""]
        + header() + [""] + lines + [""] + ratios + [
            "",
            "*In the module* is the reconciler's own time in the guest (one link and one address dump, the",
            "requests, waiting for the link-local addresses, reading back). *Whole command* is the wall clock",
            "of `ansible HOST -m xcnf.netkit.netkit_pairs`: the controller starting, SSH, sending the module,",
            "starting Python and importing pyroute2 in the guest, the work, and the result (one dictionary",
            "per pair) on its way back. The ip -batch column makes the pairs with kernel-named peers and",
            "renames them (iproute2 keeps its netkit parser's state in static variables, so a batch with a",
            "second `peer name` fails): six requests per pair, each waiting for its answer. The module sends",
            "five per new pair (create, two address generation modes, two ups), 64 at a time without waiting",
            "for each answer (netlink answers them in order).", ""])
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
