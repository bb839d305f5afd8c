"""`cluster.yaml`, the Ray cluster-launcher config: valid for Ray, GPU workers that scale from zero,
nothing but SSH open to the world, the project installed, the data location set in one place.

Read as a file only: no cloud account and no Ray cluster.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from ray.autoscaler._private.util import prepare_config, validate_config

REPO_ROOT = Path(__file__).resolve().parents[1]
CLUSTER_YAML = REPO_ROOT / "cluster.yaml"


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load(CLUSTER_YAML.read_text())


def _node_types(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return config["available_node_types"]


def _worker_types(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: node for name, node in _node_types(config).items() if name != config["head_node_type"]}


def _all_commands(config: dict[str, Any]) -> list[str]:
    """Every shell command in the file, top level and per node type."""
    sections = [config] + list(_node_types(config).values())
    return [command for section in sections for key, commands in section.items()
            if key.endswith("_commands") for command in commands or []]


def _head_ray_start(config: dict[str, Any]) -> list[str]:
    starts = [c for c in config["head_start_ray_commands"] if "ray start" in c and "--head" in c]
    assert len(starts) == 1, f"expected one `ray start --head` in head_start_ray_commands, found {starts}"
    return shlex.split(starts[0])


def _flag_value(words: list[str], flag: str) -> str | None:
    for i, word in enumerate(words):
        if word == flag and i + 1 < len(words):
            return words[i + 1]
        if word.startswith(flag + "="):
            return word.split("=", 1)[1]
    return None


def _opens_more_than_ssh_to_the_world(rule: dict[str, Any]) -> bool:
    """True when an EC2 inbound rule opens anything but TCP port 22 to every address (IPv4 or IPv6)."""
    cidrs = [r["CidrIp"] for r in rule.get("IpRanges", [])] + [r["CidrIpv6"] for r in rule.get("Ipv6Ranges", [])]
    to_the_world = any(ipaddress.ip_network(cidr, strict=False).prefixlen == 0 for cidr in cidrs)
    ssh_only = (str(rule.get("IpProtocol", "")).lower() in ("tcp", "6")
                and rule.get("FromPort") == 22 and rule.get("ToPort") == 22)
    return to_the_world and not ssh_only


def test_config_passes_rays_own_validation(config):
    validate_config(config)
    # What `ray up` does before it asks AWS anything: merge Ray's AWS defaults, then validate.
    validate_config(prepare_config(config))


def test_gpu_workers_scale_from_zero(config):
    gpu_types = {name: node for name, node in _worker_types(config).items() if node["resources"].get("GPU", 0) >= 1}
    assert gpu_types, "no worker node type declares GPU resources"
    for name, node in gpu_types.items():
        assert node["min_workers"] == 0, f"{name}: min_workers is {node['min_workers']}; idle GPUs cost money"
        assert 1 <= node["max_workers"] <= config["max_workers"], \
            f"{name}: max_workers {node['max_workers']} must be in 1..the top-level max_workers ({config['max_workers']})"


def test_every_node_type_declares_its_cpus_and_gpus(config):
    # Declared, the autoscaler knows what a node offers before launching one, and a GPU
    # instance used as head would still offer no GPU to trials.
    for name, node in _node_types(config).items():
        assert {"CPU", "GPU"} <= set(node["resources"]), f"{name}: resources {node['resources']} lack CPU or GPU"


def test_head_node_has_no_gpu(config):
    head = _node_types(config)[config["head_node_type"]]
    assert head["resources"]["GPU"] == 0


def test_every_node_type_names_its_image(config):
    # Without one, Ray falls back to an old Ubuntu 18.04 Deep Learning AMI.
    for name, node in _node_types(config).items():
        image = node["node_config"].get("ImageId", "")
        assert image.startswith("ami-"), f"{name}: ImageId is {image!r}"


def test_gpu_workers_have_an_instance_profile_to_write_checkpoints(config):
    # Trials write checkpoints to the S3 storage path from the worker that runs them; Ray
    # gives an instance profile to the head only.
    for name, node in _worker_types(config).items():
        assert "IamInstanceProfile" in node["node_config"], f"{name}: no IamInstanceProfile"


def test_only_ssh_is_open_to_the_world(config):
    # Ray makes the group (SSH from anywhere, all traffic between the cluster's nodes) and adds
    # IpPermissions; a node type naming its own groups would bypass all of this.
    for name, node in _node_types(config).items():
        assert "SecurityGroupIds" not in node["node_config"], f"{name}: own security groups; check them by hand"
    rules = config["provider"].get("security_group", {}).get("IpPermissions", [])
    assert not [rule for rule in rules if _opens_more_than_ssh_to_the_world(rule)]


@pytest.mark.parametrize("rule, world_open", [
    ({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, False),
    ({"IpProtocol": "TCP", "FromPort": 8265, "ToPort": 8265, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, False),
    ({"IpProtocol": "TCP", "FromPort": 8265, "ToPort": 8265, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, True),
    ({"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}, True),
    ({"IpProtocol": "tcp", "FromPort": 20, "ToPort": 25, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, True),
    ({"IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, True),
    ({"IpProtocol": "udp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, True),
])
def test_world_open_rules_other_than_ssh_are_recognised(rule, world_open):
    assert _opens_more_than_ssh_to_the_world(rule) is world_open


def test_dashboard_listens_on_localhost_only(config):
    assert _flag_value(_head_ray_start(config), "--dashboard-host") in ("127.0.0.1", "localhost")
    for command in config["head_start_ray_commands"] + config["worker_start_ray_commands"]:
        assert "0.0.0.0" not in command, command


def test_ray_runs_with_token_auth_on_every_node(config):
    head_start, worker_start = config["head_start_ray_commands"], config["worker_start_ray_commands"]
    assert "RAY_AUTH_MODE=token" in _head_ray_start(config)
    assert any("RAY_AUTH_MODE=token" in c and "ray start" in c and "--address" in c for c in worker_start)
    # The head makes the token before Ray starts; the workers get a copy of it.
    generate = next(i for i, c in enumerate(head_start) if "ray get-auth-token --generate" in c)
    start = next(i for i, c in enumerate(head_start) if "ray start" in c)
    assert generate < start
    assert "~/.ray/auth_token" in config["cluster_synced_files"]


def test_idle_workers_are_removed(config):
    assert config["idle_timeout_minutes"] > 0


def test_setup_installs_torch_and_the_synced_project_on_every_node(config):
    synced = [remote for remote, local in config["file_mounts"].items() if local in (".", "./")]
    assert len(synced) == 1, f"file_mounts should sync the project folder '.' once: {config['file_mounts']}"
    prepared = prepare_config(config)  # merges setup_commands into the head's and the workers'
    for key in ("head_setup_commands", "worker_setup_commands"):
        installs = [shlex.split(c) for c in prepared[key] if "pip install" in c]
        assert any("torch" in words and "-e" in words and synced[0] in words for words in installs), \
            f"{key} do not `pip install torch ... -e {synced[0]}`"


def test_sync_leaves_out_environments_results_and_git(config):
    # rsync_filter ".gitignore" applies each .gitignore in the synced tree to the sync.
    assert ".gitignore" in config["rsync_filter"]
    ignored = (REPO_ROOT / ".gitignore").read_text().split()
    assert {".venv/", "results/", "__pycache__/"} <= set(ignored)
    assert "**/.git" in config["rsync_exclude"]


def test_data_location_is_set_in_one_place(config):
    commands = _all_commands(config)
    setters = [c for c in commands if re.search(r"\bFER2013_(PATH|S3)=(?!\$)", c)]  # literal values only
    assert len(setters) == 1, f"FER2013_PATH / FER2013_S3 should be set by one command, not {len(setters)}"
    data_command = setters[0]
    assert data_command in config["head_setup_commands"]
    for name in ("FER2013_S3", "FER2013_PATH"):
        value = re.search(rf"\b{name}=(\S+)", data_command).group(1)
        spellings = {value, value.replace("$HOME", "~")}
        assert not [c for c in commands if c != data_command and any(s in c for s in spellings)], \
            f"{value} is written out elsewhere too"
    assert re.search(r'aws s3 sync .*"\$FER2013_S3" "\$FER2013_PATH"', data_command)
    assert re.search(r"export FER2013_PATH=\$FER2013_PATH\b.*>> ~/\.bashrc", data_command), \
        "FER2013_PATH is not exported for jobs"
