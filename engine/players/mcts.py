"""PUCT Monte Carlo tree search with per-seat value vectors and max-n backup.

    from engine.players import MCTSPlayer, HeuristicEvaluator
    p = MCTSPlayer(HeuristicEvaluator(), simulations=200, seed=1)

Tree: each ``Node`` holds the state after its move (bookkeeping moves applied on the way: a state
whose only legal move is a ``no_*_action`` is passed through, never branched on), the player to act
there, its legal moves and priors (from the ``Evaluator``), its children (created lazily), the visit
count ``N`` and ``W``, the sum of backed-up values indexed by *absolute* player number (index 0
unused). The seat convention (``base.py``) is used only at the evaluator boundary and in
``SearchStats``.

One simulation: from the root, pick at each expanded node the child maximising
``Q + c_puct * P * sqrt(N_node) / (1 + N_child)`` where ``Q`` is the child's mean value for the
*node's* player (max-n: each player maximises its own entry; an unvisited child gets the node's
own mean for that player as first-play value), create the first unexpanded child met, evaluate it
(exact values when the game is over), and add its value vector to every node on the path.
The game has no chance moves; transpositions are ignored (a tree, not a graph).

Root noise (``add_noise=True``, for self-play): the priors become ``(1 - frac) P + frac Dir(alpha)``.
Choice: ``temperature == 0`` takes the most visited move (ties: higher Q, then lower index);
``temperature > 0`` samples proportionally to ``N^(1/T)``. ``last_stats``: every legal move, the
visit-count policy, the root value vector (seat convention), the chosen index, and ``evaluated``
(evaluator calls); ``last_visits`` and ``last_simulations`` keep the raw counts.
"""

from __future__ import annotations

import math
import random
from bisect import insort
from collections.abc import Generator

from engine.game import GameState, Move, apply_in_place, legal_moves

from .base import Player, SearchStats
from .evaluator import Evaluation, Evaluator, HeuristicEvaluator, absolute_values, seat_values, terminal_values
from .gc_pause import relaxed_gc

LOG_FLOOR = -1e9


def pass_bookkeeping(state: GameState) -> list[Move]:
    """Apply forced bookkeeping moves in place; return the legal moves of the first real decision
    (``[]`` when the game is over)."""
    while not state.is_over:
        legal = legal_moves(state)
        if len(legal) == 1 and legal[0].is_bookkeeping:
            apply_in_place(state, legal[0])
            continue
        return legal
    return []


class Node:
    __slots__ = ("state", "player", "moves", "priors", "children", "N", "W", "terminal", "value", "created",
                 "sel")

    def __init__(self, state: GameState, moves: list[Move]) -> None:
        self.state = state
        self.player = state.current_player
        self.moves = moves
        self.priors: list[float] | None = None  # None = not expanded yet
        self.children: list[Node | None] = [None] * len(moves)
        self.N = 0
        self.W = [0.0] * (state.num_players + 1)
        self.terminal = state.is_over
        self.value: list[float] | None = None  # absolute values of the leaf evaluation
        self.created: list[int] = []  # indices of the children created so far, ascending
        self.sel = None  # Gumbel selection constants of this node (``Tree.select_gumbel``)

    def q(self, player: int) -> float:
        return self.W[player] / self.N if self.N else 0.0


class Tree:
    """The search machinery shared by ``MCTSPlayer`` and ``GumbelPlayer``.

    A simulation is split so leaves can be evaluated in batches: ``descend`` walks from the root to
    a leaf (creating it), the caller gets the leaf evaluated (``needs_eval`` / ``expand``), then
    ``backup`` adds its value to the path. ``add_virtual`` / ``remove_virtual`` put a temporary
    loss on a pending path so the next descent of the same batch prefers other branches.
    """

    def __init__(self, evaluator: Evaluator, c_puct: float, nonroot: str = "puct",
                 c_visit: float = 50.0, c_scale: float = 1.0) -> None:
        if nonroot not in ("puct", "gumbel"):
            raise ValueError(f"nonroot must be 'puct' or 'gumbel', got {nonroot!r}")
        self.evaluator = evaluator
        self.c_puct = c_puct
        self.select = self.select_gumbel if nonroot == "gumbel" else self.select_puct
        self.c_visit = c_visit
        self.c_scale = c_scale
        self.evaluated = 0

    def new_root(self, state: GameState) -> Node:
        s = state.clone()
        return Node(s, pass_bookkeeping(s))

    @staticmethod
    def needs_eval(node: Node) -> bool:
        return node.value is None and not node.terminal

    def expand(self, node: Node, evaluation: Evaluation) -> list[float]:
        """Store the evaluator's priors and value for ``node``; returns its absolute values."""
        priors, vals = evaluation
        s = node.state
        node.priors = list(priors)
        node.value = absolute_values(vals, s.current_player, s.num_players)
        self.evaluated += 1
        return node.value

    def leaf_value(self, node: Node) -> list[float]:
        """Absolute values of an evaluated or terminal node."""
        if node.value is None:
            s = node.state
            node.value = absolute_values(terminal_values(s), s.current_player, s.num_players)
        return node.value

    def evaluate(self, node: Node) -> list[float]:
        """Expand ``node`` with a direct evaluator call (unbatched path)."""
        if self.needs_eval(node):
            return self.expand(node, self.evaluator.evaluate([node.state], [node.moves])[0])
        return self.leaf_value(node)

    def child(self, node: Node, i: int) -> tuple[Node, bool]:
        c = node.children[i]
        if c is not None:
            return c, False
        s = node.state.clone()
        apply_in_place(s, node.moves[i])
        c = node.children[i] = Node(s, pass_bookkeeping(s))
        insort(node.created, i)
        return c, True

    def select_puct(self, node: Node) -> int:
        p = node.player
        children = node.children
        priors = node.priors
        fpu = node.W[p] / node.N if node.N else 0.0
        k = self.c_puct * math.sqrt(node.N if node.N else 1)
        best = -math.inf
        best_i = 0
        for i, prior in enumerate(priors):
            c = children[i]
            if c is None or c.N == 0:
                sc = fpu + k * prior
            else:
                sc = c.W[p] / c.N + k * prior / (1 + c.N)
            if sc > best:
                best, best_i = sc, i
        return best_i

    def select_gumbel(self, node: Node) -> int:
        """Gumbel MuZero's deterministic non-root selection: argmax of the improved policy minus
        the visit share, ``pi'(a) - N(a) / (1 + sum N)``.

        Computed in O(visited children) instead of O(legal moves) (``improved_policy`` is the
        plain definition): every unvisited move has the same completed Q (the mixed value), so
        its improved probability is its prior times one common factor, the best of them is the
        unvisited move of highest prior (lowest index on ties), and their share of the softmax
        normaliser is ``exp(sigma_unvisited - top) * (sum of their priors)``. Same choice as the
        definition up to floating-point rounding of the normaliser."""
        sel = node.sel
        priors = node.priors
        if sel is None:  # [sum of the priors, the first move of highest prior, the prior order (lazy)]
            sel = node.sel = [sum(priors), priors.index(max(priors)), None]
        ptot = sel[0]
        p = node.player
        kids = node.children
        vis = []
        n_sum = 0
        n_max = 0
        pi_v = 0.0
        piq = 0.0
        for i in node.created:
            n = kids[i].N
            if n > n_max:
                n_max = n
            if n:
                q = kids[i].W[p] / n
                vis.append((i, q, n))
                n_sum += n
                pi_v += priors[i]
                piq += priors[i] * q
        best_u = -1
        if len(vis) < len(priors):
            c = kids[sel[1]]
            if c is None or not c.N:
                best_u = sel[1]
            else:
                if sel[2] is None:
                    sel[2] = sorted(range(len(priors)), key=priors.__getitem__, reverse=True)  # stable: ties by index
                for i in sel[2]:
                    c = kids[i]
                    if c is None or not c.N:
                        best_u = i
                        break
        if not vis:
            return best_u
        v = node.value[p] if node.value is not None else 0.0
        mixed = v if pi_v <= 0 else (v + n_sum * piq / pi_v) / (1 + n_sum)
        lo = hi = vis[0][1]
        for _, q, _ in vis:
            if q < lo:
                lo = q
            elif q > hi:
                hi = q
        if best_u >= 0:
            lo = min(lo, mixed)
            hi = max(hi, mixed)
        span = hi - lo
        scale = (self.c_visit + n_max) * self.c_scale
        log = math.log
        logits = [(log(priors[i]) if priors[i] > 0 else LOG_FLOOR) + scale * ((q - lo) / span if span > 1e-8 else 0.5)
                  for i, q, _ in vis]
        top = max(logits)
        if best_u >= 0:
            su = scale * ((mixed - lo) / span if span > 1e-8 else 0.5)
            lu = (log(priors[best_u]) if priors[best_u] > 0 else LOG_FLOOR) + su
            if lu > top:
                top = lu
        ex = [math.exp(x - top) for x in logits]
        z = sum(ex)
        if best_u >= 0:
            z += math.exp(su - top) * max(0.0, ptot - pi_v)
            best, best_i = math.exp(lu - top) / z, best_u
        else:
            best, best_i = -math.inf, 0
        total = 1 + n_sum
        for (i, _, n), e in zip(vis, ex):
            sc = e / z - n / total
            if sc > best or (sc == best and i < best_i):
                best, best_i = sc, i
        return best_i

    def select_gumbel_reference(self, node: Node) -> int:
        """``select_gumbel`` by the definition, over every legal move (for the tests)."""
        improved = improved_policy(node, self.c_visit, self.c_scale)
        children = node.children
        total = 1 + sum(c.N for c in children if c is not None)
        best = -math.inf
        best_i = 0
        for i, pi in enumerate(improved):
            c = children[i]
            sc = pi - (c.N if c is not None else 0) / total
            if sc > best:
                best, best_i = sc, i
        return best_i

    def descend(self, root: Node, first: int | None = None) -> tuple[list[Node], Node]:
        """From ``root`` (expanded) to a new or unexpanded leaf; ``first`` forces the root's move."""
        path = [root]
        node = root
        i = first
        while not node.terminal:
            if i is None:
                i = self.select(node)
            node, created = self.child(node, i)
            path.append(node)
            i = None
            if created or node.priors is None:
                break
        return path, node

    @staticmethod
    def backup(path: list[Node], v: list[float]) -> None:
        for nd in path:
            nd.N += 1
            W = nd.W
            for q in range(1, len(W)):
                W[q] += v[q]

    @staticmethod
    def add_virtual(path: list[Node], sign: int = 1) -> None:
        path[0].N += sign
        for parent, nd in zip(path, path[1:]):
            nd.N += sign
            nd.W[parent.player] -= sign

    def remove_virtual(self, path: list[Node]) -> None:
        self.add_virtual(path, -1)

    def simulate(self, root: Node, first: int | None = None) -> list[float]:
        """One unbatched simulation (descend, evaluate, backup)."""
        path, leaf = self.descend(root, first)
        v = self.evaluate(leaf)
        self.backup(path, v)
        return v


def completed_q(node: Node, v_node: float) -> list[float]:
    """Completed Q for the node's player: the mean value of a visited move, the mixed value
    ``(v + N_sum / sum_visited(pi) * sum_visited(pi q)) / (1 + N_sum)`` for an unvisited one."""
    p = node.player
    priors = node.priors
    kids = node.children
    n_sum = 0
    pi_v = 0.0
    piq = 0.0
    qs = [None] * len(kids)
    for i, c in enumerate(kids):
        if c is not None and c.N:
            q = c.W[p] / c.N
            qs[i] = q
            n_sum += c.N
            pi_v += priors[i]
            piq += priors[i] * q
    mixed = v_node if n_sum == 0 or pi_v <= 0 else (v_node + n_sum * piq / pi_v) / (1 + n_sum)
    return [mixed if q is None else q for q in qs]


def sigma_q(node: Node, v_node: float, c_visit: float, c_scale: float) -> list[float]:
    """``sigma(q) = (c_visit + max_b N(b)) * c_scale * q`` of the completed Q min-max rescaled to [0, 1]."""
    q = completed_q(node, v_node)
    lo, hi = min(q), max(q)
    span = hi - lo
    q = [(x - lo) / span if span > 1e-8 else 0.5 for x in q]
    scale = (c_visit + max((c.N for c in node.children if c is not None), default=0)) * c_scale
    return [scale * x for x in q]


def log_priors(priors: list[float]) -> list[float]:
    return [math.log(x) if x > 0 else LOG_FLOOR for x in priors]


def softmax(xs: list[float]) -> list[float]:
    top = max(xs)
    ex = [math.exp(x - top) for x in xs]
    z = sum(ex)
    return [e / z for e in ex]


def improved_policy(node: Node, c_visit: float, c_scale: float) -> list[float]:
    """``softmax(log prior + sigma(completed Q))`` at an expanded node, for the node's player."""
    v = node.value[node.player] if node.value is not None else 0.0
    sq = sigma_q(node, v, c_visit, c_scale)
    return softmax([lp + s for lp, s in zip(log_priors(node.priors), sq)])


def run_search(search: Generator[list[Node], list[Evaluation], Move], evaluator: Evaluator) -> Move:
    """Drive a search generator to its move, evaluating each batch of leaves it asks for."""
    with relaxed_gc():
        try:
            req = next(search)
            while True:
                req = search.send(evaluator.evaluate([n.state for n in req], [n.moves for n in req]))
        except StopIteration as stop:
            return stop.value


def dirichlet(rng: random.Random, alpha: float, k: int) -> list[float]:
    xs = [rng.gammavariate(alpha, 1.0) for _ in range(k)]
    z = sum(xs)
    return [x / z for x in xs] if z > 0 else [1.0 / k] * k


class MCTSPlayer(Player):
    kind = "mcts"

    def __init__(self, evaluator: Evaluator | None = None, simulations: int = 200, c_puct: float = 1.5,
                 dirichlet_alpha: float = 0.3, dirichlet_frac: float = 0.25, add_noise: bool = False,
                 temperature: float = 0.0, leaf_batch: int = 1, seed: int = 0, name: str | None = None) -> None:
        super().__init__(seed, name)
        if simulations < 1 or leaf_batch < 1:
            raise ValueError("simulations and leaf_batch must be >= 1")
        self.leaf_batch = int(leaf_batch)
        self.evaluator = evaluator if evaluator is not None else HeuristicEvaluator()
        self.simulations = int(simulations)
        self.c_puct = float(c_puct)
        self.dirichlet_alpha = float(dirichlet_alpha)
        self.dirichlet_frac = float(dirichlet_frac)
        self.add_noise = bool(add_noise)
        self.temperature = float(temperature)
        self.last_visits: tuple[int, ...] = ()
        self.last_simulations = 0

    def spec(self) -> dict:
        ev = getattr(self.evaluator, "spec", None)
        return {"kind": self.kind, "name": self.name, "seed": self.seed, "simulations": self.simulations,
                "c_puct": self.c_puct, "add_noise": self.add_noise, "temperature": self.temperature,
                "leaf_batch": self.leaf_batch,
                "evaluator": ev() if callable(ev) else type(self.evaluator).__name__}

    def choose(self, state: GameState) -> Move:
        return run_search(self.search(state), self.evaluator)

    def search(self, state: GameState) -> Generator[list[Node], list[Evaluation], Move]:
        """The search as a generator: yields batches of leaves to evaluate, returns the move."""
        legal = legal_moves(state)
        if not legal:
            raise ValueError(f"no legal move in {state!r}")
        tree = Tree(self.evaluator, self.c_puct)
        root = Node(state.clone(), legal)
        tree.expand(root, (yield [root])[0])
        if self.add_noise and len(legal) > 1:
            noise = dirichlet(self.rng, self.dirichlet_alpha, len(legal))
            f = self.dirichlet_frac
            root.priors = [(1 - f) * p + f * e for p, e in zip(root.priors, noise)]
        root.N = 1
        root.W = list(root.value)
        done = 0
        while done < self.simulations:
            pending: list[tuple[list[Node], Node]] = []
            leaves: list[Node] = []
            for _ in range(min(self.leaf_batch, self.simulations - done)):
                path, leaf = tree.descend(root)
                if not tree.needs_eval(leaf):
                    tree.backup(path, tree.leaf_value(leaf))
                    done += 1
                    continue
                if all(leaf is not x for x in leaves):
                    leaves.append(leaf)
                tree.add_virtual(path)
                pending.append((path, leaf))
            if leaves:
                for leaf, ev in zip(leaves, (yield leaves)):
                    tree.expand(leaf, ev)
            for path, leaf in pending:
                tree.remove_virtual(path)
                tree.backup(path, leaf.value)
                done += 1
        visits = [c.N if c is not None else 0 for c in root.children]
        chosen = self._pick(root, visits)
        total = sum(visits)
        policy = tuple(v / total for v in visits)
        n = state.num_players
        p = state.current_player
        values = seat_values([w / root.N for w in root.W], p, n)
        self.last_visits = tuple(visits)
        self.last_simulations = self.simulations
        self.last_stats = SearchStats(moves=tuple(legal), policy=policy, values=values, chosen=chosen,
                                      legal_count=len(legal), evaluated=tree.evaluated)
        return legal[chosen]

    def _pick(self, root: Node, visits: list[int]) -> int:
        p = root.player
        if self.temperature <= 0:
            return max(range(len(visits)), key=lambda i: (visits[i], root.children[i].q(p) if visits[i] else -2.0, -i))
        inv = 1.0 / self.temperature
        top = max(visits)
        w = [(v / top) ** inv if v else 0.0 for v in visits]
        r = self.rng.random() * sum(w)
        acc = 0.0
        for i, x in enumerate(w):
            acc += x
            if r < acc:
                return i
        return max(i for i, x in enumerate(w) if x > 0)
