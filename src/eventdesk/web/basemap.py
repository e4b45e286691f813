"""The map: country outlines from the vendored world-atlas TopoJSON (Natural Earth 1:110m,
npm ``world-atlas`` 2.0.2, ISC) drawn as SVG paths in an equirectangular projection, with
event places as circles on top. Decoded once per process; no tiles, no network."""
from __future__ import annotations

import json
import math
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pycountry

ATLAS = Path(__file__).resolve().parent / "static" / "vendor" / "world-atlas" / "countries-110m.json"
WIDTH = 960
NORTH, SOUTH = 84.0, -58.0  # latitudes shown (Antarctica is left out)
SCALE = WIDTH / 360
HEIGHT = round((NORTH - SOUTH) * SCALE)
ANTARCTICA = "010"


def project(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 degrees -> SVG pixels (equirectangular)."""
    return (lon + 180) * SCALE, (NORTH - lat) * SCALE


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Quantized, delta-encoded TopoJSON arcs -> lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)  # arcs share their end points
    return points


def _unwrap(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Longitudes made continuous: a ring across the antimeridian (Chukotka, Fiji) runs on
    past 180 instead of jumping back across the whole map."""
    out = [ring[0]]
    for lon, lat in ring[1:]:
        previous = out[-1][0]
        while lon - previous > 180:
            lon -= 360
        while previous - lon > 180:
            lon += 360
        out.append((lon, lat))
    return out


def _path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        ring = _unwrap(ring)
        lons = [lon for lon, _ in ring]
        shifts = [0] + ([-360] if max(lons) > 180 else []) + ([360] if min(lons) < -180 else [])
        for shift in shifts:  # the part past the edge drawn again on the other side
            xy = [project(lon + shift, lat) for lon, lat in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


def _alpha3(numeric: str | None) -> str | None:
    country = pycountry.countries.get(numeric=numeric) if numeric else None
    return country.alpha_3 if country else None


@cache
def countries() -> tuple[dict[str, Any], ...]:
    """Every country outline: ``{"name", "iso3", "d"}`` (an SVG path)."""
    topology = json.loads(ATLAS.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    out = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id") == ANTARCTICA or geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [_ring(ring, arcs) for polygon in polygons for ring in polygon]
        out.append({"name": geometry["properties"]["name"], "iso3": _alpha3(geometry.get("id")),
                    "d": _path(rings)})
    return tuple(out)


def map_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Events per (place, type) -> one circle per place, sized by events, coloured by its
    most frequent type, over the country outlines (countries with events marked)."""
    places: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = (row["location"], row["latitude"], row["longitude"])
        place = places.setdefault(key, {"name": row["location"], "country": row["country"],
                                        "lat": row["latitude"], "lon": row["longitude"],
                                        "count": 0, "types": defaultdict(int)})
        place["count"] += row["count"]
        place["types"][row["type"]] += row["count"]
    top = max((p["count"] for p in places.values()), default=1)
    dots = [_dot(p, top) for p in sorted(places.values(), key=lambda p: -p["count"])]
    with_events = {p["country"] for p in places.values() if p["country"]}
    shapes = [{**c, "active": c["iso3"] in with_events} for c in countries()]
    return {"width": WIDTH, "height": HEIGHT, "countries": shapes, "dots": dots}


def _dot(place: dict[str, Any], top: int) -> dict[str, Any]:
    x, y = project(float(place["lon"]), float(place["lat"]))
    types = sorted(place["types"].items(), key=lambda kv: (-kv[1], kv[0]))
    return {"name": place["name"], "country": place["country"], "lat": place["lat"],
            "lon": place["lon"], "count": place["count"], "x": round(x, 1), "y": round(y, 1),
            "r": round(3 + 12 * math.sqrt(place["count"] / top), 1), "type": types[0][0],
            "types": [{"type": t, "count": c} for t, c in types]}
