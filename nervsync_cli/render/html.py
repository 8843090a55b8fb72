"""The HTML report of ``nervsync check``: one self-contained page to attach to a CI run.

Self-contained means no network request of any kind: the CSS is inline, fonts are the system's, there
is no script, and a Content-Security-Policy forbids loading anything, so the page renders the same
offline, from an artifact store, or in a mail client. Changes are marked by a symbol and a word as
well as by colour, and ``@media print`` keeps the colours (and the table headers on every page), so
a printout reads as well as the screen.
"""

from __future__ import annotations

import difflib
import json
import re
from html import escape
from typing import Any

from ..check import CheckResult, CheckRun, FilePair, Finding, Status
from ..model import MISSING, ChangeKind, Conflict, Op
from ..paths import format_path
from ..positions import Position

_MAX_VALUE_CHARS = 4000
_KIND = {ChangeKind.ADDED: ("+", "added"), ChangeKind.REMOVED: ("−", "removed"), ChangeKind.CHANGED: ("~", "changed")}
_STATUS = {
    Status.PASS: "✓ pass", Status.ACCEPTED: "✓ accepted", Status.FIXED: "✓ fixed",
    Status.DRIFT: "✗ drift", Status.CONFLICTS: "✗ conflicts", Status.ERROR: "! error",
}

_CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --head: #f6f8fa;
  --add: #dafbe1; --add-ink: #116329; --del: #ffebe9; --del-ink: #a40e26; --chg: #fff8c5; --chg-ink: #7d4e00;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --info: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
  "DejaVu Sans", "Liberation Sans", sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 6px; padding-top: 12px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .desc, .files { color: var(--muted); margin: 2px 0 8px; }
code, pre, .loc { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace;
  font-size: 12.5px; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.cards { display: flex; gap: 12px; margin: 16px 0 8px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 8px 16px;
  min-width: 130px; }
.card .n { display: block; font-size: 26px; font-weight: 700; }
table { width: 100%; border-collapse: collapse; margin: 6px 0 12px; table-layout: fixed; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: var(--head); font-weight: 600; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; width: 8%; }
.summary th:first-child { width: 18%; }
.summary th:nth-child(2) { width: 13%; }
.changes col.mark { width: 9%; } .changes col.path { width: 31%; } .changes col.side { width: 30%; }
.conflicts col.path { width: 30%; }
.loc { display: block; color: var(--muted); font-size: 11.5px; margin-bottom: 2px; }
.loc.near::after { content: " (nearest)"; }
.mark { font-weight: 600; }
tr.added td.mark, tr.added td.tgt { background: var(--add); color: var(--add-ink); }
tr.removed td.mark, tr.removed td.src { background: var(--del); color: var(--del-ink); }
tr.changed td.mark { background: var(--chg); color: var(--chg-ink); }
tr.changed td.src { background: var(--del); } tr.changed td.tgt { background: var(--add); }
tr.accepted td { opacity: .72; }
tr.accepted td.mark::after { content: "accepted"; display: block; font-weight: 400; font-style: italic; }
td.none { color: var(--muted); font-style: italic; }
.ln-del { background: #ffcecb; text-decoration: line-through; } .ln-add { background: #aceebb; }
.badge { display: inline-block; border-radius: 12px; padding: 1px 10px; font-size: 13px; font-weight: 600;
  border: 1px solid currentColor; vertical-align: middle; }
.s-pass, .s-accepted, .s-fixed { color: var(--ok); } .s-drift, .s-conflicts, .s-error { color: var(--bad); }
.s-accepted { color: var(--warn); } .s-fixed { color: var(--info); }
.card.s-pass { border-left-color: var(--ok); } .card.s-accepted { border-left-color: var(--warn); }
.card.s-fixed { border-left-color: var(--info); }
.card.s-drift, .card.s-conflicts, .card.s-error { border-left-color: var(--bad); }
.card.zero { opacity: .5; }
.error { border: 1px solid var(--bad); background: var(--del); color: var(--del-ink); padding: 8px 12px;
  border-radius: 6px; }
.warnings { color: var(--warn); }
a { color: var(--info); }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 11px; } main { max-width: none; padding: 0; }
  h2 { break-after: avoid; } a { color: inherit; text-decoration: none; }
  .card { min-width: 100px; padding: 4px 10px; }
}
"""


def _value(value: Any) -> str:
    if value is MISSING:
        return ""
    text = json.dumps(value, ensure_ascii=False, indent=2 if isinstance(value, (dict, list)) else None)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[:_MAX_VALUE_CHARS] + "\n…"
    return f"<pre>{escape(text)}</pre>"


def _text_lines(source: str, target: str) -> tuple[str, str]:
    """Both texts line by line, lines only in SOURCE struck through, lines only in TARGET highlighted."""
    old, new = source.splitlines(), target.splitlines()
    old_marks, new_marks = [""] * len(old), [""] * len(new)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            old_marks[i1:i2] = ["ln-del"] * (i2 - i1)
            new_marks[j1:j2] = ["ln-add"] * (j2 - j1)

    def render(lines: list[str], marks: list[str]) -> str:
        body = "\n".join(f'<span class="{mark}">{escape(line)}</span>' if mark else escape(line)
                         for line, mark in zip(lines, marks))
        return f"<pre>{body}</pre>"

    return render(old, old_marks), render(new, new_marks)


def _location(position: Position | None) -> str:
    if position is None:
        return ""
    near = "" if position.exact else " near"
    return f'<span class="loc{near}">{escape(str(position))}</span>'


def _side_cells(finding: Finding) -> tuple[str, str]:
    change = finding.change
    if finding.text and isinstance(change.source, str) and isinstance(change.target, str):
        source, target = _text_lines(change.source, change.target)
    else:
        source, target = _value(change.source), _value(change.target)
    cells = []
    for css, body, position, value in (("src", source, finding.positions.source, change.source),
                                       ("tgt", target, finding.positions.target, change.target)):
        if value is MISSING:
            cells.append(f'<td class="{css} none">{_location(position)}absent</td>')
        else:
            cells.append(f'<td class="{css}">{_location(position)}{body}</td>')
    return cells[0], cells[1]


def _path_html(path: str) -> str:
    """A path that wraps at its dots and brackets (``<wbr>``) rather than in the middle of a name."""
    return re.sub(r"([.,\]])", r"\1<wbr>", escape(path))


def _change_row(finding: Finding) -> str:
    symbol, word = _KIND[finding.change.kind]
    classes = word + (" accepted" if finding.accepted else "")
    source, target = _side_cells(finding)
    return (f'<tr class="{classes}"><td class="mark">{symbol} {word}</td>'
            f"<td><code>{_path_html(format_path(finding.change.path))}</code></td>{source}{target}</tr>")


def _changes_table(findings: list[Finding], pair: FilePair) -> str:
    head = (f'<th>source<br><small>{escape(pair.source or "(no file)")}</small></th>'
            f'<th>target<br><small>{escape(pair.target or "(no file)")}</small></th>')
    rows = "\n".join(_change_row(finding) for finding in findings)
    return ('<table class="changes"><colgroup><col class="mark"><col class="path"><col class="side">'
            f'<col class="side"></colgroup><thead><tr><th>change</th><th>path</th>{head}</tr></thead>'
            f"<tbody>\n{rows}\n</tbody></table>")


def _conflicts_table(conflicts: list[Conflict]) -> str:
    rows = "\n".join(
        f'<tr class="{"changed" if c.resolved else "removed"}"><td><code>{_path_html(format_path(c.path))}</code></td>'
        f'<td class="src">{_value(c.source)}</td><td class="tgt">{_value(c.target)}</td>'
        f'<td class="mark">{escape(c.resolution or "✗ unresolved")}</td><td>{escape(c.reason)}</td></tr>'
        for c in conflicts
    )
    return ('<table class="conflicts"><colgroup><col class="path"><col><col><col style="width:12%"><col>'
            '</colgroup><thead><tr><th>path</th><th>source</th><th>target</th><th>resolution</th><th>why</th>'
            f"</tr></thead><tbody>\n{rows}\n</tbody></table>")


def _ops_list(title: str, ops: list[Op]) -> str:
    if not ops:
        return ""
    items = "".join(f"<li><code>{escape(op.kind.value)} {escape(format_path(op.path))}</code></li>" for op in ops)
    return f"<p><b>{escape(title)}</b></p><ul>{items}</ul>"


def _fix_section(result: CheckResult) -> str:
    fix = result.fix
    if fix is None:
        return ""
    parts = ["<h3>Fix</h3>"]
    if fix.conflicts:
        unresolved = len(fix.unresolved)
        note = f"{unresolved} unresolved: nothing was written" if unresolved else "all resolved"
        parts.append(f"<p>{len(fix.conflicts)} conflicts ({note}).</p>{_conflicts_table(fix.conflicts)}")
    parts.append(_ops_list("changes to the source", fix.source_ops))
    parts.append(_ops_list("changes to the target", fix.target_ops))
    written = ", ".join(f"<code>{escape(name)}</code>" for name in fix.written) or "nothing"
    parts.append(f"<p>Written: {written}.</p>")
    return "\n".join(parts)


def _anchor_id(name: str) -> str:
    return "check-" + "".join(char if char.isalnum() or char in "-_" else "-" for char in name)


def _badge(status: Status) -> str:
    return f'<span class="badge s-{status.value}">{escape(_STATUS[status])}</span>'


def _check_section(result: CheckResult) -> str:
    spec = result.spec
    parts = [f'<section id="{_anchor_id(result.name)}">',
             f"<h2>{escape(result.name)} {_badge(result.status)}</h2>"]
    if spec.description:
        parts.append(f'<p class="desc">{escape(spec.description)}</p>')
    parts.append(f'<p class="files"><code>{escape(spec.source)}</code> → <code>{escape(spec.target)}</code></p>')
    if result.error is not None:
        parts.append(f'<p class="error">{escape(str(result.error))}</p>')
    for pair in result.pairs:
        findings = [finding for finding in result.findings if finding.pair == pair]
        if not findings:
            continue
        if pair.name:
            parts.append(f"<h3>{escape(pair.name)}</h3>")
        parts.append(_changes_table(findings, pair))
    if not result.findings and result.error is None:
        parts.append("<p>No differences.</p>")
    parts += [f'<p class="warnings">⚠ {escape(warning)}</p>' for warning in result.warnings]
    parts.append(_fix_section(result))
    parts.append("</section>")
    return "\n".join(part for part in parts if part)


def _summary(run: CheckRun) -> str:
    counts = run.counts()
    cards = "".join(
        f'<div class="card s-{status.value}{" zero" if not counts[status.value] else ""}">'
        f'<span class="n">{counts[status.value]}</span>{escape(_STATUS[status])}</div>'
        for status in (Status.DRIFT, Status.ERROR, Status.CONFLICTS, Status.FIXED, Status.ACCEPTED, Status.PASS)
        if counts[status.value] or status in (Status.DRIFT, Status.PASS)
    )
    rows = "\n".join(
        f'<tr><td><a href="#{_anchor_id(r.name)}">{escape(r.name)}</a></td><td>{_badge(r.status)}</td>'
        f'<td class="num">{len(r.pairs)}</td><td class="num">{len(r.drift)}</td>'
        f'<td class="num">{len(r.accepted)}</td><td>{escape(r.spec.description)}</td></tr>'
        for r in run.results
    )
    table = ('<table class="summary"><thead><tr><th>check</th><th>status</th><th class="num">files</th>'
             '<th class="num">changes</th><th class="num">accepted</th><th>description</th></tr></thead>'
             f"<tbody>\n{rows}\n</tbody></table>")
    return f'<div class="cards">{cards}</div>\n{table}'


def _title(run: CheckRun) -> str:
    failed = sum(result.status.failed for result in run.results)
    total = len(run.results)
    return f"all {total} checks passed" if not failed else f"{failed} of {total} checks failed"


def html_report(run: CheckRun) -> str:
    """The whole page as one string."""
    sections = "\n".join(_check_section(result) for result in run.results)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nervsync check: {escape(_title(run))}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>nervsync check: {escape(_title(run))}</h1>
<p class="meta">config <code>{escape(run.config.file)}</code> · {len(run.results)} checks</p>
{_summary(run)}
{sections}
</main>
</body>
</html>
"""
