"""Hostile and broken input: every case raises a typed AlsParseError naming the file and the problem, the CLI
exits 2 with one error line, and the gzip bomb is refused with bounded memory."""

from __future__ import annotations

import gzip
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dawa_pipeline.als import AlsParseError, ParseLimits, parse_als
from dawa_pipeline.als.errors import (
    CorruptContainer,
    EmptyFile,
    ForbiddenXml,
    GitLfsPointer,
    LimitExceeded,
    MalformedXml,
    MissingElement,
    NotAnAbletonSet,
)
from dawa_pipeline.demo.live_set.build import build_set
from dawa_pipeline.demo.live_set.spec import SetSpec

DAWA = Path(sys.executable).with_name("dawa")
_LIVE_SET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Ableton MajorVersion="5" Creator="Ableton Live 11.3.13">'
)
_BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Ableton [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<Ableton><LiveSet><Tracks><MidiTrack><Name><EffectiveName Value="&lol9;"/></Name></MidiTrack></Tracks>
</LiveSet></Ableton>
"""
_EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Ableton [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Ableton><LiveSet><Tracks><MidiTrack><Name><EffectiveName Value="&secret;"/></Name></MidiTrack></Tracks>
</LiveSet></Ableton>
"""


def _deep(levels: int) -> bytes:
    return _LIVE_SET_HEAD + b"<LiveSet>" + b"<a>" * levels + b"</a>" * levels + b"</LiveSet></Ableton>"


def _gzip_bomb(decompressed_gib: int, opening: bytes = b"<LiveSet>") -> bytes:
    """A valid gzip stream of `decompressed_gib` GiB: a Live Set opening followed by empty elements, built
    from repeated gzip members so building it is cheap."""
    chunk = gzip.compress(b"<a/>" * (16 << 20), compresslevel=9, mtime=0)  # 64 MiB -> ~64 KiB
    return gzip.compress(_LIVE_SET_HEAD + opening, mtime=0) + chunk * (decompressed_gib * 16)


CASES: dict[str, tuple[bytes, type[AlsParseError], str]] = {
    "empty": (b"", EmptyFile, "empty"),
    "junk": (b"\x00\x01\x02junk", NotAnAbletonSet, "neither gzip nor XML"),
    "truncated-gzip": (build_set(SetSpec())[:300], CorruptContainer, "truncated"),
    "empty-gzip": (gzip.compress(b""), EmptyFile, "no data"),
    "git-lfs": (
        b"version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 123\n",
        GitLfsPointer,
        "git-LFS pointer",
    ),
    "html": (b"<html><body>404</body></html>", NotAnAbletonSet, "<html>"),
    "device-preset": (_LIVE_SET_HEAD + b"<GroupDevicePreset/></Ableton>", NotAnAbletonSet, "not a Live Set"),
    "truncated-xml": (_LIVE_SET_HEAD + b"<LiveSet><Tracks>", MalformedXml, "not well-formed"),
    "undefined-entity": (_LIVE_SET_HEAD + b"<LiveSet>&boom;</LiveSet></Ableton>", MalformedXml, "'boom'"),
    "billion-laughs": (_BILLION_LAUGHS, ForbiddenXml, "DOCTYPE"),
    "external-entity": (_EXTERNAL_ENTITY, ForbiddenXml, "DOCTYPE"),
    "deep-nesting": (_deep(400), LimitExceeded, "nested deeper"),
    "no-master": (_LIVE_SET_HEAD + b"<LiveSet><Tracks/></LiveSet></Ableton>", MissingElement, "master"),
    "second-root-child": (_LIVE_SET_HEAD + b"<LiveSet/><Preset/></Ableton>", NotAnAbletonSet, "<Preset>"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_raises_a_typed_error_naming_file_and_problem(case: str) -> None:
    data, error_type, words = CASES[case]
    with pytest.raises(error_type) as caught:
        parse_als(data, file_name=f"{case}.als")
    assert caught.value.file_name == f"{case}.als"
    assert words in caught.value.problem
    assert str(caught.value) == f"{case}.als: {caught.value.problem}"
    assert isinstance(caught.value, AlsParseError)


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_exits_2_with_one_error_line_and_no_traceback(case: str, tmp_path: Path) -> None:
    path = tmp_path / f"{case}.als"
    path.write_bytes(CASES[case][0])
    result = subprocess.run([str(DAWA), "parse", str(path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {case}.als: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(AlsParseError, match="cannot open"):
        parse_als(tmp_path / "gone.als")


def test_smaller_configured_limits_are_enforced() -> None:
    data = build_set(SetSpec())
    with pytest.raises(LimitExceeded, match="exceeds the limit of 1000 bytes"):
        parse_als(data, file_name="big.als", limits=ParseLimits(max_xml_bytes=1000))
    with pytest.raises(LimitExceeded, match="deeper than 5 levels"):
        parse_als(data, file_name="deep.als", limits=ParseLimits(max_depth=5))
    with pytest.raises(ValueError, match="libxml2"):
        ParseLimits(max_depth=1000)


@pytest.mark.parametrize("opening", [b"<LiveSet>", b"<LiveSet><Tracks>"])
def test_gzip_bomb_is_refused_early_with_bounded_memory(opening: bytes, tmp_path: Path) -> None:
    """16 GiB of decompressed XML in a 16 MiB file: refused by the ratio check after a few MiB; the process's
    peak memory stays far below the bomb (measured in a fresh interpreter), whether the millions of elements
    no analyser reads sit in the set or in its track list."""
    bomb = tmp_path / "bomb.als"
    bomb.write_bytes(_gzip_bomb(16, opening))
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from dawa_pipeline.als import parse_als
        from dawa_pipeline.als.errors import LimitExceeded
        try:
            parse_als(Path({str(bomb)!r}))
        except LimitExceeded as exc:
            print(exc.problem)
        # VmHWM is this process's own peak (ru_maxrss would include the forking pytest process).
        status = Path("/proc/self/status").read_text().splitlines()
        print(next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM")))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    problem, peak_mib = result.stdout.strip().splitlines()
    assert "compression ratio above 200" in problem
    assert int(peak_mib) < 100


@pytest.mark.parametrize(
    "opening",
    [b"<html>", _LIVE_SET_HEAD[_LIVE_SET_HEAD.index(b"<Ableton") :] + b"<GroupDevicePreset>"],
    ids=["html", "device-preset"],
)
def test_a_wrong_document_is_refused_at_its_first_elements_not_after_reading_it_all(opening: bytes) -> None:
    """4 MB of another XML document under a 256 kB size limit: the root (or its first child) already says
    it is no Live Set, so the size limit is never reached."""
    data = b'<?xml version="1.0"?>' + opening + b"<p/>" * 1_000_000
    with pytest.raises(NotAnAbletonSet, match="not"):
        parse_als(data, file_name="other.als", limits=ParseLimits(max_xml_bytes=256_000))


@pytest.mark.parametrize(
    ("opening", "closing"),
    [(b"<ViewStates>", b"</ViewStates>"), (b"<Tracks><AudioTrack>", b"</AudioTrack></Tracks>")],
    ids=["section-no-analyser-reads", "analysed-track"],
)
def test_configured_depth_limit_is_exact_wherever_the_nesting_sits(opening: bytes, closing: bytes) -> None:
    """Nesting to level 15 inside a section that is freed chunks before the set ends (160 kB of filler
    follows): a limit of 14 refuses it, a limit of 15 lets the parse reach its next problem, no master."""
    levels = 15 - 2 - opening.count(b"<")
    data = (
        _LIVE_SET_HEAD
        + b"<LiveSet>"
        + opening
        + b"<a>" * levels
        + b"</a>" * levels
        + closing
        + b"<Filler/>" * 16_000
        + b"<Locators><Locators/></Locators></LiveSet></Ableton>"
    )
    with pytest.raises(LimitExceeded, match="deeper than 14 levels"):
        parse_als(data, file_name="deep.als", limits=ParseLimits(max_depth=14))
    with pytest.raises(MissingElement):
        parse_als(data, file_name="deep.als", limits=ParseLimits(max_depth=15))
