"""Strength ladder benchmark: `ringrift ladder` (anchors, every champion and its raw policy; Elo with
95% intervals anchored at random = 0; CPU seconds per move; table, PNG) with the same options.

    python bench/ladder.py                                   # square8_2p, the config's `ladder:` section
    python bench/ladder.py --players random,heuristic_v1,heuristic_v2,mcts --games 800
    python bench/ladder.py --home /tmp/ladder                # a separate match log (RINGRIFT_HOME)

Games go to the match log of the config's database (source ``ladder``), so a rerun adds games to
the same ladder instead of replaying it. Prints the table, then ONE JSON object on the last line
(the command's, with the wall seconds and the machine added).
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

from ringrift import ladder  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ladder.add_arguments(parser)
    parser.add_argument("--home", default=None, help="RINGRIFT_HOME for this run (its own database and store)")
    args = parser.parse_args(argv)
    if args.home:
        os.environ["RINGRIFT_HOME"] = os.path.abspath(args.home)
    t0 = time.perf_counter()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = ladder.run(args)
    lines = buf.getvalue().rstrip("\n").splitlines()
    if rc != 0 or not lines:
        print("\n".join(lines))
        return rc or 1
    res = json.loads(lines[-1])
    res["wall_seconds"] = round(time.perf_counter() - t0, 1)
    res["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    print("\n".join(lines[:-1]))
    print(json.dumps(res, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
