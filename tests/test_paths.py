"""The one path syntax: parsing, rendering, round trips, wildcard matching, and --key parsing."""

# mypy: allow-untyped-defs, allow-incomplete-defs
# (pyproject relaxes these for module "tests.*", which tests/ without __init__.py never is)

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervsync_cli.errors import UsageError
from nervsync_cli.identity import parse_key_option
from nervsync_cli.model import KeyRule
from nervsync_cli.paths import (
    AnyDepth,
    AnySegment,
    Field,
    Index,
    Match,
    Path,
    format_path,
    matches,
    parse_path,
    parse_pattern,
    record_of,
)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("spec.containers[name=web].image",
         (Field("spec"), Field("containers"), Match((("name", "web"),)), Field("image"))),
        ("records[id=42].location.city",
         (Field("records"), Match((("id", "42"),)), Field("location"), Field("city"))),
        ('metadata.annotations["app.kubernetes.io/name"]',
         (Field("metadata"), Field("annotations"), Field("app.kubernetes.io/name"))),
        ("[kind=Deployment,metadata.name=web].spec.replicas",
         (Match((("kind", "Deployment"), ("metadata.name", "web"))), Field("spec"), Field("replicas"))),
        ("args[2]", (Field("args"), Index(2))),
        ("[0][1]", (Index(0), Index(1))),
        ("hosts[region=eu,host=web].cpu", (Field("hosts"), Match((("region", "eu"), ("host", "web"))), Field("cpu"))),
        ('env[name="has space, comma"]', (Field("env"), Match((("name", "has space, comma"),)))),
        ('[""]', (Field(""),)),
        (".", ()),
        ("", ()),
    ],
)
def test_parse_and_format_examples(text, path):
    assert parse_path(text) == path
    if text not in ("", ".", "[0][1]"):
        assert format_path(path) == text
    assert parse_path(format_path(path)) == path


def test_quoted_names_keep_special_characters():
    assert format_path((Field("a.b"),)) == '["a.b"]'
    assert format_path((Field("x"), Field("lint:fix"))) == 'x["lint:fix"]'
    assert format_path((Field("*"),)) == '["*"]'  # a key literally named "*" is not a wildcard
    assert parse_path('["*"]') == (Field("*"),)
    assert format_path((Match((("id", ""),)),)) == '[id=""]'
    assert format_path((Match((("name", "a]b"),)),)) == '[name="a]b"]'


@pytest.mark.parametrize(
    ("text", "column"),
    [("a[", 3), ("a[name=web", 11), ("a..b", 3), ('a["x', 3), ("a[b]c", 4), ("a[b=1]c", 7), ("a[=x]", 3)],
)
def test_bad_paths_name_the_column(text, column):
    with pytest.raises(UsageError, match=rf"at column {column}:"):
        parse_path(text)


def test_wildcards_only_in_patterns():
    for text in ("a.*", "a[*]", "**.b", "a*"):
        with pytest.raises(UsageError, match="wildcards"):
            parse_path(text)
    assert parse_pattern("a.*") == (Field("a"), AnySegment())
    assert parse_pattern("a[*]") == (Field("a"), AnySegment())
    assert parse_pattern("**.image") == (AnyDepth(), Field("image"))


@pytest.mark.parametrize(
    ("pattern", "path", "whole", "prefix"),
    [
        ("spec.containers[*].image", "spec.containers[name=web].image", True, True),
        ("spec.containers[*].image", "spec.containers[3].image", True, True),
        ("spec.*.image", "spec.containers.image", True, True),
        ("**.image", "spec.template.spec.containers[name=web].image", True, True),
        ("**.image", "image", True, True),
        ("**", "a.b[1]", True, True),
        ("metadata.annotations", "metadata.annotations.revision", False, True),
        ("metadata.annot*", "metadata.annotations", True, True),
        ("metadata.annot*", "metadata.labels", False, False),
        ("records[id=4*]", "records[id=42].city", False, True),
        ("records[id=42]", "records[id=420]", False, False),
        ("docs[name=web]", "docs[kind=Service,name=web]", True, True),
        ("docs[kind=Service]", "docs[name=web]", False, False),
        ("a.b", "a", False, False),
        ("a[0]", "a[1]", False, False),
        ("*", "anything", True, True),
        (".", "a.b", False, True),
    ],
)
def test_matching(pattern, path, whole, prefix):
    parsed = parse_path(path)
    assert matches(parse_pattern(pattern), parsed) is whole
    assert matches(parse_pattern(pattern), parsed, prefix=True) is prefix


def test_record_of():
    assert record_of(parse_path("records[id=7].tags[2]")) == parse_path("records[id=7]")
    assert record_of(parse_path("dependencies.qs")) == parse_path("dependencies")
    document = "[kind=Service,metadata.name=web]"
    assert record_of(parse_path(f"{document}.spec")) == parse_path(document)
    assert record_of(()) == ()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("id", KeyRule(("id",))),
        ("region,host", KeyRule(("region", "host"))),
        ("records=id", KeyRule(("id",), (Field("records"),))),
        ("hosts=region, host", KeyRule(("region", "host"), (Field("hosts"),))),
        ("spec.containers[name=web].env=name",
         KeyRule(("name",), (Field("spec"), Field("containers"), Match((("name", "web"),)), Field("env")))),
        ("**.containers=name", KeyRule(("name",), (AnyDepth(), Field("containers")))),
        ("items=metadata.name", KeyRule(("metadata.name",), (Field("items"),))),
    ],
)
def test_key_option(text, rule):
    assert parse_key_option(text) == rule


@pytest.mark.parametrize("text", ["", "a=", "a=x,", ",", "a[=id"])
def test_bad_key_option(text):
    with pytest.raises(UsageError):
        parse_key_option(text)


# Round trip: any path renders to text that parses back to the same path.
_names = st.text(max_size=8)
_key_fields = st.text(alphabet=st.characters(blacklist_characters="=],[\"'", blacklist_categories=("Cs", "Zs", "Cc")),
                      min_size=1, max_size=6)
_segments = st.one_of(
    st.builds(Field, _names),
    st.builds(Index, st.integers(min_value=-5, max_value=10_000)),
    st.builds(Match, st.lists(st.tuples(_key_fields, st.text(max_size=8)), min_size=1, max_size=3).map(tuple)),
)


@given(st.lists(_segments, max_size=6).map(tuple))
def test_format_then_parse_is_identity(path: Path):
    assert parse_path(format_path(path)) == path


@given(st.lists(_segments, max_size=5).map(tuple))
def test_a_path_matches_itself_as_a_pattern_and_under_double_star(path: Path):
    # Holds for names without glob characters; [*]-style names are covered by the examples above.
    if any("*" in str(segment) or "?" in str(segment) or "[" in str(segment) for segment in path):
        return
    assert matches(parse_pattern(format_path(path)), path)
    assert matches((AnyDepth(),), path)
    assert matches(parse_pattern(format_path(path[:1])) if path else (), path, prefix=True)
