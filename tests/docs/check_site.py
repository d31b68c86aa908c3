"""Check the built documentation site as a browser shows it (`make docs`).

Usage: python tests/docs/check_site.py HTML_DIR

Headless Chromium renders every module page and the role page; the rendered DOM must hold
the options table with a row for each option of the module's DOCUMENTATION (the role's
argument spec). A screenshot of the netkit_pair page goes to HTML_DIR/../screenshots, a
test artifact outside git.
"""
import re
import struct
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PAGES = Path("collections/xcnf/netkit")
SCREENSHOT_PAGE = "netkit_pair_module.html"
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]


def module_options(path):
    """The top-level option names of a module's DOCUMENTATION."""
    source = path.read_text()
    match = re.search(r"^DOCUMENTATION = r?('''|\"\"\")\n(.*?)^\1", source, re.S | re.M)
    if match is None:
        raise SystemExit(f"{path}: no DOCUMENTATION string")
    return sorted((yaml.safe_load(match.group(2)).get("options") or {}).keys())


def expected_pages():
    """{page: [the ids its options table must have]} for every module and the role."""
    pages = {}
    for module in sorted((REPO / "plugins" / "modules").glob("*.py")):
        pages[f"{module.stem}_module.html"] = [f"parameter-{name}" for name in module_options(module)]
    spec = yaml.safe_load((REPO / "roles" / "netkit" / "meta" / "argument_specs.yml").read_text())
    pages["netkit_role.html"] = [f"parameter-main--{name}" for name in spec["argument_specs"]["main"]["options"]]
    return pages


def rendered_dom(page):
    done = subprocess.run(CHROMIUM + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120,
                          check=False)
    if done.returncode != 0 or "<html" not in done.stdout:
        raise SystemExit(f"chromium could not render {page}: {done.stderr[-2000:]}")
    return done.stdout


def png_size(path):
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path} is not a PNG")
    return struct.unpack(">II", data[16:24])


def main():
    html = Path(sys.argv[1]).resolve()
    failures = []
    for name, ids in expected_pages().items():
        dom = rendered_dom(html / PAGES / name)
        tables = dom.count("ansible-option-table")
        missing = [i for i in ids if f'id="{i}"' not in dom]
        if not tables or missing:
            failures.append(f"{name}: {tables} options tables, rows missing for {missing}")
        else:
            print(f"{name}: options table with all {len(ids)} options")
    shots = html.parent / "screenshots"
    shots.mkdir(exist_ok=True)
    shot = shots / SCREENSHOT_PAGE.replace(".html", ".png")
    subprocess.run(CHROMIUM + ["--window-size=1280,1600", f"--screenshot={shot}", (html / PAGES / SCREENSHOT_PAGE).as_uri()],
                   capture_output=True, timeout=120, check=True)
    width, height = png_size(shot)
    if (width, height) != (1280, 1600) or shot.stat().st_size < 50_000:
        failures.append(f"{shot}: {width}x{height}, {shot.stat().st_size} bytes: not a rendered page")
    else:
        print(f"screenshot: {shot} ({width}x{height}, {shot.stat().st_size} bytes)")
    if failures:
        raise SystemExit("documentation site check failed:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
