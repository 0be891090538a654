"""The work one analysis may do: abstract steps, sizes of the values it builds, and time.

A few lines of Python can ask an abstract interpreter for unbounded work: loops over
range(64) nested four deep, a recursive function calling itself ten times, `x = x ** 64`
repeated, `s = s + s` in a loop. The interpreter charges every statement, expression and
call here; once the allowance is spent it stops unrolling (loops run as "an unknown number
of times", calls return unknown), which is linear in the program's size. Values too large
to be worth modelling (ints of thousands of bits, sequences of millions of items) are
unknown from the start. A clock check ends even a slow path nobody foresaw.

Unknown is never an error, so a spent budget only makes the analysis quieter; the engine
reports it once as a hint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from shapelint.values import Const, Seq, Value

BASE_STEPS = 100_000  # enough for any loop-free program of a few thousand lines
STEPS_PER_CHARACTER = 1  # straight-line code uses about one step per five characters
MAX_SECONDS = 5.0  # a backstop: the steps should end every analysis long before this
MAX_INT_BITS = 4_096  # Const ints beyond this are unknown (no shape has such a size)
MAX_SEQUENCE = 1_000_000  # items in one modelled list/tuple, characters in one string
MAX_MATERIALISED = 5_000_000  # items and characters built over the whole analysis (about 40 MB)
_CLOCK_EVERY = 1_024  # steps between two reads of the clock


@dataclass
class Budget:
    """One analysis's allowance; `spent` turns true once and stays true."""

    steps: int
    seconds: float = MAX_SECONDS
    materialised: int = 0
    spent: bool = False
    refused: bool = False  # a value was too large to build (allows_size said no)
    stopped_at: object | None = None  # where the interpreter first widened (a node reference)
    _taken: int = 0
    _deadline: float = field(default=0.0)

    @classmethod
    def for_program(cls, characters: int, seconds: float = MAX_SECONDS) -> Budget:
        """The allowance for a program of this many characters."""
        return cls(steps=BASE_STEPS + STEPS_PER_CHARACTER * characters, seconds=seconds)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.seconds

    @property
    def taken(self) -> int:
        """Steps charged so far (what an analysis cost, in the interpreter's own unit)."""
        return self._taken

    def charge(self, steps: int = 1) -> bool:
        """Take `steps`; False once the allowance (steps or time) is spent."""
        if self.spent:
            return False
        self._taken += steps
        clock_due = self._taken % _CLOCK_EVERY < steps  # this charge crossed a multiple of _CLOCK_EVERY
        if self._taken > self.steps or (clock_due and time.monotonic() > self._deadline):
            self.spent = True
        return not self.spent

    def admits(self, value: Value) -> bool:
        """Whether a value is small enough to compute with (a huge int makes `x ** 64` take hours)."""
        if isinstance(value, Const) and isinstance(value.value, int):
            return self.allows_int(value.value)
        return True

    def allows_int(self, value: int) -> bool:
        """Whether an int is small enough to compute with (bit length, not magnitude, costs)."""
        return value.bit_length() <= MAX_INT_BITS

    def allows_size(self, size: int) -> bool:
        """Whether a sequence or string of `size` items may be built; charges it when so."""
        if size > MAX_SEQUENCE or self.materialised + size > MAX_MATERIALISED:
            self.refused = True
            return False
        self.materialised += size
        return True

    def stop_at(self, where: object) -> None:
        """Remember the first place where work was cut short (reported once)."""
        if self.stopped_at is None:
            self.stopped_at = where


def value_size(value: Value) -> int:
    """Items of a sequence, characters of a string constant, else 1."""
    if isinstance(value, Seq):
        return len(value.items)
    if isinstance(value, Const) and isinstance(value.value, (str, bytes)):
        return len(value.value)
    return 1
