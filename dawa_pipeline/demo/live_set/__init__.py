"""Declarative builder of realistic Ableton Live Sets (.als) for tests, demos and benchmarks.

A `spec.SetSpec` describes what a producer would see in Live (tracks, devices, clips, automation,
locators...); `build.build_set` writes it with the element paths real Live 10.1-12.x files use
(see /work/shared/als/FORMAT.md), so a parser written against real files reads the result.
Only the elements a reader relies on are written, plus the common view-state siblings that
make the documents look like Live's; no template is copied from real sets.

Modules: `spec` (what a set holds), `xml_writer` (values, Live-version flavours, ids, serialisation),
`clips`, `devices`, `tracks` (the elements of each), `build` (the LiveSet document and the entry points).
"""
