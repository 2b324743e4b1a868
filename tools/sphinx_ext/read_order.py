"""Sphinx extension: read (and so execute) the chapters in the order of the table of contents.

Sphinx reads the changed documents in alphabetical order, and myst-nb executes a chapter when Sphinx reads it,
so a cold build used to start with `coverage` (a profiling chapter) rather than `intro`. In the book's order the
first chapters (the Standard Model prediction) need no compiled profiling kernel, so that `make book` can compile
the kernels meanwhile (`tools/build_book.py`); and a failing chapter is met where a reader would meet it.
Documents that are not in the table of contents keep their alphabetical order, after the others.
"""


def toc_order(site_map) -> list[str]:
    """The docnames of a sphinx-external-toc site map, depth first from its root (the book's reading order)."""
    order, seen = [], set()

    def visit(docname):
        if docname in seen or docname not in site_map:
            return
        seen.add(docname)
        order.append(docname)
        for child in site_map[docname].child_files():
            visit(child)

    visit(site_map.root.docname)
    return order


def _reorder(app, env, docnames):
    site_map = getattr(env, "external_site_map", None) or getattr(app.config, "external_site_map", None)
    if site_map is None:
        return
    rank = {name: i for i, name in enumerate(toc_order(site_map))}
    docnames.sort(key=lambda name: rank.get(name, len(rank)))  # stable: the rest stay alphabetical


def setup(app):
    app.connect("env-before-read-docs", _reorder)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
