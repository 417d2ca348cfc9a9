"""Conformance runner for the canonical RingRift contract vectors (``contract-vectors-v2``).

Usage::

    python -m engine.game.checks.conformance [--strict] [FOLDER]

prints one table row per vector (id, trusted?, outcome, mismatches) and a summary line, writes no
files, and exits non-zero iff a trusted vector (``TRUSTED.txt``) does not pass. ``FOLDER`` is the
conformance folder (holding ``contract-vectors-v2/`` and ``TRUSTED.txt``) or a folder of vector
files; by default ``$RINGRIFT_CONFORMANCE_DIR``, else ``<repo root>/../shared/conformance``.

How one vector is executed (``run_vector``; the Python-runner convention of VECTORS_FORMAT.md §5):

1. ``state_from_json(input.state)``; S(before) is measured on ``state_to_json`` of that state.
2. Apply ``input.move`` (or ``input.initialMove``) with ``apply_move``. If the move generator
   rejects it (``IllegalMoveError``), it is applied with ``force_move`` instead -- the reference
   runners apply vector moves without validation, and ``force_move`` exists for exactly this -- and
   the result is marked ``forced`` (shown as ``pass (forced)`` etc., with the rejection reason in the
   notes). With ``force=False`` (CLI ``--strict``) a rejected move makes the outcome ``error``. Any
   other exception is an ``error`` too.
3. Chain resolution: if the state is now in ``chain_capture`` and neither the expected
   ``currentPhase`` is ``chain_capture`` nor the expected status ``awaiting_decision``, apply
   ``continue_capture_segment`` moves until the chain ends. The next segment is the first entry of
   ``input.expectedChainSequence`` not yet executed, matched against the legal continuations by
   (from, captureTarget, landing); when the vector has no sequence, the sequence is exhausted, or
   the listed segment is not legal, the continuation whose landing is closest to its target is
   taken (ties: lowest (from, target, landing) key) -- in the last case a mismatch
   ``expectedChainSequence[i]`` (0-based index into the list) is recorded as well, and so is a
   listed segment that is never reached because the chain ended first.
4. Bookkeeping injection: unless the expected ``currentPhase`` is one of ``line_processing``,
   ``territory_processing``, ``chain_capture``, ``capture``, ``forced_elimination`` or the expected
   status is ``awaiting_decision``, apply ``no_line_action`` / ``no_territory_action`` while such a
   move is the only legal move. ``no_placement_action``, ``no_movement_action`` and forced
   eliminations are never injected. (The expected ``currentPhase`` is authoritative over the
   expected status, e.g. ``multiplayer.line.2marker_no_line_3p`` expects ``complete`` but phase
   ``line_processing``: nothing is injected there.)
5. S(after) is measured; every assertion key is evaluated (``derive_actuals``) and compared
   (``compare_assertions``); ``expectedOutput.finalState`` is checked when present.

``expectedOutput.status`` is *not* compared: the vectors use it inconsistently (e.g.
``territory.hex_two_regions_then_elim.step1_regionB`` expects ``complete`` while the player still
owes the self-elimination) and the reference runners only use it to steer auto-completion. The
observed status is reported in the result's notes.

Everything after the engine calls is computed from ``state_to_json`` dicts and move dicts, so the
evaluators (``derive_actuals``, ``compare_assertions``, ``check_final_state``, ...) are pure
functions that can be tested without the engine. The engine is imported lazily by ``run_vector``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# -- constants -------------------------------------------------------------------------------------

VECTORS_SUBDIR = "contract-vectors-v2"
TRUSTED_FILE = "TRUSTED.txt"
ENV_DIR = "RINGRIFT_CONFORMANCE_DIR"

PASS, FAIL, ERROR, SKIP = "pass", "fail", "error", "skip"

CAPTURE_TYPES = frozenset({"overtaking_capture", "continue_capture_segment"})
INJECTABLE = frozenset({"no_line_action", "no_territory_action"})
# Expected phases that stop the bookkeeping injection (VECTORS_FORMAT.md §5).
NO_INJECT_PHASES = frozenset({"line_processing", "territory_processing", "chain_capture", "capture",
                              "forced_elimination"})
HEX_BOARDS = frozenset({"hex8", "hexagonal"})
MAX_AUTO_MOVES = 256  # safety bound on auto-completion (a chain never gets near it)

# Every assertion key of VECTORS_FORMAT.md §6, in table order (player2TerritorySpaces is supported by
# the TS validator but unused; it is evaluated too).
ASSERTION_KEYS = (
    "gameStatus", "markerCount", "stackCount", "collapsedCount", "currentPlayer", "sInvariantDelta",
    "currentPhase", "player1EliminatedRings", "player1RingsInHand", "player2EliminatedRings",
    "player2RingsInHand", "player1TerritorySpaces", "totalCapturesInChain", "finalStackHeight",
    "finalStackController", "targetStacksRemaining", "markersCreated", "victoryWinner",
    "pendingDecisionType", "victoryReason", "extractionCount", "noLineCollapse",
)


def repo_root() -> Path:
    """The project root (``engine/game/checks/conformance.py`` -> three levels up from ``engine``)."""
    return Path(__file__).resolve().parents[3]


def default_folder() -> Path:
    """``$RINGRIFT_CONFORMANCE_DIR`` if set, else ``<repo root>/../shared/conformance``."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    return repo_root().parent / "shared" / "conformance"


def vectors_dir(folder: str | os.PathLike) -> Path:
    """The folder holding the ``*.json`` vector files: ``folder/contract-vectors-v2`` or ``folder``."""
    folder = Path(folder)
    sub = folder / VECTORS_SUBDIR
    return sub if sub.is_dir() else folder


# -- data types ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Vector:
    """One contract vector, as loaded from its bundle file (dict fields are the raw JSON).

    ``skip`` is the upstream skip reason (the vector's ``skip`` field or a ``skip:<reason>`` tag),
    informational only: such vectors are still run. ``theoretical`` vectors (``*.reference.json`` /
    bundle ``"status": "theoretical"``) are known to violate the rules and are never run.
    """

    id: str
    file: str
    tags: tuple[str, ...]
    skip: str | None
    theoretical: bool
    state: dict = field(repr=False)
    move: dict = field(repr=False)
    expected_chain: tuple[dict, ...] = field(repr=False)
    expected_status: str | None = None
    assertions: dict = field(default_factory=dict, repr=False)
    final_state: dict | None = field(default=None, repr=False)
    category: str = ""
    description: str = ""

    @property
    def run_skip_reason(self) -> str | None:
        """Why ``run_vector`` does not execute this vector (None = it is executed)."""
        if self.theoretical:
            return (f"theoretical reference vector ({self.file}): known to violate the capture distance "
                    f"rule, not meant to pass; not executed")
        return None


Mismatch = tuple[str, Any, Any]  # (key, expected, actual)


@dataclass(frozen=True)
class VectorResult:
    id: str
    outcome: str  # "pass" | "fail" | "error" | "skip"
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None
    notes: tuple[str, ...] = ()
    forced: bool = False  # the input move was illegal for the generator and applied with force_move

    @property
    def label(self) -> str:
        """The outcome as shown in tables: ``pass``, ``pass (forced)``, ``fail (forced)``, ..."""
        return f"{self.outcome} (forced)" if self.forced else self.outcome

    @property
    def first_problem(self) -> str:
        if self.error:
            return self.error
        if self.mismatches:
            return format_mismatch(self.mismatches[0])
        return ""


@dataclass(frozen=True)
class ConformanceReport:
    folder: str
    vectors: tuple[Vector, ...]
    results: tuple[VectorResult, ...]

    def result(self, vid: str) -> VectorResult | None:
        for r in self.results:
            if r.id == vid:
                return r
        return None


@dataclass(frozen=True)
class Trace:
    """What a run observed, as JSON (engine-independent input of the evaluators).

    before       state_to_json of the deserialized input state
    after_move   state_to_json right after the vector's own move (before auto-completion)
    after        state_to_json after auto-completion (the state the assertions describe)
    mover        the player who made the vector's move
    move_type    type of the vector's move
    segments     capture segments applied during the run, in order, as (from, target, landing) cell
                 keys ("x,y" / "x,y,z"): the vector's move if it is a capture, then every
                 continuation applied by the chain resolution
    pending_decision  pending_decision_type() of the final state (needs its legal moves)
    """

    before: dict
    after_move: dict
    after: dict
    mover: int
    move_type: str
    segments: tuple[tuple[str, str, str], ...] = ()
    pending_decision: str | None = None


# -- loading ---------------------------------------------------------------------------------------

def _skip_reason(v: dict) -> str | None:
    if v.get("skip"):
        return str(v["skip"])
    for t in v.get("tags") or ():
        if isinstance(t, str) and t.startswith("skip:"):
            return t[len("skip:"):] or "skip tag"
    return None


def load_vectors(folder: str | os.PathLike) -> list[Vector]:
    """Every vector of every ``*.json`` bundle in the folder (sorted by file, then file order).

    ``*.reference.json`` theoretical files are listed too (``theoretical=True``) so that reports can
    name them with their reason; ``run_vector`` does not execute them.
    """
    vdir = vectors_dir(folder)
    if not vdir.is_dir():
        raise FileNotFoundError(f"conformance vectors folder not found: {vdir}")
    out: list[Vector] = []
    seen: set[str] = set()
    for path in sorted(vdir.glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        theoretical = path.name.endswith(".reference.json") or bundle.get("status") == "theoretical"
        for raw in bundle.get("vectors") or ():
            vid = raw["id"]
            if vid in seen:
                raise ValueError(f"duplicate vector id {vid!r} in {path.name}")
            seen.add(vid)
            inp = raw.get("input") or {}
            exp = raw.get("expectedOutput") or {}
            move = inp.get("move") if inp.get("move") is not None else inp.get("initialMove")
            out.append(Vector(
                id=vid, file=path.name, tags=tuple(raw.get("tags") or ()), skip=_skip_reason(raw),
                theoretical=theoretical, state=inp.get("state") or {}, move=move or {},
                expected_chain=tuple(inp.get("expectedChainSequence") or ()),
                expected_status=exp.get("status"), assertions=dict(exp.get("assertions") or {}),
                final_state=exp.get("finalState"), category=str(raw.get("category") or ""),
                description=str(raw.get("description") or ""),
            ))
    return out


def load_trusted(folder: str | os.PathLike) -> set[str]:
    """Ids listed in ``TRUSTED.txt`` (in ``folder`` or, given the ``contract-vectors-v2`` folder
    itself, in its parent).

    One id per line; blank lines and ``#`` comments are ignored. Missing file -> empty set.
    """
    folder = Path(folder)
    cands = [folder / TRUSTED_FILE]
    if folder.name == VECTORS_SUBDIR:
        cands.append(folder.parent / TRUSTED_FILE)
    for cand in cands:
        if cand.is_file():
            ids = set()
            for line in cand.read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    ids.add(line)
            return ids
    return set()


# -- pure helpers on the JSON format ---------------------------------------------------------------

def is_hex_state(state_json: dict) -> bool:
    return (state_json.get("board") or {}).get("type") in HEX_BOARDS


def pos_key(pos: Any, hex_board: bool = False) -> str | None:
    """Cell key of a position: ``{"x","y"[,"z"]}`` dict, coordinate tuple/list or key string.

    ``z: null`` counts as absent; on hex boards a missing z is completed as ``-x-y``.
    """
    if pos is None:
        return None
    if isinstance(pos, str):
        parts = [int(p) for p in pos.split(",")]
    elif isinstance(pos, dict):
        parts = [int(pos["x"]), int(pos["y"])]
        if pos.get("z") is not None:
            parts.append(int(pos["z"]))
    else:
        parts = [int(p) for p in pos]
    if hex_board and len(parts) == 2:
        parts.append(-parts[0] - parts[1])
    return ",".join(str(p) for p in parts)


def key_coords(key: str) -> tuple[int, ...]:
    return tuple(int(p) for p in key.split(","))


def cell_distance(a: str, b: str) -> int:
    """Steps between two cells on a common ray: max |Δ| over the coordinates (square and cube)."""
    return max(abs(x - y) for x, y in zip(key_coords(a), key_coords(b)))


def s_invariant(state_json: dict) -> int:
    """S = markers + collapsed cells + total eliminated rings (RR-CANON-R191).

    Total eliminated = ``totalRingsEliminated`` when present, else the sum of the players'
    ``eliminatedRings``.
    """
    board = state_json.get("board") or {}
    total = state_json.get("totalRingsEliminated")
    if total is None:
        total = sum(int(p.get("eliminatedRings") or 0) for p in state_json.get("players") or ())
    return len(board.get("markers") or {}) + len(board.get("collapsedSpaces") or {}) + int(total)


def player_entry(state_json: dict, number: int) -> dict | None:
    """The ``players`` entry of seat ``number`` (by ``playerNumber``, else by index)."""
    players = state_json.get("players") or []
    for p in players:
        if p.get("playerNumber") == number:
            return p
    if 0 < number <= len(players) and "playerNumber" not in players[number - 1]:
        return players[number - 1]
    return None


def _player_field(state_json: dict, number: int, name: str) -> Any:
    p = player_entry(state_json, number)
    return None if p is None else p.get(name)


def stack_at(state_json: dict, key: str | None) -> dict | None:
    if key is None:
        return None
    return ((state_json.get("board") or {}).get("stacks") or {}).get(key)


def stack_height(stack: dict | None) -> int | None:
    if stack is None:
        return None
    rings = stack.get("rings")
    return len(rings) if rings is not None else stack.get("stackHeight")


def stack_controller(stack: dict | None) -> int | None:
    """Controller = owner of the top ring (``rings[0]``; rings are listed top-first)."""
    if stack is None:
        return None
    rings = stack.get("rings")
    return rings[0] if rings else stack.get("controllingPlayer")


def marker_owner(state_json: dict, key: str) -> int | None:
    m = ((state_json.get("board") or {}).get("markers") or {}).get(key)
    if m is None:
        return None
    return int(m["player"]) if isinstance(m, dict) else int(m)


def board_rings_of(state_json: dict, player: int) -> int:
    """Rings of ``player``'s colour on the board (any depth of any stack)."""
    stacks = (state_json.get("board") or {}).get("stacks") or {}
    return sum(1 for st in stacks.values() for r in st.get("rings") or () if r == player)


def move_segment(move_json: dict, hex_board: bool) -> tuple[str, str, str] | None:
    """(from, captureTarget, landing) keys of a capture move dict, None for other moves."""
    if move_json.get("type") not in CAPTURE_TYPES:
        return None
    return (pos_key(move_json.get("from"), hex_board), pos_key(move_json.get("captureTarget"), hex_board),
            pos_key(move_json.get("to"), hex_board))


def chain_entry_segment(entry: dict, hex_board: bool) -> tuple[str, str, str]:
    """(from, captureTarget, landing) keys of an ``expectedChainSequence`` entry."""
    return (pos_key(entry.get("from"), hex_board), pos_key(entry.get("captureTarget"), hex_board),
            pos_key(entry.get("landing", entry.get("to")), hex_board))


def pending_decision_type(state_json: dict, legal_types: Iterable[str]) -> str | None:
    """The decision the player to act owes, from the phase and the legal move types.

    Interpretation (the key is attested only with ``select_line_to_process``, the TS ``line_order``
    decision; the other names are this runner's):

    - game not active -> None
    - ``line_processing``: an owed line reward (only ``eliminate_rings_from_stack`` legal) ->
      ``line_reward_elimination``; otherwise ``select_line_to_process``: the line step is the
      decision owed, whether its options are lines or only the explicit ``no_line_action``
      (docs/RULES.md, "Conformance vectors we disagree with": the multiplayer line vectors expect this key after
      a move whose own-marker collapses leave no line)
    - ``territory_processing``: ``choose_territory_option`` legal -> ``select_territory_region``;
      ``eliminate_rings_from_stack`` -> ``territory_self_elimination``; only
      ``no_territory_action`` -> ``no_territory_action``
    - ``chain_capture`` -> ``chain_capture``; ``capture`` -> ``capture_or_skip``;
      ``forced_elimination`` -> ``forced_elimination``
    - ``ring_placement`` / ``movement`` (ordinary turn actions, not decisions) -> None
    """
    if state_json.get("gameStatus", "active") != "active":
        return None
    types = set(legal_types)
    phase = state_json.get("currentPhase")
    if phase == "line_processing":
        if "eliminate_rings_from_stack" in types:
            return "line_reward_elimination"
        if types & {"process_line", "choose_line_option", "no_line_action"}:
            return "select_line_to_process"
        return None
    if phase == "territory_processing":
        if "choose_territory_option" in types:
            return "select_territory_region"
        if "eliminate_rings_from_stack" in types:
            return "territory_self_elimination"
        if "no_territory_action" in types:
            return "no_territory_action"
        return None
    return {"chain_capture": "chain_capture", "capture": "capture_or_skip",
            "forced_elimination": "forced_elimination"}.get(phase)


def observed_status(trace: Trace) -> str:
    """``complete`` if the game ended or the turn passed to another player, else
    ``awaiting_decision`` when the mover still owes a decision-phase move (chain, capture, line,
    territory, forced elimination), else ``complete`` (e.g. placement -> movement). Informational."""
    after = trace.after
    if after.get("gameStatus") != "active" or after.get("currentPlayer") != trace.mover:
        return "complete"
    if after.get("currentPhase") in ("chain_capture", "capture", "line_processing", "territory_processing",
                                     "forced_elimination"):
        return "awaiting_decision"
    return "complete"


# -- evaluators ------------------------------------------------------------------------------------

def derive_actuals(trace: Trace) -> dict[str, Any]:
    """The observed value of every assertion key (VECTORS_FORMAT.md §6) for a run.

    Board/player keys read ``trace.after`` (the state after auto-completion):
      gameStatus, currentPlayer, currentPhase   the state's fields
      markerCount / stackCount / collapsedCount len of board.markers / stacks / collapsedSpaces
      playerN{EliminatedRings,RingsInHand,TerritorySpaces}  players[seat N] fields (None if no seat)
      victoryWinner     ``winner`` (None = nobody)
      victoryReason     ``victoryReason`` (None while the game is active)
      sInvariantDelta   s_invariant(after) - s_invariant(before)
      pendingDecisionType  see pending_decision_type()

    Chain keys (``trace.segments`` = capture segments applied in this run: the vector's own move
    when it is a capture plus the continuations applied by chain resolution; segments made before
    the vector's input state are not known and not counted):
      totalCapturesInChain  len(segments)
      finalStackHeight      height of the stack on the last segment's landing cell in ``after``
                            (None if no segment was applied or no stack is there)
      finalStackController  controller (top ring owner) of that stack
      targetStacksRemaining number of distinct captureTarget cells of the segments that still hold
                            a stack in ``after``, not counting the capturing stack's own final cell
                            (a chain may come to rest on a target cell it emptied earlier)
      markersCreated        number of distinct departure (``from``) cells of the segments that hold
                            a marker of the mover in ``after`` (one per segment unless a later leg
                            collapsed the marker or landed on it, which the rules allow)

    Recovery keys, measured across the vector's own move only (``before`` -> ``after_move``), so
    that later territory processing does not leak in:
      extractionCount  for a ``recovery_slide``: rings of the mover's colour on the board before
                       minus after the slide (each buried-ring extraction removes exactly one; the
                       mover controls no stack, so nothing else of its colour leaves the board);
                       0 for any other move type
      noLineCollapse   True iff the move collapsed no cell (collapsedSpaces count unchanged)
    """
    before, after, mid = trace.before, trace.after, trace.after_move
    board = after.get("board") or {}
    segs = trace.segments
    final_key = segs[-1][2] if segs else None
    final_stack = stack_at(after, final_key)
    targets = {s[1] for s in segs if s[1] is not None} - {final_key}
    departures = {s[0] for s in segs if s[0] is not None}
    actual: dict[str, Any] = {
        "gameStatus": after.get("gameStatus"),
        "markerCount": len(board.get("markers") or {}),
        "stackCount": len(board.get("stacks") or {}),
        "collapsedCount": len(board.get("collapsedSpaces") or {}),
        "currentPlayer": after.get("currentPlayer"),
        "currentPhase": after.get("currentPhase"),
        "sInvariantDelta": s_invariant(after) - s_invariant(before),
        "totalCapturesInChain": len(segs),
        "finalStackHeight": stack_height(final_stack),
        "finalStackController": stack_controller(final_stack),
        "targetStacksRemaining": sum(1 for k in targets if stack_at(after, k) is not None),
        "markersCreated": sum(1 for k in departures if marker_owner(after, k) == trace.mover),
        "victoryWinner": after.get("winner"),
        "victoryReason": after.get("victoryReason"),
        "pendingDecisionType": trace.pending_decision,
        "extractionCount": (board_rings_of(before, trace.mover) - board_rings_of(mid, trace.mover)
                            if trace.move_type == "recovery_slide" else 0),
        "noLineCollapse": (len((mid.get("board") or {}).get("collapsedSpaces") or {})
                           == len((before.get("board") or {}).get("collapsedSpaces") or {})),
    }
    for n in (1, 2, 3, 4):
        actual[f"player{n}EliminatedRings"] = _player_field(after, n, "eliminatedRings")
        actual[f"player{n}RingsInHand"] = _player_field(after, n, "ringsInHand")
        actual[f"player{n}TerritorySpaces"] = _player_field(after, n, "territorySpaces")
    return actual


UNKNOWN = "<unknown assertion key>"


def values_equal(expected: Any, actual: Any) -> bool:
    """Strict JSON equality: bools only equal bools (True != 1), None only None, ints by value."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if expected is None or actual is None:
        return expected is None and actual is None
    return expected == actual


def compare_assertions(assertions: dict, actuals: dict) -> list[Mismatch]:
    """One (key, expected, actual) per assertion that does not hold, in the vector's key order.

    A key this runner does not know is reported as a mismatch with actual ``UNKNOWN`` (never
    silently ignored).
    """
    out: list[Mismatch] = []
    for key, expected in assertions.items():
        if key not in actuals:
            out.append((key, expected, UNKNOWN))
        elif not values_equal(expected, actuals[key]):
            out.append((key, expected, actuals[key]))
    return out


def check_final_state(final_state: dict | None, trace: Trace) -> list[Mismatch]:
    """``expectedOutput.finalState`` checks (extended chain vectors):

    - ``finalStackPosition``: must equal the capturing stack's final cell (last segment's landing;
      None if no segment ran), and a stack must stand there in ``after``.
    - ``markerPositions``: the set of marker cells on the board in ``after`` must equal this set
      (all markers, any owner; order ignored).
    Other finalState fields are reported as unknown.
    """
    if not final_state:
        return []
    hex_board = is_hex_state(trace.after) or is_hex_state(trace.before)
    out: list[Mismatch] = []
    for key, expected in final_state.items():
        name = f"finalState.{key}"
        if key == "finalStackPosition":
            exp_key = pos_key(expected, hex_board)
            act_key = trace.segments[-1][2] if trace.segments else None
            if exp_key != act_key:
                out.append((name, exp_key, act_key))
            elif stack_at(trace.after, act_key) is None:
                out.append((name, exp_key, f"{act_key} (no stack there)"))
        elif key == "markerPositions":
            exp_set = sorted(pos_key(p, hex_board) for p in expected or ())
            act_set = sorted(((trace.after.get("board") or {}).get("markers") or {}).keys())
            if exp_set != act_set:
                out.append((name, exp_set, act_set))
        else:
            out.append((name, expected, UNKNOWN))
    return out


def evaluate(vector: Vector, trace: Trace) -> list[Mismatch]:
    """All mismatches of a run: assertions (in vector order), then finalState."""
    return compare_assertions(vector.assertions, derive_actuals(trace)) + \
        check_final_state(vector.final_state, trace)


def format_value(v: Any) -> str:
    if isinstance(v, str) and v == UNKNOWN:
        return v
    return json.dumps(v) if not isinstance(v, str) else repr(v)


def format_mismatch(m: Mismatch) -> str:
    key, expected, actual = m
    return f"{key}: expected {format_value(expected)}, got {format_value(actual)}"


# -- auto-completion policy (pure) -----------------------------------------------------------------

def should_resolve_chain(vector: Vector) -> bool:
    """Resolve a pending chain unless the vector expects to stop in it (§5)."""
    return (vector.assertions.get("currentPhase") != "chain_capture"
            and vector.expected_status != "awaiting_decision")


def should_inject_bookkeeping(vector: Vector) -> bool:
    """Inject no_line_action / no_territory_action unless the vector expects a decision phase or
    ``awaiting_decision`` (§5)."""
    return (vector.assertions.get("currentPhase") not in NO_INJECT_PHASES
            and vector.expected_status != "awaiting_decision")


def pick_continuation(candidates: Sequence[tuple[str, str, str]], expected: tuple[str, str, str] | None
                      ) -> tuple[int, bool]:
    """Index of the continuation to play among ``candidates`` (segment keys) and whether it matched
    ``expected``: the expected segment if listed, else the one whose landing is closest to its
    target (ties broken by the lowest (from, target, landing) coordinates)."""
    if expected is not None:
        for i, seg in enumerate(candidates):
            if seg == expected:
                return i, True

    def rank(i: int):
        f, t, land = candidates[i]
        return (cell_distance(t, land), key_coords(f), key_coords(t), key_coords(land))

    return min(range(len(candidates)), key=rank), False


# -- running (engine-dependent) ------------------------------------------------------------------

def run_vector(vector: Vector, force: bool = True) -> VectorResult:
    """Execute one vector (see the module docstring) and compare every stated expectation.

    ``force``: apply an input move that the move generator rejects with ``engine.game.force_move``
    (as the reference runners do, which never validate vector moves); the result is then marked
    ``forced``. With ``force=False`` such a move makes the outcome ``error``.
    """
    if vector.run_skip_reason:
        return VectorResult(vector.id, SKIP, error=vector.run_skip_reason)
    try:
        import engine.game as eg
    except Exception as exc:  # noqa: BLE001 - the engine does not import: every vector errors the same way
        return VectorResult(vector.id, ERROR, error=f"engine.game does not import: {type(exc).__name__}: {exc}")
    notes: list[str] = []
    forced = False
    stage = "deserialize input.state"
    try:
        state = eg.state_from_json(vector.state)
        before = eg.state_to_json(state)
        hex_board = is_hex_state(before)
        stage = "read the input move"
        move = eg.move_from_json(vector.move)
        mover = move.player or state.current_player
        stage = "apply the input move"
        try:
            state = eg.apply_move(state, move)
        except eg.IllegalMoveError as exc:
            force_move = getattr(eg, "force_move", None)
            if not force or force_move is None:
                raise
            notes.append(f"input move rejected by the generator ({exc}); applied with force_move")
            stage = "force-apply the input move"
            state = force_move(state, move)
            forced = True
        after_move = eg.state_to_json(state)
        segments: list[tuple[str, str, str]] = []
        first = move_segment(vector.move, hex_board)
        if first is not None:
            segments.append(first)
        extra: list[Mismatch] = []

        # Chain resolution.
        expected_chain = [chain_entry_segment(e, hex_board) for e in vector.expected_chain]
        next_idx = 0
        # Skip the listed segments already executed by the input move (normally segment 1).
        while next_idx < len(expected_chain) and next_idx < len(segments) \
                and expected_chain[next_idx] == segments[next_idx]:
            next_idx += 1
        stage = "resolve the capture chain"
        if should_resolve_chain(vector):
            steps = 0
            while state.status == "active" and state.phase == "chain_capture" and steps < MAX_AUTO_MOVES:
                steps += 1
                legal = [m for m in eg.legal_moves(state) if m.type == "continue_capture_segment"]
                if not legal:
                    break
                cands = [move_segment(eg.move_to_json(m), hex_board) for m in legal]
                want = expected_chain[next_idx] if next_idx < len(expected_chain) else None
                i, matched = pick_continuation(cands, want)
                if want is not None and not matched:
                    extra.append((f"expectedChainSequence[{next_idx}]", _seg_str(want),
                                  "not legal; legal: " + ", ".join(_seg_str(c) for c in cands)))
                    want = None
                if want is not None:
                    next_idx += 1
                else:
                    next_idx = len(expected_chain)  # stop following once the sequence is left
                state = eg.apply_move(state, legal[i])
                segments.append(cands[i])
            if next_idx < len(expected_chain) and not extra:
                extra.append((f"expectedChainSequence[{next_idx}]", _seg_str(expected_chain[next_idx]),
                              "not executed (the chain ended before it)"))
            if len(segments) > 1:
                notes.append("chain: " + " | ".join(_seg_str(s) for s in segments))

        # Bookkeeping injection.
        stage = "inject bookkeeping moves"
        injected: list[str] = []
        if should_inject_bookkeeping(vector):
            while state.status == "active" and len(injected) < MAX_AUTO_MOVES:
                legal = eg.legal_moves(state)
                if len(legal) != 1 or legal[0].type not in INJECTABLE:
                    break
                injected.append(legal[0].type)
                state = eg.apply_move(state, legal[0])
        if injected:
            notes.append("injected: " + ", ".join(injected))

        stage = "evaluate the final state"
        after = eg.state_to_json(state)
        legal_types = {m.type for m in eg.legal_moves(state)} if state.status == "active" else set()
        trace = Trace(before=before, after_move=after_move, after=after, mover=mover,
                      move_type=move.type, segments=tuple(segments),
                      pending_decision=pending_decision_type(after, legal_types))
        # Consistency of the engine's own S with the JSON-derived S (note only).
        if state.s_invariant() != s_invariant(after):
            notes.append(f"engine s_invariant() {state.s_invariant()} != JSON S {s_invariant(after)}")
    except Exception as exc:  # noqa: BLE001 - IllegalMoveError, StateFormatError, or an engine crash
        return VectorResult(vector.id, ERROR, error=f"{stage}: {type(exc).__name__}: {exc}", notes=tuple(notes),
                            forced=forced)

    mismatches = extra + evaluate(vector, trace)
    status = observed_status(trace)
    if vector.expected_status and status != vector.expected_status:
        notes.append(f"status: expected {vector.expected_status}, observed {status} (not compared)")
    return VectorResult(vector.id, FAIL if mismatches else PASS, tuple(mismatches), None, tuple(notes), forced)


def _seg_str(seg: tuple[str, str, str] | None) -> str:
    if seg is None:
        return "-"
    f, t, land = seg
    return f"{f} x {t} -> {land}"


def run_all(folder: str | os.PathLike, force: bool = True) -> ConformanceReport:
    vectors = load_vectors(folder)
    return ConformanceReport(str(folder), tuple(vectors), tuple(run_vector(v, force) for v in vectors))


# -- reporting ------------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summarize(report: ConformanceReport, trusted: set[str]) -> dict[str, int]:
    """Counts: total, pass/fail/error/skip, forced, trusted_pass, trusted_bad (fail+error+skip),
    trusted_forced (trusted vectors whose move had to be forced), trusted_missing."""
    ids = {r.id for r in report.results}
    c = {"total": len(report.results), PASS: 0, FAIL: 0, ERROR: 0, SKIP: 0, "forced": 0,
         "trusted_pass": 0, "trusted_bad": 0, "trusted_forced": 0, "trusted_missing": len(trusted - ids)}
    for r in report.results:
        c[r.outcome] += 1
        c["forced"] += r.forced
        if r.id in trusted:
            c["trusted_forced"] += r.forced
        if r.id in trusted:
            c["trusted_pass" if r.outcome == PASS else "trusted_bad"] += 1
    return c


def summary_line(report: ConformanceReport, trusted: set[str]) -> str:
    c = summarize(report, trusted)
    forced = f" ({c['forced']} with a forced input move)" if c["forced"] else ""
    line = (f"{c['total']} vectors: {c[PASS]} pass, {c[FAIL]} fail, {c[ERROR]} error, {c[SKIP]} skipped{forced}; "
            f"trusted {c['trusted_pass']}/{len(trusted)} pass")
    if c["trusted_forced"]:
        line += f" ({c['trusted_forced']} trusted with a forced input move)"
    if c["trusted_missing"]:
        line += f", {c['trusted_missing']} trusted id(s) missing from the vectors"
    return line


def trusted_ok(report: ConformanceReport, trusted: set[str]) -> bool:
    """True iff every trusted id is present and passes."""
    c = summarize(report, trusted)
    return c["trusted_bad"] == 0 and c["trusted_missing"] == 0


def format_report(report: ConformanceReport, trusted: set[str], notes: bool = False) -> str:
    """A Markdown table (id, trusted?, outcome, mismatches or error) plus the summary line.

    Trusted ids missing from the folder get a row with outcome ``missing``. With ``notes=True`` a
    fifth column holds the run notes (chain path, injected moves, observed status).
    """
    head = "| id | trusted | outcome | mismatches |" + (" notes |" if notes else "")
    sep = "|---|---|---|---|" + ("---|" if notes else "")
    rows = [head, sep]
    for r in report.results:
        problems = r.error if r.error else "; ".join(format_mismatch(m) for m in r.mismatches)
        row = f"| {r.id} | {'yes' if r.id in trusted else 'no'} | {r.label} | {_cell(problems or '')} |"
        if notes:
            row += f" {_cell('; '.join(r.notes))} |"
        rows.append(row)
    ids = {r.id for r in report.results}
    for vid in sorted(trusted - ids):
        rows.append(f"| {vid} | yes | missing | trusted id not found in the vector files |" + (" |" if notes else ""))
    rows.append("")
    rows.append(summary_line(report, trusted))
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m engine.game.checks.conformance [--strict] [FOLDER]``: print the table and the summary line.

    ``--strict``: do not force input moves the move generator rejects (they become errors).

    Exit status: 0 if every trusted vector passes, 1 if one fails/errors/is missing, 2 if the
    folder does not exist or the arguments are wrong.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    strict = "--strict" in args
    args = [a for a in args if a != "--strict"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: python -m engine.game.checks.conformance [--strict] [FOLDER]", file=sys.stderr)
        return 2
    folder = Path(args[0]) if args else default_folder()
    if not vectors_dir(folder).is_dir():
        print(f"conformance folder not found: {folder} (set {ENV_DIR} or pass the folder)", file=sys.stderr)
        return 2
    report = run_all(folder, force=not strict)
    trusted = load_trusted(folder)
    print(format_report(report, trusted))
    return 0 if trusted_ok(report, trusted) else 1


if __name__ == "__main__":
    sys.exit(main())
