"""The delimiter ``csv.Sniffer().sniff(sample, delimiters)`` finds, found without its slow regexes.

``Sniffer._guess_quote_and_delimiter`` runs up to four regular expressions with a lazy ``.*?``
between two quotes over the whole sample; where a quote is never closed the way the pattern wants,
every start position scans to the end of the sample: about 0.15 s per 64 KiB sample of a CSV file
with multi-line quoted cells, as much as parsing a few thousand rows. This module follows the same
four patterns start by start, but finds each closing quote with ``str.find`` (C speed), so it visits
only the quote characters. It yields the same matches in the same order, hence the same delimiter.
The fallback, ``Sniffer._guess_delimiter`` (how regularly each character recurs line by line),
counts all 127 ASCII characters on every line although only the candidate delimiters can win:
about 0.1 s per sample. Here it counts the candidates only, with the same arithmetic.

Only the delimiter is reproduced: nervsync reads every sniffed file with RFC 4180 quoting
(``csv_format.sniff_dialect``), so the sniffer's quote character and doubled-quote guesses are not
needed. ``tests/test_sniff.py`` compares this with ``csv.Sniffer`` on many samples.
"""

from __future__ import annotations

import csv
import re

_QUOTE = re.compile("[\"']")


def _is_delim(char: str) -> bool:
    """``[^\\w\\n"']``: the delimiter class of the sniffer's patterns (``\\w`` as ``re`` defines it)."""
    return not (char.isalnum() or char == "_") and char not in "\n\"'"


def _line_end_close(data: str, quote: str, start: int) -> int:
    """First ``k >= start`` with ``data[k] == quote`` followed by a newline or the end (``(?:$|\\n)``)."""
    found = data.find(quote + "\n", start)
    last = len(data) - 1
    if last >= start and data[last] == quote and (found < 0 or last < found):
        return last
    return found


def _delim_close(data: str, quote: str, start: int) -> int:
    """First ``k >= start`` with ``data[k] == quote`` followed by a delimiter-class character."""
    k = data.find(quote, start)
    while k >= 0:
        if k + 1 < len(data) and _is_delim(data[k + 1]):
            return k
        k = data.find(quote, k + 1)
    return -1


def _delimited_starts(data: str, quotes: list[int]) -> list[tuple[int, str, str, int]]:
    """Starts of ``D ?Q`` in position order: (start, delimiter, space, quote position)."""
    starts: list[tuple[int, str, str, int]] = []
    for q in quotes:
        if q >= 2 and data[q - 1] == " " and _is_delim(data[q - 2]):
            starts.append((q - 2, data[q - 2], " ", q))
        if q >= 1 and _is_delim(data[q - 1]):
            starts.append((q - 1, data[q - 1], "", q))
    return starts


def _pattern1(data: str, quotes: list[int]) -> list[tuple[str, str, str]]:
    """``(?P<delim>[^\\w\\n"'])(?P<space> ?)(?P<quote>["']).*?(?P=quote)(?P=delim)``: ,".*?","""
    found, pos = [], 0
    for start, delim, space, q in _delimited_starts(data, quotes):
        if start < pos:
            continue
        k = data.find(data[q] + delim, q + 1)
        if k >= 0:
            found.append((delim, space, data[q]))
            pos = k + 2
    return found


def _pattern2(data: str, quotes: list[int]) -> list[tuple[str, str, str]]:
    """``(?:^|\\n)(?P<quote>["']).*?(?P=quote)(?P<delim>[^\\w\\n"'])(?P<space> ?)``: ".*?","""
    found, pos = [], 0
    for q in quotes:
        # A quote opening a line: matched by ``^`` at it, or by ``\\n`` one earlier; same groups, same end.
        if q < pos or not (q == 0 or data[q - 1] == "\n"):
            continue
        k = _delim_close(data, data[q], q + 1)
        if k >= 0:
            space = " " if k + 2 < len(data) and data[k + 2] == " " else ""
            found.append((data[q], data[k + 1], space))
            pos = k + 2 + len(space)
    return found


def _pattern3(data: str, quotes: list[int]) -> list[tuple[str, str, str]]:
    """``(?P<delim>[^\\w\\n"'])(?P<space> ?)(?P<quote>["']).*?(?P=quote)(?:$|\\n)``: ,".*?"""
    found, pos = [], 0
    for start, delim, space, q in _delimited_starts(data, quotes):
        if start < pos:
            continue
        k = _line_end_close(data, data[q], q + 1)
        if k >= 0:
            found.append((delim, space, data[q]))
            pos = k + 1  # ``$`` matches before the newline: the match ends at the closing quote
    return found


def _pattern4(data: str, quotes: list[int]) -> list[tuple[str]]:
    """``(?:^|\\n)(?P<quote>["']).*?(?P=quote)(?:$|\\n)``: ".*?" alone on a line."""
    found, pos = [], 0
    for q in quotes:
        if q < pos or not (q == 0 or data[q - 1] == "\n"):
            continue
        k = _line_end_close(data, data[q], q + 1)
        if k >= 0:
            found.append((data[q],))
            pos = k + 1
    return found


def _quote_delimiter(data: str, delimiters: str | None) -> str:
    """The delimiter ``Sniffer._guess_quote_and_delimiter`` returns (``''`` for none)."""
    quotes = [match.start() for match in _QUOTE.finditer(data)]
    if not quotes:
        return ""
    matches1 = _pattern1(data, quotes)
    if matches1:
        pairs = [m[0] for m in matches1]
    else:
        matches2 = _pattern2(data, quotes)
        if matches2:
            pairs = [m[1] for m in matches2]
        else:
            matches3 = _pattern3(data, quotes)
            if matches3:
                pairs = [m[0] for m in matches3]
            else:
                return ""  # pattern 4 has no delimiter group: no delimiter either way
    counts: dict[str, int] = {}
    for delim in pairs:
        if delim and (delimiters is None or delim in delimiters):
            counts[delim] = counts.get(delim, 0) + 1
    if not counts:
        return ""
    delim = max(counts, key=counts.__getitem__)
    return "" if delim == "\n" else delim


def _frequency_delimiter(data: str, delimiters: str) -> str:
    """``Sniffer._guess_delimiter(data, delimiters)``'s delimiter (``''`` for none).

    Each character's statistics are its own, and only ``delimiters`` may enter the result, so
    counting the others cannot change it.
    """
    lines = list(filter(None, data.split("\n")))
    candidates = [char for char in dict.fromkeys(delimiters) if ord(char) < 127]
    chunk = min(10, len(lines))
    frequencies: dict[str, dict[int, int]] = {char: {} for char in candidates}
    modes: dict[str, tuple[int, int]] = {}
    found: dict[str, tuple[int, int]] = {}
    start, iteration = 0, 0
    while start < len(lines):
        iteration += 1
        for line in lines[start:start + chunk]:
            for char in candidates:
                meta = frequencies[char]
                count = line.count(char)
                meta[count] = meta.get(count, 0) + 1
        for char, meta in frequencies.items():
            items = list(meta.items())
            if len(items) > 1:
                # The commonest count, credited with its lines minus all the others.
                mode = max(items, key=lambda item: item[1])
                modes[char] = (mode[0], 2 * mode[1] - sum(n for _, n in items))
            elif items[0][0] != 0:
                modes[char] = items[0]
        total = float(min(chunk * iteration, len(lines)))
        consistency = 1.0
        while not found and consistency >= 0.9:
            found.update((char, mode) for char, mode in modes.items()
                         if mode[0] > 0 and mode[1] > 0 and mode[1] / total >= consistency)
            consistency -= 0.01
        if len(found) == 1:
            return next(iter(found))
        start += chunk
    preferred = [char for char in csv.Sniffer().preferred if char in found]
    if preferred:
        return str(preferred[0])
    return max(((mode, char) for char, mode in found.items()), default=((0, 0), ""))[1]


def sniff_delimiter(sample: str, delimiters: str | None = None) -> str:
    """``csv.Sniffer().sniff(sample, delimiters).delimiter``.

    Raises:
        csv.Error: the sniffer finds no delimiter ("Could not determine delimiter").
    """
    delimiter = _quote_delimiter(sample, delimiters)
    if not delimiter and delimiters is not None:
        delimiter = _frequency_delimiter(sample, delimiters)
    elif not delimiter:
        delimiter, _ = csv.Sniffer()._guess_delimiter(sample, delimiters)  # type: ignore[attr-defined]
    if not delimiter:
        raise csv.Error("Could not determine delimiter")
    return str(delimiter)
