"""Sphinx extension: two fixes to the pages of the book theme that a reader's browser console would report.

1. Drop script tags that a page would otherwise load twice.

sphinx-thebe (which Jupyter Book 1 always loads, even with Thebe off) registers its inline configuration script
once per read pass; when the environment is read twice in one build the page gets two identical
``const THEBE_JS_URL = ...`` scripts and the browser reports a SyntaxError. Keeping the first of identical
scripts leaves every page's behaviour unchanged and its console clean.

2. Give the pages an explicit colour mode. The pydata theme writes ``data-mode="{{ default_mode }}"`` and, with no
mode set (sphinx-book-theme does not expose the option), logs "Got invalid theme mode" on a reader's first visit.
"""

DEFAULT_MODE = "light"


def _key(script):
    attrs = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
    # an inline script appears once with filename None and once with "" (registered twice in one build)
    return (str(getattr(script, "filename", script) or ""), attrs)


def _unique(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def _mode(app, pagename, templatename, context, doctree):
    if not context.get("default_mode"):
        context["default_mode"] = DEFAULT_MODE


def setup(app):
    app.connect("html-page-context", _unique, priority=100)  # early: a handler that returns a template ends the event
    app.connect("html-page-context", _mode, priority=100)  # early: a handler that returns a template ends the event
    return {"parallel_read_safe": True, "parallel_write_safe": True}
