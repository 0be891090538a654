"""Bounds on the work one analysis does, shared by the interpreter and the overlays."""

MAX_UNROLL = 64  # longest literal sequence (or loop) followed item by item
MAX_LOOP_PASSES = 128  # passes followed item by item in one loop nest, all its loops together
MAX_ELEMENTS = 1_000_000  # longest list comprehension modelled as repeated elements
MAX_CALL_DEPTH = 8  # deepest chain of user function calls followed
MAX_SUMMARIES_PER_FUNCTION = 16  # distinct argument shapes a data-only helper is interpreted for
