"""Positions and games as drawings: board, stacks with their rings, markers, collapsed territory, the move.

How a position is drawn (the legend under the board says the same):

* a cell of collapsed territory is filled with a pale shade of its owner's colour;
* a marker is a hollow ring token in its owner's colour;
* a stack is a column of bars, one bar per ring, bottom ring at the bottom, each in its owner's
  colour; the cap (the top run of the controlling player's rings) has a dark outline; the label
  above it is ``height`` or ``height/cap`` when the cap is shorter than the stack;
* the move that led to the position is highlighted in gold: an arrow for a movement, capture
  (``from -> over -> to``) or recovery slide, outlined cells for a placement, a line, a region or an
  elimination;
* the header names the config, the move number and the move; the panel under the board gives
  every player's rings in hand, rings eliminated (against the victory threshold) and territory.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from engine.game import GameState, Move
from engine.game.board import cap_height

from .drawing import Circle, Drawing, Line, Polygon, Text
from .layout import BoardLayout, board_layout

PLAYER_COLOURS = {1: "#d62728", 2: "#1f77b4", 3: "#2ca02c", 4: "#9467bd"}
PLAYER_NAMES = {1: "red", 2: "blue", 3: "green", 4: "purple"}
BOARD_FILL = "#f4ecd8"
BOARD_ALT = "#eadfc4"
GRID = "#b9a98a"
HIGHLIGHT = "#f2b701"
TEXT = "#222222"
MUTED = "#7a6f5a"

MARGIN = 24.0
HEADER = 60.0
ROW = 18.0


def _tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` = share of the colour kept)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - v) * amount) for v in (r, g, b)]
    return "#" + "".join(f"{v:02x}" for v in mix)


def _shade(colour: str, amount: float) -> str:
    """``colour`` darkened (``amount`` = share kept)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(v * amount):02x}" for v in (r, g, b))


def player_colour(p: int) -> str:
    return PLAYER_COLOURS.get(p, "#555555")


def _fmt(c: Sequence[int] | None) -> str:
    return "-" if c is None else ",".join(str(v) for v in c)


def describe_move(move: Move | None) -> str:
    """A one-line description of a move for captions (``p1 move_stack 2,3 -> 2,5``)."""
    if move is None:
        return "start"
    t = move.type
    p = f"p{move.player} {t}"
    if t in ("overtaking_capture", "continue_capture_segment"):
        return f"{p} {_fmt(move.from_)} x {_fmt(move.target)} -> {_fmt(move.to)}"
    if t in ("move_stack", "recovery_slide"):
        return f"{p} {_fmt(move.from_)} -> {_fmt(move.to)}"
    if t == "place_ring":
        return f"{p} {move.count or 1} at {_fmt(move.to)}"
    if t in ("process_line", "choose_line_option"):
        return f"{p} line of {len(move.line)}" + (f", collapse {len(move.collapsed)}" if move.collapsed else "")
    if t == "choose_territory_option":
        return f"{p} region of {len(move.region)}"
    if t in ("eliminate_rings_from_stack", "forced_elimination"):
        return f"{p} at {_fmt(move.to)}" + (f" ({move.context})" if move.context else "")
    return p


def _cells(state: GameState, coords: Iterable[Sequence[int] | None]) -> list[int]:
    out = []
    for c in coords:
        if c is None:
            continue
        try:
            out.append(state.geom.cell(tuple(c)))
        except KeyError:
            pass
    return out


# -- pieces -------------------------------------------------------------------------------------------

def _draw_board(d: Drawing, lay: BoardLayout, state: GameState) -> None:
    geom = lay.geom
    for c in range(geom.num_cells):
        owner = state.collapsed[c]
        if owner:
            fill = _tint(player_colour(owner), 0.42)
            d.add(Polygon(lay.outlines[c], fill=fill, stroke=_shade(player_colour(owner), 0.8), width=1.2,
                          klass=f"collapsed p{owner}"))
        else:
            alt = (not geom.is_hex) and (sum(geom.coords[c][:2]) % 2 == 1)
            d.add(Polygon(lay.outlines[c], fill=BOARD_ALT if alt else BOARD_FILL, stroke=GRID, width=0.8, klass="cell"))


def _draw_coords(d: Drawing, lay: BoardLayout, origin: tuple[float, float]) -> None:
    geom = lay.geom
    ox, oy = origin
    size = max(7.0, min(11.0, lay.cell * 0.3))
    if not geom.is_hex:
        step = 1 if geom.size <= 10 else 2
        for i in range(0, geom.size, step):
            x, _ = lay.centers[geom.cell((i, 0))]
            d.add(Text((x, oy - 7), str(i), size=size, fill=MUTED))
            _, y = lay.centers[geom.cell((0, i))]
            d.add(Text((ox - 8, y), str(i), size=size, fill=MUTED))
        return
    if geom.radius <= 6:  # small hex boards: every cell's key, faint
        for c in range(geom.num_cells):
            x, y = lay.centers[c]
            d.add(Text((x, y + lay.cell * 0.62), geom.keys[c], size=max(6.0, lay.cell * 0.2), fill="#b3a78c",
                       klass="coord"))


def _draw_marker(d: Drawing, lay: BoardLayout, c: int, owner: int) -> None:
    x, y = lay.centers[c]
    r = lay.span * 0.2
    col = player_colour(owner)
    d.add(Circle((x, y), r, fill="#ffffff", stroke=col, width=max(2.0, lay.span * 0.08), klass=f"marker p{owner}"))


def _draw_stack(d: Drawing, lay: BoardLayout, c: int, rings: tuple[int, ...]) -> None:
    x, y = lay.centers[c]
    span = lay.span
    n = len(rings)
    cap = cap_height(rings)
    w = span * 0.58
    avail = span * (0.56 if lay.geom.is_hex else 0.62)
    gap = min(span * 0.025, 1.5)
    bar = min(span * 0.13, (avail - gap * (n - 1)) / n)
    if bar < 1.2:  # very tall stacks: bars touch
        gap = 0.0
        bar = avail / n
    total = n * bar + (n - 1) * gap
    bottom = y + total / 2 + span * 0.06
    top_owner = rings[-1]
    for i, owner in enumerate(rings):  # bottom-first
        y1 = bottom - i * (bar + gap)
        y0 = y1 - bar
        in_cap = i >= n - cap
        col = player_colour(owner)
        stroke = _shade(col, 0.45) if in_cap else _tint(col, 0.5)
        d.add(Polygon(((x - w / 2, y0), (x + w / 2, y0), (x + w / 2, y1), (x - w / 2, y1)), fill=col, stroke=stroke,
                      width=1.3 if in_cap else 0.6, klass=f"ring p{owner}{' cap' if in_cap else ''}"))
    label = str(n) if cap == n else f"{n}/{cap}"
    ty = bottom - total - span * 0.12
    d.add(Text((x, ty), label, size=max(7.0, span * 0.2), fill=_shade(player_colour(top_owner), 0.7), bold=True,
               klass=f"stack-label p{top_owner}"))


def _outline(d: Drawing, lay: BoardLayout, c: int, colour: str = HIGHLIGHT, dash: str | None = None,
             width: float | None = None) -> None:
    d.add(Polygon(lay.outlines[c], fill="none", stroke=colour, width=width or max(2.5, lay.span * 0.07), dash=dash,
                  klass="highlight"))


def _arrow(d: Drawing, lay: BoardLayout, a: int, b: int, head: bool = True) -> None:
    pa, pb = lay.centers[a], lay.centers[b]
    # stop short of the centre so the arrow head does not hide the stack label
    k = 0.72 if head else 1.0
    end = (pa[0] + (pb[0] - pa[0]) * k, pa[1] + (pb[1] - pa[1]) * k) if head else pb
    d.add(Line(pa, end, stroke=HIGHLIGHT, width=max(2.5, lay.span * 0.07), opacity=0.95, arrow=head,
               klass="move-arrow"))


def _draw_move(d: Drawing, lay: BoardLayout, state: GameState, move: Move) -> None:
    t = move.type
    cells = lambda *cs: _cells(state, cs)  # noqa: E731
    if t in ("overtaking_capture", "continue_capture_segment"):
        f, tg, to = (cells(move.from_) or [None])[0], (cells(move.target) or [None])[0], (cells(move.to) or [None])[0]
        if f is not None and tg is not None:
            _arrow(d, lay, f, tg, head=False)
        if tg is not None and to is not None:
            _arrow(d, lay, tg, to)
        if tg is not None:
            _outline(d, lay, tg, colour="#c0392b", dash="5 3")
        for c in (f, to):
            if c is not None:
                _outline(d, lay, c, dash="5 3" if c == f else None)
        return
    if t in ("move_stack", "recovery_slide"):
        fc, tc = cells(move.from_), cells(move.to)
        if fc and tc:
            _arrow(d, lay, fc[0], tc[0])
            _outline(d, lay, fc[0], dash="5 3")
            _outline(d, lay, tc[0])
        for c in _cells(state, move.collapsed):
            _outline(d, lay, c, width=max(1.5, lay.span * 0.04))
        return
    if t in ("process_line", "choose_line_option"):
        for c in _cells(state, move.line):
            _outline(d, lay, c)
        return
    if t == "choose_territory_option":
        for c in _cells(state, move.region):
            _outline(d, lay, c, dash="4 2")
        return
    for c in cells(move.to):
        _outline(d, lay, c, colour="#c0392b" if t in ("eliminate_rings_from_stack",
                                                      "forced_elimination") else HIGHLIGHT)


# -- the whole picture ----------------------------------------------------------------------------------

def state_drawing(state: GameState, *, move: Move | None = None, title: str | None = None,
                  cell: float | None = None, ply: int | None = None, total: int | None = None,
                  legend: bool = True) -> Drawing:
    """The ``Drawing`` of a position; ``move`` (default: the state's last move) is highlighted.
    ``ply``/``total``: the move number shown in the header (default: the state's move count)."""
    move = state.last_move if move is None else move
    lay0 = board_layout(state.geom, cell)
    n = state.num_players
    panel = ROW * (n + (2 if legend else 0)) + 10
    width = max(lay0.width + 2 * MARGIN, 400.0)
    ox = (width - lay0.width) / 2
    oy = HEADER + MARGIN * 0.6
    lay = lay0.shifted(ox, oy)
    height = oy + lay0.height + MARGIN * 0.6 + panel
    head = title or f"{state.board_type} {n}p"
    d = Drawing(float(math.ceil(width)), float(math.ceil(height)), title=head)

    ply = state.move_count if ply is None else ply
    count = f"move {ply}" + (f"/{total}" if total is not None else "")
    d.add(Text((10, 14), f"{head}  ·  {count}", size=13, fill=TEXT, anchor="start", bold=True, klass="header"))
    if state.is_over:
        who = f"p{state.winner} ({PLAYER_NAMES.get(state.winner, '?')}) wins" if state.winner else "no winner"
        nxt = f"game over: {who} by {state.victory_reason}"
    else:
        nxt = f"next: p{state.current_player} ({PLAYER_NAMES.get(state.current_player, '?')}) in {state.phase}"
    last = describe_move(move) if move is not None else "start position"
    d.add(Text((10, 32), f"last: {last}", size=11, fill=TEXT, anchor="start", klass="caption"))
    d.add(Text((10, 48), nxt, size=11, fill=TEXT, anchor="start", bold=state.is_over, klass="caption"))

    _draw_board(d, lay, state)
    _draw_coords(d, lay, (ox, oy))
    for c in range(state.geom.num_cells):
        if state.markers[c]:
            _draw_marker(d, lay, c, state.markers[c])
    if move is not None:
        _draw_move(d, lay, state, move)
    for c in range(state.geom.num_cells):
        rings = state.stacks[c]
        if rings:
            _draw_stack(d, lay, c, rings)

    y = oy + lay0.height + MARGIN * 0.6 + 4
    for p in range(1, n + 1):
        col = player_colour(p)
        cy = y + ROW * (p - 1) + ROW / 2
        d.rect(10, cy - 6, 12, 12, fill=col, stroke=_shade(col, 0.5), width=1, klass=f"swatch p{p}")
        mark = "▶ " if (not state.is_over and p == state.current_player) else ""
        gone = "  (out)" if state.gone_at[p] >= 0 else ""
        text = (f"{mark}p{p} {PLAYER_NAMES.get(p, '')}: in hand {state.rings_in_hand[p]}, on board "
                f"{state.board_rings[p]}, eliminated {state.eliminated[p]}/{state.victory_threshold}, territory "
                f"{state.coll_count[p]}/{state.territory_threshold}{gone}")
        d.add(Text((28, cy), text, size=11, fill=TEXT, anchor="start", bold=bool(mark), klass=f"player p{p}"))
    if legend:
        ly = y + ROW * n + ROW / 2 + 4
        d.add(Text((10, ly), "stack: one bar per ring, bottom ring at the bottom, cap outlined; label = height or "
                             "height/cap", size=9.5, fill=MUTED, anchor="start", klass="legend"))
        d.add(Text((10, ly + ROW * 0.8), "hollow ring = marker  ·  shaded cell = collapsed territory of its colour  ·  "
                                         "gold = the last move", size=9.5, fill=MUTED, anchor="start", klass="legend"))
    return d
