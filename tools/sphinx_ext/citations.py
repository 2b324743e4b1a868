"""Sphinx extension: author-year citations in round brackets, "De Romeri et al. (2023)".

sphinxcontrib-bibtex's ``author_year`` style uses square brackets; this registers ``author_year_round``, the same
style with round ones, as its documentation shows for custom referencing styles. Select it with
``bibtex_reference_style: author_year_round``.

A collaboration paper is entered as ``author = {Akimov, D. and others}``; the citation then reads
"Akimov et al. (2022)" rather than "Akimov and others (2022)": a name list whose last name is BibTeX's ``others``
is joined with the style's "et al.".
"""
import dataclasses

import sphinxcontrib.bibtex.plugin
from pybtex.richtext import Tag, Text
from sphinxcontrib.bibtex.style import template
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclasses.dataclass
class RoundAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


_join = template.join


@template.node
def _join_with_others(children, data, sep="", sep2=None, last_sep=None, other=None):
    parts = [part for part in template._format_list(children, data) if part]
    if len(parts) >= 2 and str(parts[-1]) == "others":
        return Text(parts[0], other if other is not None else Text(" ", Tag("em", "et al.")))
    return _join(sep=sep, sep2=sep2, last_sep=last_sep, other=other)[children].format_data(data)


template.join = _join_with_others  # used by template.names for every citation label

sphinxcontrib.bibtex.plugin.register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_round",
                                            RoundAuthorYearReferenceStyle)


def setup(app):
    return {"parallel_read_safe": True, "parallel_write_safe": True}
