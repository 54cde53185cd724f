"""Outside text made safe to show: what a repository, an import or a log brings is data, and
never reaches a terminal raw.

Standard library only and no `re`: the hook path prints warnings through it.
"""

from __future__ import annotations

# Bidirectional overrides and isolates reorder what a terminal shows ("Trojan Source").
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_TABLES: dict[bool, dict[int, str]] = {}


def _escape(code: int) -> str:
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by `surrogateescape`
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _table(layout: bool) -> dict[int, str]:
    if layout not in _TABLES:
        codes = [*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0xD800, 0xE000), *_BIDI]
        table = {code: _escape(code) for code in codes}
        if layout:
            del table[0x0A], table[0x09]
        _TABLES[layout] = table
    return _TABLES[layout]


def printable(text: object, layout: bool = False) -> str:
    """`text` with every control character escaped (`\\x1b`, `\\x9b`, `\\u202e`): C0 and C1
    controls, DEL, bidirectional overrides and lone surrogates (an undecodable byte shows as
    `\\xe9`). With `layout`, newlines and tabs stay (multi-line text for a person)."""
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():
        return text
    return text.translate(_table(layout))


def utf8(text: str) -> str:
    """Text that UTF-8 can hold: the lone surrogates of bytes that were not UTF-8 (or of JSON
    escapes) become U+FFFD. Valid text comes back unchanged."""
    if text.isascii():
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


_JSON_ESCAPES: dict[int, str] = {}


def json_safe(text: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with DEL, C1 controls and lone
    surrogates written as `\\u00XX` escapes: the same data, nothing a terminal acts on."""
    if text.isascii() and "\x7f" not in text:
        return text
    if not _JSON_ESCAPES:
        codes = [0x7F, *range(0x80, 0xA0), *range(0xD800, 0xE000), *_BIDI]
        _JSON_ESCAPES.update({code: f"\\u{code:04x}" for code in codes})
    return text.translate(_JSON_ESCAPES)


def without_credentials(url: str) -> str:
    """A remote URL without the user name, password or token of a scheme URL
    (`https://user:TOKEN@host/x` → `https://host/x`); scp-style `git@host:path` names an
    account, not a secret, and stays."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.replace("+", "").replace("-", "").replace(".", "").isalnum():
        return url
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    if "@" not in authority:
        return url
    return f"{scheme}://{authority.rpartition('@')[2]}{rest[end:]}"
