"""The game viewer: positions and whole games as SVG images (and the same drawings as PNG).

    from engine.viewer import render_state_svg, render_game_svgs, render_game_html, save_game
    svg = render_state_svg(state)                     # one position, its last move highlighted
    frames = render_game_svgs(record)                 # one SVG per move (bookkeeping moves left out)
    page = render_game_html(record)                   # every frame + a slider, self-contained
    save_game(record, "show/g123", png=True)          # move-NNNN.svg/.png + index.html
    rec = load_game_record(game_id, db=db, store=store)   # database row -> shard in the store -> record

Drawn: the board (square grid or hexagons), stacks as columns of ring bars in their owners'
colours (cap outlined, label ``height`` or ``height/cap``), markers as hollow ring tokens,
collapsed territory shaded in its owner's colour, the last move in gold, and a panel with every
player's rings in hand / eliminated / territory. ``ringrift show`` is the command line.
"""

from .drawing import Circle, Drawing, Line, Polygon, Text, to_png, to_svg
from .game import (
    Frame,
    SavedGame,
    frame_drawing,
    game_frames,
    game_markdown,
    game_states,
    render_game_html,
    render_game_svgs,
    save_game,
    svg_data_uri,
)
from .layout import BoardLayout, board_layout
from .load import GameNotFound, iter_shard_records, load_game_record, record_from_shard, records_from_paths, shard_bytes
from .render import PLAYER_COLOURS, describe_move, state_drawing


def render_state_svg(state, *, move=None, title: str | None = None, cell: float | None = None) -> str:
    """The SVG of one position; ``move`` (default: the state's last move) is highlighted."""
    return to_svg(state_drawing(state, move=move, title=title, cell=cell))


def render_state_png(state, path, *, move=None, title: str | None = None, cell: float | None = None):
    """The same drawing as ``render_state_svg``, as a PNG file (matplotlib); returns the path."""
    return to_png(state_drawing(state, move=move, title=title, cell=cell), path)


__all__ = [
    "BoardLayout", "Circle", "Drawing", "Frame", "GameNotFound", "Line", "PLAYER_COLOURS", "Polygon", "SavedGame",
    "Text", "board_layout", "describe_move", "frame_drawing", "game_frames", "game_markdown", "game_states",
    "iter_shard_records", "load_game_record", "record_from_shard", "records_from_paths", "render_game_html",
    "render_game_svgs", "render_state_png", "render_state_svg", "save_game", "shard_bytes", "state_drawing",
    "svg_data_uri", "to_png", "to_svg",
]
