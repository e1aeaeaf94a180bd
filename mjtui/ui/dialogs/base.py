"""What every dialog shares: the close-once `Dialog`, literal text, the title and key lines.

Every dialog is a `Dialog[T]` (a ModalScreen that closes once) dismissed with a typed result
(None or False on escape), drawn as a centred bordered panel with a title and a muted line of
keys. Text that may come from the API is shown through `literal()`: never parsed as markup,
escapes made visible.
"""

from __future__ import annotations

import re

from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.screen import ModalScreen, ScreenResultType
from textual.widgets import Static

from mjtui.text import printable


class Dialog(ModalScreen[ScreenResultType]):
    """A modal screen that closes once.

    Textual's `dismiss` pops whatever screen is on top. Two messages from one burst of keys
    (enter enter: two Input.Submitted, two Button.Pressed) both reach the dialog before it is
    gone, so the second dismiss popped the screen beneath: the dashboard (a blank screen,
    then ScreenStackError) or a dialog opened in the meantime."""

    def dismiss(self, result: ScreenResultType | None = None) -> AwaitComplete:
        if self not in self.app.screen_stack:
            return AwaitComplete.nothing()  # closed already: the top is not ours to pop
        return super().dismiss(result)


def literal(text: str, *, keep_newlines: bool = False, limit: int | None = None) -> Content:
    """Untrusted text as Content: markup characters stay visible, escapes are shown, not obeyed."""
    return Content(printable(text, keep_newlines=keep_newlines, limit=limit))


def single_line(text: str) -> str:
    """Text for a one-line Input: line breaks and tabs become spaces, escapes made visible."""
    return printable(re.sub(r"[\r\n\t]+", " ", text))


def title_bar(title: str | Content) -> Static:
    """The panel's title line."""
    return Static(title if isinstance(title, Content) else literal(title), classes="dialog-title")


def help_line(text: str) -> Static:
    """The muted line of keys at the bottom of every dialog (our own text, never API text)."""
    return Static(Content(text), classes="dialog-help")
