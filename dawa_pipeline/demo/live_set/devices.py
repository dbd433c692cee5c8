"""Devices as Live writes them: native devices, VST2/VST3/AU plugins, racks and drum racks (recursive).
Each writer returns the device's automatable parameters (name -> AutomationTarget id) for envelopes."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import PurePosixPath

from lxml import etree

from dawa_pipeline.demo.live_set.clips import sample_ref
from dawa_pipeline.demo.live_set.spec import BuildError, Device, DeviceSpec, DrumRack, Plugin, Rack
from dawa_pipeline.demo.live_set.xml_writer import Document, leaf, node

RACKS = {  # rack kind -> (device tag, branch tag, chain tag)
    "instrument": ("InstrumentGroupDevice", "InstrumentBranch", "MidiToAudioDeviceChain"),
    "audio_effect": ("AudioEffectGroupDevice", "AudioEffectBranch", "AudioToAudioDeviceChain"),
    "midi_effect": ("MidiEffectGroupDevice", "MidiEffectBranch", "MidiToMidiDeviceChain"),
}


def device_header(doc: Document, el: etree._Element, user_name: str) -> int:
    """Fields every Live device (and mixer/sequencer) starts with; returns the On target id."""
    leaf(el, "LomId", 0)
    leaf(el, "LomIdView", 0)
    leaf(el, "IsExpanded", True)
    on_target = doc.parameter(el, "On", True)
    leaf(el, "ModulationSourceCount", 0)
    node(el, "ParametersListWrapper", LomId=0)
    node(el, "Pointee", Id=doc.pointee())
    leaf(el, "LastSelectedTimeableIndex", 0)
    leaf(el, "LastSelectedClipEnvelopeIndex", 0)
    etree.SubElement(etree.SubElement(el, "LastPresetRef"), "Value")
    etree.SubElement(el, "LockedScripts")
    leaf(el, "IsFolded", False)
    leaf(el, "ShouldShowPresetName", True)
    leaf(el, "UserName", user_name)
    leaf(el, "Annotation", "")
    etree.SubElement(etree.SubElement(el, "SourceContext"), "Value")
    return on_target


def write_device(
    doc: Document, parent: etree._Element, device: DeviceSpec, track_name: str
) -> dict[str, int]:
    """Write one device; returns its automatable parameters (name -> AutomationTarget id)."""
    if isinstance(device, Device):
        return _native(doc, parent, device)
    if isinstance(device, Plugin):
        return _plugin(doc, parent, device)
    if isinstance(device, Rack):
        return _rack(doc, parent, device, track_name)
    return _drum_rack(doc, parent, device, track_name)


def _native(doc: Document, parent: etree._Element, device: Device) -> dict[str, int]:
    el = node(parent, device.kind, Id=len(parent))
    targets = {"Device On": device_header(doc, el, device.name)}
    leaf(el, "OverwriteProtectionNumber", 2819)
    for name, value in device.params.items():
        targets[name] = doc.parameter(el, name, value)
    if device.samples:
        if device.kind not in ("OriginalSimpler", "MultiSampler"):
            raise BuildError(f"{device.kind} cannot hold samples (only OriginalSimpler/MultiSampler)")
        parts = etree.SubElement(
            etree.SubElement(etree.SubElement(el, "Player"), "MultiSampleMap"), "SampleParts"
        )
        for index, sample in enumerate(device.samples):
            part = node(
                parts, "MultiSamplePart", Id=index, HasImportedSlicePoints=True, NeedsAnalysisData=False
            )
            leaf(part, "Name", PurePosixPath(sample.file_name).stem)
            leaf(part, "RootKey", 60)
            leaf(part, "SampleStart", 0)
            leaf(part, "SampleEnd", sample.duration_frames)
            sample_ref(part, sample)
    return targets


def _plugin(doc: Document, parent: etree._Element, plugin: Plugin) -> dict[str, int]:
    tag = "AuPluginDevice" if plugin.format == "au" else "PluginDevice"
    el = node(parent, tag, Id=len(parent))
    targets = {"Device On": device_header(doc, el, "")}
    desc = etree.SubElement(el, "PluginDesc")
    if plugin.format == "vst2":
        _vst2_info(desc, plugin)
    elif plugin.format == "vst3":
        _vst3_info(desc, plugin)
    else:
        _au_info(desc, plugin)
    leaf(el, "MpeEnabled", False)
    params = etree.SubElement(el, "ParameterList")
    for index, (name, value) in enumerate(plugin.params.items()):
        param = node(params, "PluginFloatParameter", Id=index)
        leaf(param, "ParameterName", name)
        leaf(param, "ParameterId", index)
        targets[name] = doc.parameter(param, "ParameterValue", value)
    return targets


def _plugin_info_header(info: etree._Element, instrument: bool) -> None:
    leaf(info, "WinPosX", 80)
    leaf(info, "WinPosY", 120)
    leaf(info, "NumAudioInputs", 0 if instrument else 1)
    leaf(info, "NumAudioOutputs", 1)


def _preset(info: etree._Element, tag: str) -> etree._Element:
    preset = node(etree.SubElement(info, "Preset"), tag, Id=1)
    leaf(preset, "OverwriteProtectionNumber", 2819)
    etree.SubElement(preset, "ParameterSettings")
    leaf(preset, "IsOn", True)
    leaf(preset, "StoredAllParameters", True)
    return preset


def _vst2_info(desc: etree._Element, plugin: Plugin) -> None:
    info = node(desc, "VstPluginInfo", Id=0)
    _plugin_info_header(info, plugin.instrument)
    leaf(info, "Path", plugin.path)
    leaf(info, "PlugName", plugin.name)
    leaf(info, "UniqueId", zlib.crc32(plugin.name.encode()) & 0x7FFFFFFF)
    leaf(info, "NumberOfParameters", len(plugin.params))
    leaf(info, "NumberOfPrograms", 1)
    leaf(info, "Flags", 1285 if plugin.instrument else 1281)
    _preset(info, "VstPreset")
    leaf(info, "Version", 1)
    leaf(info, "VstVersion", 2400)
    leaf(info, "IsShellClient", False)
    leaf(info, "Category", 2 if plugin.instrument else 1)


def _vst3_uid(parent: etree._Element, name: str) -> None:
    uid = etree.SubElement(parent, "Uid")
    for index in range(4):
        field_value = zlib.crc32(f"{name}/{index}".encode()) - 2**31
        leaf(uid, f"Fields.{index}", field_value)


def _vst3_info(desc: etree._Element, plugin: Plugin) -> None:
    info = node(desc, "Vst3PluginInfo", Id=0)
    _plugin_info_header(info, plugin.instrument)
    device_type = 1 if plugin.instrument else 2
    preset = _preset(info, "Vst3Preset")
    _vst3_uid(preset, plugin.name)
    leaf(preset, "DeviceType", device_type)
    etree.SubElement(preset, "ProcessorState")
    etree.SubElement(preset, "ControllerState")
    leaf(preset, "Name", "")  # real files carry an empty preset Name before the plugin's Name
    etree.SubElement(preset, "PresetRef")
    leaf(info, "Name", plugin.name)
    _vst3_uid(info, plugin.name)
    leaf(info, "DeviceType", device_type)


def _au_info(desc: etree._Element, plugin: Plugin) -> None:
    info = node(desc, "AuPluginInfo", Id=0)
    _plugin_info_header(info, plugin.instrument)
    leaf(info, "IsPlaceholderDevice", False)
    leaf(info, "ComponentType", 1635085685 if plugin.instrument else 1635083896)  # 'aumu' / 'aufx'
    leaf(info, "ComponentSubType", zlib.crc32(plugin.name.encode()) & 0x7FFFFFFF)
    leaf(info, "ComponentManufacturer", zlib.crc32(plugin.manufacturer.encode()) & 0x7FFFFFFF)
    leaf(info, "ComponentFlags", 14 if plugin.auv3 else 2)  # bit 4 marks an AUv3
    leaf(info, "Name", plugin.name)
    leaf(info, "Manufacturer", plugin.manufacturer)
    preset = _preset(info, "AuPreset")
    etree.SubElement(preset, "Buffer")


def _branch(
    doc: Document,
    parent: etree._Element,
    tag: str,
    chain_tag: str,
    index: int,
    name: str,
    devices: Sequence[DeviceSpec],
    track_name: str,
) -> etree._Element:
    branch = node(parent, tag, Id=index)
    leaf(branch, "LomId", 0)
    name_el = etree.SubElement(branch, "Name")
    leaf(name_el, "EffectiveName", name)
    leaf(name_el, "UserName", "")
    leaf(name_el, "Annotation", "")
    leaf(branch, "IsSelected", index == 0)
    chain = node(etree.SubElement(branch, "DeviceChain"), chain_tag, Id=0)
    devices_el = etree.SubElement(chain, "Devices")
    for device in devices:
        write_device(doc, devices_el, device, track_name)
    etree.SubElement(chain, "SignalModulations")
    leaf(branch, "IsSoloed", False)
    leaf(branch, "ColorIndex", 141)
    return branch


def _rack_macros(doc: Document, el: etree._Element) -> dict[str, int]:
    return {f"Macro {i + 1}": doc.parameter(el, f"MacroControls.{i}", 0) for i in range(8)}


def _rack(doc: Document, parent: etree._Element, rack: Rack, track_name: str) -> dict[str, int]:
    tag, branch_tag, chain_tag = RACKS[rack.kind]
    el = node(parent, tag, Id=len(parent))
    targets = {"Device On": device_header(doc, el, rack.name)}
    leaf(el, "OverwriteProtectionNumber", 2819)
    branches = etree.SubElement(el, "Branches")
    for index, chain in enumerate(rack.chains):
        _branch(doc, branches, branch_tag, chain_tag, index, chain.name, chain.devices, track_name)
    leaf(el, "IsBranchesListVisible", False)
    return targets | _rack_macros(doc, el)


def _drum_rack(doc: Document, parent: etree._Element, rack: DrumRack, track_name: str) -> dict[str, int]:
    el = node(parent, "DrumGroupDevice", Id=len(parent))
    targets = {"Device On": device_header(doc, el, rack.name)}
    leaf(el, "OverwriteProtectionNumber", 2819)
    branches = etree.SubElement(el, "Branches")
    for index, pad in enumerate(rack.pads):
        branch = _branch(
            doc, branches, "DrumBranch", "MidiToAudioDeviceChain", index, pad.name, pad.devices, track_name
        )
        info = etree.SubElement(branch, "BranchInfo")
        leaf(info, "ReceivingNote", 128 - pad.note)  # Live stores pads counted down from 128
        leaf(info, "SendingNote", 60)
        leaf(info, "ChokeGroup", 0)
    leaf(el, "IsBranchesListVisible", False)
    leaf(el, "IsReturnBranchesListVisible", bool(rack.returns))
    targets |= _rack_macros(doc, el)
    returns = etree.SubElement(el, "ReturnBranches")
    for index, chain in enumerate(rack.returns):
        _branch(
            doc,
            returns,
            "ReturnBranch",
            "AudioToAudioDeviceChain",
            index,
            chain.name,
            chain.devices,
            track_name,
        )
    return targets


def device_names(device: DeviceSpec) -> set[str]:
    """Names an Envelope may use to pick `device`."""
    if isinstance(device, Device):
        return {device.kind, device.name} - {""}
    if isinstance(device, Plugin):
        return {device.name}
    kind = "DrumGroupDevice" if isinstance(device, DrumRack) else RACKS[device.kind][0]
    return {kind, device.name} - {""}
