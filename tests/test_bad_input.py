"""Bad input through the real CLI: exit 2, exactly one line on stderr naming the file, no traceback."""

# mypy: allow-untyped-defs, allow-incomplete-defs
# (pyproject relaxes these for module "tests.*", which tests/ without __init__.py never is)

from __future__ import annotations

import re

import pytest

GOOD = {
    ".json": '{"records": [{"id": 1, "name": "web"}]}\n',
    ".yaml": "records:\n  - id: 1\n    name: web\n",
    ".csv": "id,name\n1,web\n",
}


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


# Every kind of bad input issue 2 names, through the CLI. (More variants of each are checked on
# the codecs directly in test_formats.py, without a process per case.)
# (file name, content, fragments the one error line must contain: file, position, what is wrong)
BAD_INPUTS = [
    pytest.param("target.json", '{\n  "a": 1,\n  "b": [1, 2,\n}\n', ["target.json:4:1:", "invalid JSON"],
                 id="malformed-json"),
    pytest.param("target.yaml", "a: 1\nb: [1, 2\n", [re.compile(r"target\.yaml:3:\d+: invalid YAML")],
                 id="malformed-yaml"),
    pytest.param("target.csv", 'id,name\n1,web\n2,"db\n', ["target.csv:3:", "invalid CSV"], id="csv-unclosed-quote"),
    pytest.param("target.csv", "id,name\n1,web\n2,db,extra\n", ["target.csv:3:", "3 cells", "header has 2"],
                 id="csv-ragged-row"),
    pytest.param("target.csv", "1,2\n3,4\n", ["target.csv:1:1:", "header"], id="csv-no-header"),
    pytest.param("target.json", "", ["target.json: file is empty"], id="empty-json"),
    pytest.param("target.yaml", "", ["target.yaml: file is empty"], id="empty-yaml"),
    pytest.param("target.csv", "", ["target.csv: file is empty"], id="empty-csv"),
    pytest.param("target.yaml", "# only a comment\n---\n", ["target.yaml:", "no YAML document"],
                 id="yaml-only-comments"),
    pytest.param("target.json", b'{"city": "Z\xfcrich"}', ["target.json:1:12:", "utf-8"], id="latin1-json"),
    pytest.param("target.csv", b"id,name\n1,M\xfcller\n", ["target.csv:2:4:", "utf-8"], id="latin1-csv"),
    pytest.param("target.json", '{"a": 1}'.encode("utf-16"), ["target.json:1:1:", "utf-8"], id="utf16-json"),
    pytest.param("target.json", '{\n  "a": {"x": 1,\n        "x": 2}\n}\n', ["target.json:2:8:", "duplicate key 'x'"],
                 id="json-duplicate-key"),
    pytest.param("target.yaml", "a: 1\nb:\n  c: 1\n  c: 2\n", ["target.yaml:4:3:", "duplicate key 'c'", "line 3"],
                 id="yaml-duplicate-key"),
    pytest.param("target.json", "id,name\n1,web\n", ["target.json:1:1:", "invalid JSON"], id="csv-text-in-json"),
    pytest.param("target.yaml", "id,name\n1,web\n2,db\n", ["target.yaml:", "plain string", "--target-format"],
                 id="csv-text-in-yaml"),
    pytest.param("target.yaml", "---\na: 1\n---\njust a sentence\n", ["target.yaml:", "document 2", "plain string"],
                 id="yaml-document-is-text"),
    pytest.param("target.csv", '{"id": 1, "name": "web"}\n', ["target.csv:1:1:", "looks like JSON"],
                 id="json-text-in-csv"),
    pytest.param("target.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["target.yaml:1:1:", "utf-8"],
                 id="binary-in-yaml"),
    pytest.param("target.yaml", _billion_laughs(), ["target.yaml:", "aliases expand", "refusing"],
                 id="billion-laughs"),
    pytest.param("target.yaml", "a: &a [1, *a]\n", ["target.yaml:", "recursive"], id="yaml-recursive-alias"),
    pytest.param("target.json", "[" * 100_000 + "]" * 100_000, ["target.json:", "nested too deeply"],
                 id="json-nested-too-deep"),
]


def _check(line: str, fragments: list[str | re.Pattern[str]]) -> None:
    for fragment in fragments:
        if isinstance(fragment, re.Pattern):
            assert fragment.search(line), (fragment.pattern, line)
        else:
            assert fragment in line, (fragment, line)


@pytest.mark.parametrize(("name", "content", "fragments"), BAD_INPUTS)
def test_bad_target(run_cli, tmp_path, one_line_error, name, content, fragments):
    target = tmp_path / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    source = tmp_path / f"source{target.suffix}"
    source.write_text(GOOD[target.suffix], encoding="utf-8")
    # Relative names, run from the folder: the message names the file as the user typed it.
    line = one_line_error(run_cli("diff", source.name, name, "-o", "json", cwd=tmp_path))
    assert line.startswith(f"nervsync: error: {name}")
    _check(line, fragments)


def test_bad_source_is_named_not_the_target(run_cli, write, one_line_error):
    source = write("left.json", '{"a": }')
    target = write("right.json", "{}")
    line = one_line_error(run_cli("diff", source, target))
    assert "left.json:1:7:" in line
    assert "right.json" not in line


def test_missing_file_directory_and_unknown_extension(run_cli, tmp_path, one_line_error):
    (tmp_path / "ok.json").write_text("{}")
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "notes.txt").write_text("a: 1\n")
    one_line_error(run_cli("diff", "ok.json", "missing.json", cwd=tmp_path), "missing.json", "no such file")
    one_line_error(run_cli("diff", "folder.json", "ok.json", cwd=tmp_path), "folder.json", "directory")
    one_line_error(run_cli("diff", "ok.json", "notes.txt", cwd=tmp_path), "notes.txt", "format")


def test_malformed_stdin_is_named_dash(run_cli, write, one_line_error):
    one_line_error(run_cli("diff", "-", write("t.json", "{}"), input='{"a": [1,'), "-:1:")


def test_input_error_with_detailed_exitcode_is_1(run_cli, write, one_line_error):
    one_line_error(run_cli("diff", write("a.json", "{}"), write("b.json", ""), "--detailed-exitcode"),
                   "b.json", code=1)


def test_documents_too_deep_to_compare(run_cli, write, one_line_error):
    # Deep enough for the walk, shallow enough for the parser: still a clean error, not a crash.
    depth = 900
    one_line_error(run_cli("diff", write("a.json", "[" * depth + "1" + "]" * depth),
                           write("b.json", "[" * depth + "2" + "]" * depth)), "nested too deeply")


def test_yaml_tags_never_construct_objects(run_cli, tmp_path):
    marker = tmp_path / "pwned"
    payload = f'a: !!python/object/apply:os.system ["touch {marker}"]\nb: !!python/name:os.system\n'
    (tmp_path / "evil.yaml").write_text(payload, encoding="utf-8")
    (tmp_path / "plain.yaml").write_text(f'a: ["touch {marker}"]\nb: ""\n', encoding="utf-8")
    result = run_cli("diff", "evil.yaml", "plain.yaml", cwd=tmp_path)
    assert not marker.exists()
    # Unknown tags build the plain value they decorate: the two files hold the same data.
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".csv"])
def test_bom_and_crlf_files_work(run_cli, tmp_path, suffix):
    plain = tmp_path / f"plain{suffix}"
    plain.write_text(GOOD[suffix], encoding="utf-8")
    windows = tmp_path / f"windows{suffix}"
    windows.write_bytes(b"\xef\xbb\xbf" + GOOD[suffix].replace("\n", "\r\n").encode("utf-8"))
    result = run_cli("diff", str(windows), str(plain))
    assert (result.returncode, result.stderr) == (0, ""), result.stdout


def test_errors_with_output_json_keep_stdout_empty(run_cli, write, one_line_error):
    # A script reading the JSON report must not get half a report when the input is bad.
    one_line_error(run_cli("diff", write("a.yaml", "a: 1\n"), write("b.yaml", "a: [\n"), "-o", "json"), "b.yaml")


def test_every_error_line_is_a_single_line_even_for_multiline_causes(run_cli, write):
    # A YAML error from libyaml spans several lines in its own str(); we print one.
    result = run_cli("diff", write("a.yaml", "a: 1\n"), write("b.yaml", "key: 'unterminated\n  more\n"))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1




def test_a_file_or_store_that_cannot_be_written_is_a_one_line_error(run_cli, write, one_line_error, tmp_path):
    source = write("a.json", '{"records": [{"id": 1, "v": 2}]}')
    target = write("b.json", '{"records": [{"id": 1, "v": 1}]}')
    before = (tmp_path / "b.json").read_bytes()
    nowhere = str(tmp_path / "missing" / "out.json")
    one_line_error(run_cli("sync", source, target, "--direction", "source-to-target", "--target-out", nowhere),
                   "out.json: cannot write", "No such file")
    # A file stands where the store's folder would be.
    one_line_error(run_cli("sync", source, target, "--state", str(tmp_path / "b.json" / "state.db")),
                   "state.db: cannot open the state store")
    assert (tmp_path / "b.json").read_bytes() == before
    # The events log too, found out before any file is written.
    one_line_error(run_cli("sync", source, target, "--no-state", "--events", nowhere), "out.json: cannot write")
    assert (tmp_path / "b.json").read_bytes() == before
