"""The import graph has no cycles but the ones that queue work: a workflow module and its app's
``tasks`` module import each other (the workflow enqueues a task, the task runs the workflow).
Any other cycle means a wall in the wrong place. The walls between apps themselves are
import-linter contracts in ``pyproject.toml``, checked by ``make lint``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def project_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["root_packages"])


def cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in modules:
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = []
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work.append((start, sorted(graph.find_modules_directly_imported_by(start))))
        while work:
            node, todo = work[-1]
            if todo:
                child = todo.pop()
                if ".migrations" in child:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.find_modules_directly_imported_by(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def queues_work(component: set[str]) -> bool:
    if len(component) != 2:
        return False
    first, second = sorted(component)
    app = first.split(".")[0]
    return second.split(".")[0] == app and f"{app}.tasks" in component


def test_the_only_import_cycles_are_workflows_and_the_tasks_they_queue() -> None:
    graph = grimp.build_graph(*project_packages(), cache_dir=None)
    unexpected = [sorted(c) for c in cycles(graph) if not queues_work(c)]
    assert unexpected == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    """The check above cannot pass by finding nothing: a real pair of this code base is found."""
    graph = grimp.build_graph(*project_packages(), cache_dir=None)
    assert {"exams.services", "exams.tasks"} in cycles(graph)
