"""The artist's set summaries as pandas tables, and the one way a fingerprint statement is worded.

Every statement says what the sets show, with the count behind it ("Serum in 1 of 5 sets"), most sets first;
nothing is hidden for being rare, but each field is capped at a readable length, and what the cap leaves out
is summed up in one last statement ("+4 more plug-ins, each in 1 of 5 sets").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from dawa_pipeline.als.devices import plugin_key
from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.profile import vocabulary as vocab
from dawa_pipeline.profile.models import Evidence

NON_MUSICAL_TYPES = ("Return", "Main")
MORE_PREFIX = "+"  # the subject of the statement that sums up what a field's cap left out
Observation = tuple[str, Iterable[int]] | tuple[str, Iterable[int], str]


def set_label(summary: AlsSummary) -> str:
    """How a set is named in evidence: 'project/als stem'."""
    return f"{summary.project_name}/{summary.als_stem}"


def sets_phrase(count: int, of: int) -> str:
    if count == of:
        return "in the one set" if of == 1 else f"in all {of} sets"
    return f"in {count} of {of} sets"


def is_summed_up(evidence: Evidence) -> bool:
    """Whether a statement sums up the items a field's cap left out (not one item of its own)."""
    return evidence.subject.startswith(MORE_PREFIX)


def rows_where(frame: pd.DataFrame, column: str, test: Callable[[Any], Any]) -> pd.DataFrame:
    """The rows whose `column` passes `test` (an empty frame stays a frame with its columns)."""
    return frame.loc[[bool(test(value)) for value in frame[column]]]


class Tables:
    """The summaries as frames: one row per set, track, plug-in instance, name and locator."""

    def __init__(self, summaries: Sequence[AlsSummary]) -> None:
        self.summaries = summaries
        self.n = len(summaries)
        seen: Counter[str] = Counter()
        self.labels = []
        for label in (set_label(s) for s in summaries):
            seen[label] += 1
            self.labels.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
        self.tracks = pd.DataFrame(
            [
                {
                    "set": i,
                    "name": t.name,
                    "lname": t.name.lower(),
                    "type": t.type,
                    "level": t.level,
                    "group": (t.group or "").lower(),
                    "devices": t.native_devices,
                    "has_automation": t.has_automation,
                    "median_pitch": t.note_range.median if t.note_range else None,
                    "sidechain_from": t.sidechain_from,
                }
                for i, s in enumerate(summaries)
                for t in s.tracks
            ],
            columns=[
                "set",
                "name",
                "lname",
                "type",
                "level",
                "group",
                "devices",
                "has_automation",
                "median_pitch",
                "sidechain_from",
            ],
        )
        self.plugins = pd.DataFrame(
            [
                {"set": i, "name": p.name, "kind": p.kind, "track": p.track}
                for i, s in enumerate(summaries)
                for p in s.plugins
            ],
            columns=["set", "name", "kind", "track"],
        )
        # Every name a producer gave something a sound comes from: samples, tracks, clips, Drum Rack pads.
        self.names = pd.DataFrame(
            [
                {"set": i, "text": x.name.lower(), "source": "sample"}
                for i, s in enumerate(summaries)
                for x in s.samples
            ]
            + [
                {"set": i, "text": text.lower(), "source": source}
                for i, s in enumerate(summaries)
                for t in s.tracks
                if t.type not in NON_MUSICAL_TYPES
                for source, texts in (("track", [t.name]), ("clip", t.clip_names), ("pad", t.drum_pads))
                for text in texts
            ],
            columns=["set", "text", "source"],
        )
        self.sections = pd.DataFrame(
            [
                {"set": i, "section": vocab.section_name(loc.name), "position": rank / len(s.locators)}
                for i, s in enumerate(summaries)
                for rank, loc in enumerate(sorted(s.locators, key=lambda loc: loc.beat))
            ],
            columns=["set", "section", "position"],
        )

    def evidence(self, statement: str, subject: str, set_ids: Iterable[int]) -> Evidence:
        return Evidence(
            statement=statement,
            subject=subject,
            sets=sorted({self.labels[i] for i in set_ids}),
            of=self.n,
        )

    def counted(
        self, observations: Iterable[Observation], *, limit: int | None = None, noun: str = "more"
    ) -> list[Evidence]:
        """'<label> in k of n sets[ (detail)]' for each observation seen in any set, most sets first (ties
        keep the given order); beyond `limit`, one '+k more <noun>' statement for the rest."""
        found = [(obs[0], sorted(set(obs[1])), obs[2] if len(obs) == 3 else "") for obs in observations]
        ranked = sorted((item for item in found if item[1]), key=lambda item: -len(item[1]))
        shown = ranked if limit is None or len(ranked) <= limit else ranked[: limit - 1]
        statements = [
            self.evidence(
                f"{label} {sets_phrase(len(ids), self.n)}{f' ({detail})' if detail else ''}", label, ids
            )
            for label, ids, detail in shown
        ]
        rest = ranked[len(shown) :]
        if rest:
            counts = sorted({len(ids) for _label, ids, _detail in rest})
            each = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
            statements.append(
                self.evidence(
                    f"{MORE_PREFIX}{len(rest)} more {noun}, each in {each} of {self.n} sets",
                    f"{MORE_PREFIX}{len(rest)} more {noun}",
                    (i for _label, ids, _detail in rest for i in ids),
                )
            )
        return statements

    def named_counts(self, rows: pd.DataFrame, *, limit: int, noun: str) -> list[Evidence]:
        """`counted` over the names in `rows` (columns set, name), spellings of one plug-in merged under
        its most used spelling; ties by name."""
        if rows.empty:
            return []
        keyed = rows.assign(key=[plugin_key(name) or name for name in rows["name"]])
        observations = []
        for _key, group in keyed.groupby("key"):
            spelling = Counter(group["name"]).most_common()
            name = min(spelling, key=lambda item: (-item[1], item[0]))[0]
            observations.append((name, list(group["set"])))
        observations.sort(key=lambda obs: (str(obs[0]).casefold(), obs[0]))
        return self.counted(observations, limit=limit, noun=noun)

    def sets_matching(self, frame: pd.DataFrame, column: str, test: Callable[[Any], Any]) -> list[int]:
        return sorted(set(rows_where(frame, column, test)["set"]))
