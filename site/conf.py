"""Sphinx configuration of the reader's site (`make site`; see lib/losslab_grader/site.py).

losslab-site (lib/losslab_grader/site.py) executes the lectures, then copies this file into a
staging folder beside the executed notebooks, a generated index.md, the
notebooks and assignments to download (_extra/) and MathJax (_static/mathjax),
and runs Sphinx there. Nothing on a built page is fetched from the network:
MathJax comes from the jupyter-server-mathjax package, the theme ships its own
assets, and search is Sphinx's own client-side index.
"""

project = "losslab"
author = "the losslab course"
copyright = "losslab"  # noqa: A001  (Sphinx's name)
html_title = "losslab: a course on loss functions"

extensions = ["myst_nb"]

# The notebooks were executed by losslab-site (in parallel, LOSSLAB_STATIC=1): render them as they are.
nb_execution_mode = "off"
nb_merge_streams = True
# The lectures draw static figures; never load the widget manager from a CDN.
nb_ipywidgets_js = {}

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
# losslab-site rewrites every link to where it is on the site (lecture.html,
# notebooks/…, assignments/…), so MyST passes them through unchanged.
myst_all_links_external = True
# MyST would add MathJax 3 options; the bundled MathJax is 2.7 and is set up below.
myst_update_mathjax = False

exclude_patterns = ["_build", "_extra", "_static", "_templates", "**.ipynb_checkpoints"]
templates_path = ["_templates"]  # the theme's templates, where ours fix an accessibility fault
html_static_path = ["_static"]
html_css_files = ["losslab.css"]
html_extra_path = ["_extra"]  # copied as is: notebooks/*.ipynb and assignments/*/*.ipynb

# MathJax 2.7 as files under _static/mathjax (from jupyter-server-mathjax), in
# the set-up the classic Jupyter Notebook uses offline: its one combined
# configuration, and the STIX-Web fonts it ships. tests/test_site_browser.py
# fails on any request these make that the site cannot answer.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
mathjax2_config = {
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processEscapes": True,
        "processClass": "math|output_area",
        "ignoreClass": ".*",
    },
    "HTML-CSS": {
        "availableFonts": ["STIX-Web"],
        "preferredFont": "STIX-Web",
        "webFont": "STIX-Web",
        "imageFont": None,
    },
    # Typeset with HTML-CSS and the STIX-Web fonts shipped, in every browser: the
    # NativeMML output that Chromium would otherwise get asks for TeX fonts that are not shipped.
    "MMLorHTML": {"prefer": "HTML"},
    "messageStyle": "none",
    # Each formula also as MathML, visually hidden, for screen readers (AssistiveMML); the
    # typeset copy is aria-hidden. MathJax styles that MathML with @font-face rules for TeX
    # fonts the package does not ship: _static/losslab.css keeps the hidden copy off them.
    "menuSettings": {"zoom": "None", "assistiveMML": True},
}

html_theme = "sphinx_book_theme"
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
html_show_sourcelink = False
html_last_updated_fmt = None
