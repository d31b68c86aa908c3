# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make kernel-tests`: the kernel suite (tests/kernel) inside the running test ground VM.

Copies the collection as git lists it, with the compiled BPF objects, to
/root/kernel-suite/ansible_collections/xcnf/netkit in the guest and runs pytest there as
root with the guest's pyroute2 (Debian trixie's): the pairs property test in one pytest
process, and beside it (the guest has two vCPUs) everything else, the pairs tests once more
with PyPI's newest pyroute2 (the controller venv's copy, requirements-dev.txt), and the BPF
property test. With
pytest arguments (for example -k or -x, for the fast loop) it runs one pytest process with
them instead. Exits with the worst exit code.
"""
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vm  # noqa: E402  (the test ground tool beside this file)

GUEST_ROOT = "/root/kernel-suite"
GUEST_COLLECTION = f"{GUEST_ROOT}/ansible_collections/xcnf/netkit"
GUEST_PYPI = f"{GUEST_ROOT}/pypi"
PYPI_TESTS = ["tests/kernel/test_pair.py", "tests/kernel/test_batches.py"]
PAIRS_PROPERTY = "tests/kernel/test_property.py"
BPF_PROPERTY = "tests/kernel/test_bpf_property.py"


def collection_files():
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=vm.REPO, check=True, capture_output=True).stdout.decode().split("\0")
    objects = [str(path.relative_to(vm.REPO)) for path in vm.REPO.glob("**/*.bpf.o")
               if ".tmp" not in path.parts and ".venv" not in path.parts]
    return sorted(set(name for name in listed if name and (vm.REPO / name).is_file()) | set(objects))


def pytest(testground, paths, pytest_args, pythonpath=GUEST_ROOT, environment=""):
    """(exit code, output) of one pytest process in the guest."""
    command = (f"cd {GUEST_COLLECTION} && PYTHONPATH={pythonpath} PYTHONDONTWRITEBYTECODE=1 {environment} "
               f"python3 -m pytest -p no:cacheprovider {' '.join(shlex.quote(arg) for arg in paths + pytest_args)} 2>&1")
    done = testground.run(command, check=False)
    return done.returncode, done.stdout


def beside_pairs_property(testground):
    """Every test but the property tests, the pairs tests with PyPI's pyroute2 (when those
    passed), and the BPF property test: the worst exit code, and the output of each."""
    code, output = pytest(testground, ["tests/kernel"], [f"--ignore={path}" for path in (PAIRS_PROPERTY, BPF_PROPERTY)])
    if code:
        vm.log("not again with PyPI's pyroute2: the suite failed with Debian's")
    else:
        vm.log("the pairs tests again, with PyPI's pyroute2")
        code, more = pytest(testground, PYPI_TESTS, ["-q"], pythonpath=f"{GUEST_PYPI}:{GUEST_ROOT}",
                            environment=f"XCNF_PYROUTE2_FROM={GUEST_PYPI}")
        output += more
    bpf_code, more = pytest(testground, [BPF_PROPERTY], [])
    return max(code, bpf_code), output + more


def main(pytest_args, testground=None):
    """Run the suite in testground's VM (the default one's without), or with pytest_args only those."""
    testground = testground or vm.Testground()
    try:
        testground.push_tree(vm.REPO, collection_files(), GUEST_COLLECTION)
        site = next((vm.REPO / ".venv" / "lib").glob("python3*/site-packages/pyroute2")).parent
        testground.push_tree(site, ["pyroute2"], GUEST_PYPI)
    except (vm.TestgroundError, StopIteration) as exc:
        vm.log(f"error: {exc or 'no pyroute2 in .venv: make venv'}")
        return 2
    if pytest_args:
        code, output = pytest(testground, ["tests/kernel"], pytest_args)
        print(output, end="", flush=True)
        return code
    # The guest has two vCPUs, and one pytest process keeps one busy: the pairs property test
    # (2,000 reconcile calls) takes about as long as all the rest, and runs beside it (each test
    # has its own namespace and names, and runs take turns on the lock).
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(beside_pairs_property, testground), pool.submit(pytest, testground, [PAIRS_PROPERTY], [])]
        results = [run.result() for run in runs]
    for code, output in results:
        print(output, end="", flush=True)
    return max(code for code, _output in results)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
