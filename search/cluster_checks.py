"""Checks of the Ray cluster a search is about to run on, made before anything is written.

A trial asking for more GPUs than any node can offer would wait forever, so that is an error.
Checkpoints kept on one node's disk are lost to trials on the others, so a multi-node
cluster with a local `--storage-path` gets a warning (it may be a shared file system).
"""

from __future__ import annotations

from pathlib import Path

import ray
import yaml

from search.options import UsageError
from search.options import SearchOptions

# The cluster launcher leaves its config on the head node; Tune reads the same file to tell
# an autoscaling cluster (whose GPU nodes may not exist yet) from a fixed one.
BOOTSTRAP_CONFIG = Path("~/ray_bootstrap_config.yaml").expanduser()


def check_cluster(options: SearchOptions) -> list[str]:
    """Raises UsageError for a search the cluster cannot run; returns one-line warnings."""
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    most_gpus = max([node["Resources"].get("GPU", 0) for node in nodes] + _autoscaled_gpus_per_node())
    if options.gpus_per_trial > most_gpus:
        raise UsageError(f"--gpus-per-trial is {options.gpus_per_trial:g}, but no node of the Ray cluster has that "
                         f"many GPUs (the most on one node: {most_gpus:g}); no trial could ever start")
    warnings = []
    if len(nodes) > 1 and "://" not in (options.storage_path or ""):
        if options.storage_path is None:
            warnings.append(f"the Ray cluster has {len(nodes)} nodes and trial checkpoints go to "
                            f"{options.experiment_dir}/ray on this one; unless every node shares that folder, pass "
                            "--storage-path with a shared folder or s3://…")
        else:
            warnings.append(f"the Ray cluster has {len(nodes)} nodes and --storage-path {options.storage_path} is a "
                            "folder: every node must reach it (a shared file system), or a trial that resumes on "
                            "another node will not find its checkpoint")
    return warnings


def _autoscaled_gpus_per_node() -> list[float]:
    """GPUs of each node type the cluster launcher may still start (empty off such a cluster)."""
    try:
        config = yaml.safe_load(BOOTSTRAP_CONFIG.read_text())
    except (OSError, yaml.YAMLError):
        return []
    node_types = (config or {}).get("available_node_types") or {}
    return [float((t.get("resources") or {}).get("GPU", 0)) for t in node_types.values()]
