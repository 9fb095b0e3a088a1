"""The infector links of a line list: numbers already stored, and cycles among the file's own rows."""

from __future__ import annotations

from chihuy.cases.models import Case

CHUNK = 900  # below SQLite's parameter limit


def stored_numbers(numbers: set[str]) -> dict[str, int]:
    """Cases already stored, by number, wherever they are: a chain crosses units, and a number is all the
    importer learns (it is what they typed), as a contact's unit sees the source case's number only."""
    found: dict[str, int] = {}
    ordered = sorted(numbers)
    for i in range(0, len(ordered), CHUNK):
        found.update(Case.objects.filter(number__in=ordered[i : i + CHUNK]).values_list("number", "pk"))
    return found


def cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of more than one case (Tarjan, without recursion: chains are long)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(edges.get(root, [])))]
        while work:
            node, successors = work[-1]
            descended = False
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges.get(nxt, []))))
                    descended = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found
