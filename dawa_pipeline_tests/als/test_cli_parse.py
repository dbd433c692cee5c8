"""`dawa parse` as a user runs it: a real subprocess of the installed `dawa` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dawa_pipeline.demo.live_set.build import write_set
from dawa_pipeline.demo.live_set.spec import Plugin, SetSpec, Track

DAWA = Path(sys.executable).with_name("dawa")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DAWA), "parse", *args], capture_output=True, text=True)


def _song(folder: Path, name: str = "Song.als") -> Path:
    spec = SetSpec(tracks=[Track.midi("Lead", devices=[Plugin.vst2("Serum_x64", instrument=True)])])
    return write_set(spec, folder / "Song Project" / name)


def test_a_file_prints_its_summary_json_and_exits_0(tmp_path: Path) -> None:
    result = _run(str(_song(tmp_path)), "--artist", "Ana")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["artist_name"], summary["project_name"], summary["als_filename"]) == (
        "Ana",
        "Song",
        "Song.als",
    )
    assert summary["plugins_by_track"] == {"Lead": ["Serum"]}
    assert result.stdout.startswith('{\n  "als_stem"')  # indent 2
    assert result.stderr == ""


def test_a_missing_file_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "nope.als"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["error: nope.als: cannot open the file (No such file or directory)"]


def test_a_folder_gives_json_lines_error_lines_and_a_count(tmp_path: Path) -> None:
    _song(tmp_path, "A.als")
    _song(tmp_path / "deeper", "B.als")
    (tmp_path / "broken.als").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a set")
    result = _run(str(tmp_path))
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(line["als_filename"] for line in lines) == ["A.als", "B.als"]
    progress = [line for line in result.stderr.splitlines() if line.startswith("parse: ")]
    assert progress == ["parse: 1/3", "parse: 2/3", "parse: 3/3"]  # stderr is a pipe: lines, not a bar
    others = [line for line in result.stderr.splitlines() if not line.startswith("parse: ")]
    assert others == ["error: broken.als: the file is empty (0 bytes)", "2 ok, 1 failed"]


def test_a_clean_folder_exits_0(tmp_path: Path) -> None:
    _song(tmp_path)
    result = _run(str(tmp_path))
    assert result.returncode == 0
    assert result.stderr.splitlines()[-1] == "1 ok, 0 failed"


def test_timeline_png_is_written(tmp_path: Path) -> None:
    out = tmp_path / "timeline.png"
    result = _run(str(_song(tmp_path)), "--timeline", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_parse_imports_nothing_heavy(tmp_path: Path) -> None:
    """`dawa parse` must start fast: no Dagster, pandas or matplotlib unless --timeline asks for a picture."""
    script = (
        "import sys\n"
        "from dawa_pipeline.cli import main\n"
        f"code = main(['parse', {str(_song(tmp_path))!r}])\n"
        "heavy = sorted(m for m in ('dagster', 'pandas', 'matplotlib') if m in sys.modules)\n"
        "print('HEAVY', heavy, code, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "HEAVY [] 0" in result.stderr, result.stderr
