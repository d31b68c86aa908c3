# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netkit test ground: a disposable Debian trixie VM with a netkit-capable kernel.

Commands: image (build or reuse the cached image), up (boot it and write an Ansible
inventory; --kernel picks one of the image's kernels), down (stop it; idempotent, also
after a failed or interrupted boot), ssh (a shell or one command in it), status.

The image carries three kernels so that one userland can be tested against the kernels
users run: trixie's (6.12, the default), trixie-backports' (7.x: headroom and tailroom)
and bookworm's (6.1: no netkit at all). NETKIT_VM_STATE names the state directory, so
several VMs can run at once (one per directory).

The build machines' own kernel has no netkit, so everything that touches netkit runs
in here. The image is built with mmdebstrap from Debian's archive and cached outside
the repository, keyed by a hash of its recipe. A run never modifies the image
(qemu snapshot mode: what a run writes lasts until qemu exits, through the guest's own
reboots) and reaches the guest only through a loopback SSH forward.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("NETKIT_VM_STATE", REPO / ".vm"))
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "xcnf-netkit"
HOST_NAME = "netkit-vm"

# Everything that shapes the image. Its hash names the cache entry, so editing any of
# it builds a new image on the next run.
RECIPE = {
    "suite": "trixie",
    "sources": [
        "deb http://deb.debian.org/debian trixie main",
        # Only for the extra kernels below: apt prefers trixie's versions for everything else.
        "deb http://deb.debian.org/debian trixie-backports main",
        "deb http://deb.debian.org/debian bookworm main",
    ],
    "variant": "apt",
    "packages": [
        "linux-image-cloud-amd64", "systemd-sysv", "udev", "dbus", "kmod", "netbase",
        "procps", "openssh-server", "python3", "python3-apt", "python3-pyroute2",
        "iproute2", "bpftool", "libbpf1", "iputils-ping",
        # The kernel suite (tests/kernel) runs inside the guest with these.
        "python3-pytest", "python3-hypothesis",
        # Off at boot: the role scenario starts it to show that the role keeps it out of the pairs.
        "network-manager",
    ],
    "dpkg_excludes": ["/usr/share/man/*", "/usr/share/doc/*", "/usr/share/locale/*"],
    "customize": [
        f'echo {HOST_NAME} > "$1/etc/hostname"',
        'echo "/dev/nvme0n1 / ext4 rw,relatime 0 1" > "$1/etc/fstab"',
        'mkdir -p -m 700 "$1/root/.ssh"',
        'cp "$KEY.pub" "$1/root/.ssh/authorized_keys"',
        'chmod 600 "$1/root/.ssh/authorized_keys"',
        'printf "[Match]\\nName=e*\\n[Network]\\nAddress=10.0.2.15/24\\nGateway=10.0.2.2\\n"'
        ' > "$1/etc/systemd/network/10-user.network"',
        # Container interfaces are left to whoever made them, as on a real container host.
        'printf "[Match]\\nKind=netkit\\n[Link]\\nUnmanaged=yes\\n" > "$1/etc/systemd/network/05-netkit.network"',
        'chroot "$1" systemctl enable systemd-networkd',
        'chroot "$1" systemctl disable NetworkManager.service NetworkManager-wait-online.service'
        ' NetworkManager-dispatcher.service',
        'chroot "$1" systemctl mask systemd-networkd-wait-online.service apt-daily.timer'
        ' apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer',
        'printf "UseDNS no\\n" > "$1/etc/ssh/sshd_config.d/10-testground.conf"',
        # The newest cloud kernel of each extra suite, by the name its metapackage depends on
        # (-t: the kernel may need that suite's linux-base; the hold keeps the suite's own
        # metapackage, which names the default kernel).
        'chroot "$1" apt-mark hold linux-image-cloud-amd64',
        'for suite in trixie-backports bookworm; do chroot "$1" sh -c "apt-get install -y -qq'
        ' --no-install-recommends -t $suite \\$(apt-cache depends linux-image-cloud-amd64/$suite'
        ' | sed -n \'s/^ *Depends: \\(linux-image-.*\\)/\\1/p\')" || exit 1; done',
    ],
    "disk_size": "3G",
}

HOST_PACKAGES = {
    "mmdebstrap": "mmdebstrap",
    "mkfs.ext4": "e2fsprogs",
    "qemu-system-x86_64": "qemu-system-x86",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
}

BOOT_TIMEOUT_TCG = 240
# A working KVM reaches SSH in a few seconds; a guest that has not by then is not using it.
BOOT_TIMEOUT_KVM_PROBE = 45
KVM_FAILURE_MARKERS = ("KVM internal error", "kvm run failed", "failed to initialize kvm")


def log(msg):
    print(f"testground: {msg}", file=sys.stderr, flush=True)


class TestgroundError(Exception):
    pass


def recipe_hash():
    return hashlib.sha256(json.dumps(RECIPE, sort_keys=True).encode()).hexdigest()[:16]


def image_dir():
    return CACHE / f"trixie-{recipe_hash()}"


def ensure_host_packages(needed=None):
    """Install with apt the Debian packages of the commands in needed ({command: package},
    the test ground's by default) that this host lacks."""
    missing = sorted({pkg for cmd, pkg in (needed or HOST_PACKAGES).items() if shutil.which(cmd) is None})
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise TestgroundError(
            "the test ground needs these Debian packages on this host: %s. Install them as root "
            "(apt-get install %s) and run again." % (", ".join(missing), " ".join(missing)))
    log(f"installing host packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def build_image():
    """Return the cached image directory, building it first when the recipe changed."""
    target = image_dir()
    if (target / "disk.raw").exists():
        return target
    ensure_host_packages()
    if os.geteuid() != 0:
        raise TestgroundError("building the image needs root (mmdebstrap --mode=root and mkfs.ext4 -d "
                              "keep file ownership only as root); run `make vm-image` as root once")
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE))
    try:
        rootfs = work / "rootfs"
        key = work / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "xcnf-netkit-testground",
                        "-f", str(key)], check=True)
        cmd = ["mmdebstrap", "--mode=root", f"--variant={RECIPE['variant']}",
               "--include=" + ",".join(RECIPE["packages"])]
        cmd += [f"--dpkgopt=path-exclude={path}" for path in RECIPE["dpkg_excludes"]]
        cmd += [f"--customize-hook={hook}" for hook in RECIPE["customize"]]
        cmd += [RECIPE["suite"], str(rootfs), *RECIPE["sources"]]
        log(f"building the {RECIPE['suite']} image (two to three minutes)")
        subprocess.run(cmd, check=True, env=dict(os.environ, KEY=str(key)),
                       stdout=subprocess.DEVNULL)
        for vmlinuz in (rootfs / "boot").glob("vmlinuz-*"):
            release = vmlinuz.name[len("vmlinuz-"):]
            (work / "kernels" / release).mkdir(parents=True)
            shutil.copy(vmlinuz, work / "kernels" / release / "vmlinuz")
        (work / "kernel-release").write_text(default_kernel_release(rootfs) + "\n")
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(rootfs),
                        str(work / "disk.raw"), RECIPE["disk_size"]], check=True,
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(rootfs)
        (work / "recipe.json").write_text(json.dumps(RECIPE, indent=2, sort_keys=True) + "\n")
        publish(work, target, "disk.raw")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log(f"image built in {time.monotonic() - started:.1f}s: {target}")
    return target


def publish(work, target, complete):
    """Rename a finished build (work) to its cache entry (target). When another run built the
    same recipe meanwhile (target holds complete), that one is as good: work is removed."""
    try:
        work.rename(target)
    except OSError:
        if not (target / complete).exists():
            raise
        shutil.rmtree(work)


def default_kernel_release(rootfs):
    """The release of the suite's own kernel: the one its (held) metapackage depends on."""
    depends = subprocess.run(["chroot", str(rootfs), "dpkg-query", "-W", "-f=${Depends}",
                              "linux-image-cloud-amd64"], check=True, capture_output=True,
                             text=True).stdout
    for dependency in depends.split(","):
        release = dependency.split()[0][len("linux-image-"):]
        if (rootfs / "boot" / f"vmlinuz-{release}").exists():
            return release
    raise TestgroundError(f"linux-image-cloud-amd64 depends on no kernel in /boot: {depends}")


def image_kernels(image):
    return sorted(path.name for path in (image / "kernels").iterdir())


def select_kernel(image, wanted):
    """The kernel release to boot: the image's default, or the newest matching `wanted`
    (a release or its prefix: 6.1 matches 6.1.0-50-cloud-amd64, not 6.12.x)."""
    if not wanted:
        return (image / "kernel-release").read_text().strip()
    releases = [release for release in image_kernels(image)
                if release == wanted or release.startswith((wanted + ".", wanted + "-"))]
    if not releases:
        raise TestgroundError("the image has no kernel %s; it has: %s"
                              % (wanted, ", ".join(image_kernels(image))))
    return releases[-1]


def host_name(kernel):
    return HOST_NAME if not kernel else f"{HOST_NAME}-{kernel}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ssh_base(image, port):
    return ["ssh", "-q", "-i", str(image / "id_ed25519"), "-p", str(port),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", "-o", "BatchMode=yes",
            "root@127.0.0.1"]


def ssh_banner(port):
    # User-mode networking accepts the connection before the guest listens: only a
    # banner shows that sshd is up.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.settimeout(3)
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def kvm_probe_record():
    """Where a failed KVM probe is remembered: per host kernel and CPU, so a machine whose KVM
    kills guests pays for the probe boot once, not at every boot."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    key = hashlib.sha256(f"{os.uname().release} {cpu}".encode()).hexdigest()[:16]
    return CACHE / f"kvm-fails-{key}"


def kvm_usable():
    forced = os.environ.get("NETKIT_VM_ACCEL")
    if forced in ("kvm", "tcg"):
        return forced == "kvm", f"NETKIT_VM_ACCEL={forced}"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "no usable /dev/kvm"
    if kvm_probe_record().exists():
        return False, f"a probe boot under KVM failed on this host before ({kvm_probe_record()})"
    return True, "/dev/kvm present; probing it with a real boot"


class Testground:
    """One VM of the test ground, kept in a state directory (pid, port, inventory, console).

    The function interface every caller uses (the CLI below, matrix.py, bench.py,
    kernel_suite.py): up(), down(), run(), inventory, host. Several instances with
    different state directories run several VMs at once.
    """

    def __init__(self, state=None):
        self.state = Path(state) if state else STATE

    @property
    def inventory(self):
        return self.state / "inventory.ini"

    @property
    def port(self):
        path = self.state / "port"
        return int(path.read_text()) if path.exists() else None

    @property
    def accel(self):
        return (self.state / "accel").read_text().strip()

    @property
    def kernel(self):
        """The release the running VM booted, from its inventory (None when it is down)."""
        if not self.inventory.exists():
            return None
        return re.search(r"netkit_vm_kernel=(\S+)", self.inventory.read_text()).group(1)

    @property
    def host(self):
        return re.search(r"^(\S+) ansible_host", self.inventory.read_text(), re.M).group(1)

    def ours(self, pid):
        """True when pid is a qemu this state directory started."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return str(self.state / "qemu.pid").encode() in cmdline

    def running_pids(self):
        return {int(entry.name) for entry in Path("/proc").iterdir()
                if entry.name.isdigit() and self.ours(int(entry.name))}

    def up(self, kernel=None):
        """Boot the VM (one of the image's kernels, default the suite's own) unless it runs
        already on that kernel; return the inventory's path."""
        if self.running_pids() and self.inventory.exists():
            if self.kernel != select_kernel(image_dir(), kernel):
                raise TestgroundError(f"the VM in {self.state} runs Linux {self.kernel}: `make vm-down` first")
            log(f"already running; inventory at {self.inventory}")
            return self.inventory
        self.down()
        ensure_host_packages()
        image = build_image()
        release = select_kernel(image, kernel)
        self.state.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        use_kvm, why = kvm_usable()
        port = None
        accel = "tcg"
        if use_kvm:
            log(f"trying KVM ({why})")
            port = self._boot(image, release, "kvm", BOOT_TIMEOUT_KVM_PROBE)
            if port is not None:
                accel = "kvm"
            elif os.environ.get("NETKIT_VM_ACCEL") == "kvm":
                raise TestgroundError("NETKIT_VM_ACCEL=kvm but the guest did not boot under KVM; "
                                      f"see {self.state / 'qemu.stderr'}")
            else:
                log(f"KVM does not run this guest here (see {self.state / 'qemu.stderr'}); falling back to TCG")
                kvm_probe_record().write_text((self.state / "qemu.stderr").read_text(errors="replace"))
        else:
            log(f"using TCG: {why}")
        # Seen once in many boots: the guest kernel panicked early under TCG. A second boot is cheap.
        for attempt in range(2):
            if port is not None:
                break
            if attempt:
                log(f"the guest did not come up (see {self.state / 'console.log'}); booting it once more")
            port = self._boot(image, release, "tcg,thread=multi", BOOT_TIMEOUT_TCG)
        if port is None:
            self.down()
            raise TestgroundError(f"the VM did not come up; console: {self.state / 'console.log'}")
        (self.state / "accel").write_text(accel + "\n")
        self._write_inventory(image, release, host_name(kernel), port, accel)
        log(f"up with {accel.upper()} and Linux {release} in {time.monotonic() - started:.1f}s on "
            f"127.0.0.1:{port}; inventory: {self.inventory}")
        return self.inventory

    def down(self):
        """Stop the VM; idempotent, also after a failed or interrupted up()."""
        pids = self.running_pids()
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pids and time.monotonic() < deadline:
            pids = {pid for pid in pids if self.ours(pid)}
            time.sleep(0.1)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        if pids:
            log("a qemu ignored SIGTERM and was killed")
        for name in ("inventory.ini", "port", "accel", "qemu.pid"):
            (self.state / name).unlink(missing_ok=True)

    def ssh_command(self):
        if not self.port or not self.running_pids():
            raise TestgroundError("the VM is not running: `make vm-up` first")
        return ssh_base(image_dir(), self.port)

    def run(self, command, stdin=None, check=True, capture=True):
        """Run a shell command in the guest as root; its CompletedProcess (text)."""
        done = subprocess.run(self.ssh_command() + [command], input=stdin, text=True,
                              capture_output=capture, check=False)
        if check and done.returncode != 0:
            raise TestgroundError(f"in the guest, `{command}` failed ({done.returncode}):\n"
                                  f"{(done.stderr or '')[-3000:]}")
        return done

    def push_tree(self, source, files, destination):
        """Copy files (paths relative to source) into destination in the guest, replacing it."""
        archive = subprocess.run(["tar", "-C", str(source), "-cz", "--", *files], check=True,
                                 capture_output=True).stdout
        unpack = f"rm -rf {destination} && mkdir -p {destination} && tar -C {destination} -xz"
        done = subprocess.run(self.ssh_command() + [unpack], input=archive, capture_output=True, check=False)
        if done.returncode != 0:
            raise TestgroundError(f"copying into the guest failed: {done.stderr.decode(errors='replace')}")

    def _qemu_command(self, image, release, accel, port):
        return [
            "qemu-system-x86_64", "-machine", "q35", "-accel", accel,
            "-cpu", "host" if accel == "kvm" else "max", "-smp", "2", "-m", os.environ.get("NETKIT_VM_MEMORY", "1024"),
            "-kernel", str(image / "kernels" / release / "vmlinuz"),
            "-append", "root=/dev/nvme0n1 rw console=ttyS0 quiet mitigations=off",
            "-drive", f"file={image / 'disk.raw'},if=none,id=d0,format=raw,snapshot=on,cache=unsafe",
            "-device", "nvme,drive=d0,serial=netkit",
            "-nic", f"user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22",
            "-device", "virtio-rng-pci", "-display", "none",
            "-serial", f"file:{self.state / 'console.log'}",
            # Lets down() find a qemu whose pid was never written (an interrupted up()).
            "-name", "xcnf-netkit-testground",
            "-pidfile", str(self.state / "qemu.pid"),
        ]

    def _console_text(self):
        path = self.state / "console.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _boot(self, image, release, accel, timeout):
        port = free_port()
        (self.state / "port").write_text(f"{port}\n")
        # _wait_for_ssh() reads the console for a panic: never the previous boot's.
        (self.state / "console.log").unlink(missing_ok=True)
        with open(self.state / "qemu.stderr", "w") as stderr:
            proc = subprocess.Popen(self._qemu_command(image, release, accel, port), stdin=subprocess.DEVNULL,
                                    stdout=stderr, stderr=stderr, start_new_session=True)
        if self._wait_for_ssh(proc, image, port, timeout):
            return port
        self.down()
        return None

    def _wait_for_ssh(self, proc, image, port, timeout):
        """Wait until the guest answers SSH; False when qemu died or KVM failed."""
        deadline = time.monotonic() + timeout
        stderr_path = self.state / "qemu.stderr"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if any(marker in stderr_path.read_text(errors="replace") for marker in KVM_FAILURE_MARKERS):
                return False
            if "Kernel panic" in self._console_text():
                return False
            if ssh_banner(port) and subprocess.run(ssh_base(image, port) + ["true"], check=False).returncode == 0:
                return True
            time.sleep(0.5)
        return False

    def _write_inventory(self, image, release, name, port, accel):
        ssh_args = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes"
        self.inventory.write_text(
            "[netkit]\n"
            f"{name} ansible_host=127.0.0.1 ansible_port={port} ansible_user=root "
            f"ansible_ssh_private_key_file={image / 'id_ed25519'} "
            "ansible_python_interpreter=/usr/bin/python3 "
            f"ansible_ssh_common_args='{ssh_args}' "
            f"netkit_vm_accel={accel} "
            f"netkit_vm_kernel={release}\n")

    def status(self):
        pids = self.running_pids()
        return {"running": bool(pids), "pids": sorted(pids), "image": str(image_dir()),
                "image_built": (image_dir() / "disk.raw").exists(),
                "kernels": image_kernels(image_dir()) if (image_dir() / "kernels").exists() else [],
                "inventory": str(self.inventory) if pids else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command_name", required=True)
    sub.add_parser("image", help="build the image unless the cache has it; print its directory")
    up = sub.add_parser("up", help="boot the VM and write .vm/inventory.ini")
    up.add_argument("--kernel",
                    help="boot this kernel of the image (e.g. 6.1, 7.3; default: the suite's own)")
    sub.add_parser("down", help="stop the VM (idempotent)")
    ssh = sub.add_parser("ssh", help="a shell, or one command, in the VM")
    ssh.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("status", help="print whether the VM runs, as JSON")
    args = parser.parse_args()
    testground = Testground()
    try:
        if args.command_name == "image":
            print(build_image())
        elif args.command_name == "up":
            testground.up(args.kernel)
        elif args.command_name == "down":
            testground.down()
        elif args.command_name == "ssh":
            base = testground.ssh_command()
            os.execvp("ssh", base[:-1] + ["-t" if not args.command else "-T", base[-1], *args.command])
        else:
            print(json.dumps(testground.status()))
    except TestgroundError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; stopping anything this run started")
        testground.down()
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
