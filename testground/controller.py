# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Debian trixie controller root for the ansible-core releases this host's Python cannot run.

ansible-core 2.20 and newer need Python 3.12+; the build machines have 3.11. This builds a
trixie root (Python 3.13) with mmdebstrap, with a venv per release in /opt/core-<release>
(ansible-core from PyPI and the pins the older cores get), and runs commands in it.

Commands: root (build the root unless the cache has it; print its directory), run (one
command in the root, from the current directory), role-scenario (the molecule scenario
`role`'s playbooks, as molecule runs them, with one release against a running VM).

The root is cached outside the repository (~/.cache/xcnf-netkit/controller-<hash of its
recipe>), built in a temporary directory and renamed when complete. A command runs in
its own mount and PID namespaces (unshare), chrooted, with the host's network: this
checkout, /dev, a fresh /proc, a tmpfs /tmp and the host's resolv.conf are mounted in,
and when the command ends its processes (an SSH ControlPersist master, say) and mounts
go with the namespaces. pip in the root trusts the host's local CAs
(/usr/local/share/ca-certificates), as pip here does through /etc/pip.conf.
"""

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vm  # noqa: E402  (the test ground tool beside this file: host packages, cache entries)

REPO = vm.REPO
CACHE = vm.CACHE
LOCAL_CAS = Path("/usr/local/share/ca-certificates")

# What shapes the root besides the releases and pins (given by make). Its hash, with
# theirs and the local CAs', names the cache entry, so editing any of it builds a new root.
RECIPE = {
    "suite": "trixie",
    "variant": "apt",
    "packages": [
        # python3-venv: the releases' venvs and ansible-test's (ensurepip); git: ansible-test
        # lists the files to test with it; openssh-client: Ansible's connection to the VM;
        # libbpf1: the unit test that drives this host's libbpf runs here too.
        "python3", "python3-venv", "git", "openssh-client", "ca-certificates", "libbpf1",
    ],
    "dpkg_excludes": ["/usr/share/man/*", "/usr/share/doc/*", "/usr/share/locale/*"],
    "python": "3.13",
}

# Variables a command in the root gets from here; everything else is left outside, so
# the host's pip settings (a local wheel directory, say) cannot reach the root's pip.
PASSED_PREFIXES = ("ANSIBLE_", "MOLECULE_", "PYTEST_", "HYPOTHESIS_", "XCNF_")
PASSED_NAMES = ("PYTHONPATH", "TERM", "CI", "http_proxy", "https_proxy", "no_proxy",
                "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def log(msg):
    print(f"controller: {msg}", file=sys.stderr, flush=True)


class ControllerError(Exception):
    pass


def local_cas():
    return sorted(path for path in LOCAL_CAS.rglob("*.crt") if path.is_file()) if LOCAL_CAS.is_dir() else []


def recipe(cores, pins):
    cas = hashlib.sha256(b"".join(path.read_bytes() for path in local_cas())).hexdigest()
    return dict(RECIPE, cores=sorted(cores), pins=sorted(pins), local_cas=cas)


def root_dir(cores, pins):
    digest = hashlib.sha256(json.dumps(recipe(cores, pins), sort_keys=True).encode()).hexdigest()[:16]
    return CACHE / f"controller-{digest}"


def core_bin(core):
    """Where a release's tools are, seen from inside the root."""
    return f"/opt/core-{core}/bin/"


def run_in_root(root, argv, cwd=None, binds=(), env=None, check=True, **popen):
    """Run argv in root from cwd (a path the root sees too), in namespaces of its own.

    popen goes to subprocess.Popen (stdout=subprocess.PIPE, text=True: the output is the
    result's stdout)."""
    with subprocess.Popen(root_command(root, argv, cwd, binds, env), **popen) as proc, passing_signals(proc):
        stdout = proc.communicate()[0]
    if check and proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, argv, stdout)
    return subprocess.CompletedProcess(argv, proc.returncode, stdout)


def root_command(root, argv, cwd=None, binds=(), env=None):
    """The host's command that runs argv in root: unshare, and this file as the namespaces' init."""
    if cwd is None:
        # $PWD keeps the path a make recipe cd'd to through a link (the collection's), when current.
        cwd = os.environ.get("PWD", "")
        if not os.path.isabs(cwd) or not Path(cwd).is_dir() or Path(cwd).resolve() != Path.cwd().resolve():
            cwd = os.getcwd()
    passed = {name: value for name, value in os.environ.items()
              if name.startswith(PASSED_PREFIXES) or name in PASSED_NAMES}
    variables = dict(passed, HOME="/root", LANG="C.UTF-8", PATH=ROOT_PATH)
    variables.update(env or {})
    spec = {"root": str(root), "cwd": str(cwd), "argv": [str(arg) for arg in argv], "env": variables,
            "binds": list(dict.fromkeys([str(REPO), *map(str, binds)]))}
    # --pid --fork: init() is PID 1 of the new PID namespace, so whatever the command leaves
    # running (an SSH ControlPersist master) dies with it, and the mounts go with the mount namespace.
    return ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
            sys.executable, str(Path(__file__).resolve()), "--init", json.dumps(spec)]


@contextlib.contextmanager
def passing_signals(proc):
    """TERM and HUP for this process go on to the command's init (unshare holds them back)."""
    def forward(signum, frame):
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == proc.pid:
                    os.kill(int(stat.parent.name), signum)
            except (OSError, IndexError, ValueError):
                pass
    previous = {signum: signal.signal(signum, forward) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def init(spec):
    """PID 1 of a command's namespaces (on the host's files): mount what the root needs, run the
    command chrooted, pass TERM and HUP on, exit as it did."""
    root = spec["root"]

    def mount(*args):
        subprocess.run(["mount", *args], check=True)

    mount("-t", "proc", "proc", f"{root}/proc")
    mount("--rbind", "/dev", f"{root}/dev")
    mount("-t", "tmpfs", "-o", "mode=1777", "tmpfs", f"{root}/tmp")
    # Name resolution as on the host (build_root leaves a regular file to mount over).
    resolv = Path(root, "etc/resolv.conf")
    if Path("/etc/resolv.conf").exists() and resolv.is_file() and not resolv.is_symlink():
        mount("--bind", "/etc/resolv.conf", str(resolv))
    for path in spec["binds"]:
        os.makedirs(root + path, exist_ok=True)
        mount("--bind", path, root + path)
    child = subprocess.Popen(["chroot", root, "env", "-i", *(f"{name}={value}" for name, value in sorted(spec["env"].items())),
                              "sh", "-c", 'cd "$0" && exec "$@"', spec["cwd"], *spec["argv"]])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's ^C reaches the command itself
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: child.send_signal(signum))
    code = child.wait()
    return code if code >= 0 else 128 - code


def build_root(cores, pins):
    """Return the cached root's directory, building it first when its recipe changed."""
    target = root_dir(cores, pins)
    if (target / ".complete").exists():
        return target
    if os.geteuid() != 0:
        raise ControllerError("building the controller root needs root (mmdebstrap --mode=root, chroot)")
    try:
        vm.ensure_host_packages({"mmdebstrap": "mmdebstrap", "unshare": "util-linux"})
    except vm.TestgroundError as exc:
        raise ControllerError(str(exc))
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="build-controller-", dir=CACHE))
    try:
        cmd = ["mmdebstrap", "--mode=root", f"--variant={RECIPE['variant']}", "--quiet",
               "--include=" + ",".join(RECIPE["packages"])]
        cmd += [f"--dpkgopt=path-exclude={path}" for path in RECIPE["dpkg_excludes"]]
        cmd += [RECIPE["suite"], str(work)]
        log(f"building the {RECIPE['suite']} controller root for ansible-core {', '.join(cores)}")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        resolv = work / "etc/resolv.conf"
        if resolv.is_symlink() or not resolv.exists():
            resolv.unlink(missing_ok=True)
            resolv.write_text("")
        python = run_in_root(work, ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             cwd="/", stdout=subprocess.PIPE, text=True).stdout.strip()
        if python != RECIPE["python"]:
            raise ControllerError(f"the {RECIPE['suite']} root has Python {python}, not {RECIPE['python']}")
        # The host reaches PyPI through its local CAs; so must pip in here, ansible-test's too
        # (it passes no environment to pip, hence a configuration file like the host's).
        for cert in local_cas():
            shutil.copy(cert, work / "usr/local/share/ca-certificates" / cert.name)
        run_in_root(work, ["update-ca-certificates"], cwd="/", stdout=subprocess.DEVNULL)
        (work / "etc/pip.conf").write_text("[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n"
                                           "disable-pip-version-check = true\n")
        for core in cores:
            venv = f"/opt/core-{core}"
            log(f"ansible-core {core}.* into {venv}")
            run_in_root(work, ["python3", "-m", "venv", venv], cwd="/")
            run_in_root(work, [f"{venv}/bin/pip", "install", "--quiet", f"ansible-core=={core}.*", *pins], cwd="/")
        versions = {core: run_in_root(work, [f"{core_bin(core)}ansible", "--version"], cwd="/",
                                      stdout=subprocess.PIPE, text=True).stdout.splitlines()[0] for core in cores}
        (work / ".recipe.json").write_text(json.dumps(recipe(cores, pins), indent=2, sort_keys=True) + "\n")
        (work / ".complete").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
        vm.publish(work, target, ".complete")
    except BaseException:
        remove_unmounted(work)
        raise
    log(f"controller root built in {time.monotonic() - started:.1f}s: {target}")
    return target


def remove_unmounted(work):
    """Remove a failed build, unless something is still mounted in it (mmdebstrap killed
    halfway could leave its /dev or /proc there: deleting through them would reach the host's).
    The commands' own mounts live in their namespaces and are not seen here."""
    mounted = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
               if line.split()[4] == str(work) or line.split()[4].startswith(f"{work}/")]
    if mounted:
        log(f"left {work} in place: {', '.join(mounted)} still mounted there (umount them, then remove it)")
        return
    shutil.rmtree(work, ignore_errors=True)


def key_dirs(inventory):
    """The directories of the SSH keys an inventory names (the VM image's), to mount in the root."""
    keys = re.findall(r"ansible_ssh_private_key_file=(\S+)", Path(inventory).read_text())
    return sorted({str(Path(key).resolve().parent) for key in keys})


def scenario_steps(scenario):
    """The scenario's test_sequence from its molecule.yml (a plain list, read without YAML)."""
    text = (scenario / "molecule.yml").read_text()
    block = re.search(r"^\s*test_sequence:\s*\n((?:\s+-\s*\S+\s*\n)+)", text, re.M)
    if block is None:
        raise ControllerError(f"no test_sequence in {scenario / 'molecule.yml'}")
    return re.findall(r"-\s*(\S+)", block.group(1))


def role_scenario(root, core, inventory, wanted=(), scenario_name="role"):
    """Run the scenario's playbooks as molecule would (its env; its sequence, or the steps
    wanted of it in the order given), with one release.

    molecule itself is not used: its shared_state hands the VM's lifecycle to the default
    scenario (vm.py, which needs qemu on the controller) and its base config names .vm's
    inventory. idempotence fails on any changed task; cleanup runs whatever happened.
    """
    scenario = REPO / "molecule" / scenario_name
    inventory = Path(inventory).resolve()
    if not inventory.exists():
        raise ControllerError(f"{inventory} does not exist: boot the VM first (testground/vm.py up)")
    # molecule's steps and the playbooks it runs for them (its defaults; the scenario names no others).
    playbooks = {"syntax": "converge.yml", "prepare": "prepare.yml", "check": "converge.yml",
                 "converge": "converge.yml", "idempotence": "converge.yml", "verify": "verify.yml",
                 "side_effect": "side_effect.yml", "cleanup": "cleanup.yml"}
    steps = scenario_steps(scenario)
    unknown = [step for step in steps if step not in playbooks]
    if unknown:
        raise ControllerError(f"steps this runner does not know: {', '.join(unknown)}")
    missing = [step for step in wanted if step not in steps]
    if missing:
        raise ControllerError(f"steps {scenario_name}'s test_sequence ({' '.join(steps)}) lacks: {' '.join(missing)}")
    steps = list(wanted) or steps
    # molecule/role/molecule.yml's env, and MOLECULE_PROJECT_DIRECTORY that it and the playbooks read.
    env = {"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
           "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".tmp/installed"),
           "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
           "ANSIBLE_SSH_CONTROL_PATH_DIR": "/tmp/ansible-cp",
           "ANSIBLE_FORCE_COLOR": "false",
           "MOLECULE_PROJECT_DIRECTORY": str(REPO),
           "MOLECULE_SCENARIO_DIRECTORY": str(scenario)}
    binds = [inventory.parent, *key_dirs(inventory)]
    version = run_in_root(root, [f"{core_bin(core)}ansible", "--version"], cwd=str(scenario),
                          stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
    log(f"scenario {scenario_name} with {version} against {inventory}: {' '.join(steps)}")

    def playbook(step):
        # The tags molecule skips, and on its idempotence run one more.
        skip = "molecule-notest,notest" + (",molecule-idempotence-notest" if step == "idempotence" else "")
        argv = [f"{core_bin(core)}ansible-playbook", f"--inventory={inventory}", f"--skip-tags={skip}",
                playbooks[step]]
        argv += {"syntax": ["--syntax-check"], "check": ["--check"]}.get(step, [])
        started = time.monotonic()
        log(f"{scenario_name} {step}: {' '.join(argv[1:])}")
        lines = []
        with subprocess.Popen(root_command(root, argv, str(scenario), binds, env), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as done, passing_signals(done):
            for line in done.stdout:
                sys.stdout.write(line)
                lines.append(line)
        sys.stdout.flush()
        text = "".join(lines)
        if done.returncode:
            raise ControllerError(f"{step} failed (exit {done.returncode})")
        if step == "idempotence":
            recap = re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", text, re.M)
            changed = [(host, count) for host, count in recap if int(count)]
            if not recap:
                raise ControllerError("idempotence: no play recap in the second converge's output")
            if changed:
                raise ControllerError("idempotence: the second converge changed something: "
                                      + ", ".join(f"{host} changed={count}" for host, count in changed))
        log(f"{scenario_name} {step} passed in {time.monotonic() - started:.1f}s")

    try:
        for step in steps:
            if step != "cleanup":
                playbook(step)
    except ControllerError:
        if "cleanup" in steps:
            try:
                playbook("cleanup")
            except ControllerError as exc:
                log(f"{scenario_name} cleanup after the failure failed too: {exc}")
        raise
    if "cleanup" in steps:
        playbook("cleanup")


def main():
    if sys.argv[1:2] == ["--init"]:
        return init(json.loads(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", required=True, help="the releases, e.g. '2.20 2.21'")
    parser.add_argument("--pins", default="", help="what goes into each venv beside ansible-core")
    sub = parser.add_subparsers(dest="command_name", required=True)
    sub.add_parser("root", help="build the root unless the cache has it; print its directory")
    run = sub.add_parser("run", help="one command in the root, from the current directory")
    run.add_argument("--bind", action="append", default=[], help="also mount this host path (same path)")
    run.add_argument("command", nargs=argparse.REMAINDER)
    scenario = sub.add_parser("role-scenario", help="the molecule scenario role's playbooks against a VM")
    scenario.add_argument("--core", required=True)
    scenario.add_argument("--inventory", default=str(REPO / ".vm/inventory.ini"))
    scenario.add_argument("--steps", default="", help="these of its steps, in this order (default: all)")
    args = parser.parse_args()
    cores, pins = args.cores.split(), args.pins.split()
    try:
        root = build_root(cores, pins)
        if args.command_name == "root":
            print(root)
        elif args.command_name == "run":
            command = args.command[1:] if args.command[:1] == ["--"] else args.command
            if not command:
                raise ControllerError("run needs a command")
            return run_in_root(root, command, binds=args.bind, check=False).returncode
        else:
            if args.core not in cores:
                raise ControllerError(f"ansible-core {args.core} is not one of the root's ({' '.join(cores)})")
            role_scenario(root, args.core, args.inventory, args.steps.split())
    except (ControllerError, subprocess.CalledProcessError) as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; what ran in the root ended with its namespaces")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
