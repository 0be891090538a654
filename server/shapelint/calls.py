"""The arguments of one call, as abstract values, with the nodes they came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shapelint.source import NodeRef
from shapelint.values import Value


@dataclass
class CallArgs:
    args: list[Value]
    kwargs: dict[str, Value]
    node: NodeRef | None = None  # the Call node
    arg_nodes: list[NodeRef] = field(default_factory=list)
    kwarg_nodes: dict[str, NodeRef] = field(default_factory=dict)
    has_star: bool = False  # *args or **kwargs: anything may be passed

    def get(self, index: int | None, name: str) -> Value | None:
        """The argument passed by position `index` or keyword `name`, or None."""
        if name in self.kwargs:
            return self.kwargs[name]
        if index is not None and index < len(self.args):
            return self.args[index]
        return None

    def node_of(self, index: int | None, name: str) -> NodeRef | None:
        if name in self.kwarg_nodes:
            return self.kwarg_nodes[name]
        if index is not None and index < len(self.arg_nodes):
            return self.arg_nodes[index]
        return None

    def bind(self, params: Sequence[str]) -> dict[str, Value]:
        """Arguments by parameter name, positional ones in `params` order."""
        bound = dict(self.kwargs)
        for index, value in enumerate(self.args[: len(params)]):
            bound.setdefault(params[index], value)
        return bound
