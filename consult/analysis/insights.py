"""What the insights page shows: the analysis JSON joined with statement texts, and the map.

Everything here is presentation: it reads the result of ``debate.analysis.analyse`` (computed and
cached by :mod:`consult.analysis.services`) and the statements' texts, and lays out the opinion
map as SVG geometry. No analysis is computed here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from consult.analysis import adapters
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Statement, StatementKind, StatementLink, StatementStatus

GROUP_LABELS = "ABCDEFGHIJ"
#: Colour classes g0..g4 exist in the design system; more groups reuse them.
N_COLOURS = 5
#: Opinion map geometry (SVG user units; the SVG scales to its container).
MAP_W, MAP_H, MAP_PAD = 400.0, 280.0, 18.0
#: Above this many participants, points are binned into a grid instead of drawn one by one.
MAP_MAX_POINTS = 1500
MAP_BINS_X, MAP_BINS_Y = 56, 40
TOP = 5
#: Lists that show every group's bar are kept shorter.
TOP_WITH_BARS = 3


def group_label(group_id: int | None) -> str:
    """Return a group's letter (A, B, ...)."""
    if group_id is None:
        return ""
    return GROUP_LABELS[group_id] if 0 <= group_id < len(GROUP_LABELS) else str(group_id + 1)


def colour_class(group_id: int | None) -> str:
    """Return the CSS colour class of a group (``g0`` ...), or ``g-none``."""
    return "g-none" if group_id is None else f"g{group_id % N_COLOURS}"


# --------------------------------------------------------------------------------------------
# Reading the analysis JSON (tolerant of optional extras)


def participant_positions(result: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Return each participant's 2-D position from the analysis, if it has a map."""
    raw: Any = None
    for key in ("map", "positions", "opinion_map", "projection"):
        if result.get(key):
            raw = result[key]
            break
    if isinstance(raw, dict) and "participants" in raw and isinstance(raw["participants"], dict):
        raw = raw["participants"]
    positions: dict[str, tuple[float, float]] = {}
    if isinstance(raw, dict):
        for pid, xy in raw.items():
            if isinstance(xy, dict):
                xy = (xy.get("x"), xy.get("y"))
            if xy is not None and len(xy) >= 2 and xy[0] is not None and xy[1] is not None:
                positions[str(pid)] = (float(xy[0]), float(xy[1]))
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and "participant" in item:
                positions[str(item["participant"])] = (float(item["x"]), float(item["y"]))
    return positions


def statement_stats(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return per-statement stats of the analysis (overall and per group), keyed by id."""
    raw = result.get("statements") or result.get("statement_stats") or {}
    if isinstance(raw, list):
        raw = {str(item.get("statement", item.get("id"))): item for item in raw}
    return {str(k): v for k, v in raw.items() if isinstance(v, dict)}


def _shares(stats: dict[str, Any]) -> tuple[float, float, float, int]:
    """Return (agree, disagree, pass) shares and the number of votes from a stats entry."""
    n = stats.get("n", stats.get("seen", stats.get("votes")))
    agree, disagree = stats.get("agree"), stats.get("disagree")
    passes = stats.get("pass", stats.get("passes"))
    if n is not None and isinstance(agree, int) and isinstance(disagree, int) and n:
        total = int(n)
        p = int(passes) if passes is not None else total - agree - disagree
        return agree / total, disagree / total, p / total, total
    a, d = float(agree or 0.0), float(disagree or 0.0)
    p = float(passes) if passes is not None else max(0.0, 1.0 - a - d)
    return a, d, p, int(n or 0)


def group_views(result: dict[str, Any], statement: str) -> list[dict[str, Any]]:
    """Return each group's agree/disagree/pass shares on a statement (empty if unknown)."""
    stats = statement_stats(result).get(statement) or {}
    groups = stats.get("groups") or stats.get("by_group") or []
    if isinstance(groups, dict):
        groups = [dict(v, id=int(k)) for k, v in sorted(groups.items(), key=lambda i: int(i[0]))]
    views = []
    for index, entry in enumerate(groups):
        if not isinstance(entry, dict):
            continue
        gid = int(entry.get("id", entry.get("group", index)))
        agree, disagree, passes, n = _shares(entry)
        views.append(_bar(gid, agree, disagree, passes, n))
    return views


def _bar(gid: int | None, agree: float, disagree: float, passes: float, n: int) -> dict[str, Any]:
    agree_w = round(100 * max(agree, 0.0), 1)
    disagree_w = round(100 * max(disagree, 0.0), 1)
    pass_w = round(max(0.0, min(100.0 - agree_w - disagree_w, 100 * passes)), 1)
    return {
        "group": gid,
        "label": group_label(gid),
        "colour": colour_class(gid),
        "agree": agree,
        "disagree": disagree,
        "pass": passes,
        "n": n,
        "agree_pct": round(100 * agree),
        "disagree_pct": round(100 * disagree),
        "pass_pct": round(100 * passes),
        "agree_w": agree_w,
        "disagree_w": disagree_w,
        "disagree_x": agree_w,
        "pass_w": pass_w,
        "pass_x": round(agree_w + disagree_w, 1),
    }


def overall_view(result: dict[str, Any], statement: str) -> dict[str, Any] | None:
    """Return everyone's agree/disagree/pass shares on a statement, if the analysis has them."""
    stats = statement_stats(result).get(statement)
    if not stats:
        return None
    agree, disagree, passes, n = _shares(stats)
    return _bar(None, agree, disagree, passes, n)


# --------------------------------------------------------------------------------------------
# The opinion map


@dataclass
class MapPoint:
    x: float
    y: float
    r: float
    colour: str
    count: int = 1


@dataclass
class MapGroup:
    id: int
    label: str
    colour: str
    size: int
    hull: str  # SVG points attribute, "" when too few points
    label_x: float
    label_y: float


@dataclass
class OpinionMap:
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
        from scipy.spatial import ConvexHull, QhullError

        hull = ConvexHull(unique)
        return [(float(unique[i, 0]), float(unique[i, 1])) for i in hull.vertices]
    except (ImportError, QhullError, ValueError):  # collinear points: no area
        return _hull([(float(x), float(y)) for x, y in unique])


def opinion_map(result: dict[str, Any], me: str | None = None) -> OpinionMap | None:
    """Lay out the participants' positions, coloured by group, in SVG coordinates.

    Vectorised with numpy: tens of thousands of participants lay out in milliseconds.
    """
    positions = participant_positions(result)
    if not positions:
        return None
    membership: dict[str, Any] = result.get("participants") or {}
    ids = list(positions)
    xy = np.array([positions[pid] for pid in ids], dtype=np.float64)
    groups = np.array(
        [g if isinstance(g := membership.get(pid), int) else -1 for pid in ids], dtype=np.int64
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
    result_map = OpinionMap(width=MAP_W, height=MAP_H, n_points=n)

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
                    colour_class(gid if gid >= 0 else None),
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
                    colour_class(gid if gid >= 0 else None),
                    count,
                )
            )

    clustered = placed[groups >= 0]
    gx, gy = clustered.mean(axis=0) if len(clustered) else (MAP_W / 2, MAP_H / 2)
    for group in result.get("groups") or []:
        gid = int(group["id"])
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
                label=group_label(gid),
                colour=colour_class(gid),
                size=int(group.get("size", len(pts))),
                hull=" ".join(f"{x:g},{y:g}" for x, y in hull) if len(hull) >= 3 else "",
                label_x=round(min(max(lx, 36.0), MAP_W - 36.0), 1),
                label_y=round(min(max(ly, 16.0), MAP_H - 6.0), 1),
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


# --------------------------------------------------------------------------------------------
# The page


def controversy_level(value: float | None) -> str:
    """Return a key for the plain-language reading of the controversy score."""
    if value is None:
        return "unknown"
    # Random votes score about 0.1 (debate.controversy); bands chosen around that floor.
    if value < 0.2:
        return "low"
    if value < 0.45:
        return "moderate"
    if value < 0.7:
        return "high"
    return "polarised"


def _statements(consultation: Consultation, ids: set[int]) -> dict[str, Statement]:
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Statement).where(
            Statement.consultation_id == consultation.id,
            Statement.id.in_(ids),
            Statement.status == StatementStatus.visible,
        )
    )
    return {adapters.statement_key(s.id): s for s in rows}


def _referenced(result: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    for group in result.get("groups") or []:
        keys.update(str(r["statement"]) for r in group.get("representative") or [])
    consensus = result.get("consensus") or {}
    for side in ("agree", "disagree"):
        keys.update(str(c["statement"]) for c in consensus.get(side) or [])
    for name in ("divisive", "uncertain", "cruxes"):
        keys.update(str(item["statement"]) for item in result.get(name) or [])
    for name in ("group_informed_consensus", "bridging", "strength"):
        keys.update(str(k) for k in (result.get(name) or {}))
    return keys


def _top(mapping: dict[str, float] | None, texts: dict[str, Statement], n: int) -> list[Any]:
    items = [(k, v) for k, v in (mapping or {}).items() if k in texts and v is not None]
    items.sort(key=lambda kv: (-float(kv[1]), int(kv[0]) if kv[0].isdigit() else 0))
    return items[:n]


def build_insights(
    consultation: Consultation, result: dict[str, Any], *, me: str | None = None
) -> dict[str, Any]:
    """Assemble everything the insights page displays from one analysis result."""
    texts = _statements(consultation, set(adapters.statement_ids_of(_referenced(result))))
    participants: dict[str, Any] = result.get("participants") or {}
    n_participants = len(participants)
    clustered = sum(1 for g in participants.values() if g is not None)

    groups = []
    for group in result.get("groups") or []:
        gid = int(group["id"])
        reps = []
        for rep in group.get("representative") or []:
            sid = str(rep["statement"])
            if sid not in texts:
                continue
            direction = rep.get("direction", "agree")
            share = rep.get(direction, rep.get("agree", 0.0)) or 0.0
            reps.append(
                {
                    "statement": texts[sid],
                    "direction": direction,
                    "pct": round(100 * float(share)),
                    "bar": _bar(
                        gid,
                        float(rep.get("agree", 0.0) or 0.0),
                        float(rep.get("disagree", 0.0) or 0.0),
                        float(rep.get("pass", 0.0) or 0.0),
                        0,
                    ),
                }
            )
        size = int(group.get("size", 0))
        groups.append(
            {
                "id": gid,
                "label": group_label(gid),
                "colour": colour_class(gid),
                "size": size,
                "share": round(100 * size / n_participants) if n_participants else 0,
                "representative": reps[:TOP],
            }
        )

    consensus = result.get("consensus") or {}
    common = {
        side: [
            {
                "statement": texts[str(c["statement"])],
                "pct": round(100 * float(c.get(side, 0.0) or 0.0)),
                "overall": overall_view(result, str(c["statement"])),
            }
            for c in consensus.get(side) or []
            if str(c["statement"]) in texts
        ][:TOP]
        for side in ("agree", "disagree")
    }
    gic = [
        {"statement": texts[k], "score": float(v), "groups": group_views(result, k)}
        for k, v in _top(result.get("group_informed_consensus"), texts, TOP_WITH_BARS)
    ]
    divisive = [
        {
            "statement": texts[str(d["statement"])],
            "spread": float(d.get("spread", 0.0) or 0.0),
            "groups": group_views(result, str(d["statement"])),
        }
        for d in result.get("divisive") or []
        if str(d["statement"]) in texts
    ][:TOP]
    uncertain = [
        {
            "statement": texts[str(u["statement"])],
            "pct": round(100 * float(u.get("pass", 0.0) or 0.0)),
        }
        for u in result.get("uncertain") or []
        if str(u["statement"]) in texts
    ][:TOP]
    bridging = [
        {"statement": texts[k], "score": float(v), "groups": group_views(result, k)}
        for k, v in _top(result.get("bridging"), texts, TOP_WITH_BARS)
        if float(v) > 0
    ]
    cruxes = [
        {
            "statement": texts[str(c["statement"])],
            "score": float(c.get("score", 0.0) or 0.0),
            "groups": group_views(result, str(c["statement"])),
        }
        for c in result.get("cruxes") or []
        if str(c["statement"]) in texts
    ][:TOP]
    arguments = strongest_arguments(consultation, result.get("strength") or {})
    controversy = result.get("controversy")
    my_group = participants.get(me) if me else None
    return {
        "n_participants": n_participants,
        "n_clustered": clustered,
        "n_groups": len(groups),
        "groups": groups,
        "common": common,
        "gic": gic,
        "divisive": divisive,
        "uncertain": uncertain,
        "bridging": bridging,
        "cruxes": cruxes,
        "arguments": arguments,
        "controversy": None if controversy is None else float(controversy),
        "controversy_pct": None if controversy is None else round(100 * float(controversy)),
        "controversy_level": controversy_level(controversy),
        "map": opinion_map(result, me=me),
        "me": me if me in participants else None,
        "my_group": my_group,
        "my_group_label": group_label(my_group) if isinstance(my_group, int) else None,
        "excluded": result.get("excluded") or {"statements": 0, "participants": 0},
    }


def strongest_arguments(
    consultation: Consultation, strength: dict[str, float], *, per_side: int = 3, positions: int = 5
) -> list[dict[str, Any]]:
    """Return, for the positions with arguments, their strongest supporting and attacking ones."""
    if not strength:
        return []
    links = db.session.execute(
        select(StatementLink.source_id, StatementLink.target_id, StatementLink.relation).where(
            StatementLink.consultation_id == consultation.id
        )
    ).all()
    if not links:
        return []
    ids = {s for s, _t, _r in links} | {t for _s, t, _r in links}
    statements = _statements(consultation, ids)
    by_target: dict[str, dict[str, list[tuple[float, Statement]]]] = defaultdict(
        lambda: {"support": [], "attack": []}
    )
    for source, target, relation in links:
        s_key, t_key = adapters.statement_key(source), adapters.statement_key(target)
        if s_key in statements and t_key in statements and s_key in strength:
            by_target[t_key][relation.value].append((float(strength[s_key]), statements[s_key]))
    items = []
    for t_key, sides in by_target.items():
        target = statements[t_key]
        if target.kind is not StatementKind.position:
            continue
        entry = {
            "position": target,
            "strength": strength.get(t_key),
            "support": [
                {"statement": s, "strength": v, "pct": round(100 * v)}
                for v, s in sorted(sides["support"], key=lambda x: (-x[0], x[1].id))[:per_side]
            ],
            "attack": [
                {"statement": s, "strength": v, "pct": round(100 * v)}
                for v, s in sorted(sides["attack"], key=lambda x: (-x[0], x[1].id))[:per_side]
            ],
            "n_arguments": len(sides["support"]) + len(sides["attack"]),
        }
        items.append(entry)
    items.sort(key=lambda e: (-e["n_arguments"], e["position"].id))
    return items[:positions]
