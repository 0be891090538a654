"""An abstract interpreter over the program's top-level statements, in program order.

It binds names (following imports and aliases itself, so `tf.keras.layers.Dense`,
`from keras import layers` and `from tensorflow.keras.layers import Dense` all become
`keras.layers.Dense`) and evaluates expressions to abstract values. It knows Python only:
statements, scopes, user functions and classes, control flow. Every library call, method
and attribute goes to the handler `knowledge.registry` finds for it (the overlays record
facts for the rules: inputs, layer calls, data fed to models, compiles); the interpreter
is the registry's `Evaluator`. Anything it cannot follow becomes UNKNOWN, and unknown is
never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import libcst as cst

from shapelint.arithmetic import const_binary, const_compare, truthiness
from shapelint.budget import Budget, value_size
from shapelint.calls import CallArgs
from shapelint.container_changes import ContainerChange, Escaped, changes_in_place, rebind
from shapelint.control_flow import Break, Continue, ControlFlow, Return
from shapelint.facts import ArrayProblemFact, LayerValue, ModelValue, ProgramFacts
from shapelint.import_binding import ModuleLoader, exec_import, exec_import_from
from shapelint.indexing import index_of, index_value, iteration_items, slice_bound, subscript_value, unpack
from shapelint.knowledge import registry
from shapelint.limits import MAX_ELEMENTS, MAX_UNROLL
from shapelint.names import BUILTINS, canonical_name
from shapelint.scope import Scope
from shapelint.shapes import Shape
from shapelint.source import FOREIGN_CHUNK, NodeRef, Program
from shapelint.strict import STRICT
from shapelint.syntax import (
    AUGMENTED_OPERATORS,
    BINARY_OPERATORS,
    COMPARISON_OPERATORS,
    assigned_names,
    formatted_string,
    string_value,
)
from shapelint.unknown_reasons import Reason
from shapelint.user_calls import UserCalls
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    BoundMethod,
    ClassValue,
    Const,
    DatasetValue,
    DictValue,
    FunctionValue,
    InstanceValue,
    LambdaValue,
    ModuleValue,
    ObjectValue,
    RefValue,
    Seq,
    TensorValue,
    Value,
    const_int,
    join_values,
)
from shapelint.workspace import Workspace

if TYPE_CHECKING:
    from shapelint.statement_groups import ProgramPart

T = TypeVar("T")
# Values of library objects: reading an attribute no overlay knows gives a method to call later.
_LIBRARY_OBJECTS = (ArrayValue, TensorValue, ModelValue, LayerValue, ObjectValue, Seq, DictValue, DatasetValue)
_OPERATOR_METHODS = {"/": "__truediv__"}  # operators a library object may overload


class Interpreter(ControlFlow, UserCalls):
    """Walks a Program and returns the ProgramFacts the rules read."""

    def __init__(
        self,
        program: Program,
        keras_major: int = 3,
        learned: Mapping[str, Shape] | None = None,
        workspace: Workspace | None = None,
        budget: Budget | None = None,
        modules: ModuleLoader | None = None,
        part: ProgramPart | None = None,
    ) -> None:
        self.program = program
        # Only these chunks run (statement_groups.py): one group of statements, after the prelude's imports.
        self.visited = program.chunks if part is None else [program.chunks[index] for index in part.order]
        self.prelude = part.prelude if part is not None else {}
        self.budget = budget or Budget.for_program(sum(len(chunk.text) for chunk in self.visited))
        # Per enclosing loop: the states that left the current iteration by continue or break.
        self.loop_exits: list[list[tuple[type[Exception], Scope]]] = []
        self.keras_major = keras_major
        # Output shapes TensorFlow reported for layers the catalog does not know (see confirm/pipeline.py).
        self.learned: Mapping[str, Shape] = learned or {}
        self.workspace = workspace or Workspace()
        self.facts = ProgramFacts()
        self.module_scope = Scope()
        self.chunk = 0
        self.star_imports: list[str] = []
        self.depth = 0
        self.returns: list[list[Value]] = []
        self.yields: list[list[Value]] = []  # what each function being run yields (a generator's elements)
        self.functions: list[FunctionValue] = []
        self.classes: list[ClassValue] = []
        self.called: set[int] = set()
        self._states: dict[Callable[[Any], Any], Any] = {}  # the overlays' per-analysis state
        self._mutations: list[tuple[Value, Value]] = []  # objects changed in place (ev.mutate), to rebind
        self.container_changes: list[ContainerChange] = []  # lists and dicts changed in place, to rebind
        self._escaped = Escaped()
        self.frame_arguments: list[frozenset[int]] = []
        self.modules = modules
        self.foreign = False  # interpreting an imported module: its nodes have no place in the importer
        # Results of calls that only compute data, by function and abstract arguments.
        self.summaries = {}  # calls of pure helpers by summary_key (typed in user_calls.py)
        self.summary_counts: dict[FunctionValue, int] = {}
        self.mutations = 0  # attribute writes and calls on mutable objects: calls doing any are not summarised
        self.hoisted: dict[str, tuple[cst.FunctionDef, int]] = {}
        self._return_reasons: list[Reason] = []  # why each running function's return is unknown

    # Driving ------------------------------------------------------------------------------------

    def run(self) -> ProgramFacts:
        if self.program.is_notebook:
            self._hoist_functions()
        self.run_module()
        # Functions nobody calls (model builders, train steps) are still checked, with unknown arguments.
        for function in list(self.functions):
            if id(function) not in self.called:
                self.chunk = function.chunk
                self._guarded_call(function)
        for cls in {id(cls.node): cls for cls in self.classes}.values():  # test classes: their runner runs them
            self.chunk = cls.chunk
            self._guarded_call(cls)
        self.facts.module_names = dict(self.module_scope.names)
        self.facts.numpy_alias = self.facts.spelling("numpy")
        return self.facts

    def run_module(self) -> dict[str, Value]:
        """Run the top-level statements; the module's names afterwards."""
        for chunk in self.visited:
            bound = self.prelude.get(chunk.index)
            if bound is not None:
                self.module_scope.names.update(bound)
            if chunk.module is None or bound is not None:
                continue
            self.chunk = FOREIGN_CHUNK if self.foreign else chunk.index
            for statement in chunk.module.body:
                self._guarded(statement, self.module_scope)
        return self.module_scope.names

    def _hoist_functions(self) -> None:
        """Notebook cells run out of order: a function a later cell defines is known where it is used first."""
        for chunk in self.visited:
            for statement in chunk.module.body if chunk.module is not None else ():
                if type(statement) is cst.FunctionDef:
                    self.hoisted.setdefault(statement.name.value, (statement, chunk.index))

    def _guarded(self, statement: cst.BaseStatement | cst.BaseSmallStatement, scope: Scope) -> None:
        try:
            self.exec_statement(statement, scope)
        except (Return, Break, Continue):
            pass
        except RecursionError:
            self.facts.internal_errors.append("recursion limit")
        except Exception as error:  # one odd statement must never stop the analysis
            if STRICT:
                raise
            self.facts.internal_errors.append(f"{type(error).__name__}: {error}")

    def _guarded_call(self, function: FunctionValue | ClassValue) -> None:
        """An uncalled function run with unknown arguments, or a test class run as its runner would."""
        try:
            if isinstance(function, ClassValue):
                self.run_tests(function)
            else:
                self.call_function(function, CallArgs([], {}), unknown_arguments=True)
        except Exception as error:
            if STRICT:
                raise
            self.facts.internal_errors.append(f"{type(error).__name__}: {error}")
        finally:
            self._escaped.clear()  # no caller's names to forget: the entry point's run is over

    def ref(self, node: cst.CSTNode) -> NodeRef:
        return NodeRef(self.chunk, node)

    def record(self, node: cst.CSTNode, value: Value, overwrite: bool = True) -> None:
        """facts.record for a node of the current chunk."""
        self.facts.record_at(self.chunk, node, value, overwrite)

    # What library handlers may ask (knowledge.registry.Evaluator) -------------------------------

    def report_array_problem(self, kind: str, message: str, node: NodeRef | None) -> None:
        self.facts.array_problems.append(ArrayProblemFact(kind, message, node))

    def call(self, func: Value, call: CallArgs) -> Value:
        return self.call_value(func, call)

    def mutate(self, old: Value, new: Value) -> None:
        self.mutations += 1
        self._mutations.append((old, new))

    def _rebind_mutated(self, scope: Scope) -> None:
        """Names bound to an object a method changed in place (`df.pop("y")`) now see its new value."""
        if self.container_changes or self._escaped.containers:
            changes, self.container_changes = self.container_changes, []
            arguments = self.frame_arguments[-1] if self.frame_arguments else frozenset()
            if rebind(changes, scope, self._escaped, self.depth > 0, arguments):
                self.mutations += 1  # a container from outside the call: the call is not summarised
        mutations, self._mutations = self._mutations, []
        for old, new in mutations:
            current: Scope | None = scope
            while current is not None:
                for name, value in list(current.names.items()):
                    if value is old:
                        current.names[name] = new
                current = current.parent

    def state(self, factory: Callable[[Any], T]) -> T:
        found = self._states.get(factory)
        if found is None:
            found = self._states[factory] = factory(self)
        return found

    # Statements ---------------------------------------------------------------------------------

    def exec_block(self, body: Sequence[cst.BaseStatement] | cst.BaseSuite, scope: Scope) -> None:
        if isinstance(body, cst.IndentedBlock):
            statements: Sequence[cst.BaseStatement | cst.BaseSmallStatement] = body.body
        elif isinstance(body, cst.SimpleStatementSuite):
            statements = body.body
        else:
            statements = body  # type: ignore[assignment]
        for statement in statements:
            self.exec_statement(statement, scope)

    def exec_statement(self, node: cst.BaseStatement | cst.BaseSmallStatement, scope: Scope) -> None:
        self.budget.charge()
        if type(node) is cst.SimpleStatementLine:
            for small in node.body:
                try:
                    self.exec_statement(small, scope)
                finally:
                    if self._mutations or self.container_changes or self._escaped.containers:
                        self._rebind_mutated(scope)
        elif type(node) is cst.Assign:
            value = self.eval(node.value, scope)
            for target in node.targets:
                self.assign(target.target, value, scope, self.right_hand_reason(node.value, value))
        elif type(node) is cst.AnnAssign:
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, scope), scope)
        elif type(node) is cst.AugAssign:
            operator = AUGMENTED_OPERATORS.get(type(node.operator))
            current = self.eval(node.target, scope)
            other = self.eval(node.value, scope)
            value = self.binary(current, other, operator, node) if operator else UNKNOWN
            self.assign(node.target, value, scope)
        elif type(node) is cst.Expr:
            self.exec_expression_statement(node.value, scope)
        elif type(node) is cst.Import:
            exec_import(node, scope, self.modules)
        elif type(node) is cst.ImportFrom:
            exec_import_from(node, scope, self.modules, self.star_imports)
        elif type(node) is cst.Return:
            value = self.eval(node.value, scope) if node.value is not None else Const(None)
            if self.returns:
                self.returns[-1].append(value)
                self.returning(node, value)
            raise Return()
        elif type(node) is cst.If:
            self.exec_if(node, scope)
        elif type(node) is cst.For:
            self.exec_for(node, scope)
        elif type(node) is cst.While:
            self.eval(node.test, scope)
            self.exec_loop_body(node.body, scope, None, UNKNOWN)
        elif type(node) is cst.With:
            for item in node.items:
                value = self.eval(item.item, scope)
                if item.asname is not None:
                    enter = registry.find_method(value, "__enter__")
                    if enter is not None:
                        value = enter(self, value, CallArgs([], {}, self.ref(item.item)))
                    elif not isinstance(value, ModelValue):
                        value = UNKNOWN
                    self.assign(item.asname.name, value, scope)
            self.exec_block(node.body, scope)
        elif type(node) is cst.Try:
            self.exec_try(node, scope)
        elif type(node) is cst.FunctionDef:
            function = FunctionValue(node, self.chunk, scope)  # type: ignore[arg-type]
            self.functions.append(function)
            scope.names[node.name.value] = function
        elif type(node) is cst.ClassDef:
            self.exec_class(node, scope)
        elif type(node) is cst.Del:
            listed = node.target.elements if isinstance(node.target, (cst.Tuple, cst.List)) else None
            for deleted in [element.value for element in listed] if listed is not None else [node.target]:
                if type(deleted) is cst.Subscript:
                    self._library_item(deleted, "__delitem__", None, scope)
            for name in assigned_names(node.target):
                scope.bind_unknown(name, None)
        elif type(node) is cst.Break or type(node) is cst.Continue:
            self.exit_loop_path(Break if type(node) is cst.Break else Continue, scope)
        # pass, global, nonlocal, assert, raise, match: nothing to track

    def exec_expression_statement(self, expression: cst.BaseExpression, scope: Scope) -> None:
        self.eval(expression, scope)  # `items.append(layer)` changes `items` (container_changes.py)

    def exec_class(self, node: cst.ClassDef, scope: Scope) -> None:
        bases = [self.eval(base.value, scope) for base in node.bases]
        cls = ClassValue(node, self.chunk, bases, scope)  # type: ignore[arg-type]
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for statement in body:
            if type(statement) is cst.FunctionDef:
                method = FunctionValue(statement, self.chunk, scope)  # type: ignore[arg-type]
                cls.methods[statement.name.value] = method
        scope.names[node.name.value] = cls
        self.classes.append(cls)

    # Assignment ---------------------------------------------------------------------------------

    def assign(self, target: cst.BaseExpression, value: Value, scope: Scope, reason: Reason = None) -> None:
        if type(target) is cst.Name:
            if isinstance(value, ArrayValue):
                value = replace(value, name=target.value)
            if self.bind_name(target, value, scope, reason) is UNKNOWN:
                return  # an unknown keeps its cause only
            self.record(target, value)
            if isinstance(value, ModelValue) and value.name is None:
                value.name = target.value
        elif type(target) in (cst.Tuple, cst.List):
            elements = target.elements
            if any(isinstance(e, cst.StarredElement) for e in elements):
                for name in assigned_names(target):
                    scope.bind_unknown(name, reason)
                return
            items = unpack(value, len(elements))
            for element, item in zip(elements, items):
                self.assign(element.value, item, scope, reason if item is UNKNOWN else None)
        elif type(target) is cst.Attribute:
            owner = self.eval(target.value, scope)
            self.mutations += 1
            if isinstance(owner, InstanceValue):
                owner.attributes[target.attr.value] = value
            else:
                setter = registry.find_method(owner, "__setattr__")
                if setter is not None:
                    setter(self, owner, CallArgs([Const(target.attr.value), value], {}, self.ref(target)))
        elif type(target) is cst.Subscript:
            # x[...] = v keeps an array's shape; a library object (a DataFrame) may change.
            self._library_item(target, "__setitem__", value, scope)

    def _library_item(self, target: cst.Subscript, method: str, value: Value | None, scope: Scope) -> None:
        """`obj[key] = value` or `del obj[key]` on a library object that models it (ev.mutate rebinds)."""
        owner = self.eval(target.value, scope)
        if isinstance(owner, (ArrayValue, TensorValue)):
            return
        handler = registry.find_method(owner, method)
        if handler is not None or changes_in_place(owner, method):
            keys = [index_value(element.slice, lambda part: self.eval(part, scope)) for element in target.slice]
            call = CallArgs([*keys, *([value] if value is not None else [])], {}, self.ref(target))
            if handler is None:
                self.change_container(target.value, owner, method, call)
            else:
                handler(self, owner, call)

    # Expressions --------------------------------------------------------------------------------

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Value:
        self.budget.charge()
        if type(node) is cst.Name:
            value = self.lookup(node.value, scope)
            self.record(node, value)
            self.name_unknown(node, scope, value)
            return value
        if type(node) is cst.Attribute:
            value = self.attribute(self.eval(node.value, scope), node.attr.value)
            self.record(node, value)
            self.inherit_reason(node, value, node.value)  # an attribute of an unknown object
            return value
        if type(node) is cst.Call:
            value = self.eval_call(node, scope)
            if isinstance(value, (ArrayValue, TensorValue, ModelValue)):
                # A layer call keeps its richer record (input and output shapes).
                self.record(node, value, overwrite=False)
            self.inherit_reason(node, value, node.func)  # calling an unknown: `x.reshape(...)` of an unknown x
            return value
        if type(node) is cst.Integer:
            try:
                return Const(int(node.value.replace("_", ""), 0))
            except ValueError:
                return UNKNOWN
        if type(node) is cst.Float:
            try:
                return Const(float(node.value.replace("_", "")))
            except ValueError:
                return UNKNOWN
        if type(node) is cst.SimpleString:
            evaluated = string_value(node.value)
            return Const(evaluated) if isinstance(evaluated, str) else UNKNOWN
        if type(node) is cst.ConcatenatedString:
            evaluated = node.evaluated_value
            return Const(evaluated) if isinstance(evaluated, str) else UNKNOWN
        if type(node) is cst.FormattedString:
            return formatted_string(node, lambda part: self.eval(part, scope))
        if type(node) in (cst.Tuple, cst.List):
            items: list[Value] = []
            for element in node.elements:
                if type(element) is cst.StarredElement:
                    spread = self.eval(element.value, scope)
                    if not isinstance(spread, Seq):
                        return UNKNOWN
                    items.extend(spread.items)
                else:
                    items.append(self.eval(element.value, scope))
            return Seq(tuple(items), "list" if type(node) is cst.List else "tuple")
        if type(node) is cst.Dict:
            keys: list[Value] = []
            values: list[Value] = []
            for element in node.elements:
                if type(element) is not cst.DictElement:
                    return UNKNOWN
                keys.append(self.eval(element.key, scope))
                values.append(self.eval(element.value, scope))
            return DictValue(tuple(keys), tuple(values))
        if type(node) is cst.Subscript:
            value = self.subscript(node, scope)
            self.record(node, value)
            self.inherit_reason(node, value, node.value)
            return value
        if type(node) is cst.BinaryOperation:
            left = self.eval(node.left, scope)
            right = self.eval(node.right, scope)
            value = self.binary(left, right, BINARY_OPERATORS.get(type(node.operator)), node)
            self.inherit_reason(node, value, node.left if left is UNKNOWN else node.right)
            return value
        if type(node) is cst.UnaryOperation:
            operand = self.eval(node.expression, scope)
            if isinstance(node.operator, cst.Minus) and isinstance(operand, Const):
                if isinstance(operand.value, (int, float)) and not isinstance(operand.value, bool):
                    return Const(-operand.value)
            if isinstance(node.operator, (cst.Minus, cst.Plus)) and isinstance(operand, ArrayValue):
                return operand
            truth = truthiness(operand) if isinstance(node.operator, cst.Not) else None
            return UNKNOWN if truth is None else Const(not truth)
        if type(node) is cst.Comparison:
            left = self.eval(node.left, scope)
            operators = [COMPARISON_OPERATORS.get(type(target.operator), "") for target in node.comparisons]
            rights = list(zip(operators, [self.eval(target.comparator, scope) for target in node.comparisons]))
            if (folded := const_compare(left, rights)) is not UNKNOWN:
                return folded
            if isinstance(left, ArrayValue):
                return ArrayValue(left.shape, "bool")
            converted = left.as_array()  # a comparison of a pandas Series is a mask over its rows
            if converted is not None:
                return ArrayValue(converted.shape, "bool")
            return UNKNOWN
        if type(node) is cst.BooleanOperation:
            self.eval(node.left, scope)
            self.eval(node.right, scope)
            return UNKNOWN
        if type(node) is cst.IfExp:
            self.eval(node.test, scope)
            return join_values(self.eval(node.body, scope), self.eval(node.orelse, scope))
        if type(node) in (cst.ListComp, cst.GeneratorExp):
            return self.comprehension(node, scope)
        if type(node) is cst.NamedExpr:
            value = self.eval(node.value, scope)
            self.assign(node.target, value, scope)
            return value
        if type(node) is cst.Lambda:
            return LambdaValue(node, self.chunk, scope)
        if type(node) is cst.Yield:
            self.exec_yield(node, scope)
            return UNKNOWN  # the value sent into the generator
        return UNKNOWN

    def exec_yield(self, node: cst.Yield, scope: Scope) -> None:
        if node.value is None:
            value: Value = Const(None)
        elif isinstance(node.value, cst.From):
            inner = self.eval(node.value.item, scope)
            value = inner.state if isinstance(inner, ObjectValue) and inner.cls == "builtins.generator" else UNKNOWN
        else:
            value = self.eval(node.value, scope)
        if self.yields:
            self.yields[-1].append(value)

    def lookup(self, name: str, scope: Scope) -> Value:
        found = scope.lookup(name)
        if found is not None:
            return found
        if name == "None":
            return Const(None)
        if name == "__file__" and self.workspace.document:  # data paths built from the script's folder
            return Const(self.workspace.document)
        if name == "__name__":  # the analysed program runs as a script, a module it imports does not
            return Const("<imported module>" if self.foreign else "__main__")
        if name == "True":
            return Const(True)
        if name == "False":
            return Const(False)
        if name in self.hoisted:
            node, chunk = self.hoisted.pop(name)  # once: the function value is bound from then on
            function = FunctionValue(node, chunk, self.module_scope)  # type: ignore[arg-type]
            self.module_scope.names.setdefault(name, function)
            return self.module_scope.names[name]
        for module in reversed(self.star_imports):
            candidate = canonical_name(f"{module}.{name}")
            if registry.has_function(candidate):
                return RefValue(candidate)
        if name in BUILTINS:
            return RefValue(f"builtins.{name}")
        return UNKNOWN

    def attribute(self, base: Value, name: str) -> Value:
        if isinstance(base, RefValue):
            return RefValue(canonical_name(f"{base.name}.{name}"))
        if isinstance(base, ModuleValue):
            return base.names.get(name, UNKNOWN)
        if isinstance(base, InstanceValue):
            if name in base.attributes:
                return base.attributes[name]
            method = base.cls.methods.get(name)
            if method is not None:
                return BoundMethod(base, name)
            if base.library_object is not None:
                return self.attribute(base.library_object, name)  # compile, fit, predict... of the library base class
            return UNKNOWN
        handler = registry.find_attribute(base, name)
        if handler is not None:
            return handler(self, base, name)
        if isinstance(base, _LIBRARY_OBJECTS) or registry.find_method(base, name) is not None:
            return BoundMethod(base, name)
        fallback = registry.find_attribute(base, "__getattr__")  # a DataFrame's column as an attribute
        return fallback(self, base, name) if fallback is not None else UNKNOWN

    def subscript(self, node: cst.Subscript, scope: Scope) -> Value:
        base = self.eval(node.value, scope)
        if isinstance(base, RefValue):  # a library type subscripted, e.g. an annotation's Float[...]
            handler = registry.find_function(f"{base.name}.__class_getitem__")
            if handler is not None:
                parts = [self.eval(e.slice.value, scope) if type(e.slice) is cst.Index else UNKNOWN for e in node.slice]
                return handler(self, CallArgs(parts, {}, self.ref(node)))
        if not isinstance(base, (Seq, DictValue, ArrayValue, TensorValue)):
            getter = registry.find_method(base, "__getitem__")
            if getter is not None:
                keys = [index_value(element.slice, lambda part: self.eval(part, scope)) for element in node.slice]
                return getter(self, base, CallArgs(keys, {}, self.ref(node)))
        return subscript_value(base, [self.index_item(element.slice, scope) for element in node.slice])

    def index_item(self, item: cst.BaseSlice, scope: Scope) -> tuple[str, object]:
        if type(item) is cst.Slice and item.step is None and _window_length(item, self, scope) is not None:
            return "window", _window_length(item, self, scope)
        if type(item) is cst.Slice:
            parts = (item.lower, item.upper, item.step)
            return "slice", tuple(None if p is None else slice_bound(self.eval(p, scope)) for p in parts)
        assert type(item) is cst.Index
        if isinstance(item.value, cst.Ellipsis):
            return "ellipsis", None
        value = self.eval(item.value, scope)
        if isinstance(value, RefValue):
            value = registry.find_constant(value.name) or value  # numpy.newaxis is None
        return index_of(value)

    def binary(self, left: Value, right: Value, operator: str | None, node: cst.CSTNode) -> Value:
        if operator is None or not (self.budget.admits(left) and self.budget.admits(right)):
            return UNKNOWN
        handler = registry.find_operator(left, right)  # arrays, tensors: the library's arithmetic
        if handler is not None:
            return handler(self, left, right, operator)
        if isinstance(left, (Seq, Const)) and isinstance(right, (Seq, Const)) and operator == "+":
            # Concatenation: `s = s + s` in a loop doubles; past a size it is not worth modelling.
            if not self.budget.allows_size(value_size(left) + value_size(right)):
                return UNKNOWN
        dunder = _OPERATOR_METHODS.get(operator)
        overloaded = registry.find_method(left, dunder) if dunder and not isinstance(left, Const) else None
        if overloaded is not None:  # pathlib.Path / "name"
            return overloaded(self, left, CallArgs([right], {}, self.ref(node)))
        result = const_binary(left, right, operator)
        return result if self.budget.admits(result) else UNKNOWN

    def comprehension(self, node: cst.ListComp | cst.GeneratorExp, scope: Scope) -> Value:
        clause = node.for_in
        if clause.inner_for_in is not None or clause.ifs:
            return UNKNOWN
        iterable = self.eval(clause.iter, scope)
        if isinstance(iterable, ObjectValue) and iterable.cls == "builtins.range" and iterable.state <= MAX_ELEMENTS:
            if not self.budget.allows_size(iterable.state):
                return UNKNOWN
            # A long range: the element is computed once, with the index unknown (windows, batches).
            inner = Scope({}, scope)
            self.assign(clause.target, UNKNOWN, inner)
            element = self.eval(node.elt, inner)
            return Seq((element,) * iterable.state, "list") if element is not UNKNOWN else UNKNOWN
        items = iteration_items(iterable)
        if items is None or len(items) > MAX_UNROLL:
            return UNKNOWN
        if not self.budget.charge(len(items)):
            self.budget.stop_at(self.ref(node))
            return UNKNOWN
        inner = Scope({}, scope)
        results = []
        for item in items:
            self.assign(clause.target, item, inner)
            results.append(self.eval(node.elt, inner))
        return Seq(tuple(results), "list")

    # Calls --------------------------------------------------------------------------------------

    def eval_call(self, node: cst.Call, scope: Scope) -> Value:
        func = self.eval(node.func, scope)
        call = CallArgs([], {}, self.ref(node))
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star:
                # A spread whose items are all known passes exactly those; any other may pass anything.
                if arg.star == "*" and isinstance(value, Seq):
                    call.args.extend(value.items)
                elif (
                    arg.star == "**"
                    and isinstance(value, DictValue)
                    and all(isinstance(key, Const) and isinstance(key.value, str) for key in value.keys)
                ):
                    call.kwargs.update({key.value: item for key, item in zip(value.keys, value.values)})  # type: ignore[attr-defined]
                else:
                    call.has_star = True
                continue
            if arg.keyword is not None:
                call.kwargs[arg.keyword.value] = value
                call.kwarg_nodes[arg.keyword.value] = self.ref(arg.value)
            else:
                call.args.append(value)
                call.arg_nodes.append(self.ref(arg.value))
        return self.call_value(func, call)

    def call_value(self, func: Value, call: CallArgs) -> Value:
        if isinstance(func, RefValue):
            return self.call_library(func.name, call)
        if isinstance(func, BoundMethod):
            return self.call_method(func, call)
        if isinstance(func, FunctionValue):
            return self.call_function(func, call)
        if isinstance(func, LambdaValue):
            return self.call_lambda(func, call)
        if isinstance(func, ClassValue):
            return self.instantiate(func, call)
        handler = registry.find_method(func, "__call__")  # a library object called: a layer, a model
        return handler(self, func, call) if handler is not None else UNKNOWN

    def call_library(self, name: str, call: CallArgs) -> Value:
        return self.library_call(name, call, registry.find_function(name))


def _window_length(item: cst.Slice, interpreter: Interpreter, scope: Scope) -> int | None:
    """`a[i:i + k]` (the sliding-window idiom) has length k whatever i is, if i + k stays in bounds."""
    lower, upper = item.lower, item.upper
    if (  # `a[i - k:i]`: the same window, ending at i (i >= k)
        isinstance(upper, cst.Name)
        and isinstance(lower, cst.BinaryOperation)
        and isinstance(lower.operator, cst.Subtract)
        and isinstance(lower.left, cst.Name)
        and lower.left.value == upper.value
    ):
        length_node = lower.right
        lower, upper = upper, cst.BinaryOperation(upper, cst.Add(), length_node)
    if not isinstance(lower, cst.Name) or not isinstance(upper, cst.BinaryOperation):
        return None
    if not isinstance(upper.operator, cst.Add) or not isinstance(upper.left, cst.Name):
        return None
    if upper.left.value != lower.value or const_int(scope.lookup(lower.value) or UNKNOWN) is not None:
        return None
    length = const_int(interpreter.eval(upper.right, scope))
    return length if length is not None and length >= 0 else None
