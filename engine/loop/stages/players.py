"""The players the loop plays with: a model's Gumbel search at the self-play budget (self-play,
gauntlet, promotion and the status's rating all name a model's player by this spec), and the
loader that turns a model id into an evaluator."""

from __future__ import annotations

from engine.players import PlayerSpec

from ..artifacts import load_model, model_manifest_of
from ..context import Context


def search_spec(ctx: Context, model_id: str, label: str, *, simulations: int | None = None) -> PlayerSpec:
    """``model_id``'s Gumbel search with ``selfplay.simulations`` (or ``simulations``) and
    ``selfplay.max_considered``."""
    sp = ctx.cfg.selfplay
    return PlayerSpec("gumbel", model_id=model_id, simulations=int(simulations or sp.simulations),
                      max_considered=sp.max_considered, label=label)


def model_loader(ctx: Context, device: str = "auto"):
    """``load(model_id) -> NetworkEvaluator`` of the registered model's checkpoint in the store."""
    # torch: imported when a model is loaded, not by the callers that only read the store and database
    from engine.nn.evaluator import NetworkEvaluator
    from engine.nn.inference import Inference, set_cpu_threads

    set_cpu_threads(ctx.cfg.network.cpu_threads)

    def load(model_id: str):
        ck = load_model(ctx.store, model_manifest_of(ctx.db, model_id))
        return NetworkEvaluator(Inference(ck.net, device=device), model_id=ck.model_id)
    return load
