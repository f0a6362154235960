"""The fidelity report: the same contract run against Intuit's company and
against the local sandbox, compared request by request (HTTP status, fault
type and codes, the answer's shape) and probe by probe (outcome, notes).

Requests are matched by probe and label (``recording.request_label``: ids and
values replaced), so the two companies' different data and ids do not count
as differences; what QuickBooks leaves out when a field has no value does.
"""

import json
from dataclasses import dataclass, field

from .shapes import compare_shapes, merge_shapes

# What a live run cannot settle from QuickBooks' answers.
NOT_ANSWERED = (
    "How a batch request is metered (one call or one per item): Intuit's answers carry no "
    "meter; compare the app's usage in the developer portal before and after a run. The "
    "client's own count of this run is printed above.",
    "Whether a ProjectRef needs the project-management scope: the run uses the scopes of the "
    "refresh token it is given (the OAuth Playground's com.intuit.quickbooks.accounting "
    "alone answers the question for the accounting scope).",
)


@dataclass
class RequestSide:
    """The exchanges of one run for one (probe, label)."""

    count: int = 0
    statuses: set = field(default_factory=set)
    media_types: set = field(default_factory=set)
    faults: list = field(default_factory=list)
    shape: dict = field(default_factory=dict)
    errors: set = field(default_factory=set)
    intuit_tid: set = field(default_factory=set)

    def add(self, exchange):
        self.count += 1
        self.statuses.add(exchange.status)
        if exchange.media_type:
            self.media_types.add(exchange.media_type)
        if exchange.fault and exchange.fault not in self.faults:
            self.faults.append(exchange.fault)
        self.shape = merge_shapes(self.shape, exchange.shape)
        if exchange.error:
            self.errors.add(exchange.error)
        self.intuit_tid.add(exchange.has_intuit_tid)

    def status_text(self):
        return ", ".join(str(status) for status in sorted(self.statuses, key=str))


@dataclass
class RequestComparison:
    probe: str
    label: str
    target: RequestSide | None
    reference: RequestSide | None
    differences: list = field(default_factory=list)


def _sides(run):
    sides = {}
    for exchange in run.exchanges:
        sides.setdefault((exchange.probe, exchange.label), RequestSide()).add(exchange)
    return sides


def compare_requests(target_run, reference_run):
    """One :class:`RequestComparison` per (probe, label) either run sent, in
    the order the target run sent them."""
    target, reference = _sides(target_run), _sides(reference_run)
    keys = list(target) + [key for key in reference if key not in target]
    comparisons = []
    for key in keys:
        comparison = RequestComparison(key[0], key[1], target.get(key), reference.get(key))
        comparison.differences = _differences(comparison.target, comparison.reference)
        comparisons.append(comparison)
    return comparisons


def _differences(target, reference):
    if target is None:
        return ["sent to the local sandbox only"]
    if reference is None:
        return ["sent to the target only"]
    lines = []
    if target.statuses != reference.statuses:
        lines.append(f"HTTP status: target {target.status_text()}, local {reference.status_text()}")
    if target.media_types != reference.media_types:
        lines.append(
            f"Content-Type: target {', '.join(sorted(target.media_types)) or '-'}, "
            f"local {', '.join(sorted(reference.media_types)) or '-'}"
        )
    if target.faults != reference.faults:
        lines.append(
            f"fault: target {_faults_text(target.faults)}, local {_faults_text(reference.faults)}"
        )
    if target.errors != reference.errors:
        lines.append(
            f"no answer: target {', '.join(sorted(target.errors)) or '-'}, "
            f"local {', '.join(sorted(reference.errors)) or '-'}"
        )
    if target.intuit_tid != reference.intuit_tid:
        lines.append("intuit_tid header: not on the same answers")
    diff = compare_shapes(target.shape, reference.shape)
    for missing in diff.only_in_reference:
        lines.append(f"only in the target's answer: {missing}")
    for missing in diff.only_in_other:
        lines.append(f"only in the local sandbox's answer: {missing}")
    for path, target_type, local_type in diff.type_changed:
        lines.append(f"type of {path}: target {target_type}, local {local_type}")
    return lines


def _faults_text(faults):
    if not faults:
        return "none"
    parts = []
    for fault in faults:
        text = f"{fault.get('type') or '?'} {'/'.join(fault.get('codes') or []) or '-'}"
        elements = [element for element in fault.get("elements") or [] if element]
        if elements:
            text += f" (element {'/'.join(elements)})"
        for bid, item in sorted((fault.get("batch_items") or {}).items()):
            text += f" [item {bid}: {_faults_text([item])}]"
        parts.append(text.strip())
    return "; ".join(parts)


def _outcome_counts(run):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for result in run.results:
        counts[result.outcome] += 1
    return counts


def render(target_run, reference_run, comparisons=None):
    """The report as text (plain lines, readable in a terminal)."""
    comparisons = (
        compare_requests(target_run, reference_run) if comparisons is None else comparisons
    )
    differing = [comparison for comparison in comparisons if comparison.differences]
    lines = [
        "QuickBooks contract run: fidelity report",
        f"target: {target_run.label}",
        f"local:  {reference_run.label}",
        "",
    ]
    for name, run in (("target", target_run), ("local", reference_run)):
        counts = _outcome_counts(run)
        lines.append(
            f"{name}: {counts['passed']} probes passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped; metered calls as the client counts them: "
            f"{_metered_text(run.metered_calls)}; refresh token rotated {run.rotations} time(s)"
        )
    lines += ["", "== Probes (target | local) =="]
    local_results = {result.name: result for result in reference_run.results}
    for result in target_run.results:
        local = local_results.get(result.name)
        mark = "" if local and local.outcome == result.outcome else "   <-- differs"
        lines.append(
            f"  {result.outcome.upper():8} | {(local.outcome if local else '-').upper():8} "
            f"{result.name}: {result.title}{mark}"
        )
        for side, side_result in (("target", result), ("local", local)):
            if side_result and side_result.reason:
                lines.append(f"      {side}: {side_result.reason}")
    lines += [
        "",
        "== What each company answered (notes; ? marks a question Intuit leaves open) ==",
    ]
    for result in target_run.results:
        if not result.notes and not result.question:
            continue
        local = local_results.get(result.name)
        lines.append(
            f"  {result.name}: {('? ' + result.question) if result.question else result.title}"
        )
        for side, side_result in (("target", result), ("local ", local)):
            notes = side_result.notes if side_result else {}
            text = "; ".join(f"{key}: {value}" for key, value in notes.items())
            if side_result and side_result.outcome == "skipped":
                text = f"skipped ({side_result.reason})"
            lines.append(f"      {side}: {text or '-'}")
    lines += [f"  Not answered by a run: {text}" for text in NOT_ANSWERED]
    lines += [
        "",
        f"== Answers compared: {len(comparisons)} requests, {len(differing)} with differences ==",
    ]
    for comparison in differing:
        lines.append(f"  {comparison.probe}  {comparison.label}")
        lines += [f"      {difference}" for difference in comparison.differences]
    lines += ["", "== Clean-up =="]
    for name, run in (("target", target_run), ("local", reference_run)):
        if run.leftovers:
            lines.append(
                f"  {name}: NOT DELETED, delete by hand: time activities {', '.join(run.leftovers)}"
            )
        else:
            lines.append(f"  {name}: all {len(run.deleted)} time activities created were deleted")
    return "\n".join(lines) + "\n"


def _metered_text(metered):
    return ", ".join(f"{kind} {count}" for kind, count in sorted(metered.items())) or "none"


def as_json(target_run, reference_run, comparisons):
    """The runs' results and the compared requests (shapes, no values)."""

    def run_json(run):
        return {
            "label": run.label,
            "results": [result.__dict__ for result in run.results],
            "leftovers": run.leftovers,
            "metered_calls": run.metered_calls,
            "exchanges": [exchange.to_json() for exchange in run.exchanges],
        }

    return json.dumps(
        {
            "target": run_json(target_run),
            "local": run_json(reference_run),
            "differences": [
                {"probe": item.probe, "label": item.label, "differences": item.differences}
                for item in comparisons
                if item.differences
            ],
        },
        indent=1,
        sort_keys=True,
    )
