"""A parse-only check of Go text/template, as Prometheus reads alert annotations.

Prometheus refuses a whole rule file when one annotation does not parse (unknown function,
unclosed action, undefined variable...), so the compiler checks every annotation it writes
before writing it. This follows Go's text/template lexer and parser closely enough to be
*sound*: what it accepts, promtool accepts (tests/hostile checks that against promtool itself).
Where the two differ it is stricter: `define`, `block` and `template` are refused (an annotation
has no use for named templates) and so is an empty pipeline stage.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from adk_observe.errors import quote

# The functions an alert template may call: Go's builtins and the ones Prometheus adds
# (template.go's funcMap; docs "Template reference"). These are exactly the names promtool
# 2.42 accepts; newer Prometheus versions add a few (toDuration, now, ...) that an older
# server would refuse, so they are left out on purpose.
GO_FUNCTIONS = frozenset(
    [
        "and",
        "call",
        "eq",
        "ge",
        "gt",
        "html",
        "index",
        "js",
        "le",
        "len",
        "lt",
        "ne",
        "not",
        "or",
        "print",
        "printf",
        "println",
        "slice",
        "urlquery",
    ]
)
PROMETHEUS_FUNCTIONS = frozenset(
    [
        "args",
        "externalURL",
        "first",
        "graphLink",
        "humanize",
        "humanize1024",
        "humanizeDuration",
        "humanizePercentage",
        "humanizeTimestamp",
        "label",
        "match",
        "parseDuration",
        "pathPrefix",
        "query",
        "reReplaceAll",
        "safeHtml",
        "sortByLabel",
        "stripDomain",
        "stripPort",
        "strvalue",
        "tableLink",
        "title",
        "toLower",
        "toTime",
        "toUpper",
        "value",
    ]
)
FUNCTIONS = GO_FUNCTIONS | PROMETHEUS_FUNCTIONS
# Prometheus defines these before expanding an alert template.
VARIABLES = frozenset({"$", "$labels", "$externalLabels", "$externalURL", "$value"})

_KEYWORDS = frozenset(
    [
        "block",
        "break",
        "continue",
        "define",
        "else",
        "end",
        "if",
        "nil",
        "range",
        "template",
        "with",
        "true",
        "false",
    ]
)
_SPACE = " \t\r\n"
# Stricter than Go (no `_` separators, octal, binary, hex floats or imaginary numbers): only
# the forms an annotation plausibly needs, each of which Go reads the same way.
_NUMBER_START = re.compile(r"[+-]?[0-9A-Za-z_.]*")
_NUMBER = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)")
_STRING = re.compile(r'"(\\[abfnrtv\\"]|[^\\"\n])*"')
_CHAR = re.compile(r"'(\\[abfnrtv\\']|[^\\'\n])'")


class TemplateError(ValueError):
    """The template does not parse; the message says why in Go's terms."""


@dataclass
class _Token:
    kind: (
        str  # word, field, var, number, string, char, pipe, declare, assign, comma, lparen, rparen
    )
    text: str
    adjacent: bool = False  # no space before it (a field chained onto the previous term)


def _is_alnum(ch: str) -> bool:
    """Go's isAlphaNumeric: `_`, a Unicode letter or a decimal digit."""
    return ch == "_" or unicodedata.category(ch) in ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd")


def _infinite(number: str) -> bool:
    """Go refuses a number its float64 cannot hold."""
    if number.lstrip("+-")[:2] in ("0x", "0X"):
        return len(number) > 18
    return float(number) in (float("inf"), float("-inf"))


def _word_end(text: str, i: int) -> int:
    while i < len(text) and _is_alnum(text[i]):
        i += 1
    return i


def _at_terminator(text: str, i: int) -> bool:
    return i >= len(text) or text[i] in _SPACE + ".,|:()" or text.startswith("}}", i)


def _lex_action(text: str, i: int) -> tuple[list[_Token], int]:
    """Tokens of the action starting at `i` (just after `{{` and any trim marker), and the
    index after its closing `}}`."""
    tokens: list[_Token] = []
    depth = 0
    spaced = True
    while True:
        if text.startswith(" -}}", i) or text.startswith("}}", i):
            if depth:
                raise TemplateError("unclosed left paren")
            return tokens, i + (4 if text[i] == " " else 2)
        if i >= len(text):
            raise TemplateError("unclosed action")
        if text[i] in _SPACE:
            i += 1
            spaced = True
            continue
        start = i
        kind, i, depth = _lex_token(text, i, depth)
        tokens.append(_Token(kind, text[start:i], adjacent=not spaced))
        spaced = False


def _lex_token(text: str, i: int, depth: int) -> tuple[str, int, int]:
    """The kind of the token starting at `i` (not a space), the index after it, and the paren
    depth after it."""
    ch = text[i]
    if ch == "|":
        return "pipe", i + 1, depth
    if ch == "=":
        return "assign", i + 1, depth
    if ch == ":":
        if not text.startswith(":=", i):
            raise TemplateError("expected :=")
        return "declare", i + 2, depth
    if ch == ",":
        return "comma", i + 1, depth
    if ch == "(":
        return "lparen", i + 1, depth + 1
    if ch == ")":
        if not depth:
            raise TemplateError("unexpected right paren")
        return "rparen", i + 1, depth - 1
    if ch == '"':
        match = _STRING.match(text, i)
        if not match:
            raise TemplateError("unterminated or badly escaped quoted string")
        return "string", match.end(), depth
    if ch == "`":
        end = text.find("`", i + 1)
        if end < 0:
            raise TemplateError("unterminated raw quoted string")
        return "string", end + 1, depth
    if ch == "'":
        match = _CHAR.match(text, i)
        if not match:
            raise TemplateError("unterminated character constant")
        return "char", match.end(), depth
    if ch == "$" or (ch == "." and not text[i + 1 : i + 2].isdigit()):
        end = _word_end(text, i + 1)
        if not _at_terminator(text, end):
            raise TemplateError(f"bad character {text[end]!r}")
        return ("var" if ch == "$" else "field"), end, depth
    if ch in "+-.0123456789":
        match = _NUMBER_START.match(text, i)
        end = match.end() if match else i + 1
        number = text[i:end]
        if not _NUMBER.fullmatch(number) or _infinite(number):
            raise TemplateError(f"bad number syntax: {number[:20]!r}")
        return "number", end, depth
    if _is_alnum(ch):
        end = _word_end(text, i)
        if not _at_terminator(text, end):
            raise TemplateError(f"bad character {text[end]!r}")
        return "word", end, depth
    raise TemplateError(f"unexpected {ch!r} in an action")


def _actions(text: str) -> list[list[_Token]]:
    """Every action of `text` as tokens (comments dropped)."""
    out: list[list[_Token]] = []
    i = 0
    while (start := text.find("{{", i)) >= 0:
        i = start + 2
        if text[i : i + 1] == "-" and text[i + 1 : i + 2] in tuple(_SPACE):
            i += 2
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise TemplateError("unclosed comment")
            i = end + 2
            if text.startswith(" -}}", i):
                i += 4
            elif text.startswith("}}", i):
                i += 2
            else:
                raise TemplateError("comment ends before closing delimiter")
            continue
        tokens, i = _lex_action(text, i)
        out.append(tokens)
    return out


@dataclass
class _Block:
    keyword: str  # if, with, range
    scope: set[str] = field(default_factory=set)
    has_else: bool = False


class _Parser:
    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self.scopes: list[set[str]] = [set(VARIABLES)]

    def defined(self, name: str) -> bool:
        return any(name in scope for scope in self.scopes)

    def action(self, tokens: list[_Token]) -> None:
        if not tokens:
            raise TemplateError("missing value for command")
        head = tokens[0].text if tokens[0].kind == "word" else ""
        if head in ("if", "with", "range"):
            self.scopes.append(set())
            self.blocks.append(_Block(head))
            self.pipeline(tokens[1:], head, declare=True)
        elif head == "else":
            self.else_(tokens[1:])
        elif head == "end":
            if not self.blocks:
                raise TemplateError("unexpected {{end}}")
            if len(tokens) > 1:
                raise TemplateError("unexpected tokens after end")
            self.blocks.pop()
            self.scopes.pop()
        elif head in ("break", "continue"):
            if not any(b.keyword == "range" for b in self.blocks):
                raise TemplateError(f"{{{{{head}}}}} outside {{{{range}}}}")
            if len(tokens) > 1:
                raise TemplateError(f"unexpected tokens after {head}")
        elif head in ("define", "block", "template"):
            raise TemplateError(f"{{{{{head}}}}} is not supported in an annotation")
        else:
            self.pipeline(tokens, "command", declare=True)

    def else_(self, rest: list[_Token]) -> None:
        if not self.blocks:
            raise TemplateError("unexpected {{else}}")
        block = self.blocks[-1]
        if block.has_else:
            raise TemplateError("a second {{else}} in one block")
        if rest and rest[0].kind == "word" and rest[0].text == "if" and block.keyword == "if":
            self.pipeline(rest[1:], "if", declare=True)  # else-if: the same {{end}} closes it
            return
        if rest:
            raise TemplateError(f"unexpected {quote_token(rest[0])} in else")
        block.has_else = True

    def pipeline(self, tokens: list[_Token], context: str, declare: bool) -> None:
        declared: list[str] = []
        if declare:
            tokens, declared = self.declaration(tokens, context)
        if not tokens:
            raise TemplateError(f"missing value for {context}")
        stage: list[_Token] = []
        stages: list[list[_Token]] = []
        depth = 0
        for tok in tokens:
            if tok.kind == "pipe" and depth == 0:
                stages.append(stage)
                stage = []
                continue
            depth += (tok.kind == "lparen") - (tok.kind == "rparen")
            stage.append(tok)
        stages.append(stage)
        for n, cmd in enumerate(stages):
            if not cmd:
                raise TemplateError("missing command in a pipeline stage")
            self.command(cmd, stage=n)
        self.scopes[-1].update(declared)

    def declaration(self, tokens: list[_Token], context: str) -> tuple[list[_Token], list[str]]:
        kinds = [t.kind for t in tokens[:4]]
        if kinds[:2] in (["var", "declare"], ["var", "assign"]):
            name = tokens[0].text
            if kinds[1] == "assign" and not self.defined(name):
                raise TemplateError(f"undefined variable {quote(name)}")
            return tokens[2:], [name] if kinds[1] == "declare" else []
        if context == "range" and kinds == ["var", "comma", "var", "declare"]:
            return tokens[4:], [tokens[0].text, tokens[2].text]
        return tokens, []

    def command(self, tokens: list[_Token], stage: int) -> None:
        i = 0
        first = True
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "lparen":
                depth, j = 1, i + 1
                while depth:
                    depth += (tokens[j].kind == "lparen") - (tokens[j].kind == "rparen")
                    j += 1
                self.pipeline(tokens[i + 1 : j - 1], "parenthesized pipeline", declare=False)
                i = j
            else:
                self.operand(tok, stage if first else 0)
                i += 1
            # Fields written right after a term (`$x.a.b`, `(...).a`) chain onto it.
            while i < len(tokens) and tokens[i].kind == "field" and tokens[i].adjacent:
                if tok.kind in ("number", "string", "char") or tok.text in ("true", "false", "nil"):
                    raise TemplateError(f"unexpected {tokens[i].text} after a constant")
                i += 1
            first = False

    def operand(self, tok: _Token, stage: int) -> None:
        if tok.kind in ("pipe", "declare", "assign", "comma", "rparen"):
            raise TemplateError(f"unexpected {quote_token(tok)} in operand")
        if tok.kind == "var" and not self.defined(tok.text.split(".")[0]):
            raise TemplateError(f"undefined variable {quote(tok.text)}")
        if tok.kind == "word":
            if tok.text in _KEYWORDS - {"true", "false", "nil"}:
                raise TemplateError(f"unexpected {quote_token(tok)} in operand")
            if tok.text not in _KEYWORDS and tok.text not in FUNCTIONS:
                raise TemplateError(f'function "{tok.text}" not defined')
        constant = tok.kind in ("number", "string", "char") or tok.text in ("true", "false", "nil")
        if stage > 0 and (constant or (tok.kind == "field" and tok.text == ".")):
            raise TemplateError(f"non executable command in pipeline stage {stage + 1}")

    def finish(self) -> None:
        if self.blocks:
            raise TemplateError(f"{{{{{self.blocks[-1].keyword}}}}} without {{{{end}}}}")


def quote_token(tok: _Token) -> str:
    return repr(tok.text[:20])


def check(text: str) -> None:
    """Raise TemplateError when Prometheus would refuse `text` as an alert annotation."""
    parser = _Parser()
    for tokens in _actions(text):
        parser.action(tokens)
    parser.finish()


def error(text: str) -> str | None:
    """None when `text` parses, else why not (for field validators)."""
    try:
        check(text)
    except TemplateError as exc:
        return f"not a valid alert template: {exc}"
    return None
