"""Test runners: the classes unittest and pytest (and the TestCase kin of absl, TensorFlow and
Keras) instantiate to run their test methods.

Nobody in the program instantiates such a class, yet the runner runs each `test*` method on a
fresh instance after `setUp`: the interpreter runs them the same way (`UserCalls.run_tests`).
"""

from __future__ import annotations

from collections.abc import Iterable

TEST_METHOD_PREFIX = "test"
# What a runner calls on the fresh instance before each test method (unittest's, then pytest's).
SET_UP_METHODS = ("setUp", "setup_method")


def runs_tests(class_name: str, library_bases: Iterable[str], has_bases: bool) -> bool:
    """Whether a test runner instantiates this class: it derives from a `TestCase` (unittest,
    `tf.test`, absl, Keras's own), or it is a pytest class (`Test...`, no base)."""
    if any(base.rsplit(".", 1)[-1] == "TestCase" for base in library_bases):
        return True
    return not has_bases and class_name.startswith("Test")
