"""``nervsync diff`` end to end: the real CLI in a subprocess on real files (issue 2).

Library-level properties live in test_diff_properties.py; bad inputs in test_bad_input.py.
"""

# mypy: allow-untyped-defs, allow-incomplete-defs
# (pyproject relaxes these for module "tests.*", which tests/ without __init__.py never is)

from __future__ import annotations

import csv
import io
import json
import os
import pty
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from nervsync_cli.paths import Field, Index, Match, parse_path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = REPO / "fixtures"
SCHEMA = REPO / "schemas" / "diff.schema.json"
DYFF = SHARED / "conformance" / "dyff-assets"
REAL_WORLD = SHARED / "conformance" / "real-world"

ANSI = re.compile(r"\x1b\[")


def _changes(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(change["kind"], change["path"]) for change in report["changes"]]


def _validate(report: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)


def _dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _dump_yaml(data: Any, *, multi: bool = False) -> str:
    if multi:
        return yaml.safe_dump_all(data, sort_keys=False, allow_unicode=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# --------------------------------------------------------------------------------------------
# The generated 1,000-record data: counts match truth.json, reordering and format do not matter.
# --------------------------------------------------------------------------------------------


def _leaf_name(path: str, csv_format: bool) -> str:
    """The truth.json leaf a change falls in: a CSV column, or location.<key>, tags, notes, ..."""
    segments = parse_path(path)
    fields = []
    for segment in segments[1:] if csv_format else segments[2:]:
        if not isinstance(segment, Field):
            break
        fields.append(segment.name)
    return ".".join(fields[:2] if fields[:1] == ["location"] else fields[:1])


@pytest.mark.parametrize("fmt", ["json", "yaml", "csv"])
def test_generated_pairs_match_truth(run_cli, bench_data, report, fmt):
    truth = json.loads((bench_data / "truth.json").read_text(encoding="utf-8"))
    result = run_cli("diff", str(bench_data / f"source.{fmt}"), str(bench_data / f"target.{fmt}"), "-o", "json")
    assert result.returncode == 1, result.stderr
    # On a pipe: no progress display, and ids were found, so no warning either.
    assert result.stderr == ""
    out = report(result)
    _validate(out)
    assert {k: out["summary"][k] for k in ("added", "removed", "changed")} == {
        k: truth[k] for k in ("added", "removed", "changed")
    }
    # Beyond the counts: the changed leaves (field, location.<key>, whole tags list, notes) of each
    # changed record are exactly the generator's.
    csv_format = fmt == "csv"
    depth = 1 if csv_format else 2  # a record is [id=…] in a CSV, records[id=…] otherwise
    leaves = {
        (parse_path(c["path"])[:depth], _leaf_name(c["path"], csv_format))
        for c in out["changes"] if len(parse_path(c["path"])) > depth
    }
    assert Counter(name for _, name in leaves) == Counter(truth["changed_by_field"])
    assert all(c["path"].startswith("[id=" if csv_format else "records[id=") for c in out["changes"])


def test_generated_pair_across_formats(run_cli, bench_data, report):
    truth = json.loads((bench_data / "truth.json").read_text(encoding="utf-8"))
    result = run_cli("diff", str(bench_data / "source.yaml"), str(bench_data / "target.json"), "-o", "json")
    assert result.returncode == 1
    assert [report(result)["summary"][k] for k in ("added", "removed", "changed")] == [
        truth["added"], truth["removed"], truth["changed"]
    ]


def _shuffled(data: dict[str, Any], seed: int) -> dict[str, Any]:
    """Records in another order, and every record's keys (and nested keys) in reverse order."""
    rng = random.Random(seed)
    records = [
        {key: (dict(reversed(value.items())) if isinstance(value, dict) else value)
         for key, value in reversed(record.items())}
        for record in data["records"]
    ]
    rng.shuffle(records)
    return {"records": records}


def test_generated_data_reordered_or_reformatted_is_equal(run_cli, bench_data, write):
    source = json.loads((bench_data / "source.json").read_text(encoding="utf-8"))
    shuffled = _shuffled(source, seed=7)
    assert [r["id"] for r in shuffled["records"]] != [r["id"] for r in source["records"]]
    assert list(shuffled["records"][0]) != list(source["records"][0])
    shuffled_json = write("shuffled.json", _dump_json(shuffled))
    shuffled_yaml = write("shuffled.yaml", _dump_yaml(shuffled))
    pairs = [
        (str(bench_data / "source.json"), shuffled_json),          # records shuffled, keys reordered
        (shuffled_yaml, str(bench_data / "source.json")),          # ... and YAML against JSON
        (str(bench_data / "source.yaml"), str(bench_data / "source.json")),  # same data, two formats
        (str(bench_data / "target.json"), str(bench_data / "target.yaml")),
    ]
    for left, right in pairs:
        result = run_cli("diff", left, right)
        assert result.returncode == 0, (left, right, result.stdout[:2000], result.stderr)
        assert result.stdout.strip() == "no differences"
        assert result.stderr == ""


def test_generated_csv_rows_and_columns_shuffled_is_equal(run_cli, bench_data, write):
    with open(bench_data / "source.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    order = list(reversed(range(len(header))))  # columns in reverse order
    random.Random(3).shuffle(body)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # and CRLF line ends, as Excel writes them
    writer.writerow([header[i] for i in order])
    writer.writerows([[row[i] for i in order] for row in body])
    result = run_cli("diff", str(bench_data / "source.csv"), write("shuffled.csv", out.getvalue()))
    assert result.returncode == 0, result.stdout[:2000]


# --------------------------------------------------------------------------------------------
# Kubernetes: lists matched by name, multi-document streams matched by kind and metadata.name.
# --------------------------------------------------------------------------------------------


def test_k8s_fixtures_changed_image_is_one_change(run_cli, report):
    result = run_cli("diff", str(FIXTURES / "k8s-desired.yaml"), str(FIXTURES / "k8s-deployed.yaml"), "-o", "json")
    assert result.returncode == 1
    out = report(result)
    _validate(out)
    doc = "[kind=Deployment,metadata.name=web]"
    containers = f"{doc}.spec.template.spec.containers"
    # Documents, containers and env entries are reordered in the deployed file; none of that shows.
    assert sorted(_changes(out)) == sorted([
        ("added", f"{doc}.metadata.annotations"),
        ("changed", f"{containers}[name=web].image"),
        ("changed", f"{containers}[name=web].env[name=LOG_LEVEL].value"),
    ])
    image = next(c for c in out["changes"] if c["path"].endswith(".image"))
    assert image == {
        "kind": "changed", "path": f"{containers}[name=web].image",
        "source": "registry.example.com/web:1.4.2", "target": "registry.example.com/web:1.5.0",
    }
    assert out["summary"] == {"added": 0, "removed": 0, "changed": 1, "changes": 3}


def test_patterns_apply_relative_to_each_document_of_a_stream(run_cli, report):
    desired, deployed = str(FIXTURES / "k8s-desired.yaml"), str(FIXTURES / "k8s-deployed.yaml")
    # As for a one-document file: no need to spell out the document's identity.
    ignored = report(run_cli("diff", desired, deployed, "--ignore", "metadata.annotations",
                             "--ignore", "spec.template.spec.containers[*].env", "-o", "json"))
    assert _changes(ignored) == [
        ("changed", "[kind=Deployment,metadata.name=web].spec.template.spec.containers[name=web].image")]
    # --key PATH=FIELD likewise: containers keyed by image, so a new image is a different container.
    by_image = report(run_cli("diff", desired, deployed, "--key", "spec.template.spec.containers=image",
                              "--ignore", "metadata", "-o", "json"))
    containers = "[kind=Deployment,metadata.name=web].spec.template.spec.containers"
    assert _changes(by_image) == [
        ("removed", f"{containers}[image=registry.example.com/web:1.4.2]"),
        ("added", f"{containers}[image=registry.example.com/web:1.5.0]"),
    ]


def _deployment(image: str, env: list[dict[str, Any]], ports: list[dict[str, Any]],
                containers_first: bool = True) -> dict[str, Any]:
    app = {"name": "app", "image": image, "env": env, "ports": ports}
    sidecar = {"name": "sidecar", "image": "envoy:1.29", "ports": [{"name": "admin", "containerPort": 9901}]}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "shop"},
        "spec": {"template": {"spec": {"containers": [app, sidecar] if containers_first else [sidecar, app]}}},
    }


def test_k8s_lists_matched_by_name_without_flags(run_cli, write, report):
    env = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]
    ports = [{"name": "http", "containerPort": 8080}, {"name": "grpc", "containerPort": 9090}]
    source = _deployment("shop:1.0", env, ports)
    # Same containers, env and ports in other orders; one image changed, one env value changed,
    # one port added.
    target = _deployment(
        "shop:1.1",
        [{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "B", "value": "20"}],
        [{"name": "metrics", "containerPort": 9100}, *reversed(ports)],
        containers_first=False,
    )
    result = run_cli("diff", write("a.yaml", _dump_yaml(source)), write("b.json", _dump_json(target)), "-o", "json")
    assert result.returncode == 1
    c = "spec.template.spec.containers"
    assert _changes(report(result)) == [
        ("changed", f"{c}[name=app].image"),
        ("changed", f"{c}[name=app].env[name=B].value"),
        ("added", f"{c}[name=app].ports[name=metrics]"),
    ]


def test_k8s_kind_list_items_matched_by_metadata_name(run_cli, write, report):
    def pod(name: str, label: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"tier": label}}}

    source = {"kind": "List", "items": [pod("p1", "web"), pod("p2", "db")]}
    target = {"kind": "List", "items": [pod("p2", "cache"), pod("p1", "web")]}
    result = run_cli("diff", write("a.yaml", _dump_yaml(source)), write("b.yaml", _dump_yaml(target)), "-o", "json")
    assert _changes(report(result)) == [("changed", "items[kind=Pod,metadata.name=p2].metadata.labels.tier")]


def test_multi_document_streams_pair_documents_by_identity(run_cli, write, report):
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "ClusterIP"}}
    same_name = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}, "data": {}}
    source = write("a.yaml", _dump_yaml([config, service, same_name], multi=True))
    reordered = write("b.yaml", _dump_yaml([same_name, config, service], multi=True))
    assert run_cli("diff", source, reordered).returncode == 0
    changed = write("c.yaml", _dump_yaml([service, {**config, "data": {"a": "2"}}], multi=True))
    result = run_cli("diff", source, changed, "-o", "json")
    assert _changes(report(result)) == [
        ("changed", "[kind=ConfigMap,metadata.name=cfg].data.a"),
        ("removed", "[kind=ConfigMap,metadata.name=web]"),
    ]


def test_multi_document_streams_without_identity_pair_by_position(run_cli, write, report):
    source = write("a.yaml", "---\nx: 1\n---\nx: 2\n---\nx: 3\n")
    target = write("b.yaml", "---\nx: 1\n---\nx: 20\n---\nx: 3\n")
    result = run_cli("diff", source, target, "-o", "json")
    assert _changes(report(result)) == [("changed", "[1].x")]


def test_single_document_against_stream_is_one_document_stream(run_cli, write, report):
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "shop"}, "spec": {"replicas": 2}}
    stream = write("stream.yaml", _dump_yaml([namespace, deployment], multi=True))
    single = write("single.yaml", _dump_yaml({**deployment, "spec": {"replicas": 3}}))
    result = run_cli("diff", stream, single, "-o", "json")
    assert _changes(report(result)) == [
        ("removed", "[kind=Namespace,metadata.name=shop]"),
        ("changed", "[kind=Deployment,metadata.name=shop].spec.replicas"),
    ]


# --------------------------------------------------------------------------------------------
# Identity: auto-detection, --key in its three forms, duplicates, CSV rows.
# --------------------------------------------------------------------------------------------


def test_auto_detected_keys(run_cli, write, report):
    # One list per identity field; each list is reordered, loses a, changes b and gains d.
    fields = ["id", "key", "name", "uuid"]
    source = {f"by_{f}": [{f: "a", "v": 1}, {f: "b", "v": 2}, {f: "c", "v": 3}] for f in fields}
    target = {f"by_{f}": [{f: "c", "v": 3}, {f: "b", "v": 5}, {f: "d", "v": 4}] for f in fields}
    result = run_cli("diff", write("a.json", _dump_json(source)), write("b.json", _dump_json(target)), "-o", "json")
    assert _changes(report(result)) == [
        change for f in fields
        for change in [("removed", f"by_{f}[{f}=a]"), ("changed", f"by_{f}[{f}=b].v"), ("added", f"by_{f}[{f}=d]")]
    ]


def test_auto_detection_skips_fields_not_unique_or_not_everywhere(run_cli, write, report):
    # id is missing from one item, name repeats: uuid is the first field that identifies the items.
    source = {"items": [{"id": 1, "name": "x", "uuid": "u1", "v": 1}, {"name": "x", "uuid": "u2", "v": 2}]}
    target = {"items": [{"name": "x", "uuid": "u2", "v": 3}, {"id": 1, "name": "x", "uuid": "u1", "v": 1}]}
    result = run_cli("diff", write("a.json", _dump_json(source)), write("b.json", _dump_json(target)), "-o", "json")
    assert _changes(report(result)) == [("changed", "items[uuid=u2].v")]


def test_key_option_forms(run_cli, write, report):
    source = {
        "parts": [{"sku": "s1", "qty": 1}, {"sku": "s2", "qty": 2}],
        "hosts": [{"region": "eu", "host": "web", "cpu": 2}, {"region": "us", "host": "web", "cpu": 2}],
    }
    target = {
        "parts": [{"sku": "s2", "qty": 2}, {"sku": "s1", "qty": 9}],
        "hosts": [{"region": "us", "host": "web", "cpu": 2}, {"region": "eu", "host": "web", "cpu": 4}],
    }
    a, b = write("a.json", _dump_json(source)), write("b.json", _dump_json(target))

    # No identity field: the lists are aligned in order, so a swap looks like edits.
    unkeyed = _changes(report(run_cli("diff", a, b, "-o", "json")))
    assert all(re.search(r"\[\d+\]", path) for _, path in unkeyed)

    # --key FIELD: every list whose items all carry the field.
    keyed = report(run_cli("diff", a, b, "--key", "sku", "-o", "json"))
    assert ("changed", "parts[sku=s1].qty") in _changes(keyed)

    # --key PATH=FIELD for one list, composite --key PATH=a,b for another.
    both = report(run_cli("diff", a, b, "--key", "parts=sku", "--key", "hosts=region,host", "-o", "json"))
    assert _changes(both) == [("changed", "parts[sku=s1].qty"), ("changed", "hosts[region=eu,host=web].cpu")]
    assert both["changes"][1]["source"] == 2
    assert both["changes"][1]["target"] == 4


def test_duplicate_explicit_key_is_an_input_error(run_cli, write, one_line_error):
    source = write("a.json", _dump_json({"parts": [{"sku": "s1"}]}))
    target = write("b.json", _dump_json({"parts": [{"sku": "s1"}, {"sku": "s2"}, {"sku": "s1", "qty": 2}]}))
    line = one_line_error(run_cli("diff", source, target, "--key", "parts=sku"), "b.json", "sku=s1", "[0]", "[2]")
    assert "duplicate" in line
    # terraform's convention: an error is 1 there.
    one_line_error(run_cli("diff", source, target, "--key", "sku", "--detailed-exitcode"), "sku=s1", code=1)


def test_explicit_key_missing_from_an_item_is_an_input_error(run_cli, write, one_line_error):
    source = write("a.json", _dump_json({"parts": [{"sku": "s1"}, {"name": "no sku"}]}))
    target = write("b.json", _dump_json({"parts": []}))
    one_line_error(run_cli("diff", source, target, "--key", "parts=sku"), "a.json", "sku")


def test_csv_rows_keyed_by_id_column(run_cli, write, report):
    source = write("a.csv", "name,id,port\nweb,1,80\ndb,2,5432\ncache,3,6379\n")
    target = write("b.csv", "id,name,port\n3,cache,6379\n1,web,8080\n4,queue,5672\n")
    result = run_cli("diff", source, target, "-o", "json")
    assert _changes(report(result)) == [("changed", "[id=1].port"), ("removed", "[id=2]"), ("added", "[id=4]")]
    assert result.stderr == ""


def test_csv_without_key_column_matches_rows_by_number_with_a_warning(run_cli, write, report):
    source = write("a.csv", "host,port\nweb,80\ndb,5432\n")
    target = write("b.csv", "host,port\nweb,80\ndb,5433\n")
    result = run_cli("diff", source, target, "-o", "json")
    assert result.returncode == 1
    assert _changes(report(result)) == [("changed", "[1].port")]
    assert report(result)["warnings"]
    assert result.stderr.startswith("nervsync: warning: ")
    assert "--key" in result.stderr
    quiet = run_cli("diff", source, target, "--quiet")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (1, "", "")
    # Naming the column removes the guesswork, and the warning.
    keyed = run_cli("diff", source, target, "--key", "host", "-o", "json")
    assert _changes(report(keyed)) == [("changed", "[host=db].port")]
    assert keyed.stderr == ""


def test_csv_compares_with_a_json_export_when_coerced(run_cli, write, report):
    table = "id,name,port,enabled,weight,comment\n1,web,80,true,0.5,\n2,db,5432,false,1.25,primary\n"
    export = [
        {"id": 2, "name": "db", "port": 5432, "enabled": False, "weight": 1.25, "comment": "primary"},
        {"id": 1, "name": "web", "port": 80, "enabled": True, "weight": 0.5, "comment": None},
    ]
    a, b = write("table.csv", table), write("export.json", _dump_json(export))
    assert run_cli("diff", a, b, "--coerce").returncode == 0
    # Without --coerce every cell is a string: rows still match by id, but values differ in type.
    plain = report(run_cli("diff", a, b, "-o", "json"))
    port = next(c for c in plain["changes"] if c["path"] == "[id=1].port")
    assert (port["source"], port["target"]) == ("80", 80)
    assert ("changed", "[id=1].comment") in _changes(plain)  # "" is not null unless coerced


def test_tsv_and_semicolon_csv_are_sniffed(run_cli, write):
    tsv = write("a.tsv", "id\tname\n1\tweb\n2\tdb\n")
    semicolons = write("b.csv", "id;name\n2;db\n1;web\n")
    assert run_cli("diff", tsv, semicolons).returncode == 0


def test_scalar_lists_insertions_are_found_not_cascaded(run_cli, write, report):
    source = write("a.yaml", "args: [--a, --b, --c, --d, --e]\n")
    target = write("b.yaml", "args: [--a, --inserted, --b, --c, --e]\n")
    assert _changes(report(run_cli("diff", source, target, "-o", "json"))) == [
        ("added", "args[1]"), ("removed", "args[3]"),
    ]


def test_ignore_order_compares_scalar_lists_as_sets(run_cli, write, report):
    source = write("a.json", '{"tags": ["a", "b", "c"], "ports": [1, 2]}')
    reordered = write("b.json", '{"tags": ["c", "a", "b"], "ports": [2.0, 1]}')
    assert run_cli("diff", source, reordered, "-o", "json").returncode == 1
    assert run_cli("diff", source, reordered, "--ignore-order").returncode == 0
    changed = write("c.json", '{"tags": ["c", "x", "a"], "ports": [2, 1]}')
    result = report(run_cli("diff", source, changed, "--ignore-order", "-o", "json"))
    assert [(c["kind"], c.get("source", c.get("target"))) for c in result["changes"]] == [
        ("removed", "b"), ("added", "x"),
    ]


# --------------------------------------------------------------------------------------------
# --path, --ignore, --precision, --quiet
# --------------------------------------------------------------------------------------------


def test_path_limits_the_diff_to_a_subtree(run_cli, report):
    source, target = str(FIXTURES / "inventory-source.yaml"), str(FIXTURES / "inventory-target.json")
    whole = report(run_cli("diff", source, target, "-o", "json"))
    record = "records[id=fw-fra-01]"
    sub = report(run_cli("diff", source, target, "--path", record, "-o", "json"))
    expected = [change for change in whole["changes"] if change["path"].startswith(record)]
    assert expected
    assert sub["changes"] == expected
    deeper = report(run_cli("diff", source, target, "--path", f"{record}.location", "-o", "json"))
    assert _changes(deeper) == [("changed", f"{record}.location.rack")]


def test_path_that_exists_nowhere_is_a_usage_error(run_cli, one_line_error):
    source, target = str(FIXTURES / "inventory-source.yaml"), str(FIXTURES / "inventory-target.json")
    one_line_error(run_cli("diff", source, target, "--path", "records[id=nope]"), "records[id=nope]")
    one_line_error(run_cli("diff", source, target, "--path", "records[id="), "bad path", "column")


def test_ignore_patterns_are_repeatable_globs(run_cli, write, report):
    source = {"meta": {"generated": "mon", "checksum": "1"},
              "items": [{"id": 1, "updated": "mon", "v": 1, "deep": {"checksum": "a"}}]}
    target = {"meta": {"generated": "tue", "checksum": "2"},
              "items": [{"id": 1, "updated": "tue", "v": 2, "deep": {"checksum": "b"}}]}
    a, b = write("a.json", _dump_json(source)), write("b.json", _dump_json(target))
    assert len(report(run_cli("diff", a, b, "-o", "json"))["changes"]) == 5
    result = run_cli("diff", a, b, "--ignore", "meta.gen*", "--ignore", "items[*].updated",
                     "--ignore", "**.checksum", "-o", "json")
    assert _changes(report(result)) == [("changed", "items[id=1].v")]
    everything = run_cli("diff", a, b, "--ignore", "meta", "--ignore", "items[id=1]")
    assert everything.returncode == 0


def test_precision(run_cli, write):
    a = write("a.json", '{"load": 0.30000000000000004, "ratio": 1.0001}')
    b = write("b.yaml", "load: 0.3\nratio: 1.0002\n")
    assert run_cli("diff", a, b).returncode == 1
    assert run_cli("diff", a, b, "--precision", "6").returncode == 1
    assert run_cli("diff", a, b, "--precision", "3").returncode == 0


def test_quiet_prints_nothing(run_cli):
    result = run_cli("diff", str(FIXTURES / "k8s-desired.yaml"), str(FIXTURES / "k8s-deployed.yaml"), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------

INVENTORY = (str(FIXTURES / "inventory-source.yaml"), str(FIXTURES / "inventory-target.json"))


def test_table_groups_changes_by_record_and_ends_with_the_summary(run_cli):
    result = run_cli("diff", "fixtures/inventory-source.yaml", "fixtures/inventory-target.json", cwd=REPO)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "1 added, 1 removed, 2 changed records (5 changes)"
    assert "inventory-source.yaml → " in lines[0]
    # fw-fra-01 has two changed fields: its record name is printed once, on the first of its rows.
    assert result.stdout.count("records[id=fw-fra-01]") == 1
    row_os = next(i for i, line in enumerate(lines) if "os_version" in line)
    row_rack = next(i for i, line in enumerate(lines) if "location.rack" in line)
    assert "records[id=fw-fra-01]" in lines[row_os]
    assert row_rack == row_os + 1
    assert '"11.1.2-h3" → "11.0.4"' in lines[row_os]
    assert not ANSI.search(result.stdout)  # a pipe gets plain text


def test_summary_output(run_cli):
    result = run_cli("diff", *INVENTORY, "-o", "summary")
    assert (result.returncode, result.stdout) == (1, "1 added, 1 removed, 2 changed records (5 changes)\n")
    same = run_cli("diff", INVENTORY[0], INVENTORY[0], "-o", "summary")
    assert (same.returncode, same.stdout) == (0, "no differences\n")


def test_json_and_yaml_reports(run_cli, report):
    as_json = run_cli("diff", *INVENTORY, "-o", "json")
    as_yaml = run_cli("diff", *INVENTORY, "-o", "yaml")
    out = report(as_json)
    assert yaml.safe_load(as_yaml.stdout) == out
    assert out["schema_version"] == 1
    assert out["summary"] == {"added": 1, "removed": 1, "changed": 2, "changes": 5}
    by_path = {change["path"]: change for change in out["changes"]}
    # added = only in TARGET (a target value, no source); removed = only in SOURCE.
    assert set(by_path["records[id=rtr-waw-01]"]) == {"kind", "path", "target"}
    assert by_path["records[id=rtr-waw-01]"]["kind"] == "added"
    assert set(by_path["records[id=lb-lon-02]"]) == {"kind", "path", "source"}
    assert by_path["records[id=lb-lon-02]"]["kind"] == "removed"
    assert by_path["records[id=fw-fra-01].location.rack"] == {
        "kind": "changed", "path": "records[id=fw-fra-01].location.rack", "source": "R03", "target": "R04",
    }


def test_reports_validate_against_the_schema(run_cli, write, report):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    outputs = [
        run_cli("diff", *INVENTORY, "-o", "json"),
        run_cli("diff", INVENTORY[0], INVENTORY[0], "-o", "json"),
        run_cli("diff", write("a.csv", "host,port\nweb,\n"), write("b.csv", "host,port\nweb,80\ndb,1\n"),
                "--coerce", "-o", "json"),  # nulls, and a warning
        run_cli("diff", write("c.json", '{"a": [1, {"b": null}]}'), write("d.json", '[1]'), "-o", "json"),
        # YAML numbers JSON cannot spell: the report must still be strict JSON.
        run_cli("diff", write("e.yaml", "a: .nan\nb: .inf\n"), write("f.yaml", "a: 1\nb: -.inf\n"), "-o", "json"),
    ]

    def strict(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    reports = [json.loads(result.stdout, parse_constant=strict) for result in outputs]
    reports.append(yaml.safe_load(run_cli("diff", *INVENTORY, "-o", "yaml").stdout))
    for out in reports:
        _validate(out)
    assert reports[2]["warnings"]
    # The schema is strict enough to catch a wrong report.
    broken = json.loads(json.dumps(reports[0]))
    changed = next(c for c in broken["changes"] if c["kind"] == "changed")
    del changed["target"]
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken)


def _run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal, as a person at a shell would."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "nervsync_cli", *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
        env=env, close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_colour_flags_and_no_color(run_cli, cli_environment):
    forced = run_cli("diff", *INVENTORY, "--color")
    assert ANSI.search(forced.stdout)
    forced_over_env = run_cli("diff", *INVENTORY, "--color", env={"NO_COLOR": "1"})
    assert ANSI.search(forced_over_env.stdout)
    assert not ANSI.search(run_cli("diff", *INVENTORY, "--no-color").stdout)

    terminal = cli_environment({"TERM": "xterm-256color", "COLUMNS": "160"})
    code, on_terminal = _run_on_terminal(["diff", *INVENTORY], terminal)
    assert code == 1
    assert ANSI.search(on_terminal)
    code, no_color = _run_on_terminal(["diff", *INVENTORY], {**terminal, "NO_COLOR": "1"})
    assert code == 1
    assert not ANSI.search(no_color)
    assert "records[id=fw-fra-01]" in no_color
    code, off = _run_on_terminal(["diff", *INVENTORY, "--no-color"], terminal)
    assert code == 1
    assert not ANSI.search(off)


# --------------------------------------------------------------------------------------------
# Exit codes, stdin, format options
# --------------------------------------------------------------------------------------------


def test_exit_codes_and_detailed_exitcode(run_cli, write):
    same = (INVENTORY[0], INVENTORY[0])
    bad = (INVENTORY[0], write("bad.json", "{"))
    assert [run_cli("diff", *pair).returncode for pair in (same, INVENTORY, bad)] == [0, 1, 2]
    # terraform's convention: 0 none, 2 differences, 1 error.
    detailed = [run_cli("diff", *pair, "--detailed-exitcode").returncode for pair in (same, INVENTORY, bad)]
    assert detailed == [0, 2, 1]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["diff", "a.json", "b.json", "--no-such-flag"], "--no-such-flag"),
        (["diff", "a.json"], "target"),
        (["diff", "a.json", "b.json", "--output", "xml"], "xml"),
        (["diff", "a.json", "b.json", "--precision", "-1"], "--precision"),
        (["diff", "a.json", "b.json", "--source-format", "toml"], "toml"),
        (["diff", "a.json", "b.json", "--key", "parts="], "--key"),
        (["diff", "a.json", "b.json", "--ignore", "a[b"], "bad path"),
        (["no-such-command"], "no-such-command"),
    ],
)
def test_usage_errors_exit_2_with_one_line(run_cli, tmp_path, one_line_error, args, fragment):
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "b.json").write_text("{}")
    one_line_error(run_cli(*args, cwd=tmp_path), fragment)


def test_usage_error_with_detailed_exitcode_is_1(run_cli, one_line_error):
    one_line_error(run_cli("diff", *INVENTORY, "--detailed-exitcode", "--bogus"), "--bogus", code=1)


_CRASHING_COMMAND = """
import sys
import typer
from nervsync_cli.cli.app import app, main

@app.command()
def explode(
    detailed_exitcode: bool = typer.Option(False, "--detailed-exitcode"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    raise ZeroDivisionError("a bug, not a user error")

main(sys.argv[1:])
"""


def test_unexpected_crash_is_one_line_and_never_exit_1(cli_environment):
    # A command added through the public typer app raises a plain exception: the crash path of the
    # real entry point, without patching any of nervsync's code.
    def crash(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", _CRASHING_COMMAND, "explode", *flags], capture_output=True,
                              text=True, env=cli_environment(None), timeout=120, check=False)

    for flags in ((), ("--detailed-exitcode",)):
        result = crash(*flags)
        # Never what "differences" means: 1, or 2 with --detailed-exitcode.
        assert result.returncode >= 2, flags
        assert result.returncode != (2 if flags else 1), flags
        assert "Traceback" not in result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("nervsync: error: ")
        assert "ZeroDivisionError" in lines[0]
    debug = crash("--debug")
    assert debug.returncode == crash().returncode
    assert "Traceback" in debug.stderr
    assert "ZeroDivisionError" in debug.stderr


def test_stdin_json_yaml_and_csv(run_cli, write):
    target = write("t.json", '{"records": [{"id": 1, "v": "a"}]}')
    assert run_cli("diff", "-", target, input='{"records": [{"id": 1, "v": "a"}]}').returncode == 0
    # No extension on stdin: JSON or YAML is told from the text.
    assert run_cli("diff", "-", target, input="records:\n  - id: 1\n    v: a\n").returncode == 0
    assert run_cli("diff", target, "-", input="records:\n  - {id: 1, v: b}\n").returncode == 1
    table = write("t.csv", "id,v\n1,a\n")
    assert run_cli("diff", "-", table, "--source-format", "csv", input="v,id\na,1\n").returncode == 0


def test_stdin_on_both_sides_is_a_usage_error(run_cli, one_line_error):
    one_line_error(run_cli("diff", "-", "-", input="{}"), "standard input")


def test_format_options_override_the_extension(run_cli, write, one_line_error):
    yaml_in_txt = write("desired.txt", "a: 1\nlist: [x, y]\n")
    json_in_conf = write("live.conf", '{"list": ["x", "y"], "a": 1}')
    one_line_error(run_cli("diff", yaml_in_txt, json_in_conf), "desired.txt", "--source-format")
    result = run_cli("diff", yaml_in_txt, json_in_conf, "--source-format", "yaml", "--target-format", "json")
    assert result.returncode == 0
    # The override wins over a misleading extension too.
    tsv_named_csv = write("tabs.csv", "id\tv\n1\ta\n")
    json_doc = write("rows.json", '[{"id": "1", "v": "a"}]')
    assert run_cli("diff", tsv_named_csv, json_doc, "--source-format", "tsv").returncode == 0


# --------------------------------------------------------------------------------------------
# Conformance material: dyff's pairs and real-world files.
# --------------------------------------------------------------------------------------------


def _dyff_pairs() -> list[Any]:
    index = DYFF / "pairs.json"
    if not index.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{index} not found"), id="absent")]
    pairs = json.loads(index.read_text(encoding="utf-8"))["pairs"]
    return [pytest.param(pair, id=pair["id"]) for pair in pairs]


def _assert_clean_run(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("nervsync: error: ")
    else:
        assert result.returncode in (0, 1), result.stderr


# What dyff's own expected output (dyff.expected / *.human) says about a few pairs, in our paths.
DYFF_EXPECTED: dict[str, list[tuple[str, str]]] = {
    "kubernetes/multi-docs-file-level": [
        ("added", "[kind=Service,metadata.name=foo].metadata.annotations"),
        ("removed", "[kind=Service,metadata.name=foo-2]"),
        ("added", "[kind=Service,metadata.name=bar]"),
        ("added", "[kind=Service,metadata.name=baz]"),
    ],
    "kubernetes/lists": [("changed", "items[kind=Pod,metadata.name=foo-1].metadata.labels.foo")],
    "issues/issue-232": [
        ("removed", "[kind=Namespace,metadata.name=test]"),
        ("changed", "[kind=Deployment,metadata.name=test].metadata.labels.test"),
        ("changed", "[kind=Deployment,metadata.name=test].spec.replicas"),
    ],
    "kubernetes/rename": [("changed", 'data["pinniped.yaml"]'), ("changed", "metadata.name")],
    "issues/issue-184": [],  # the same two documents in the other order
    "issues/issue-111": [],  # an unquoted date and a quoted one: both stay text
}


@pytest.mark.parametrize("pair", _dyff_pairs())
def test_dyff_pairs(run_cli, report, pair):
    result = run_cli("diff", pair["old"], pair["new"], "-o", "json", cwd=DYFF)
    _assert_clean_run(result)
    if pair.get("format") == "text":
        assert result.returncode == 2  # plain text is not a model file
        return
    if pair.get("semantically_equal_pyyaml"):
        assert result.returncode == 0
    if pair["id"] == "edge/empty":
        # An empty SOURCE file is an input error by nervsync's rules (issue 2), not "all added".
        assert result.returncode == 2
        assert "file is empty" in result.stderr
        return
    assert result.returncode in (0, 1), result.stderr
    out = report(result)
    _validate(out)
    if pair["id"] in DYFF_EXPECTED:
        assert _changes(out) == DYFF_EXPECTED[pair["id"]]
        assert result.returncode == (1 if DYFF_EXPECTED[pair["id"]] else 0)


def _real_world_pairs() -> list[Any]:
    index = REAL_WORLD / "manifest.json"
    if not index.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{index} not found"), id="absent")]
    pairs = json.loads(index.read_text(encoding="utf-8"))["pairs"]
    return [pytest.param(pair, id=Path(pair["old"]).stem) for pair in pairs]


def _pointer_to_fields(pointer: str) -> tuple[str, ...]:
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:])


def _fields_prefix(path: str) -> tuple[str, ...]:
    """The mapping keys a change path starts with, up to its first list segment."""
    out = []
    for segment in parse_path(path):
        if not isinstance(segment, Field):
            break
        out.append(segment.name)
    return tuple(out)


@pytest.mark.parametrize("pair", _real_world_pairs())
def test_real_world_pairs(run_cli, report, pair):
    args = ["diff", pair["old"], pair["new"], "-o", "json"]
    if "key" in pair:
        args += ["--key", pair["key"]]
    result = run_cli(*args, cwd=REAL_WORLD)
    _assert_clean_run(result)
    assert result.returncode == (0 if pair["semantically_equal"] else 1), result.stderr
    out = report(result)
    _validate(out)
    changes = out["changes"]

    if "changed_paths_arrays_whole" in pair:
        # The manifest lists differences with whole lists as the unit: every expected entry has a
        # change at or under it (of that kind when it names a mapping key), and nothing else changed.
        expected = [(entry.split(" ", 1)[0], _pointer_to_fields(entry.split(" ", 1)[1]))
                    for entry in pair["changed_paths_arrays_whole"]]
        for kind, fields in expected:
            under = [c for c in changes if _fields_prefix(c["path"])[: len(fields)] == fields]
            assert under, (kind, fields)
            if kind != "changed":
                assert any(c["kind"] == kind and _fields_prefix(c["path"]) == fields for c in under), (kind, fields)
        for change in changes:
            prefix = _fields_prefix(change["path"])
            assert any(prefix[: len(fields)] == fields for _, fields in expected), change["path"]

    if "added_keys" in pair:
        key = pair["key"]
        added = {c["path"] for c in changes if c["kind"] == "added"}
        removed = {c["path"] for c in changes if c["kind"] == "removed"}
        modified = {parse_path(c["path"])[0] for c in changes if c["kind"] == "changed"}
        assert added == {f"[{key}={k}]" for k in pair["added_keys"]}
        assert removed == {f"[{key}={k}]" for k in pair["removed_keys"]}
        assert modified == {Match(((key, k),)) for k in pair["modified_keys"]}
        assert out["summary"]["added"] == pair["counts"]["added"]
        assert out["summary"]["removed"] == pair["counts"]["removed"]
        assert out["summary"]["changed"] == pair["counts"]["modified"]

    if "changed_documents" in pair:
        # Documents by position in the old file -> their identity; exactly those were touched.
        old_docs = list(yaml.safe_load_all((REAL_WORLD / pair["old"]).read_text(encoding="utf-8")))
        assert len(old_docs) == pair["documents"]
        touched = {parse_path(c["path"])[0] for c in changes}
        for position, doc in enumerate(old_docs):
            segment = Match((("kind", doc["kind"]), ("metadata.name", doc["metadata"]["name"])))
            assert (segment in touched) == (position in pair["changed_documents"]), (position, touched)
        assert all(not isinstance(segment, Index) for segment in touched)
