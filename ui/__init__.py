"""What the app's pages share: the frame (language, report date, store), cached reviews, formats, charts.

Streamlit-only code lives here, outside the ``forecast`` library; ``app.py`` draws the frame and
the pages in ``app_pages/`` only import and call.
"""

from ui.frame import *  # noqa: F403
