"""Prefect flows: the pipeline's stages as flows, and the master loop that chains them.

Flow names (deployments are ``<flow>/<deployment>``): selfplay, export, train, gauntlet, promote,
sync, prune, health, analysis, master-loop. See docs/PIPELINE.md.
"""

FLOWS = {
    "selfplay": "flows.selfplay:selfplay_flow",
    "export": "flows.export:export_flow",
    "train": "flows.train:train_flow",
    "gauntlet": "flows.gauntlet:gauntlet_flow",
    "promote": "flows.promote:promote_flow",
    "sync": "flows.sync:sync_flow",
    "prune": "flows.prune:prune_flow",
    "health": "flows.health:health_flow",
    "analysis": "flows.analysis:analysis_flow",
    "master-loop": "flows.master_loop:master_loop_flow",
}


def load_flow(name: str):
    """The flow object of a flow name (imports its module)."""
    import importlib

    module, _, attr = FLOWS[name].partition(":")
    return getattr(importlib.import_module(module), attr)
