# Sphinx configuration of the xcnf.netkit documentation site (`make docs`), started from
# `antsibull-docs sphinx-init`. The module and role pages are generated from the
# collection's DOCUMENTATION/EXAMPLES/RETURN and meta/argument_specs.yml into the build
# tree; this directory holds only the hand-written pages.

project = 'xcnf.netkit'
title = 'xcnf.netkit documentation'
html_short_title = 'xcnf.netkit'

extensions = ['sphinx_antsibull_ext', 'myst_parser']
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

# The build machines reach no documentation site, so there is no intersphinx: the few
# labels of docs.ansible.com that generated pages refer to are defined in
# ansible_references.rst, each pointing at its page there.
default_role = 'any'
nitpicky = True
myst_heading_anchors = 3
