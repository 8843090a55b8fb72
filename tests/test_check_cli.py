"""``nervsync check`` end to end on the fixtures/drift repository layout, copied per test (issue 7).

Every run is the real CLI in a subprocess (``python -m nervsync_cli``) in the copied folder. Line
numbers are looked up in the fixture files, never typed in.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xmlschema
import yaml

RunCli = Callable[..., subprocess.CompletedProcess[str]]
REPO = Path(__file__).resolve().parents[1]
DRIFT = REPO / "fixtures" / "drift"
JUNIT_XSD = Path(__file__).resolve().parent / "data" / "junit.xsd"
ANNOTATION = re.compile(r"^::(error|warning) (?P<props>[^:]*)::(?P<message>.*)$")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of fixtures/drift to run in (and write to)."""
    target = tmp_path / "repo"
    shutil.copytree(DRIFT, target)
    return target


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def _json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["status"] for check in report["checks"]}


def _annotations(stdout: str) -> list[dict[str, str]]:
    """Parsed workflow commands: level, message and the properties (file, line, col, title)."""
    found = []
    for line in stdout.splitlines():
        match = ANNOTATION.match(line)
        if match:
            props = dict(part.split("=", 1) for part in match.group("props").split(","))
            found.append({"level": match.group(1), "message": match.group("message"), **props})
    return found


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Pass, fail, exit codes
# --------------------------------------------------------------------------------------------


def test_drift_fails_with_a_summary_and_the_changes(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("check", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    summary = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in result.stdout.splitlines()
               if line.startswith("│") and "│" in line[1:] and line.split("│")[1].strip() in
               ("service", "settings", "manifests", "inventory")}
    assert summary == {"service": "✗ drift", "settings": "✓ pass", "manifests": "✗ drift", "inventory": "✗ drift"}
    assert "deployed/service.json:3:16" in result.stdout
    assert "upstreams[name=payments].url" in result.stdout
    assert result.stdout.rstrip().endswith("3 of 4 checks failed: service, manifests, inventory")


def test_a_passing_check_exits_0(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("check", "settings", cwd=repo)
    assert (result.returncode, result.stderr) == (0, "")
    assert "✓ pass" in result.stdout
    assert "the check passed" in result.stdout
    assert run_cli("check", "settings", "-q", cwd=repo).stdout == ""


def test_detailed_exitcode(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("check", "settings", "--detailed-exitcode", cwd=repo).returncode == 0
    assert run_cli("check", "--detailed-exitcode", "-q", cwd=repo).returncode == 2
    (repo / "deployed" / "service.json").write_text("{broken", encoding="utf-8")
    assert run_cli("check", "--detailed-exitcode", "-q", cwd=repo).returncode == 1


def test_json_report(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("check", "-o", "json", cwd=repo)
    assert result.returncode == 1
    report = _json(result)
    assert report["schema_version"] == 1
    assert report["status"] == "drift"
    assert report["summary"] == {"checks": 4, "pass": 1, "drift": 3, "accepted": 0, "fixed": 0, "conflicts": 0,
                                 "error": 0}
    service = report["checks"][0]
    assert [(c["kind"], c["path"]) for c in service["changes"]] == [
        ("changed", "log_level"), ("changed", "upstreams[name=payments].url"), ("added", "beta_banner")]
    # Rules at work: features (a set), limits.timeout_seconds (precision 3) do not count.
    log_level = service["changes"][0]
    assert log_level["positions"]["target"] == {
        "file": "deployed/service.json", "line": _line_of(repo / "deployed/service.json", '"log_level"'),
        "column": 16, "exact": True}
    manifests = report["checks"][2]
    assert {c["pair"] for c in manifests["changes"]} == {"web.yaml"}
    assert manifests["counts"] == {"files": 2, "changes": 2, "accepted": 0}


def test_rules_per_path_make_settings_pass(run_cli: RunCli, repo: Path) -> None:
    """settings differs only where its rules say it may: ignored path, text, set, precision."""
    assert run_cli("check", "settings", cwd=repo).returncode == 0
    _edit(repo / "deployed" / "settings.yaml", "ttl_hours: 1.501", "ttl_hours: 1.52")
    _edit(repo / "deployed" / "settings.yaml", "Orders ship within 24 hours.", "Orders ship within 48 hours.")
    report = _json(run_cli("check", "settings", "-o", "json", cwd=repo))
    assert [c["path"] for c in report["checks"][0]["changes"]] == ["motd", "cache.ttl_hours"]


# --------------------------------------------------------------------------------------------
# GitHub annotations: file and line for JSON, YAML and CSV
# --------------------------------------------------------------------------------------------


def test_github_annotations_point_at_the_drifting_lines(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("check", "-o", "github", cwd=repo)
    assert result.returncode == 1
    found = {(a["file"], int(a["line"])) for a in _annotations(result.stdout)}
    deployed = repo / "deployed"
    expected = {
        ("deployed/service.json", _line_of(deployed / "service.json", '"log_level"')),
        ("deployed/service.json", _line_of(deployed / "service.json", "payments-v2")),
        ("deployed/service.json", _line_of(deployed / "service.json", '"beta_banner"')),
        ("deployed/k8s/web.yaml", _line_of(deployed / "k8s/web.yaml", "replicas: 2")),
        ("deployed/k8s/web.yaml", _line_of(deployed / "k8s/web.yaml", "image: registry.example.com/shop/web")),
        ("deployed/inventory.csv", _line_of(deployed / "inventory.csv", "shop-web-02")),
        ("deployed/inventory.csv", _line_of(deployed / "inventory.csv", "shop-tmp-07")),
    }
    assert found == expected
    assert all(a["level"] == "error" for a in _annotations(result.stdout))


def test_github_annotation_text(run_cli: RunCli, repo: Path) -> None:
    lines = run_cli("check", "service", "-o", "github", cwd=repo).stdout.splitlines()
    source_line = _line_of(repo / "desired/service.json", '"log_level"')
    target_line = _line_of(repo / "deployed/service.json", '"log_level"')
    assert lines[0] == (
        f"::error file=deployed/service.json,line={target_line},col=16,title=nervsync check service%3A changed::"
        f'log_level: "info" → "debug" (source desired/service.json:{source_line}:16; '
        f"target deployed/service.json:{target_line}:16)"
    )
    assert lines[-1] == "nervsync check service: drift (3 changes, 0 accepted)"


def test_removed_values_point_at_source_and_annotate_source(run_cli: RunCli, repo: Path) -> None:
    _edit(repo / "deployed" / "inventory.csv", "shop-cache-01,cache,ams1,debian-12,4\n", "")
    _edit(repo / "nervsync.yaml", "    key: hostname\n", "    key: hostname\n    annotate: source\n")
    annotations = _annotations(run_cli("check", "inventory", "-o", "github", cwd=repo).stdout)
    by_title = {a["message"].split(":")[0]: a for a in annotations}
    removed = by_title["[hostname=shop-cache-01]"]
    assert (removed["file"], int(removed["line"])) == (
        "desired/inventory.csv", _line_of(repo / "desired/inventory.csv", "shop-cache-01"))
    changed = by_title["[hostname=shop-web-02].os_version"]
    assert (changed["file"], int(changed["line"])) == (
        "desired/inventory.csv", _line_of(repo / "desired/inventory.csv", "shop-web-02"))
    assert "col" not in changed  # a CSV column is a cell number, not a character column
    added = by_title["[hostname=shop-tmp-07]"]
    assert added["file"] == "deployed/inventory.csv"  # an added row exists in TARGET only


def test_github_job_summary_is_appended(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    run_cli("check", "-o", "github", cwd=repo, env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n### nervsync check: 3 of 4 checks failed")
    assert "<details><summary><b>service</b>" in text


# --------------------------------------------------------------------------------------------
# Accepted drift
# --------------------------------------------------------------------------------------------


def test_accepted_drift_passes_until_it_changes(run_cli: RunCli, repo: Path) -> None:
    accepted = run_cli("check", "--accept", cwd=repo)
    assert accepted.returncode == 0, accepted.stderr
    assert "accepted 7 differences: recorded in .nervsync/accepted.json" in accepted.stdout
    record = json.loads((repo / ".nervsync" / "accepted.json").read_text(encoding="utf-8"))
    assert record["schema_version"] == 1
    entries = record["accepted"]
    assert len(entries) == 7
    assert entries == sorted(entries, key=lambda e: (e["check"], e.get("pair", ""), e["path"], e["kind"], e["hash"]))
    assert {"check": "manifests", "pair": "web.yaml", "path": "[kind=Deployment,metadata.name=web].spec.replicas",
            "kind": "changed"}.items() <= next(e for e in entries if e["path"].endswith("replicas")).items()

    again = run_cli("check", "-o", "json", cwd=repo)
    assert again.returncode == 0
    assert _statuses(_json(again)) == {"service": "accepted", "settings": "pass", "manifests": "accepted",
                                       "inventory": "accepted"}
    annotations = _annotations(run_cli("check", "-o", "github", cwd=repo).stdout)
    assert {a["level"] for a in annotations} == {"warning"}

    _edit(repo / "deployed" / "service.json", '"log_level": "debug"', '"log_level": "trace"')
    drifted = run_cli("check", "-o", "json", cwd=repo)
    assert drifted.returncode == 1
    report = _json(drifted)
    assert _statuses(report)["service"] == "drift"
    service = report["checks"][0]["changes"]
    assert [(c["path"], c["accepted"]) for c in service] == [
        ("log_level", False), ("upstreams[name=payments].url", True), ("beta_banner", True)]


def test_accepting_one_check_keeps_the_others(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("check", "--accept", "inventory", cwd=repo).returncode == 0
    report = _json(run_cli("check", "-o", "json", cwd=repo))
    assert _statuses(report) == {"service": "drift", "settings": "pass", "manifests": "drift",
                                 "inventory": "accepted"}
    assert run_cli("check", "--accept", "service", cwd=repo).returncode == 0
    entries = json.loads((repo / ".nervsync" / "accepted.json").read_text(encoding="utf-8"))["accepted"]
    assert {e["check"] for e in entries} == {"service", "inventory"}


def test_accepted_file_named_in_the_config(run_cli: RunCli, repo: Path) -> None:
    _edit(repo / "nervsync.yaml", "accepted: .nervsync/accepted.json", "accepted: drift/known.json")
    assert run_cli("check", "--accept", "service", cwd=repo).returncode == 0
    assert (repo / "drift" / "known.json").is_file()
    assert run_cli("check", "service", cwd=repo).returncode == 0


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def test_a_broken_file_errors_that_check_and_runs_the_others(run_cli: RunCli, repo: Path) -> None:
    (repo / "deployed" / "service.json").write_text('{\n  "service": "shop",\n  "log_level" "x"\n}\n',
                                                    encoding="utf-8")
    result = run_cli("check", "-o", "json", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "nervsync: error: check service: deployed/service.json:3:15: invalid JSON: expecting ':' delimiter"]
    report = _json(result)
    assert _statuses(report) == {"service": "error", "settings": "pass", "manifests": "drift", "inventory": "drift"}
    annotation = _annotations(run_cli("check", "service", "-o", "github", cwd=repo).stdout)[0]
    assert (annotation["level"], annotation["file"], annotation["line"]) == ("error", "deployed/service.json", "3")


def test_a_missing_file_is_an_error(run_cli: RunCli, repo: Path) -> None:
    (repo / "deployed" / "inventory.csv").unlink()
    result = run_cli("check", "inventory", cwd=repo)
    assert result.returncode == 2
    assert "nervsync: error: check inventory: deployed/inventory.csv: no such file" in result.stderr
    assert "! error" in result.stdout


def test_globs_matching_nothing_are_an_error(run_cli: RunCli, repo: Path) -> None:
    _edit(repo / "nervsync.yaml", "source: desired/k8s/*.yaml", "source: desired/k8z/*.yaml")
    _edit(repo / "nervsync.yaml", "target: deployed/k8s/*.yaml", "target: deployed/k8z/*.yaml")
    result = run_cli("check", "manifests", cwd=repo)
    assert result.returncode == 2
    assert "matches any file" in result.stderr


@pytest.mark.parametrize(("args", "fragment"), [
    (("check", "nosuch"), "no check named 'nosuch'"),
    (("check", "--fix", "--accept"), "--fix and --accept cannot be combined"),
    (("check", "--report", "out.txt"), "--report out.txt: name a .html, .md, .xml (JUnit) or .json file"),
    (("check", "--config", "missing.yaml"), "missing.yaml: no such file"),
])
def test_usage_errors(run_cli: RunCli, repo: Path, args: tuple[str, ...], fragment: str) -> None:
    result = run_cli(*args, cwd=repo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("nervsync: error: ")
    assert fragment in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_bad_config_names_file_and_line(run_cli: RunCli, repo: Path) -> None:
    _edit(repo / "nervsync.yaml", "features: set ", "features: sorted ")
    result = run_cli("check", cwd=repo)
    line = _line_of(repo / "nervsync.yaml", "features: sorted")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"nervsync: error: nervsync.yaml:{line}:17: checks[0].lists.features: "
                             "expected \"ordered\" or \"set\", got 'sorted' (did you mean 'ordered'?)\n")
    (annotation,) = _annotations(run_cli("check", "-o", "github", cwd=repo).stdout)
    assert (annotation["level"], annotation["file"], annotation["line"]) == ("error", "nervsync.yaml", str(line))


def test_no_config_in_the_folder(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "no nervsync.yaml (or [tool.nervsync] in pyproject.toml)" in result.stderr


def test_config_from_pyproject_and_other_folder(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    (repo / "nervsync.yaml").unlink()
    (repo / "pyproject.toml").write_text(
        '[tool.nervsync]\n\n[[tool.nervsync.checks]]\nname = "inventory"\nsource = "desired/inventory.csv"\n'
        'target = "deployed/inventory.csv"\nkey = "hostname"\n', encoding="utf-8")
    assert run_cli("check", cwd=repo).returncode == 1
    # From another folder, paths stay relative to the config; names are shown from where we run.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("check", "--config", str(repo / "pyproject.toml"), "-o", "json", cwd=elsewhere)
    assert result.returncode == 1
    change = _json(result)["checks"][0]["changes"][0]
    assert change["positions"]["target"]["file"] == "../repo/deployed/inventory.csv"


# --------------------------------------------------------------------------------------------
# --fix
# --------------------------------------------------------------------------------------------


def test_fix_syncs_failing_checks_and_keeps_what_the_rules_call_equal(run_cli: RunCli, repo: Path) -> None:
    before_settings = (repo / "deployed" / "settings.yaml").read_bytes()
    result = run_cli("check", "--fix", "-o", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    report = _json(result)
    assert _statuses(report) == {"service": "fixed", "settings": "pass", "manifests": "fixed", "inventory": "fixed"}
    assert report["checks"][0]["fix"]["written"] == ["deployed/service.json"]
    service = json.loads((repo / "deployed" / "service.json").read_text(encoding="utf-8"))
    assert service["log_level"] == "info"
    assert "beta_banner" not in service
    assert service["features"] == ["export", "wishlist", "search"]  # a set: its order is not drift
    assert service["limits"]["timeout_seconds"] == 2.5000001  # within precision 3
    web = list(yaml.safe_load_all((repo / "deployed" / "k8s" / "web.yaml").read_text(encoding="utf-8")))
    assert web[0]["spec"]["replicas"] == 3
    assert web[0]["status"] == {"readyReplicas": 2}  # ignored paths are left alone
    assert (repo / "deployed" / "settings.yaml").read_bytes() == before_settings
    assert "shop-tmp-07" not in (repo / "deployed" / "inventory.csv").read_text(encoding="utf-8")
    assert run_cli("check", cwd=repo).returncode == 0


def test_fix_leaves_accepted_drift(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("check", "--accept", "inventory", cwd=repo).returncode == 0
    _edit(repo / "deployed" / "inventory.csv", "shop-db-01,database,fra1,ubuntu-22.04,16",
          "shop-db-01,database,fra2,ubuntu-22.04,16")
    assert run_cli("check", "inventory", "--fix", cwd=repo).returncode == 0
    text = (repo / "deployed" / "inventory.csv").read_text(encoding="utf-8")
    assert "shop-db-01,database,fra1," in text  # the new drift was fixed
    assert "shop-web-02,web,fra1,ubuntu-20.04" in text  # accepted drift stays
    assert "shop-tmp-07" in text


def test_fix_with_unresolved_conflicts_writes_nothing(run_cli: RunCli, repo: Path) -> None:
    _edit(repo / "nervsync.yaml", "    sync:\n      direction: source-to-target\n\n  - name: settings",
          "    sync:\n      direction: bidirectional\n\n  - name: settings")
    before = {path: path.read_bytes() for path in repo.rglob("*") if path.is_file()}
    result = run_cli("check", "service", "--fix", "-o", "json", cwd=repo)
    assert result.returncode == 1
    fix = _json(result)["checks"][0]["fix"]
    assert _json(result)["checks"][0]["status"] == "conflicts"
    assert [c["path"] for c in fix["conflicts"]] == ["log_level", "upstreams[name=payments].url"]
    assert (fix["unresolved"], fix["written"]) == (2, [])
    after = {path: path.read_bytes() for path in repo.rglob("*") if path.is_file()}
    assert after == before
    table = run_cli("check", "service", "--fix", cwd=repo)
    assert "2 conflicts" in table.stdout
    assert "2 unresolved conflicts: nothing written" in table.stdout


def test_per_path_rules_in_a_one_way_fix(run_cli: RunCli, repo: Path) -> None:
    _edit(repo / "nervsync.yaml", "      direction: source-to-target\n\n  - name: settings",
          "      direction: source-to-target\n      paths:\n        upstreams: target-wins\n"
          "        beta_banner: {direction: target-to-source}\n\n  - name: settings")
    result = run_cli("check", "service", "--fix", "-o", "json", cwd=repo)
    deployed = json.loads((repo / "deployed" / "service.json").read_text(encoding="utf-8"))
    desired = json.loads((repo / "desired" / "service.json").read_text(encoding="utf-8"))
    assert deployed["log_level"] == "info"
    assert deployed["upstreams"][0]["url"] == "https://payments-v2.internal:8443"  # TARGET keeps its upstreams
    assert desired["beta_banner"] is True  # synced the other way
    assert "beta_banner" in deployed
    # The upstreams drift is still there, by the config's choice: the check still fails on it.
    assert result.returncode == 1
    assert _json(result)["checks"][0]["fix"]["remaining"] == 1


def test_per_path_strategies_in_a_bidirectional_fix(run_cli: RunCli, repo: Path) -> None:
    _edit(repo / "nervsync.yaml", "      direction: source-to-target\n\n  - name: settings",
          "      direction: bidirectional\n      paths:\n        log_level: target-wins\n"
          "        upstreams: source-wins\n\n  - name: settings")
    result = run_cli("check", "service", "--fix", "-o", "json", cwd=repo)
    assert result.returncode == 0, result.stdout
    for side in ("desired", "deployed"):
        data = json.loads((repo / side / "service.json").read_text(encoding="utf-8"))
        assert data["log_level"] == "debug"
        assert {u["url"] for u in data["upstreams"]} == {"http://catalog:8080", "https://payments.internal:8443"}
        assert data["beta_banner"] is True  # a bidirectional sync copies what one side lacks


def test_glob_pairs_with_a_file_on_one_side(run_cli: RunCli, repo: Path) -> None:
    shutil.copy(repo / "desired" / "k8s" / "worker.yaml", repo / "desired" / "k8s" / "batch.yaml")
    report = _json(run_cli("check", "manifests", "-o", "json", cwd=repo))
    batch = [c for c in report["checks"][0]["changes"] if c.get("pair") == "batch.yaml"]
    assert [(c["kind"], c["path"]) for c in batch] == [("removed", ".")]
    assert batch[0]["positions"] == {"source": {"file": "desired/k8s/batch.yaml", "line": 1, "column": 1,
                                                "exact": True}}
    assert run_cli("check", "manifests", "--fix", cwd=repo).returncode == 0
    created = yaml.safe_load((repo / "deployed" / "k8s" / "batch.yaml").read_text(encoding="utf-8"))
    assert created["metadata"]["name"] == "worker"


# --------------------------------------------------------------------------------------------
# Other outputs
# --------------------------------------------------------------------------------------------


def test_junit_validates_against_the_common_schema(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    schema = xmlschema.XMLSchema(str(JUNIT_XSD))
    run_cli("check", "--accept", "inventory", cwd=repo)
    (repo / "deployed" / "k8s" / "worker.yaml").write_text("kind: [broken\n", encoding="utf-8")
    result = run_cli("check", "-o", "junit", cwd=repo)
    assert result.returncode == 2
    report = tmp_path / "junit.xml"
    report.write_text(result.stdout, encoding="utf-8")
    schema.validate(str(report))
    data: Any = schema.to_dict(str(report))
    suite = data["testsuite"][0]
    assert (suite["@tests"], suite["@failures"], suite["@errors"]) == (4, 1, 1)
    cases = {case["@name"]: case for case in suite["testcase"]}
    assert cases["service"]["failure"][0]["@message"] == "3 changes"
    failure_text = cases["service"]["failure"][0]["$"]
    line = _line_of(repo / "deployed/service.json", '"log_level"')
    assert f"deployed/service.json:{line}:16: changed log_level" in failure_text
    assert "deployed/k8s/worker.yaml:2:1: invalid YAML" in cases["manifests"]["error"][0]["@message"]
    assert "failure" not in cases["inventory"]
    assert "accepted: [hostname=shop-web-02].os_version" in cases["inventory"]["system-out"][0]
    assert "failure" not in cases["settings"]
    assert "error" not in cases["settings"]


def test_gitlab_code_quality(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("check", "-o", "gitlab", cwd=repo)
    issues = json.loads(result.stdout)
    assert len(issues) == 7
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] == "major"
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({issue["fingerprint"] for issue in issues}) == 7
    github = {(a["file"], int(a["line"])) for a in _annotations(run_cli("check", "-o", "github", cwd=repo).stdout)}
    assert {(i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues} == github
    # Fingerprints are stable from run to run, so GitLab can tell new issues from old ones.
    assert json.loads(run_cli("check", "-o", "gitlab", cwd=repo).stdout) == issues


def test_markdown_for_a_pr_comment(run_cli: RunCli, repo: Path) -> None:
    text = run_cli("check", "-o", "markdown", cwd=repo).stdout
    lines = text.splitlines()
    assert lines[0] == "### nervsync check: 3 of 4 checks failed"
    assert "| service | ❌ drift | 1 | 3 | 0 |" in lines
    assert "| settings | ✅ pass | 1 | 0 | 0 |" in lines
    assert text.count("<details>") == 3
    assert text.count("</details>") == 3
    row = next(line for line in lines if "upstreams[name=payments].url" in line)
    assert row.count(" | ") == 3  # the values' own characters cannot break the table
    assert "<sub>deployed/service.json:" in row


def test_reports_are_written_next_to_any_output(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("check", "--report", "out/drift.html", "--report", "drift.md", "--report", "drift.xml",
                     "--report", "drift.json", cwd=repo)
    assert result.returncode == 1
    assert "nervsync check (nervsync.yaml)" in result.stdout
    assert (repo / "out" / "drift.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (repo / "drift.md").read_text(encoding="utf-8").startswith("### nervsync check")
    assert (repo / "drift.xml").read_text(encoding="utf-8").startswith("<?xml")
    assert json.loads((repo / "drift.json").read_text(encoding="utf-8"))["status"] == "drift"


def test_help_documents_the_command(run_cli: RunCli) -> None:
    result = run_cli("check", "--help")
    assert result.returncode == 0
    for word in ("--fix", "--accept", "--report", "--output", "--config", "Example:"):
        assert word in result.stdout
