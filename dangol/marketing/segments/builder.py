"""The rule editor's form: a rule tree <-> flat form inputs, and the editing actions.

The page renders the tree as nested fieldsets; every input is named ``<path>:<part>``
where the path is the node's position (``r``, ``r.0``, ``r.0.2``). On any change htmx
posts the whole form; ``builder_parse`` rebuilds the tree (leniently: an unfinished
condition stays as typed), applies the action of the button pressed (add a condition or
a group, remove a node), and the page is rendered again from the tree. The strict check
(``rule_validate``) runs separately, for the live count and on save.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from dangol.marketing.segments.rules import field_spec

ROOT = "r"


def _children(keys: set[str], path: str) -> list[str]:
    prefix = path + "."
    found = {k[len(prefix) :].split(".")[0] for k in keys if k.startswith(prefix) and k != path}
    return [f"{prefix}{n}" for n in sorted(int(n) for n in found if n.isdigit())]


def _number_or_text(text: str) -> Any:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return text


def _condition(data: QueryDict, path: str) -> dict:
    name = data.get(f"{path}:field", "")
    spec = field_spec(name)
    op = data.get(f"{path}:op", "")
    node: dict[str, Any] = {"field": name, "op": op}
    if spec is None:
        return node
    if op not in spec.operators:
        op = node["op"] = spec.operators[0]
    if op in ("is_set", "is_not_set"):
        return node
    kind = spec.extra.get("input", spec.kind)  # custom fields reuse the built-in inputs
    if kind == "choice":
        if op in ("in", "not_in"):
            values = data.getlist(f"{path}:value")
            if spec.choices is None:  # free text: comma-separated
                values = [v.strip() for text in values for v in text.split(",") if v.strip()]
            node["value"] = values
        else:
            node["value"] = data.get(f"{path}:value", "")
    elif kind == "number":
        if op == "between":
            node["value"] = [data.get(f"{path}:low", ""), data.get(f"{path}:high", "")]
        else:
            node["value"] = data.get(f"{path}:value", "")
    elif kind == "bool":
        node["value"] = data.get(f"{path}:value", "true") != "false"
    elif spec.kind == "purchase":
        value = {"days": _number_or_text(data.get(f"{path}:days", "90"))}
        if spec.extra.get("category"):
            value["category"] = _number_or_text(data.get(f"{path}:category", ""))
        node["value"] = value
    elif spec.kind == "campaign":
        node["value"] = _number_or_text(data.get(f"{path}:value", ""))
    elif spec.kind == "page":
        node["value"] = {
            "page": data.get(f"{path}:page", "").strip(),
            "match": data.get(f"{path}:match", "exact"),
            "days": _number_or_text(data.get(f"{path}:days", "30")),
        }
    return node


def _node(data: QueryDict, keys: set[str], path: str) -> dict:
    if data.get(f"{path}:type") == "group":
        combinator = "or" if data.get(f"{path}:op") == "or" else "and"
        node: dict = {combinator: [_node(data, keys, c) for c in _children(keys, path)]}
    else:
        node = _condition(data, path)
    return {"not": node} if data.get(f"{path}:not") == "1" else node


def _first_condition() -> dict:
    return {"field": "region", "op": "eq", "value": "seoul"}


def _locate(node: dict, path: list[int]) -> tuple[dict, list | None]:
    """Return the group at ``path`` (unwrapping negation) and its children list."""
    while "not" in node:
        node = node["not"]
    for index in path:
        node = _locate(_children_of(node)[index], [])[0]
    return node, _children_of(node)


def _children_of(node: dict) -> list:
    while "not" in node:
        node = node["not"]
    for combinator in ("and", "or"):
        if combinator in node:
            return node[combinator]
    return []


def _apply(rule: dict, action: str) -> dict:
    verb, _, where = action.partition(":")
    parts = [int(p) for p in where.split(".")[1:] if p.isdigit()] if where else []
    if verb in ("add", "group"):
        group, children = _locate(rule, parts)
        if "and" in group or "or" in group:
            children.append(_first_condition() if verb == "add" else {"and": [_first_condition()]})
    elif verb == "remove" and parts:
        _group, children = _locate(rule, parts[:-1])
        if parts[-1] < len(children):
            children.pop(parts[-1])
    return rule


def builder_parse(data: QueryDict) -> dict:
    """Return the rule tree the builder form describes, after the pressed button's action."""
    keys = {k.rsplit(":", 1)[0] for k in data if ":" in k}
    if f"{ROOT}:type" not in data:
        return {"and": []}
    rule = _node(data, keys, ROOT)
    inner = rule
    while "not" in inner:
        inner = inner["not"]
    if "and" not in inner and "or" not in inner:  # the root is always a group
        rule = {"and": [rule]}
    action = data.get("action", "")
    return _apply(rule, action) if action else rule


def builder_view(rule: Any, path: str = ROOT) -> dict:
    """Return the tree the template renders: per node its path, kind, inputs and children."""
    negated = False
    node = rule if isinstance(rule, dict) else {}
    while "not" in node and isinstance(node["not"], dict) and len(node) == 1:
        negated = not negated
        node = node["not"]
    for combinator in ("and", "or"):
        if combinator in node and isinstance(node[combinator], list):
            return {
                "path": path,
                "type": "group",
                "op": combinator,
                "negated": negated,
                "children": [
                    builder_view(child, f"{path}.{i}") for i, child in enumerate(node[combinator])
                ],
            }
    if path == ROOT:  # a bare condition at the root: show it inside a group
        return builder_view({"and": [rule]}, path)
    spec = field_spec(str(node.get("field", "")))
    value = node.get("value")
    view = {
        "path": path,
        "type": "cond",
        "negated": negated,
        "field": node.get("field", ""),
        "op": node.get("op", ""),
        "value": value,
        "values": value if isinstance(value, list) else [value],
        "spec": spec,
        "kind": spec.extra.get("input", spec.kind) if spec else "",
        "operators": spec.operators if spec else (),
        "choices": spec.choices() if spec and spec.choices else None,
    }
    if (
        spec
        and view["kind"] == "number"
        and node.get("op") == "between"
        and isinstance(value, list)
    ):
        view["low"], view["high"] = [*value, "", ""][:2]
    if spec and spec.kind == "purchase" and isinstance(value, dict):
        view["days"] = value.get("days", "")
        view["category"] = value.get("category", "")
    if spec and spec.kind == "page" and isinstance(value, dict):
        view["page"] = value.get("page", "")
        view["match"] = value.get("match", "exact")
        view["days"] = value.get("days", "")
    if spec and view["kind"] == "choice" and spec.choices is None and isinstance(value, list):
        view["text"] = ", ".join(map(str, value))
    return view
