# -*- coding: utf-8 -*-
# Copyright: (c) 2026, xcnf.netkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hypothesis keeps its example database and caches in .tmp/hypothesis (ignored by git,
removed by `make clean`), not in a .hypothesis directory of the working tree."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

try:
    from hypothesis.configuration import set_hypothesis_home_dir
except ImportError:  # the test modules that need hypothesis say so when they are imported
    set_hypothesis_home_dir = None

ROOT = os.path.join(os.path.dirname(os.path.realpath(__file__)), '..', '..')

if set_hypothesis_home_dir is not None:
    set_hypothesis_home_dir(os.path.normpath(os.path.join(ROOT, '.tmp', 'hypothesis')))
