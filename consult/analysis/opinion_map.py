"""The opinion map, laid out once for every page that draws it: the Insights page, the report
page, and the report's HTML and PDF exports (all through templates/analysis/_map.html).

The participants' positions come from the analysis (``AnalysisResult.map``); this module only
scales them into SVG coordinates, bins them when there are many, and outlines each group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.spatial import ConvexHull, QhullError

from debate.result import AnalysisResult, group_label

#: Colour classes g0..g4 exist in the design system; more groups reuse them.
N_COLOURS = 5
#: Opinion map geometry (SVG user units; the SVG scales to its container).
MAP_W, MAP_H, MAP_PAD = 400.0, 280.0, 18.0
#: Above this many participants, points are binned into a grid instead of drawn one by one.
MAP_MAX_POINTS = 1500
MAP_BINS_X, MAP_BINS_Y = 56, 40


#: The colours of the classes g0..g4 and g-none (static/css/kenes.css ``--g0``...), also drawn as
#: SVG presentation attributes: the PDF renderer does not apply the page's CSS inside an SVG.
COLOURS = {
    "g0": "#0b5d7a",
    "g1": "#d1495b",
    "g2": "#edae49",
    "g3": "#00798c",
    "g4": "#6a4c93",
    "g-none": "#aeb8c1",
}
#: Group labels in the group's colour, but a darker yellow (legible on white).
LABEL_COLOURS = {**COLOURS, "g2": "#8a5a00", "g-none": "#14212b"}


def colour_class(group_id: int | None) -> str:
    """Return the CSS colour class of a group (``g0`` ...), or ``g-none``."""
    return "g-none" if group_id is None else f"g{group_id % N_COLOURS}"


@dataclass(frozen=True)
class GroupStyle:
    """How a group is shown: its letter and its colour class, the same on every page."""

    label: str
    colour: str


NO_GROUP = GroupStyle(label="", colour="g-none")


class GroupStyles(dict[int, GroupStyle]):
    """Every group's :class:`GroupStyle` by stable id; ``of(None)`` is no group."""

    def of(self, group_id: int | None) -> GroupStyle:
        if group_id is None or group_id < 0:
            return NO_GROUP
        style = self.get(group_id)
        return (
            style
            if style is not None
            else GroupStyle(group_label(group_id), colour_class(group_id))
        )


def group_styles(result: AnalysisResult) -> GroupStyles:
    """The letter and colour of every group of an analysis, from its group registry.

    The registry (``group_registry``, consult.analysis.state) gives each group the letter and
    colour it keeps for life; an analysis without one (older, or from the command line) falls
    back to the letter and colour of the group's id.
    """
    styles = GroupStyles()
    registry = result.extra.get("group_registry")
    for entry in registry if isinstance(registry, list) else []:
        try:
            gid, label, colour = int(entry["id"]), str(entry["label"]), int(entry["colour"])
        except (KeyError, TypeError, ValueError):
            continue
        styles[gid] = GroupStyle(label, f"g{colour % N_COLOURS}")
    for group in result.groups:
        if group.id not in styles:
            styles[group.id] = GroupStyle(group_label(group.id), colour_class(group.id))
    return styles


@dataclass
class MapPoint:
    """A participant (or, binned, a cell of nearby participants) on the map."""

    x: float
    y: float
    r: float
    colour: str
    count: int = 1
    faded: bool = False  # outside the selected group

    @property
    def fill(self) -> str:
        return COLOURS[self.colour]


@dataclass
class MapGroup:
    """A group's outline (its core's convex hull) and where its label goes."""

    id: int
    label: str
    colour: str
    size: int
    hull: str  # SVG points attribute, "" when too few points
    label_x: float
    label_y: float
    is_selected: bool = False

    @property
    def fill(self) -> str:
        return COLOURS[self.colour]

    @property
    def label_fill(self) -> str:
        return LABEL_COLOURS[self.colour]


@dataclass
class MapLayout:
    """The opinion map in SVG user units, as templates/analysis/_map.html draws it."""

    width: float
    height: float
    points: list[MapPoint] = field(default_factory=list)
    groups: list[MapGroup] = field(default_factory=list)
    me: tuple[float, float] | None = None
    me_label_x: float = 0.0
    me_label_y: float = 0.0
    me_anchor: str = "start"
    binned: bool = False
    n_points: int = 0
    selected: int | None = None  # the group picked to explore (others are drawn faded)


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (Andrew's monotone chain), counter-clockwise."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _extent(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    """The drawn range: everything, unless a few extreme points would squash the rest."""
    lo, hi = (float(v) for v in np.quantile(values, [0.02, 0.98]))
    margin = 0.3 * (hi - lo)
    return max(float(values.min()), lo - margin), min(float(values.max()), hi + margin)


def _group_hull(points: npt.NDArray[np.float64]) -> list[tuple[float, float]]:
    """Convex hull of a group's core, the 90 % of its points nearest its centre.

    Stragglers would make the shapes of different groups overlap and say little.
    """
    if len(points) >= 10:
        d2 = ((points - points.mean(axis=0)) ** 2).sum(axis=1)
        points = points[np.argsort(d2, kind="stable")[: math.ceil(0.9 * len(points))]]
    unique = np.unique(points, axis=0)
    if len(unique) < 3:
        return [(float(x), float(y)) for x, y in unique]
    try:
        hull = ConvexHull(unique)
        return [(float(unique[i, 0]), float(unique[i, 1])) for i in hull.vertices]
    except (QhullError, ValueError):  # collinear points: no area
        return _hull([(float(x), float(y)) for x, y in unique])


def map_layout(
    result: AnalysisResult, me: str | None = None, *, selected: int | None = None
) -> MapLayout | None:
    """Lay out the participants' positions, coloured by group, in SVG coordinates.

    Vectorised with numpy: tens of thousands of participants lay out in milliseconds. None when
    the analysis places nobody on the map. ``selected`` (a group id of the analysis) marks the
    group being explored: its outline is drawn bold and everyone else faded; an unknown id is
    ignored.
    """
    positions = {pid: xy for pid, xy in result.map.participants.items() if len(xy) >= 2}
    if not positions:
        return None
    membership = result.participants
    styles = group_styles(result)
    ids = list(positions)
    xy = np.array([positions[pid][:2] for pid in ids], dtype=np.float64)
    groups = np.array(
        [g if (g := membership.get(pid)) is not None else -1 for pid in ids], dtype=np.int64
    )
    # Robust extent: a handful of extreme voters must not squash everyone else into a dot.
    x0, x1 = _extent(xy[:, 0])
    y0, y1 = _extent(xy[:, 1])
    span_x, span_y = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    scale = min((MAP_W - 2 * MAP_PAD) / span_x, (MAP_H - 2 * MAP_PAD) / span_y)
    placed = np.empty_like(xy)
    placed[:, 0] = MAP_W / 2 + (xy[:, 0] - (x0 + x1) / 2) * scale
    placed[:, 1] = MAP_H / 2 - (xy[:, 1] - (y0 + y1) / 2) * scale  # SVG y grows downwards
    placed[:, 0] = np.clip(placed[:, 0], MAP_PAD / 2, MAP_W - MAP_PAD / 2)
    placed[:, 1] = np.clip(placed[:, 1], MAP_PAD / 2, MAP_H - MAP_PAD / 2)
    placed = np.round(placed, 1)
    n = len(ids)
    if selected is not None and selected not in {group.id for group in result.groups}:
        selected = None
    result_map = MapLayout(width=MAP_W, height=MAP_H, n_points=n, selected=selected)

    if n <= MAP_MAX_POINTS:
        radius = 3.4 if n <= 200 else 2.8 if n <= 600 else 2.3
        # Unclustered first, so group colours are drawn on top.
        for i in np.argsort(groups, kind="stable").tolist():
            gid = int(groups[i])
            result_map.points.append(
                MapPoint(
                    float(placed[i, 0]),
                    float(placed[i, 1]),
                    radius,
                    styles.of(gid).colour,
                    faded=selected is not None and gid != selected,
                )
            )
    else:
        result_map.binned = True
        bx = np.minimum((placed[:, 0] / MAP_W * MAP_BINS_X).astype(np.int64), MAP_BINS_X - 1)
        by = np.minimum((placed[:, 1] / MAP_H * MAP_BINS_Y).astype(np.int64), MAP_BINS_Y - 1)
        keys = ((groups + 1) * MAP_BINS_Y + by) * MAP_BINS_X + bx
        cells, counts = np.unique(keys, return_counts=True)  # sorted: unclustered first
        biggest = int(counts.max())
        for key, count in zip(cells.tolist(), counts.tolist(), strict=True):
            cell_x, rest = key % MAP_BINS_X, key // MAP_BINS_X
            cell_y, gid = rest % MAP_BINS_Y, rest // MAP_BINS_Y - 1
            result_map.points.append(
                MapPoint(
                    round((cell_x + 0.5) * MAP_W / MAP_BINS_X, 1),
                    round((cell_y + 0.5) * MAP_H / MAP_BINS_Y, 1),
                    round(1.6 + 3.4 * math.sqrt(count / biggest), 2),
                    styles.of(gid).colour,
                    count,
                    faded=selected is not None and gid != selected,
                )
            )

    clustered = placed[groups >= 0]
    gx, gy = clustered.mean(axis=0) if len(clustered) else (MAP_W / 2, MAP_H / 2)
    for group in result.groups:
        gid = group.id
        pts = placed[groups == gid]
        if not len(pts):
            continue
        mx, my = (float(v) for v in pts.mean(axis=0))
        hull = _group_hull(pts)
        # Label on the group's outer side, away from the other groups.
        dx, dy = mx - float(gx), my - float(gy)
        norm = math.hypot(dx, dy)
        if norm < 1e-6:
            dx, dy, norm = 0.0, -1.0, 1.0
        dx, dy = dx / norm, dy / norm
        edge = max(hull or [(mx, my)], key=lambda p: (p[0] - mx) * dx + (p[1] - my) * dy)
        lx, ly = edge[0] + dx * 18, edge[1] + dy * 18 + 5
        result_map.groups.append(
            MapGroup(
                id=gid,
                label=styles.of(gid).label,
                colour=styles.of(gid).colour,
                size=group.size or len(pts),
                hull=" ".join(f"{x:g},{y:g}" for x, y in hull) if len(hull) >= 3 else "",
                label_x=round(min(max(lx, 36.0), MAP_W - 36.0), 1),
                label_y=round(min(max(ly, 16.0), MAP_H - 6.0), 1),
                is_selected=gid == selected,
            )
        )
    if me is not None and me in positions:
        i = ids.index(me)
        mx, my = float(placed[i, 0]), float(placed[i, 1])
        result_map.me = (mx, my)
        right = mx < MAP_W * 0.7
        result_map.me_anchor = "start" if right else "end"
        result_map.me_label_x = round(mx + 12 if right else mx - 12, 1)
        result_map.me_label_y = round(my + 4 if my > 20 else my + 16, 1)
    return result_map
