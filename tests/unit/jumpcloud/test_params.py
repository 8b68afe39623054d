"""Request parsing: v1/v2 filters, paging, sort, fields, search bodies, targets."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from simulators.jumpcloud.api import params
from simulators.jumpcloud.model.errors import BadRequest
from simulators.jumpcloud.model.query import All, Any_, Condition


def test_v1_filter_forms():
    assert params.v1_filter(MultiDict([("filter", "a:$eq:x")])) == Condition("a", "eq", "x")
    both = params.v1_filter(MultiDict([("filter", "a:eq:x"), ("filter", "b:$gte:2")]))
    assert both == All((Condition("a", "eq", "x"), Condition("b", "ge", "2")))
    ors = params.v1_filter(MultiDict([("filter[or][0]", "a:$eq:x"), ("filter[or][1]", "a:$eq:y")]))
    assert ors == Any_((Condition("a", "eq", "x"), Condition("a", "eq", "y")))
    timestamp = params.v1_filter(MultiDict([("filter", "created:$lte:2024-01-01T10:00:00Z")]))
    assert timestamp.value == "2024-01-01T10:00:00Z"


def test_v2_filter_csv_and_in():
    node = params.v2_filter(MultiDict([("filter", "name:eq:a,b,type:in:x|y")]))
    assert node == All((Condition("name", "eq", "a,b"), Condition("type", "in", ["x", "y"])))


@pytest.mark.parametrize("raw", ["nofield", "a:bogus:x", "bad field:eq:x", "a:between:1,2"])
def test_bad_filters(raw):
    with pytest.raises(BadRequest):
        params.v2_filter(MultiDict([("filter", raw)]))


def test_paging_rules():
    assert params.v1_query(MultiDict({"limit": "500"})).limit == 100
    assert params.v1_query(MultiDict()).limit == 10
    with pytest.raises(BadRequest):
        params.v2_query(MultiDict({"limit": "101"}))
    with pytest.raises(BadRequest):
        params.v1_query(MultiDict({"skip": "-1"}))
    query = params.v2_query(MultiDict([("sort", "-name,type"), ("fields", "a,b")]))
    assert query.sort == [("name", True), ("type", False)] and query.fields == ["a", "b"]
    assert params.v1_query(MultiDict({"sort": "-a b", "fields": "x y"})).fields == ["x", "y"]


def test_search_body():
    query = params.search_query(
        {"filter": [{"a": 1}, {"or": [{"b": 2}, {"c": {"$ne": 3}}]}],
         "searchFilter": {"searchTerm": "jo", "fields": ["email"]}, "limit": 500}
    )  # fmt: skip
    assert query.limit == 100 and query.search_terms == ("jo",)
    assert query.filter == All(
        (Condition("a", "eq", 1), Any_((Condition("b", "eq", 2), Condition("c", "ne", 3))))
    )
    for bad in ({"filter": 3}, {"limit": -1}, {"fields": ["x"]}, {"filter": {"bad key": 1}}):
        with pytest.raises(BadRequest):
            params.search_query(bad)


def test_targets_and_json_body():
    app = Flask(__name__)
    with app.test_request_context("/?targets=a,b&targets=c"):
        assert params.targets(["a", "b", "c"]) == ["a", "b", "c"]
        with pytest.raises(BadRequest):
            params.targets(["a"])
    with app.test_request_context("/", method="POST", data="{x"), pytest.raises(BadRequest):
        params.json_body()
    with app.test_request_context("/", method="POST"):
        assert params.json_body(required=False) is None
