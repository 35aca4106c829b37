"""Internal events: what Savile itself noticed (a batch refresh raised a flag), queued like any event."""

SIGNALS = "savile_signals"
