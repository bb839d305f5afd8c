"""One warning line when trials given GPUs train on a CPU (a node without CUDA, or a CPU-only torch)."""

from __future__ import annotations

import sys
from typing import Any

from ray import tune


class CpuFallbackWarning(tune.Callback):
    """Prints, once per node, that trials asked for GPUs there but found no CUDA device.

    The trial itself trains on the CPU and records `device=cpu`; this line is the driver's,
    so it reaches the search's output and, under `ray job submit`, the job's logs.
    """

    def __init__(self) -> None:
        self._warned_nodes: set[str] = set()

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        gpus = trial.placement_group_factory.required_resources.get("GPU", 0)
        node = str(result.get("node_ip", "?"))
        if gpus > 0 and result.get("device") == "cpu" and node not in self._warned_nodes:
            self._warned_nodes.add(node)
            print(f"search.run: warning: trial {trial.trial_id} was given {gpus:g} GPU on node {node}, but torch "
                  "finds no CUDA device there; it trains on the CPU (device=cpu)", file=sys.stderr, flush=True)
