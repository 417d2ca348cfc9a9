"""SVG rendering of positions: board cells, stacks with their rings, markers, collapsed territory,
the last move, for square and hex boards."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from engine.game import apply_move, legal_moves, new_game
from engine.game.board import collapse, set_marker, set_stack
from engine.viewer import board_layout, render_state_png, render_state_svg, state_drawing, to_svg
from engine.viewer.game import game_states

NS = "{http://www.w3.org/2000/svg}"


def classes(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [el.get("class") for el in root.iter() if el.get("class")]


def count(svg: str, prefix: str) -> int:
    return sum(1 for c in classes(svg) if c == prefix or c.startswith(prefix + " "))


@pytest.mark.parametrize("board", ["square8", "square19", "hex8", "hexagonal"])
def test_empty_board_has_one_cell_per_board_cell(board):
    s = new_game(board, 2)
    svg = render_state_svg(s)
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg"
    assert count(svg, "cell") == s.geom.num_cells
    assert count(svg, "ring") == 0 and count(svg, "marker") == 0 and count(svg, "collapsed") == 0


def _position(board: str):
    s = new_game(board, 3).clone()
    g = s.geom
    a, b, c = g.coords[0], g.coords[5], g.coords[9]
    set_stack(s, g.cell(a), (2, 1, 1, 3, 3))  # bottom-first: cap = the two rings of player 3
    set_marker(s, g.cell(b), 2)
    collapse(s, g.cell(c), 1)
    return s


@pytest.mark.parametrize("board", ["square8", "hex8"])
def test_stacks_markers_and_territory_are_drawn_with_their_owners(board):
    s = _position(board)
    svg = render_state_svg(s)
    cls = classes(svg)
    rings = [c for c in cls if c.startswith("ring ")]
    assert len(rings) == 5
    assert [c.split()[1] for c in rings] == ["p2", "p1", "p1", "p3", "p3"]  # bottom ring first
    assert sum(c.endswith(" cap") for c in rings) == 2
    assert "marker p2" in cls and "collapsed p1" in cls
    labels = [el.text for el in ET.fromstring(svg).iter(NS + "text")
              if (el.get("class") or "").startswith("stack-label")]
    assert labels == ["5/2"]  # height / cap


def test_the_last_move_is_highlighted():
    s = new_game("square8", 2)
    while s.phase == "ring_placement" or not any(m.type == "move_stack" for m in legal_moves(s)):
        s = apply_move(s, legal_moves(s)[0])
    s2 = apply_move(s, next(m for m in legal_moves(s) if m.type == "move_stack"))
    svg = render_state_svg(s2)
    assert count(svg, "move-arrow") >= 1 and count(svg, "highlight") >= 2
    assert "move_stack" in svg


def test_captures_lines_and_regions_of_real_games_render(games):
    seen = set()
    for rec in games.values():
        for st in game_states(rec)[1:]:
            m = st.last_move
            if m.type in seen:
                continue
            seen.add(m.type)
            ET.fromstring(render_state_svg(st))  # valid XML for every move type
    assert {"place_ring", "move_stack", "overtaking_capture"} <= seen


def test_game_over_header_names_the_winner(games):
    rec = games[("hex8", 2)]
    svg = render_state_svg(game_states(rec)[-1])
    assert "game over" in svg and f"p{rec.outcome.winner}" in svg


def test_hex_layout_neighbours_are_one_cell_apart():
    lay = board_layout(new_game("hex8", 2).geom)
    g = lay.geom
    c = g.cell((0, 0, 0))
    (x0, y0) = lay.centers[c]
    for n in g.adjacent[c]:
        x, y = lay.centers[n]
        assert abs(((x - x0) ** 2 + (y - y0) ** 2) ** 0.5 - lay.cell * 3 ** 0.5) < 1e-6


def test_png_is_the_same_drawing(tmp_path):
    import matplotlib.image as mpimg

    s = _position("hex8")
    d = state_drawing(s)
    p = render_state_png(s, tmp_path / "pos.png")
    img = mpimg.imread(p)
    assert (img.shape[0], img.shape[1]) == (int(d.height), int(d.width))
    assert to_svg(d).startswith("<svg")
