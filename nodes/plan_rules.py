"""Plan validation: every error found, in words the planner can act on."""

from __future__ import annotations

from collections.abc import Collection

from state.ids import bad_step_id
from state.plan import Plan


def plan_errors(
    plan: Plan,
    *,
    specialists: Collection[str],
    max_steps: int,
    done_ids: Collection[str] = (),
    reusable: Collection[str] = (),
    memories: Collection[str] | None = None,
) -> list[str]:
    """Return what is wrong with a plan: unknown names, bad dependencies, too many steps.

    `memories` are the ids of the memories the planner was shown (None: not checked).
    """
    errors: list[str] = []
    ids = [step.id for step in plan.steps]
    if len(ids) > max_steps:
        errors.append(f"the plan has {len(ids)} steps; at most {max_steps} are allowed")
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        errors.append(f"step ids must be unique; repeated: {', '.join(duplicates)}")
    known = set(ids) | set(done_ids)
    for step in plan.steps:
        # A step id names the step's folder: it is checked like any other input.
        if (why := bad_step_id(step.id)) is not None:
            errors.append(why)
        if step.specialist not in specialists:
            errors.append(
                f"step '{step.id}' names unknown specialist '{step.specialist}' "
                f"(known: {', '.join(sorted(specialists))})"
            )
        for dep in step.depends_on:
            if dep == step.id:
                errors.append(f"step '{step.id}' depends on itself")
            elif dep not in known:
                errors.append(f"step '{step.id}' depends on unknown step '{dep}'")
        if step.reuse is not None and step.reuse not in reusable:
            errors.append(f"step '{step.id}' reuses '{step.reuse}', which is no done report")
        unknown = [m for m in step.memories if memories is not None and m not in memories]
        if unknown:
            errors.append(f"step '{step.id}' names memories it was not shown: {', '.join(unknown)}")
    cycle = _find_cycle({s.id: [d for d in s.depends_on if d in ids] for s in plan.steps})
    if cycle:
        errors.append("the steps' dependencies form a cycle: " + " -> ".join(cycle))
    # Two steps under one id make the same complaints twice: each is said once.
    return list(dict.fromkeys(errors))


def _find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """Return one dependency cycle as a path of ids, or [] when there is none."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []
