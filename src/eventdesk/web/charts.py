"""Geometry for the pages' SVG charts: a timeline stacked by type and an actor network.

Functions return plain numbers and strings; the templates draw them (so every label goes
through Jinja's autoescaping) and no script is needed to see a chart.
"""
from __future__ import annotations

import datetime as dt
import math
import zlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

WIDTH, HEIGHT = 960, 240
MARGIN = {"left": 44, "right": 12, "top": 12, "bottom": 28}
MAX_DAYS = 120  # more days than this are drawn as months, more months than this as years


# --- timeline --------------------------------------------------------------------------

def _bucket_size(days: list[str]) -> int:
    """Characters of an ISO date that name a bar: 10 (day), 7 (month) or 4 (year)."""
    full = [d for d in days if len(d) == 10]
    if not full:
        return 7 if any(len(d) >= 7 for d in days) else 4
    span = (dt.date.fromisoformat(max(full)) - dt.date.fromisoformat(min(full))).days
    if span <= MAX_DAYS:
        return 10
    return 7 if span <= MAX_DAYS * 30 else 4


def _buckets(first: str, last: str, size: int) -> list[str]:
    """Every bucket from ``first`` to ``last`` inclusive, so gaps show as empty bars."""
    if size == 10:
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    if size == 7:
        (y0, m0), (y1, m1) = (map(int, first.split("-")), map(int, last.split("-")))
        months = range(y0 * 12 + m0 - 1, y1 * 12 + m1)
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    return [f"{y:04d}" for y in range(int(first), int(last) + 1)]


def _valid(day: str) -> bool:
    try:
        dt.date.fromisoformat(day) if len(day) == 10 else int(day[:4])
    except ValueError:
        return False
    return len(day) in (4, 7, 10) and day[:4].isdigit()


def timeline_chart(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Counts per (day, type) -> stacked bars with their rectangles, ticks and totals."""
    rows = list(rows)
    dated = [r for r in rows if r["day"] and _valid(r["day"])]
    undated = sum(r["count"] for r in rows) - sum(r["count"] for r in dated)
    if not dated:
        return {"bars": [], "ticks": [], "undated": undated, "width": WIDTH, "height": HEIGHT,
                "types": [], "total": undated, "unit": "day", "max": 0}
    size = _bucket_size([r["day"] for r in dated])
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    coarse = 0
    for row in dated:
        if len(row["day"]) < size:
            coarse += row["count"]  # "2020-10" cannot go on a day bar
            continue
        counts[row["day"][:size]][row["type"]] += row["count"]
    if not counts:
        return timeline_chart([{**r, "day": r["day"][:4]} for r in rows if r["day"]])
    keys = _buckets(min(counts), max(counts), size)
    chart = _bars(keys, counts)
    chart.update(undated=undated + coarse, unit={10: "day", 7: "month", 4: "year"}[size],
                 total=sum(r["count"] for r in rows))
    return chart


def _bars(keys: list[str], counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    top = max(sum(c.values()) for c in counts.values())
    step = plot_w / len(keys)
    bars, types = [], set()
    for i, key in enumerate(keys):
        x = MARGIN["left"] + i * step
        y = float(MARGIN["top"] + plot_h)
        segments = []
        for type_, count in sorted(counts.get(key, {}).items()):
            height = plot_h * count / top
            y -= height
            segments.append({"type": type_, "count": count, "y": round(y, 2),
                             "height": round(height, 2)})
            types.add(type_)
        bars.append({"key": key, "x": round(x + step * 0.1, 2), "width": round(step * 0.8, 2),
                     "segments": segments, "total": sum(counts.get(key, {}).values())})
    ticks = _ticks(keys, step)
    axis = [{"value": v, "y": round(MARGIN["top"] + plot_h * (1 - v / top), 2)}
            for v in _nice_steps(top)]
    return {"bars": bars, "ticks": ticks, "axis": axis, "types": sorted(types), "max": top,
            "width": WIDTH, "height": HEIGHT, "left": MARGIN["left"],
            "bottom": MARGIN["top"] + plot_h}


def _ticks(keys: list[str], step: float) -> list[dict[str, Any]]:
    every = max(1, math.ceil(len(keys) / 10))
    return [{"label": key, "x": round(MARGIN["left"] + (i + 0.5) * step, 2)}
            for i, key in enumerate(keys) if i % every == 0]


def _nice_steps(top: int) -> list[int]:
    step = max(1, 10 ** int(math.log10(top)) if top >= 10 else 1)
    while top / step > 5:
        step *= 2
    return list(range(0, top + 1, step))


# --- actor network ---------------------------------------------------------------------

NET_W, NET_H = 960, 620
MAX_NODES = 40
GRAVITY = 2.0


def _top_nodes(links: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {}
    for link in links:
        for end in ("source", "target"):
            node = nodes.setdefault(link[end], {"name": link[end], "country": None, "weight": 0,
                                                "out": 0, "in": 0})
            node["country"] = node["country"] or link[f"{end}_country"]
            node["weight"] += link["weight"]
            node["out" if end == "source" else "in"] += link["weight"]
    keep = sorted(nodes.values(), key=lambda n: (-n["weight"], n["name"]))[:MAX_NODES]
    return {n["name"]: n for n in keep}


def _seed(name: str) -> tuple[float, float]:
    h = zlib.crc32(name.encode("utf-8"))
    return (h % 1000) / 1000 - 0.5, (h // 1000 % 1000) / 1000 - 0.5


def _layout(names: list[str], edges: list[tuple[str, str, int]], *, rounds: int = 200,
            gravity: float = GRAVITY) -> dict[str, list[float]]:
    """Fruchterman-Reingold in the unit square, seeded by the names (the same data always
    gives the same picture)."""
    pos = {n: list(_seed(n)) for n in names}
    k = math.sqrt(1.0 / max(1, len(names)))
    for step in range(rounds):
        move = {n: [0.0, 0.0] for n in names}
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
                d2 = max(dx * dx + dy * dy, 1e-6)
                f = k * k / d2
                move[a][0] += dx * f; move[a][1] += dy * f  # noqa: E702
                move[b][0] -= dx * f; move[b][1] -= dy * f  # noqa: E702
        for a, b, w in edges:
            dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
            d = max(math.hypot(dx, dy), 1e-3)
            f = d * (1 + math.log(w)) / k
            move[a][0] -= dx * f; move[a][1] -= dy * f  # noqa: E702
            move[b][0] += dx * f; move[b][1] += dy * f  # noqa: E702
        heat = 0.1 * (1 - step / rounds) + 0.002
        for n in names:
            mx = move[n][0] - pos[n][0] * gravity  # keeps loose pairs near the rest
            my = move[n][1] - pos[n][1] * gravity
            d = max(math.hypot(mx, my), 1e-9)
            pos[n][0] += mx / d * min(d, heat)
            pos[n][1] += my / d * min(d, heat)
    return pos


def _fit(pos: dict[str, list[float]]) -> dict[str, tuple[float, float]]:
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    sx = (NET_W - 220) / max(max(xs) - min(xs), 1e-6)
    sy = (NET_H - 80) / max(max(ys) - min(ys), 1e-6)
    return {n: (round(110 + (p[0] - min(xs)) * sx, 1), round(40 + (p[1] - min(ys)) * sy, 1))
            for n, p in pos.items()}


def network_chart(links: list[dict[str, Any]]) -> dict[str, Any]:
    """Weighted actor -> recipient links -> positioned nodes and edges (top nodes only)."""
    nodes = _top_nodes(links)
    kept = [link for link in links if link["source"] in nodes and link["target"] in nodes]
    if not kept:
        return {"nodes": [], "edges": [], "width": NET_W, "height": NET_H, "hidden": len(links)}
    names = sorted(nodes)
    at = _fit(_layout(names, [(x["source"], x["target"], x["weight"]) for x in kept]))
    top = max(n["weight"] for n in nodes.values())
    heaviest = max(x["weight"] for x in kept)
    out_nodes = [{**nodes[n], "x": at[n][0], "y": at[n][1], "id": f"n{i}",
                  "r": round(5 + 13 * math.sqrt(nodes[n]["weight"] / top), 1),
                  "color": _country_class(nodes[n]["country"])} for i, n in enumerate(names)]
    ids = {n["name"]: n["id"] for n in out_nodes}
    radius = {n["name"]: n["r"] for n in out_nodes}
    edges = [_edge(x, at, radius, ids, heaviest) for x in kept]
    return {"nodes": out_nodes, "edges": edges, "width": NET_W, "height": NET_H,
            "hidden": len(links) - len(kept)}


def _edge(link: dict[str, Any], at: dict[str, tuple[float, float]], radius: dict[str, float],
          ids: dict[str, str], heaviest: int) -> dict[str, Any]:
    (x1, y1), (x2, y2) = at[link["source"]], at[link["target"]]
    d = max(math.hypot(x2 - x1, y2 - y1), 1e-3)
    cut = radius[link["target"]] + 4  # stop at the node's rim so the arrow shows
    return {**link, "x1": x1, "y1": y1, "x2": round(x2 - (x2 - x1) * cut / d, 1),
            "y2": round(y2 - (y2 - y1) * cut / d, 1),
            "width": round(1.5 + 4 * math.sqrt((link["weight"] - 1) / max(heaviest - 1, 1)), 1),
            "ends": f"{ids[link['source']]} {ids[link['target']]}"}


def _country_class(country: str | None) -> str:
    return f"c{zlib.crc32(country.encode()) % 8}" if country else "cx"
