"""Check the built collection artifact the way a user gets it (`make install-check`).

Usage: python tests/install/check_artifact.py ARTIFACT INSTALL_DIR

1. The tarball carries what a user needs and nothing of the development tree.
2. `ansible-galaxy collection install` puts it into INSTALL_DIR (emptied first).
3. From that copy only (ANSIBLE_COLLECTIONS_PATH=INSTALL_DIR), ansible-doc lists exactly
   the modules of the source tree, renders each one and the role, and finds them in
   INSTALL_DIR. The molecule scenario `role` then runs the role from that copy.
"""
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NEEDED = [
    "MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "meta/runtime.yml",
    "meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt",
    "roles/netkit/files/ipv6_observer.bpf.c", "roles/netkit/files/ipv6_observer.bpf.o",
    "roles/netkit/files/netkit_boot.pyz", "plugins/module_utils/_boot.py",
    "roles/netkit/meta/argument_specs.yml", "plugins/module_utils/_pairs.py", "plugins/module_utils/_bpf_attach.py",
    "plugins/module_utils/_errors.py", "plugins/module_utils/_host_lock.py",
] + [str(path.relative_to(REPO)) for path in sorted((REPO / "plugins" / "modules").glob("*.py"))]
# The development tree: test ground, scenarios, site sources, build outputs, caches.
NOT_SHIPPED = [".venv/*", ".vm/*", ".tmp/*", ".ci/*", ".config/*", "testground/*", "molecule/*", "demo/*",
               "docs/*", "ee/*", "tools/*", "tests/output/*", "*__pycache__*", "*.pyc", "Makefile", "requirements-dev.txt",
               "tests/kernel/files/*.bpf.o"]


def check_contents(artifact):
    with tarfile.open(artifact) as tar:
        names = set(name.rstrip("/") for name in tar.getnames())
    missing = [name for name in NEEDED if name not in names]
    shipped = sorted(name for name in names for pattern in NOT_SHIPPED if fnmatch.fnmatch(name, pattern))
    if missing or shipped:
        raise SystemExit(f"{artifact}: missing {missing}; should not ship {shipped}")
    print(f"{artifact.name}: {len(names)} entries, all {len(NEEDED)} needed files, nothing of the development tree")


def run(command, env):
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def check_installed(artifact, install_dir):
    shutil.rmtree(install_dir, ignore_errors=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(install_dir), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    run(["ansible-galaxy", "collection", "install", "--force", "-p", str(install_dir), str(artifact)], env)
    listed = sorted(json.loads(run(["ansible-doc", "--json", "-l", "xcnf.netkit"], env)))
    expected = sorted(f"xcnf.netkit.{path.stem}" for path in (REPO / "plugins" / "modules").glob("*.py"))
    if listed != expected:
        raise SystemExit(f"ansible-doc lists {listed} from the installed copy, the source has {expected}")
    root = install_dir / "ansible_collections" / "xcnf" / "netkit"
    for module in listed:
        doc = json.loads(run(["ansible-doc", "--json", "-t", "module", module], env))[module]["doc"]
        if not Path(doc["filename"]).resolve().is_relative_to(root.resolve()) or not doc.get("options"):
            raise SystemExit(f"{module}: documented from {doc['filename']}, not from {root}, or without options")
        run(["ansible-doc", "-t", "module", module], env)
    role = json.loads(run(["ansible-doc", "--json", "-t", "role", "xcnf.netkit.netkit"], env))["xcnf.netkit.netkit"]
    if not role["entry_points"]["main"].get("options"):
        raise SystemExit("the installed role has no documented options")
    print(f"installed into {install_dir}: ansible-doc renders {', '.join(listed)} and the role xcnf.netkit.netkit")


def main():
    artifact, install_dir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    check_contents(artifact)
    check_installed(artifact, install_dir)


if __name__ == "__main__":
    main()
