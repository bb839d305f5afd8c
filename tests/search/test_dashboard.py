"""optuna-dashboard, as a real server on 127.0.0.1, shows the smoke search truthfully."""

from __future__ import annotations

from loopback import get_json
from spaces import SPACES


def test_dashboard_lists_the_study_and_its_trials_with_their_states(smoke_experiment, optuna_dashboard):
    dashboard = optuna_dashboard(f"sqlite:///{smoke_experiment[0]}/optuna.db")
    summaries = get_json(f"{dashboard}/api/studies")["study_summaries"]
    (study,) = [s for s in summaries if s["study_name"] == "smoke"]
    detail = get_json(f"{dashboard}/api/studies/{study['study_id']}")
    states = {trial["state"] for trial in detail["trials"]}
    assert len(detail["trials"]) == SPACES["smoke"].samples and {"Complete", "Pruned"} <= states
    for trial in detail["trials"]:
        attrs = {a["key"]: a["value"] for a in trial["user_attrs"]}
        assert int(attrs["epochs"]) == len(trial["intermediate_values"])
