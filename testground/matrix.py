# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make test-matrix`: the collection on the kernels users run, and on a mixed fleet.

1. Boots two VMs of the test ground image at once, trixie's 6.12 and bookworm's 6.1
   (no netkit), and runs one play over both (tests/matrix/fleet.yml): the 6.12 host
   converges, the 6.1 host fails with the clear error, and the recap says so. A second
   playbook (verify.yml) proves what each host has afterwards; the play again with
   --limit and --forks 1 touches only the limited host and changes nothing.
2. Checks that each VM's SSH forward listens on 127.0.0.1 only, and prints what the two VMs
   cost this machine (CPU seconds and peak memory of each qemu).
3. Replaces the 6.1 VM with one on trixie-backports' 7.x and runs headroom.yml there, then
   the kernel suite's tests of what needs Linux 7 (single devices, netkit's queue rules)
   and of every pair option (tests/kernel/test_datapath.py, test_pair.py).

Every VM this run starts is stopped at the end, whatever happened.
"""
import os
import re
import socket
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_suite  # noqa: E402  (the test ground tools beside this file)
import vm  # noqa: E402

STATE_ROOT = vm.REPO / ".tmp" / "matrix"
PLAYBOOKS = vm.REPO / "tests" / "matrix"
FLEET = ("", "6.1")  # "" is the image's default kernel (trixie's 6.12)
HEADROOM_KERNEL = "7.3"
LINUX_7_TESTS = ("tests/kernel/test_datapath.py", "tests/kernel/test_pair.py")
NOT_SUPPORTED = "netkit needs Linux 6.7+"
RECAP_LINE = re.compile(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$")


class MatrixFailure(Exception):
    pass


def expect(condition, what, output=""):
    if not condition:
        raise MatrixFailure(f"{what}\n{output[-6000:]}")


def state_dir(kernel):
    return STATE_ROOT / (kernel or "default")


def testground(kernel):
    return vm.Testground(state_dir(kernel))


def boot(kernel):
    """Boot kernel's VM; None when it came up, else why not."""
    try:
        testground(kernel).up(kernel)
        return None
    except vm.TestgroundError as exc:
        return str(exc)


def boot_all(kernels):
    """Boot the VMs at once; raise unless all came up."""
    started = time.monotonic()
    with ThreadPoolExecutor(len(kernels)) as pool:
        errors = dict(zip(kernels, pool.map(boot, kernels)))
    failed = ["%s (%s)" % (k or "default", errors[k]) for k in kernels if errors[k]]
    if failed:
        raise MatrixFailure(f"these VMs did not come up: {', '.join(failed)}")
    print(f"matrix: {len(kernels)} VMs up in {time.monotonic() - started:.1f} s", flush=True)


def inventory(kernels):
    """One inventory with every host of kernels, in the netkit group."""
    hosts = [line for k in kernels for line in (state_dir(k) / "inventory.ini").read_text().splitlines()
             if line and not line.startswith("[")]
    path = STATE_ROOT / ("inventory-" + "-".join(k or "default" for k in kernels) + ".ini")
    path.write_text("[netkit]\n" + "\n".join(hosts) + "\n")
    return path


def playbook(name, inventory_path, *options):
    """Run a playbook of tests/matrix; (return code, its output)."""
    command = ["ansible-playbook", "-i", str(inventory_path), str(PLAYBOOKS / name), *options]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    print(f"matrix: {' '.join(command[3:])}: rc {done.returncode} in {time.monotonic() - started:.1f} s",
          flush=True)
    return done.returncode, output


def recap_text(output):
    """The PLAY RECAP block of the default callback ('' when the run ended before it)."""
    return output[output.rindex("PLAY RECAP"):].strip() if "PLAY RECAP" in output else ""


def recap(output):
    """{host: {ok, changed, failed, ...}} from the PLAY RECAP."""
    lines = recap_text(output).splitlines()[1:]
    hosts = {}
    for line in lines:
        match = RECAP_LINE.match(line.strip())
        if match:
            hosts[match.group(1)] = dict((key, int(value)) for key, value in
                                         (pair.split("=") for pair in match.group(2).split()))
    return hosts


def qemu_usage(kernel):
    """(CPU seconds, peak resident MiB) of the qemu running kernel's VM."""
    pid = min(testground(kernel).running_pids())
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return cpu, int(status["VmHWM"].split()[0]) / 1024


def listening_addresses(port):
    """The local addresses of the host's listening TCP sockets on port (IPv4 and IPv6)."""
    found = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, local_port = local.split(":")
            if state == "0A" and int(local_port, 16) == port:
                # /proc prints the address as host-order 32-bit words.
                raw = b"".join(struct.pack("<I", int(address[i:i + 8], 16)) for i in range(0, len(address), 8))
                found.append(socket.inet_ntop(family, raw))
    return found


def fleet():
    boot_all(FLEET)
    hosts = inventory(FLEET)
    default_host, old_host = vm.host_name(FLEET[0]), vm.host_name(FLEET[1])

    code, output = playbook("fleet.yml", hosts)
    print(recap_text(output), flush=True)
    summary = recap(output)
    expect(code == 2, f"ansible-playbook should report a failed host (rc 2), not rc {code}", output)
    expect(summary.get(default_host, {}).get("failed") == 0 and summary[default_host]["changed"] >= 1,
           f"{default_host} should converge: {summary}", output)
    expect(summary.get(old_host, {}).get("failed") == 1, f"{old_host} should fail: {summary}", output)
    expect(NOT_SUPPORTED in output, f"the recap run should show '{NOT_SUPPORTED}'", output)

    code, output = playbook("verify.yml", hosts)
    expect(code == 0, "what the fleet run left on each host", output)

    code, output = playbook("fleet.yml", hosts, "--limit", default_host, "--forks", "1")
    summary = recap(output)
    expect(code == 0 and list(summary) == [default_host] and summary[default_host]["changed"] == 0,
           f"--limit {default_host} should run that host only and change nothing: {summary}", output)

    for kernel in FLEET:
        port = testground(kernel).port
        expect(listening_addresses(port) == ["127.0.0.1"],
               f"the SSH forward of {vm.host_name(kernel)} listens on {listening_addresses(port)}, not 127.0.0.1 only")
        cpu, peak = qemu_usage(kernel)
        print(f"matrix: VM {vm.host_name(kernel)}: {cpu:.0f} CPU seconds since boot, peak RSS {peak:.0f} MiB",
              flush=True)


def headroom():
    testground(FLEET[1]).down()
    boot_all((HEADROOM_KERNEL,))
    code, output = playbook("headroom.yml", inventory((HEADROOM_KERNEL,)))
    expect(code == 0, f"headroom and tailroom on {HEADROOM_KERNEL}", output)
    started = time.monotonic()
    code = kernel_suite.main(["-q", *LINUX_7_TESTS], testground(HEADROOM_KERNEL))
    print(f"matrix: kernel suite on {HEADROOM_KERNEL}: rc {code} in {time.monotonic() - started:.1f} s", flush=True)
    expect(code == 0, f"the kernel suite's tests on {HEADROOM_KERNEL}")


def main():
    STATE_ROOT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        fleet()
        headroom()
    except MatrixFailure as exc:
        print(f"matrix: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        for kernel in (*FLEET, HEADROOM_KERNEL):
            testground(kernel).down()
    print(f"matrix: passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
