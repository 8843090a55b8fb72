"""jd's implementation-agnostic diff spec (../shared/conformance/jd-spec), through nervsync's CLI.

jd's ``expected_output`` is in jd's own notation, so what carries over is its verification
procedure (jd-spec/README.md): the verdict (differences or none), the round trip (the diff applied
to A gives B) and the no-diff check afterwards, with jd's options mapped to nervsync's. For each
case: ``nervsync diff A B --output jsonpatch [options]`` must exit 1 exactly when jd reports a
difference; its patch, applied to A, must give a document that the diff finds equal to B under the
same options (and JSON-equal to B when no option relaxes equality). Error cases
must exit 2 with one line.

Cases that do not fit nervsync's model are listed in ``NOT_FITTING`` with the reason.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nervsync_cli.cli.options import diff_options
from nervsync_cli.diff import as_streams, diff_documents
from nervsync_cli.files import load_document
from nervsync_cli.patch.jsonpatch import apply_json_patch
from nervsync_cli.paths import parse_path

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "jd-spec"
FILES = ("core.json", "options.json", "errors.json")
COUNTS = {"core.json": 42, "options.json": 19, "errors.json": 9}

RunCli = Callable[..., subprocess.CompletedProcess[str]]

NOT_FITTING = {
    "empty_to_value": "jd's empty (void) document: nervsync reads files, and an empty file is an input error",
    "value_to_empty": "jd's empty (void) document: nervsync reads files, and an empty file is an input error",
    "path_options_set": "set semantics for one path only: nervsync's --ignore-order applies to every list "
                        "without a key (here `items` must stay ordered)",
    "path_options_precision": "precision for one path only: nervsync's --precision applies everywhere (here "
                              "`pressure` must stay exact)",
    "multiple_path_options": "set semantics and precision each for one path: nervsync's options are global, "
                             "and lists compared as multisets match items exactly",
    "precision_with_set_conflict": "jd refuses SET with precision; nervsync accepts --ignore-order with "
                                   "--precision (precision applies to ordered and keyed comparisons)",
    "precision_with_multiset_conflict": "jd refuses MULTISET with precision; nervsync accepts --ignore-order "
                                        "with --precision",
    "malformed_diff_syntax": "a patch in jd's own notation; nervsync applies RFC 6902 / RFC 7396 patches",
    "invalid_path_element": "a patch in jd's own notation; nervsync applies RFC 6902 / RFC 7396 patches",
    "patch_context_mismatch": "a patch in jd's own notation; nervsync applies RFC 6902 / RFC 7396 patches",
}

# jd's SET (duplicates collapse) maps to nervsync's multiset comparison; on these cases' inputs both
# give the same verdict, and a patch reaching B as a multiset reaches it as a set.
_SET_LIKE = ("SET", "MULTISET")
# Path options that do fit: switching a path off is --ignore, an allow-list of one path is --path, and
# set semantics for the only list of the document is --ignore-order.
_PATH_OPTIONS = {
    "diff_off_option": ["--ignore", "timestamp"],
    "diff_on_allowlist": ["--path", "important"],
    "path_options_nested": ["--ignore-order"],
}


def _cases() -> list[Any]:
    cases = []
    for name in FILES:
        path = SPEC / name
        if path.is_file():
            cases += [pytest.param(case, id=f"{path.stem}-{case['name']}")
                      for case in json.loads(path.read_text(encoding="utf-8"))]
    return cases


CASES = _cases()


def test_spec_is_complete() -> None:
    if not SPEC.is_dir():
        pytest.skip(f"conformance data absent: {SPEC}")
    for name, count in COUNTS.items():
        assert len(json.loads((SPEC / name).read_text(encoding="utf-8"))) == count
    names = {case.values[0]["name"] for case in CASES}
    assert set(NOT_FITTING) <= names


def _cli_options(case: dict[str, Any]) -> list[str]:
    if case["name"] in _PATH_OPTIONS:
        return _PATH_OPTIONS[case["name"]]
    args: list[str] = []
    for option in case.get("options") or []:
        if option in _SET_LIKE:
            args.append("--ignore-order")
        elif "precision" in option:
            # jd's precision p is a distance; nervsync's --precision N means closer than 10^-N.
            # jd's 0.1 is 10^-1; a negative distance maps to a negative N, which both refuse.
            assert option["precision"] in (0.1, -0.1), option
            args += ["--precision", "1" if option["precision"] > 0 else "-1"]
        elif "keys" in option:
            args += ["--key", ",".join(option["keys"])]
        else:
            raise AssertionError(f"unmapped jd option {option!r}")
    return args


def _library_options(args: list[str]) -> tuple[Any, Any]:
    """The same options, for the library's no-diff check."""
    def values(flag: str) -> list[str]:
        return [args[i + 1] for i, arg in enumerate(args) if arg == flag]

    precision = values("--precision")
    path = values("--path")
    options = diff_options(values("--key") or None, values("--ignore") or None, "--ignore-order" in args,
                           int(precision[0]) if precision else None)
    return options, parse_path(path[0]) if path else ()


def _differs(case: dict[str, Any]) -> bool:
    return bool(case.get("expected_output") or case.get("accepted_lines"))


@pytest.mark.parametrize("case", CASES)
def test_jd_case(case: dict[str, Any], tmp_path: Path, run_cli: RunCli) -> None:
    if case["name"] in NOT_FITTING:
        pytest.skip(NOT_FITTING[case["name"]])
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    # The documents as jd gives them, byte for byte: escapes, exponents and -0 included.
    a.write_text(case["content_a"], encoding="utf-8")
    b.write_text(case["content_b"], encoding="utf-8")
    args = _cli_options(case)
    made = run_cli("diff", str(a), str(b), "--output", "jsonpatch", *args)
    if case.get("expect_error"):
        assert made.returncode == 2, made.stdout
        assert len(made.stderr.splitlines()) == 1
        assert made.stderr.startswith("nervsync: error: ")
        return
    assert made.returncode == (1 if _differs(case) else 0), made.stderr
    operations = json.loads(made.stdout)
    if made.returncode == 0:
        return
    # The CLI's patch is applied in process (nervsync patch itself runs on every file pair and
    # conformance case in test_patch_cli.py): one subprocess per case keeps the suite short.
    options, path = _library_options(args)
    patched, expected = load_document(str(a)), load_document(str(b))
    patched = replace(patched, data=apply_json_patch(patched.data, operations))
    # jd's no-diff step: the patched document and B do not differ under the same options.
    assert not diff_documents(*as_streams(patched, expected), options, path).changes
    if not args:
        assert patched.data == expected.data
        assert json.dumps(patched.data) == json.dumps(expected.data)
