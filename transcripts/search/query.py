"""The search box's language, parsed into a small tree and rendered for each database.

    budget meeting        both words (in one segment, or in the title)
    "ask not what"        the exact phrase
    coun*                 words that start with "coun" (two letters at least)
    budget OR forecast    either word (``|`` works too)
    -draft  NOT draft     leave out transcripts that say the word

Anything else is text: FTS operators a person types (``NEAR``, ``:``, ``^``, parentheses, ``AND``)
are never passed through. Every term is reduced to its words (letters and digits, as both
databases' tokenizers cut them) before it is rendered, each one quoted, so no input can be read as
query syntax by SQLite's FTS5 or by PostgreSQL's ``to_tsquery``. Bad input never raises: it gives
an empty query and a notice that says why.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 500  # characters read from the box
MAX_TERMS = 16  # terms (words, phrases, prefixes) in one search
MAX_PHRASE_WORDS = 16
MIN_PREFIX = 2  # "a*" would match nearly every segment: a prefix needs two letters
SIMPLE = "simple"  # PostgreSQL's configuration that keeps every word as written
#: The words of a text, the way FTS5's unicode61 and PostgreSQL's parser cut them.
WORD = re.compile(r"[^\W_]+")
#: Highlight markers the databases put around hits; stripped from anything indexed or searched.
MARK_START, MARK_END = "\ue000", "\ue001"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")
_CHUNK = re.compile(r'(-?)"([^"]*)("?)(\*?)|(\S+)')
OR_WORDS = {"OR", "|"}
AND_WORDS = {"AND", "&", "&&", "+"}
NOT_WORDS = {"NOT"}


@dataclass(frozen=True)
class Term:
    """One thing to look for: a word, a phrase (in quotes) or a prefix (``word*``)."""

    words: tuple[str, ...]  # its words, as the tokenizers cut them
    raw: str  # what was typed (operators removed): each database cuts it into words its own way
    prefix: bool = False
    quoted: bool = False

    @property
    def text(self) -> str:
        """As a person would type it again."""
        joined = " ".join(self.words)
        if self.quoted or len(self.words) > 1:
            joined = f'"{joined}"'
        return joined + ("*" if self.prefix else "")

    def fts5(self) -> str:
        """An FTS5 string: always quoted, so nothing in it can be an operator."""
        quoted = '"' + self.raw.replace('"', '""') + '"'
        return quoted + " *" if self.prefix else quoted


@dataclass(frozen=True)
class Group:
    """Terms joined by OR: any of them will do."""

    terms: tuple[Term, ...]

    def fts5(self) -> str:
        if len(self.terms) == 1:
            return self.terms[0].fts5()
        return "(" + " OR ".join(term.fts5() for term in self.terms) + ")"


@dataclass(frozen=True)
class Query:
    """Every group must match in one segment (AND); a transcript that says any excluded term
    anywhere is left out."""

    groups: tuple[Group, ...] = ()
    excluded: tuple[Term, ...] = ()
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def terms(self) -> list[Term]:
        return [term for group in self.groups for term in group.terms]

    @property
    def text(self) -> str:
        """The query as understood, in the box's own syntax."""
        parts = [" OR ".join(term.text for term in group.terms) for group in self.groups]
        parts += [f"-{term.text}" for term in self.excluded]
        return " ".join(parts)

    @property
    def highlight(self) -> str:
        """What the transcript page's find box highlights (``?hl=``): the terms looked for."""
        return " ".join(
            f'"{" ".join(term.words)}"' if len(term.words) > 1 else term.words[0] for term in self.terms
        )

    def fts5(self) -> str:
        """The FTS5 MATCH expression of what a segment must say."""
        return " AND ".join(group.fts5() for group in self.groups)

    def fts5_excluded(self) -> str:
        """The FTS5 MATCH expression of the words that leave a transcript out ("" for none)."""
        return " OR ".join(term.fts5() for term in self.excluded)

    def tsquery(self, config: str, *, spoken: bool = False) -> tuple[str, list[str]]:
        """A PostgreSQL tsquery expression of what a segment must say, and its parameters, for
        segments indexed with ``config`` (their language's stems; ``simple``: words as written).
        ``spoken``: in the segment's words only, not its title (weight B, not A). Every value is
        a parameter and every word quoted, so nothing typed is read as tsquery syntax."""
        return _render_tsquery([group.terms for group in self.groups], config, "B" if spoken else "")

    def tsquery_excluded(self, config: str) -> tuple[str, list[str]]:
        """The tsquery of the words that leave a transcript out (``("", [])`` for none)."""
        return _render_tsquery([self.excluded], config, "") if self.excluded else ("", [])


def _term_tsquery(config: str, term: Term, weight: str) -> tuple[str, list[str]]:
    if len(term.words) > 1:
        # A phrase is its exact words: a language's stop words ("not", "what") would otherwise
        # drop out of it, and "ask not what" would match "ask what".
        config = SIMPLE
    suffix = f":{weight}" if weight else ""
    if term.prefix:
        *head, last = (_ts_quote(word) for word in term.words)
        text = " <-> ".join([*(word + suffix for word in head), f"{last}:*{weight}"])
    else:
        # One quoted string: the configuration's parser cuts it as it cut the indexed text
        # ("3.5", "e-mail"), several words becoming a phrase.
        text = _ts_quote(term.raw) + suffix
    return "to_tsquery(%s::regconfig, %s)", [config, text]


def _render_tsquery(groups: list[tuple[Term, ...]], config: str, weight: str) -> tuple[str, list[str]]:
    """Groups ANDed, the terms of a group ORed."""
    parts, params = [], []
    for terms in groups:
        rendered = [_term_tsquery(config, term, weight) for term in terms]
        parts.append("(" + " || ".join(sql for sql, _ in rendered) + ")")
        params += [value for _, values in rendered for value in values]
    return "(" + " && ".join(parts) + ")", params


def _ts_quote(word: str) -> str:
    """A lexeme for to_tsquery: quoted, so it is read as text whatever it contains."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def clean_text(text: str) -> str:
    """Text as it is indexed and searched: NFC, no control characters or highlight markers."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", text or ""))


def _term(raw: str, *, quoted: bool, prefix: bool) -> Term | None:
    words = tuple(WORD.findall(raw))
    if not words:
        return None
    if len(words) > MAX_PHRASE_WORDS:
        words = words[:MAX_PHRASE_WORDS]
        raw = " ".join(words)
    if prefix:
        # The prefix is the last word: nothing typed after it may stand between.
        raw = raw[: raw.rindex(words[-1]) + len(words[-1])]
        prefix = len(words[-1]) >= MIN_PREFIX
    return Term(words=words, raw=raw.strip(), prefix=prefix, quoted=quoted and len(words) > 1)


def _items(text: str):
    """(kind, term) in order: kind is "term", "not" (a term to leave out), or the operators "or"
    and "NOT" (whose term is None); a chunk without a word in it gives a None term."""
    for match in _CHUNK.finditer(text):
        minus, phrase, closed, star, chunk = match.groups()
        if chunk is None:  # "a phrase", or an unbalanced quote that runs to the end
            term = _term(phrase, quoted=True, prefix=bool(closed and star))
            yield ("not" if minus else "term"), term
        elif chunk in OR_WORDS:
            yield "or", None
        elif chunk in NOT_WORDS:
            yield "NOT", None
        elif chunk not in AND_WORDS:
            negated = chunk.startswith("-")
            body = chunk.lstrip("-")
            yield (
                ("not" if negated else "term"),
                _term(body.rstrip("*"), quoted=False, prefix=body.endswith("*")),
            )


def parse_query(text: str) -> Query:
    """The query a person typed; never raises. Notices say what was left out and why."""
    notices: list[str] = []
    text = clean_text(text).strip()
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        notices.append(f"Only the first {MAX_QUERY_LENGTH} characters were searched.")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False  # the previous item was OR
    negate_next = False
    for kind, term in _items(text):
        if kind == "or":
            joining = bool(groups) and not negate_next
            continue
        if kind == "NOT":
            negate_next = True
            continue
        if term is None:
            joining = False
            continue
        if kind == "not" or negate_next:
            if term not in excluded:
                excluded.append(term)
            negate_next = joining = False
            continue
        if joining and groups:
            if term not in groups[-1]:
                groups[-1].append(term)
        elif not any(group == [term] for group in groups):
            groups.append([term])
        joining = False

    count = 0
    kept: list[Group] = []
    for group in groups:
        room = MAX_TERMS - count
        if room <= 0:
            break
        kept.append(Group(tuple(group[:room])))
        count += min(len(group), room)
    if count < sum(len(group) for group in groups):
        notices.append(f"Only the first {MAX_TERMS} terms were searched.")
    excluded = excluded[: max(0, MAX_TERMS - count)]

    if not kept:
        if excluded:
            notices.append("Add a word to look for: a search cannot only leave words out.")
        elif text:
            notices.append("Type letters or numbers to search for: symbols and emoji are not indexed.")
        return Query(notices=tuple(notices))
    return Query(groups=tuple(kept), excluded=tuple(excluded), notices=tuple(notices))
