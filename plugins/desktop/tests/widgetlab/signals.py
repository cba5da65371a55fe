"""widgetlab's own signal: the desktop finds it here and invalidates widgetlab's widgets."""

from blinker import Namespace

lab_signals = Namespace()
lab_changed = lab_signals.signal("widgetlab.changed")
