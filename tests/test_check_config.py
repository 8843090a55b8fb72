"""``nervsync.yaml`` / ``[tool.nervsync]``: loading, validation messages with lines, the JSON Schema (issue 7)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from nervsync_cli.config import CheckSpec, find_config, load_config
from nervsync_cli.errors import InputError, UsageError
from nervsync_cli.model import ConflictStrategy, Side, SyncDirection
from nervsync_cli.paths import parse_pattern

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
DRIFT = REPO / "fixtures" / "drift"
DOCS = REPO / "docs" / "check.md"

SMALLEST = """checks:
  - name: app
    source: desired/app.yaml
    target: deployed/app.yaml
"""


def _schema_errors(data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [error.message for error in validator.iter_errors(data)]


def _write(tmp_path: Path, text: str, name: str = "nervsync.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_smallest_config(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, SMALLEST))
    assert _schema_errors(yaml.safe_load(SMALLEST)) == []
    (check,) = config.checks
    assert (check.name, check.source, check.target) == ("app", "desired/app.yaml", "deployed/app.yaml")
    assert check.sync.direction is SyncDirection.SOURCE_TO_TARGET
    assert check.annotate is Side.TARGET
    assert config.root == tmp_path.resolve()
    assert config.accepted_path == tmp_path.resolve() / ".nervsync" / "accepted.json"


def test_fixture_config_is_valid_and_means_what_it_says() -> None:
    text = (DRIFT / "nervsync.yaml").read_text(encoding="utf-8")
    assert _schema_errors(yaml.safe_load(text)) == []
    config = load_config(DRIFT / "nervsync.yaml")
    checks = {check.name: check for check in config.checks}
    assert list(checks) == ["service", "settings", "manifests", "inventory"]
    service = checks["service"]
    assert [(rule.fields, rule.pattern) for rule in service.keys] == [(("name",), parse_pattern("upstreams"))]
    assert service.lists == ((parse_pattern("features"), True),)
    assert service.precisions == ((parse_pattern("limits.*"), 3),)
    assert checks["settings"].precision == 2
    assert checks["settings"].text == (parse_pattern("motd"),)
    manifests = checks["manifests"]
    assert manifests.sync.paths[0].pattern == parse_pattern("[*].metadata.annotations")
    assert manifests.sync.paths[0].strategy is ConflictStrategy.TARGET_WINS
    assert checks["inventory"].keys[0].fields == ("hostname",)
    assert service.line == _line_of(text, "- name: service")


def _docs_example() -> str:
    """The annotated example of docs/check.md: the YAML block after the "annotated example" heading."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Annotated example"):]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_documented_example_is_valid(tmp_path: Path) -> None:
    example = _docs_example()
    assert _schema_errors(yaml.safe_load(example)) == []
    config = load_config(_write(tmp_path, example))
    assert len(config.checks) >= 3


def test_documented_pyproject_example_is_valid(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"```toml\n(.*?)```", text, re.DOTALL)
    assert match is not None
    config = load_config(_write(tmp_path, match.group(1), "pyproject.toml"))
    (check,) = config.checks
    assert check.lists == ((parse_pattern("features"), True),)


def test_every_documented_setting_is_in_the_schema() -> None:
    """The schema and the loader agree on the names of settings (a typo in either is caught)."""
    from nervsync_cli import config as module

    check_props = set(SCHEMA["$defs"]["check"]["properties"])
    sync_props = set(SCHEMA["$defs"]["check"]["properties"]["sync"]["properties"])
    assert check_props == set(module._CHECK_KEYS)
    assert sync_props == set(module._SYNC_KEYS)
    assert set(SCHEMA["properties"]) == set(module._TOP_KEYS)


CHECK = "checks:\n  - name: app\n    source: a.yaml\n    target: b.yaml\n"

# (config text, text on the line the error names, fragment of the message, the schema rejects it too)
BAD: list[tuple[str, str, str, bool]] = [
    ("checks: []\n", "checks: []", "expected a non-empty list", True),
    ("chekcs:\n  - name: a\n", "chekcs:", "did you mean 'checks'", True),
    ("- just: a list\n", "- just", "expected a mapping, got a list", True),
    ("version: 2\n" + CHECK, "version: 2", "unsupported version 2", True),
    ("checks:\n  - name: app\n    source: a.yaml\n", "- name: app", "missing 'target'", True),
    ("checks:\n  - name: app\n    source: a.yaml\n    target: b.yaml\n    sorce: x\n", "sorce:",
     "unknown setting 'sorce' (did you mean 'source'?)", True),
    ("checks:\n  - name: 'bad name!'\n    source: a.yaml\n    target: b.yaml\n", "bad name", "bad check name", True),
    (CHECK + "    lists: sorted\n", "lists: sorted", 'expected "ordered" or "set", got \'sorted\'', True),
    (CHECK + "    lists:\n      spec.args: sorted\n", "spec.args: sorted", 'expected "ordered" or "set"', True),
    (CHECK + "    precision: 20\n", "precision: 20", "expected a whole number 0..15, got 20", True),
    (CHECK + "    precision:\n      limits.*: -1\n", "limits.*: -1", "0..15", True),
    (CHECK + "    ignore:\n      - ok.path\n      - 'records[id='\n", "records[id=", "bad path", False),
    (CHECK + "    key: {records: []}\n", "key:", "expected a field name or a list of them", True),
    (CHECK + "    annotate: both\n", "annotate: both", 'expected "source" or "target"', True),
    (CHECK + "    coerce: yes please\n", "coerce:", "expected true or false", True),
    (CHECK + "    source_format: xml\n", "source_format: xml", "expected", False),
    (CHECK + "    sync:\n      strategy: manual\n", "strategy: manual", "got 'manual'", True),
    (CHECK + "    sync:\n      direction: sideways\n", "direction: sideways", "source-to-target", True),
    (CHECK + "    sync:\n      max_deletes: -3\n", "max_deletes", "expected a whole number >= 0", True),
    (CHECK + "    sync:\n      paths:\n        '**.annotations': {direction: bidirectional}\n", "**.annotations",
     "a direction applies to one concrete path", False),
    (CHECK + "    sync:\n      paths:\n        metadata: sideways\n", "metadata: sideways", "target-wins", True),
    (CHECK + "  - name: app\n    source: c.yaml\n    target: d.yaml\n", "source: c.yaml",
     "duplicate check name 'app'", False),
    ("checks:\n  - name: app\n    source: 'a/*.yaml'\n    target: b.yaml\n", "target: b.yaml",
     "both be globs or both be files", False),
]


@pytest.mark.parametrize(("text", "needle", "fragment", "schema_rejects"), BAD,
                         ids=[f"{i}-{case[2][:30]}" for i, case in enumerate(BAD)])
def test_bad_configs_fail_with_the_line(tmp_path: Path, text: str, needle: str, fragment: str,
                                        schema_rejects: bool) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_config(path)
    error = caught.value
    expected = _line_of(text, needle) if needle != "source: c.yaml" else _line_of(text, "source: c.yaml") - 1
    assert error.line == expected, str(error)
    assert fragment in str(error)
    assert str(error).startswith(f"{path}:{expected}")
    if schema_rejects:
        assert _schema_errors(yaml.safe_load(text)), "the published schema should reject this config too"


def test_malformed_yaml_is_an_input_error_with_the_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_config(_write(tmp_path, "checks:\n  - name: [unclosed\n"))
    assert caught.value.line is not None


PYPROJECT = """[project]
name = "demo"

[tool.other]
x = 1

[[tool.nervsync.checks]]
name = "app"
source = "desired/app.yaml"
target = "deployed/app.yaml"

[[tool.nervsync.checks]]
name = "inventory"
source = "a.csv"
target = "b.csv"
key = "hostname"

[tool.nervsync.checks.sync]
direction = "bidirectional"
strategy = "last-update-wins"
"""


def test_pyproject_section(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, PYPROJECT, "pyproject.toml"))
    assert [check.name for check in config.checks] == ["app", "inventory"]
    inventory: CheckSpec = config.checks[1]
    assert inventory.sync.direction is SyncDirection.BIDIRECTIONAL
    assert inventory.sync.strategy is ConflictStrategy.LAST_UPDATE_WINS
    assert inventory.line == _line_of(PYPROJECT, 'name = "inventory"') - 1


@pytest.mark.parametrize(("bad_line", "fragment"), [
    ('strategy = "newest"', "got 'newest'"),
    ('key = 7', "expected a field, a list"),
])
def test_pyproject_errors_name_the_line(tmp_path: Path, bad_line: str, fragment: str) -> None:
    setting = bad_line.split(" = ")[0]
    text = re.sub(rf"^{setting} = .*$", bad_line, PYPROJECT, count=1, flags=re.MULTILINE)
    path = _write(tmp_path, text, "pyproject.toml")
    with pytest.raises(InputError) as caught:
        load_config(path)
    assert caught.value.line == _line_of(text, bad_line)
    assert fragment in str(caught.value)


def test_find_config_prefers_nervsync_yaml(tmp_path: Path) -> None:
    _write(tmp_path, PYPROJECT, "pyproject.toml")
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    _write(tmp_path, SMALLEST)
    assert find_config(tmp_path) == tmp_path / "nervsync.yaml"


def test_find_config_ignores_a_pyproject_without_the_section(tmp_path: Path) -> None:
    _write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml")
    with pytest.raises(UsageError, match="--config FILE"):
        find_config(tmp_path)


def test_unknown_check_name_suggests_the_closest(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, SMALLEST))
    with pytest.raises(UsageError, match=r"no check named 'ap' .*did you mean 'app'"):
        config.select(["ap"])
