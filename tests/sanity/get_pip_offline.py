# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stands in for get-pip.py when ansible-test bootstraps pip in its sanity venvs.

ansible-test downloads get-pip.py from a host the build machines cannot reach.
`make sanity` puts this file where ansible-test caches that download (only when
nothing is cached there): it installs Python's bundled pip with ensurepip, then
runs pip with the arguments ansible-test gave, minus get-pip's own options.
"""

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, '-m', 'pip', 'install']
                      + [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS])
