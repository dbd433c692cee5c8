"""Generated Ableton Live Sets: the declarative builder and the demo artists' sets."""
