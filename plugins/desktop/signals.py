"""The desktop's own blinker signals (senders pass ``tenant=<slug>``).

Record changes of announcements go out on the kernel's ``record_*`` signals like everyone's;
these say what only the desktop knows.
"""

from blinker import Namespace

desktop_signals = Namespace()

# kwargs: tenant, announcement, user — someone read an announcement for the first time.
announcement_read = desktop_signals.signal("desktop.announcement-read")
# kwargs: tenant, role ("" = everyone), user — the admin changed the company desktop.
company_layout_changed = desktop_signals.signal("desktop.company-layout-changed")
