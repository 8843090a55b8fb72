"""Standard patch formats on plain JSON-like trees (dicts, lists, str, int, float, bool, None).

* :mod:`nervsync_cli.patch.pointer` — RFC 6901 JSON Pointer: parse, format, resolve.
* :mod:`nervsync_cli.patch.jsonpatch` — RFC 6902 JSON Patch: apply, JSON equality, patch-kind detection.
* :mod:`nervsync_cli.patch.mergepatch` — RFC 7396 JSON Merge Patch: apply and generate.

Nothing here reads files or knows about the CLI; every deliberate failure is an
:class:`~nervsync_cli.errors.ApplyError` and leaves the inputs untouched.
"""
