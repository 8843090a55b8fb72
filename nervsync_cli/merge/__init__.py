"""Pure merge algorithms of nervsync's three-way reconciliation (no file I/O, no CLI).

* :mod:`.rga` — the RGA sequence CRDT.
* :mod:`.text` — diff3-style three-way merge of text, by line or by word.
* :mod:`.sequence` — three-way merge of plain JSON lists with RGA semantics.
"""
