"""The session as a family tree: each task under the one it was made from (U2 under its grid).

Enter picks a task (the dashboard then selects it); escape closes. Titles are API text and
go into the tree as literal `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from mjtui.api.models import Status
from mjtui.text import printable
from mjtui.ui.dialogs.base import help_line, title_bar
from mjtui.ui.format import STATUS_LABELS, short_id

STATUS_STYLES: dict[Status, str] = {
    Status.NOT_START: "dim",
    Status.SUBMITTED: "cyan",
    Status.IN_PROGRESS: "yellow",
    Status.MODAL: "bold magenta",
    Status.SUCCESS: "green",
    Status.FAILURE: "bold red",
    Status.EXPIRED: "dim red",
    Status.FORBIDDEN: "dim red",
    Status.UNKNOWN: "dim",
}
STATUS_WIDTH = max(len(label) for label in STATUS_LABELS.values())
TITLE_LIMIT = 50


@dataclass(frozen=True, slots=True)
class LineageNode:
    """One tracked task as the tree needs it."""

    task_id: str
    parent_id: str | None
    title: str
    status: Status


def node_label(node: LineageNode) -> Text:
    """`STATUS  title  short-id`, status coloured, title literal."""
    status = STATUS_LABELS.get(node.status, node.status.value)
    label = Text()  # not Text(style=...): a base style would colour the whole line
    label.append(f"{status:<{STATUS_WIDTH}}", style=STATUS_STYLES.get(node.status, ""))
    label.append("  ")
    label.append(printable(node.title, limit=TITLE_LIMIT) or "(untitled)")
    label.append("  ")
    label.append(short_id(node.task_id), style="dim")
    return label


def build_forest(nodes: Iterable[LineageNode]) -> tuple[list[str], dict[str, list[str]]]:
    """(root IDs, parent ID -> child IDs), in input order.

    A root is a task whose parent is missing, untracked or itself; tasks caught in a parent
    cycle are cut loose at the first one seen, so every task appears exactly once.
    """
    by_id = {n.task_id: n for n in nodes}
    children: dict[str, list[str]] = {}
    roots: list[str] = []
    for node in by_id.values():
        parent = node.parent_id
        if parent and parent != node.task_id and parent in by_id:
            children.setdefault(parent, []).append(node.task_id)
        else:
            roots.append(node.task_id)
    reached: set[str] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        reached.add(current)
        stack.extend(children.get(current, []))
    for task_id, node in by_id.items():  # cycles are unreachable from any root
        if task_id not in reached:
            parent = node.parent_id or ""
            if task_id in children.get(parent, []):
                children[parent].remove(task_id)
            roots.append(task_id)
            stack = [task_id]
            while stack:
                current = stack.pop()
                reached.add(current)
                stack.extend(c for c in children.get(current, []) if c not in reached)
    return roots, children


class LineageScreen(ModalScreen[str | None]):
    """A tree of the session's tasks. Dismisses with the chosen task ID, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", show=False)]

    def __init__(self, nodes: list[LineageNode], selected: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.nodes = list(nodes)
        self.selected = selected

    def compose(self) -> ComposeResult:
        tree: Tree[str] = Tree(Text("session"), id="lineage")
        tree.show_root = False
        tree.auto_expand = False
        with Vertical(classes="dialog lineage-screen"):
            yield title_bar("Lineage")
            yield tree
            yield help_line("↑↓ move · ←→ fold · enter select · esc close")

    def on_mount(self) -> None:
        tree = self.query_one("#lineage", Tree)
        by_id = {n.task_id: n for n in self.nodes}
        roots, children = build_forest(self.nodes)
        added: dict[str, TreeNode[str]] = {}

        # Depth-first without recursion: a long chain of variations must not hit the limit.
        stack: list[tuple[TreeNode[str], str]] = [(tree.root, r) for r in reversed(roots)]
        while stack:
            parent, task_id = stack.pop()
            kids = children.get(task_id, [])
            label = node_label(by_id[task_id])
            node = parent.add(label, data=task_id, expand=True, allow_expand=bool(kids))
            added[task_id] = node
            stack.extend((node, kid) for kid in reversed(kids))
        tree.root.expand()
        if not self.nodes:
            tree.root.add_leaf(Text("no tasks tracked yet", style="dim"))
        if self.selected in added:
            # The tree numbers its lines and learns its size on the first refresh.
            node = added[self.selected]
            self.call_after_refresh(tree.move_cursor, node)
            self.call_after_refresh(tree.scroll_to_node, node, animate=False)
        tree.focus()

    @on(Tree.NodeSelected, "#lineage")
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data is not None:
            self.dismiss(event.node.data)

    def action_close(self) -> None:
        self.dismiss(None)
