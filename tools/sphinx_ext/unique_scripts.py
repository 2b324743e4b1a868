"""Sphinx extension: drop script tags that a page would otherwise load twice.

sphinx-thebe (which Jupyter Book 1 always loads, even with Thebe off) registers its inline configuration script
once per read pass; when the environment is read twice in one build the page gets two identical
``const THEBE_JS_URL = ...`` scripts and the browser reports a SyntaxError. Keeping the first of identical
scripts leaves every page's behaviour unchanged and its console clean.
"""


def _key(script):
    attrs = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
    return (str(getattr(script, "filename", script)), attrs)


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


def setup(app):
    app.connect("html-page-context", _unique, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
