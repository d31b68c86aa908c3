# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Zip the collection's module_utils with a __main__ that runs _boot.main(): the role's boot
unit (netkit_persistent) runs it on the host, where Ansible is not. The same bytes for the
same sources (fixed timestamps, sorted names), so the role's copy changes only when they do.

Usage: make_boot_entry.py COLLECTION_ROOT OUTPUT
"""

import sys
import zipfile
from pathlib import Path

PACKAGE = "ansible_collections/xcnf/netkit/plugins/module_utils"
MAIN = ("import sys\n"
        "from ansible_collections.xcnf.netkit.plugins.module_utils._boot import main\n"
        "sys.exit(main(sys.argv[1:]))\n")


def members(root):
    """(name in the zip, text) of everything the entry point needs."""
    parts = PACKAGE.split("/")
    yield "__main__.py", MAIN
    for depth in range(1, len(parts) + 1):
        yield "/".join(parts[:depth]) + "/__init__.py", ""
    for source in sorted((root / "plugins" / "module_utils").glob("*.py")):
        if source.name != "__init__.py":
            yield f"{PACKAGE}/{source.name}", source.read_text()


def main(root, output):
    output = Path(output)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members(Path(root)):
            member = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, text)
    partial.replace(output)


if __name__ == "__main__":
    main(*sys.argv[1:])
