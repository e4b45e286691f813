"""The gazetteer: built from package data into one reproducible SQLite file, opened fast,
rebuilt when missing or corrupt, and a clear error when it cannot be."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventdesk.cli import main
from eventdesk.gazetteer import (GazetteerError, cache_dir, forget_gazetteer, load_gazetteer,
                                 normalize_name)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, dict]:
    """One full build per session, through `eventdesk gazetteer build --path` (about 15-30 s)."""
    path = tmp_path_factory.mktemp("gazetteer") / "gazetteer.sqlite"
    result = CliRunner().invoke(main, ["gazetteer", "build", "--path", str(path)])
    assert result.exit_code == 0, result.output
    return path, json.loads(result.output)


def test_build_reports_what_it_built(built):
    path, info = built
    assert info["bytes"] == path.stat().st_size < 60_000_000
    assert info["places"] > 200_000 and info["features"]["country"] >= 250
    assert info["features"]["region"] > 1000 and info["features"]["water"] > 20
    assert info["warnings"] == []
    assert info["seconds"] < 60


def test_info_reports_counts_and_times(built):
    path, info = built
    result = CliRunner().invoke(main, ["gazetteer", "info", "--path", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["places"] == info["places"]
    assert report["build_seconds"] == info["seconds"] and report["load_seconds"] < 2


def test_corrupt_file_is_rebuilt_to_the_same_bytes(built):
    """Same inputs -> same file; a corrupt file is rebuilt on the next load."""
    path, _ = built
    before = sha256(path)
    forget_gazetteer(path)
    path.write_bytes(b"this is not a database" * 100)
    gaz = load_gazetteer(path)
    assert sha256(path) == before
    assert gaz.lookup("Geneva")
    forget_gazetteer(path)


def test_missing_file_without_building_is_a_clear_error(tmp_path):
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(tmp_path / "absent.sqlite", build=False)
    assert caught.value.reason == "gazetteer_missing"
    assert "eventdesk gazetteer build" in caught.value.message


def test_unbuildable_place_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EVENTDESK_CACHE", str(blocker))
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer()
    assert caught.value.reason == "gazetteer_build"
    assert "EVENTDESK_CACHE" in caught.value.message


def test_a_broken_gazetteer_fails_articles_not_the_batch(monkeypatch, nlp):
    import eventdesk.places
    from eventdesk.pipeline import Failure, extract_many

    def broken(*args, **kwargs):
        raise GazetteerError("the gazetteer is broken", reason="gazetteer_corrupt")

    monkeypatch.setattr(eventdesk.places, "load_gazetteer", broken)
    results = list(extract_many(["Talks were held in Moscow.", "Rain fell in Geneva."]))
    assert [r.reason for r in results if isinstance(r, Failure)] == ["gazetteer_corrupt"] * 2


@pytest.mark.parametrize("env,expected", [
    ({"EVENTDESK_CACHE": "/data/ed"}, Path("/data/ed")),
    ({"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/eventdesk")),
])
def test_cache_dir(monkeypatch, env, expected):
    monkeypatch.delenv("EVENTDESK_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert cache_dir() == expected


@pytest.mark.parametrize("name,key", [
    ("St. Louis", "saint louis"),
    ("Saint-Louis", "saint louis"),
    ("Zürich", "zurich"),
    ("U.S.", "us"),
    ("the Gaza Strip", "gaza strip"),
    ("Côte d’Ivoire", "cote divoire"),
    ("Nagorno-Karabakh", "nagorno karabakh"),
])
def test_normalize_name(name, key):
    assert normalize_name(name) == key


@pytest.mark.parametrize("name,geonameid", [
    ("Kyiv", 703448), ("Kiev", 703448), ("St. Louis", 4407066), ("Genève", 2660646),
    ("Moscow", 524901),
])
def test_lookup_finds_variants(name, geonameid):
    assert geonameid in {c.geonameid for c in load_gazetteer().lookup(name)}


def test_country_names_are_countries():
    for name in ("Georgia", "Jordan", "Chad", "Lebanon", "Britain", "DPRK"):
        assert any(c.feature == "country" and c.kind == 0 for c in load_gazetteer().lookup(name)), name
