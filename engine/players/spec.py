"""``PlayerSpec``: what plays a game (self-play, evaluation), with a stable id; building players from specs.

    spec = PlayerSpec("gumbel", model_id="m-0042", simulations=64, label="gen 42")
    spec.spec_id                 # sha256 of the canonical JSON (label excluded): the rating key
    PlayerSpec.from_json(spec.to_json()) == spec
    cache = EvaluatorCache(model_loader=store_loader)     # model_loader(model_id) -> Evaluator
    player = make_player(spec, seed=7, evaluators=cache)

Normalisation: the constructor fills the defaults of the player classes, so equal players get
equal ids however they were written: ``random`` and ``heuristic`` carry no search budget and no
model (``heuristic`` gets ``profile`` default ``heuristic_v1``); ``mcts`` gets ``simulations`` 200,
``gumbel`` 64 and ``max_considered`` 16; a search spec without ``model_id`` searches over the
``HeuristicEvaluator`` of ``profile`` (default ``heuristic_v1``), one with a ``model_id`` over the
network (``profile`` must then be unset). ``options`` are further keyword arguments of the search
player (``c_puct``, ``leaf_batch``, ``c_visit``, ...): an option equal to the class default is
dropped. ``label`` is for display only and not part of the id (two labels of one player are one
rating).

Evaluators are shared: an ``EvaluatorCache`` keeps one evaluator per model id (loaded once through
the caller's ``model_loader``, so this package never knows the artifact store) and one
``HeuristicEvaluator`` per profile. Every game of a run gets its players from one cache, so the
lockstep runner batches all positions of one model into one evaluator call.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .base import Player
from .evaluator import Evaluator, HeuristicEvaluator
from .gumbel import GumbelPlayer
from .heuristic import DEFAULT_PROFILE, HeuristicPlayer
from .mcts import MCTSPlayer
from .policy_player import PolicyPlayer
from .random_player import RandomPlayer

KINDS = ("random", "heuristic", "mcts", "gumbel", "policy")  # policy: a network's raw policy, no search
SPEC_VERSION = 1  # part of the canonical JSON: bump only with a deliberate re-keying of every rating

_SEARCH_CLASSES = {"mcts": MCTSPlayer, "gumbel": GumbelPlayer}
# keyword arguments of the search players that are spec fields or set by make_player
_RESERVED = {"self", "evaluator", "simulations", "max_considered", "seed", "name"}


def _class_defaults(cls: type) -> dict[str, Any]:
    sig = inspect.signature(cls.__init__)
    return {k: p.default for k, p in sig.parameters.items()
            if k not in _RESERVED and p.default is not inspect.Parameter.empty}


_OPTION_DEFAULTS = {kind: _class_defaults(cls) for kind, cls in _SEARCH_CLASSES.items()}
_OPTION_DEFAULTS_BUDGET = {
    kind: {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()
           if k in ("simulations", "max_considered")}
    for kind, cls in _SEARCH_CLASSES.items()
}


def _normalise_option(kind: str, key: str, value: Any) -> tuple[Any, bool]:
    """(value with the type of the class default, whether it equals the default)."""
    defaults = _OPTION_DEFAULTS[kind]
    if key not in defaults:
        raise ValueError(f"unknown {kind} option {key!r} (known: {', '.join(sorted(defaults))})")
    d = defaults[key]
    if not isinstance(value, (bool, int, float, str)):
        raise ValueError(f"option {key!r} must be a JSON scalar, got {value!r}")
    if isinstance(d, bool) or isinstance(value, bool):
        if not (isinstance(d, bool) and isinstance(value, bool)):
            raise ValueError(f"option {key!r} must be {type(d).__name__}, got {value!r}")
    elif isinstance(d, float) and isinstance(value, int):
        value = float(value)
    elif type(value) is not type(d):
        raise ValueError(f"option {key!r} must be {type(d).__name__}, got {value!r}")
    return value, value == d


@dataclass(frozen=True)
class PlayerSpec:
    """An evaluation player: engine kind, network model, search budget, heuristic profile, label."""

    kind: str
    model_id: str | None = None
    simulations: int | None = None
    max_considered: int | None = None
    profile: str | None = None
    options: tuple[tuple[str, Any], ...] | Mapping[str, Any] = ()  # stored as a sorted tuple of pairs
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        kind = self.kind
        if kind not in KINDS:
            raise ValueError(f"unknown player kind {kind!r} (known: {', '.join(KINDS)})")
        opts = dict(self.options.items() if isinstance(self.options, Mapping) else self.options)
        sims, mc, profile, model = self.simulations, self.max_considered, self.profile, self.model_id
        if model is not None and (not isinstance(model, str) or not model):
            raise ValueError(f"model_id must be a non-empty string or None, got {model!r}")
        if kind in ("random", "heuristic"):
            if model is not None or sims is not None or mc is not None or opts:
                raise ValueError(f"a {kind} spec takes no model_id, simulations, max_considered or options")
            if kind == "random" and profile is not None:
                raise ValueError("a random spec takes no profile")
            if kind == "heuristic" and profile is None:
                profile = DEFAULT_PROFILE
        elif kind == "policy":
            if model is None or sims is not None or mc is not None or profile is not None or opts:
                raise ValueError("a policy spec takes a model_id and no simulations, max_considered, profile "
                                 "or options")
        else:
            sims = _OPTION_DEFAULTS_BUDGET[kind]["simulations"] if sims is None else sims
            if isinstance(sims, bool) or not isinstance(sims, int) or sims < 1:
                raise ValueError(f"simulations must be an int >= 1, got {sims!r}")
            if kind == "gumbel":
                mc = _OPTION_DEFAULTS_BUDGET[kind]["max_considered"] if mc is None else mc
                if isinstance(mc, bool) or not isinstance(mc, int) or mc < 1:
                    raise ValueError(f"max_considered must be an int >= 1, got {mc!r}")
            elif mc is not None:
                raise ValueError("max_considered is a gumbel option")
            if model is not None and profile is not None:
                raise ValueError("a network spec (model_id) takes no heuristic profile")
            if model is None and profile is None:
                profile = DEFAULT_PROFILE
            for k, v in list(opts.items()):
                value, is_default = _normalise_option(kind, k, v)
                if is_default:
                    del opts[k]
                else:
                    opts[k] = value
        if profile is not None and (not isinstance(profile, str) or not profile):
            raise ValueError(f"profile must be a profile name, got {profile!r}")
        set_ = object.__setattr__
        set_(self, "simulations", sims)
        set_(self, "max_considered", mc)
        set_(self, "profile", profile)
        set_(self, "options", tuple(sorted(opts.items())))
        set_(self, "label", str(self.label or ""))

    # -- identity ---------------------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        """The fields that define the player (everything but the label)."""
        return {"v": SPEC_VERSION, "kind": self.kind, "model_id": self.model_id, "simulations": self.simulations,
                "max_considered": self.max_considered, "profile": self.profile, "options": dict(self.options)}

    def canonical_json(self) -> str:
        return json.dumps(self.identity(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    @property
    def spec_id(self) -> str:
        """sha256 (hex) of ``canonical_json()``: stable across processes, versions and labels."""
        return hashlib.sha256(self.canonical_json().encode("ascii")).hexdigest()

    @property
    def is_network(self) -> bool:
        return self.model_id is not None

    @property
    def name(self) -> str:
        """The label, or a readable default (``mcts-64``, ``gumbel-64/16:m-0042``)."""
        if self.label:
            return self.label
        if self.kind == "random":
            return "random"
        if self.kind == "heuristic":
            return "heuristic" if self.profile == DEFAULT_PROFILE else f"heuristic:{self.profile}"
        if self.kind == "policy":
            return f"policy:{self.model_id}"
        budget = f"{self.simulations}" + (f"/{self.max_considered}" if self.kind == "gumbel" else "")
        src = f":{self.model_id}" if self.model_id else ("" if self.profile == DEFAULT_PROFILE else f":{self.profile}")
        return f"{self.kind}-{budget}{src}"

    def with_label(self, label: str) -> PlayerSpec:
        return PlayerSpec(self.kind, self.model_id, self.simulations, self.max_considered, self.profile,
                          self.options, label)

    # -- JSON -------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict: the identity fields, ``label`` and ``spec_id`` (informative)."""
        d = self.identity()
        d["label"] = self.label
        d["spec_id"] = self.spec_id
        return d

    @classmethod
    def from_json(cls, obj: Mapping[str, Any] | str) -> PlayerSpec:
        """Inverse of ``to_json`` (a dict or its JSON text). A ``spec_id`` present must match."""
        d = dict(json.loads(obj) if isinstance(obj, str) else obj)
        v = d.pop("v", SPEC_VERSION)
        if v != SPEC_VERSION:
            raise ValueError(f"player spec version {v!r} not supported (this is {SPEC_VERSION})")
        sid = d.pop("spec_id", None)
        known = {"kind", "model_id", "simulations", "max_considered", "profile", "options", "label"}
        extra = set(d) - known
        if extra:
            raise ValueError(f"unknown player spec keys {sorted(extra)}")
        spec = cls(kind=d["kind"], model_id=d.get("model_id"), simulations=d.get("simulations"),
                   max_considered=d.get("max_considered"), profile=d.get("profile"),
                   options=tuple((d.get("options") or {}).items()), label=d.get("label") or "")
        if sid is not None and sid != spec.spec_id:
            raise ValueError(f"spec_id {sid} does not match the spec ({spec.spec_id})")
        return spec


RANDOM_SPEC = PlayerSpec("random")
RANDOM_SPEC_ID = RANDOM_SPEC.spec_id


class EvaluatorCache:
    """One evaluator per model id (through ``model_loader``) and one ``HeuristicEvaluator`` per profile."""

    def __init__(self, model_loader: Callable[[str], Evaluator] | None = None) -> None:
        self.model_loader = model_loader
        self.models: dict[str, Evaluator] = {}
        self.heuristics: dict[str, HeuristicEvaluator] = {}

    def network(self, model_id: str) -> Evaluator:
        ev = self.models.get(model_id)
        if ev is None:
            if self.model_loader is None:
                raise ValueError(f"model {model_id!r} needed but no model_loader was given")
            ev = self.model_loader(model_id)
            if ev is None:
                raise ValueError(f"model_loader returned None for {model_id!r}")
            self.models[model_id] = ev
        return ev

    def heuristic(self, profile: str = DEFAULT_PROFILE) -> HeuristicEvaluator:
        ev = self.heuristics.get(profile)
        if ev is None:
            ev = self.heuristics[profile] = HeuristicEvaluator(profile)
        return ev

    def for_spec(self, spec: PlayerSpec) -> Evaluator | None:
        """The evaluator a search or policy spec uses (None for random / heuristic)."""
        if spec.kind == "policy":
            return self.network(spec.model_id)
        if spec.kind not in _SEARCH_CLASSES:
            return None
        return self.network(spec.model_id) if spec.model_id is not None else self.heuristic(spec.profile)


def as_cache(evaluators: EvaluatorCache | Callable[[str], Evaluator] | None) -> EvaluatorCache:
    """An ``EvaluatorCache`` from a cache, a bare ``model_loader`` or None."""
    if isinstance(evaluators, EvaluatorCache):
        return evaluators
    return EvaluatorCache(evaluators)


def make_player(spec: PlayerSpec, seed: int = 0,
                evaluators: EvaluatorCache | Callable[[str], Evaluator] | None = None, *,
                player_class: type[Player] | None = None, **extra: Any) -> Player:
    """A fresh player for ``spec``; network models come from ``evaluators`` (a cache, or a bare
    ``model_loader(model_id) -> Evaluator``; pass one cache for all games of a run so they batch).

    ``player_class``: a subclass of the kind's class that plays the spec instead (self-play's
    temperature-scheduled Gumbel player), given ``extra`` keyword arguments besides the spec's."""
    name = spec.name
    if player_class is not None or extra:
        base = _SEARCH_CLASSES.get(spec.kind)
        if player_class is None or base is None or not issubclass(player_class, base):
            raise ValueError(f"player_class must be a subclass of the {spec.kind} player class to build it "
                             f"with further arguments (got {player_class!r}, {sorted(extra)})")
    if spec.kind == "random":
        return RandomPlayer(seed, name=name)
    if spec.kind == "heuristic":
        return HeuristicPlayer(seed, profile=spec.profile, name=name)
    cache = as_cache(evaluators)
    ev = cache.for_spec(spec)
    if spec.kind == "policy":
        return PolicyPlayer(ev, seed, name=name)
    kwargs = dict(spec.options)
    if spec.kind == "gumbel":
        kwargs["max_considered"] = spec.max_considered
    cls = player_class or _SEARCH_CLASSES[spec.kind]
    return cls(evaluator=ev, simulations=spec.simulations, seed=seed, name=name, **kwargs, **extra)
