"""`python -m benchmarks.curves record|simulate|check|defaults|experiment …`."""

import sys

from benchmarks.curves import as_experiment, check, defaults, record, simulate

COMMANDS = {"record": record.main, "simulate": simulate.main, "check": check.main, "defaults": defaults.main,
            "experiment": as_experiment.main}

if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
    print(f"usage: python -m benchmarks.curves {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
    sys.exit(2)
sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
