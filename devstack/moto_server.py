"""moto's server (`python -m moto.server`) with two of its hot spots made
cheap; what it does is unchanged.

- EventBridge: moto turns each event into what a target receives by parsing
  eight JSONPath expressions with `jsonpath_ng.ext.parse`, which builds a new
  yacc parser per call, for every event and every matching target. The
  expressions are fixed strings and the parsed objects are read-only, so
  `parse` is memoised.
- SQS: every send and receive walks the whole queue asking each message
  whether it is visible or delayed, and each answer computed "now" through
  naive datetimes. Now in epoch milliseconds is `time.time() * 1000`.

On the local stack (2 cores shared with the API and the Firestore emulator)
these made moto the largest CPU consumer of a booking burst: PutEvents of a
booking's two events cost ~25 ms of moto's CPU with one rule.
"""

from __future__ import annotations

import functools
import sys
import time
from datetime import datetime
from typing import Any


def _memoise_jsonpath() -> None:
    import jsonpath_ng.ext

    ext: Any = jsonpath_ng.ext  # moto imports `parse` from it at each call
    if not hasattr(ext.parse, "cache_info"):
        ext.parse = functools.lru_cache(maxsize=512)(ext.parse)


def _fast_sqs_clock() -> None:
    import moto.sqs.models

    models: Any = moto.sqs.models  # it imports unix_time_millis by name
    slow: Any = models.unix_time_millis

    def unix_time_millis(dt: datetime | None = None) -> float:
        return time.time() * 1000.0 if dt is None else float(slow(dt))

    models.unix_time_millis = unix_time_millis


def main(argv: list[str] | None = None) -> None:
    _memoise_jsonpath()
    _fast_sqs_clock()
    from moto.server import main as moto_main

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
