"""The fidelity report compares two runs request by request."""

from .probes import ContractRun, ProbeResult
from .recording import Exchange
from .report import compare_requests, render
from .shapes import shape_of

READ = "GET timeactivity/{id}"


def _run(label, exchanges, outcome="passed", notes=None, leftovers=()):
    return ContractRun(
        label=label,
        results=[ProbeResult("time_activity.employee", "crud", outcome, notes=notes or {})],
        deleted=["1"],
        leftovers=list(leftovers),
        metered_calls={"Core": 1},
        rotations=1,
        exchanges=exchanges,
    )


def _exchange(document, status=200, label=READ, probe="time_activity.employee", fault=None):
    return Exchange(
        probe=probe,
        label=label,
        status=status,
        media_type="application/json",
        shape=shape_of(document),
        fault=fault or {},
        has_intuit_tid=True,
    )


def test_same_answers_give_no_difference():
    answer = {"TimeActivity": {"Id": "1", "Hours": 1}, "time": "t"}
    target = _run("Intuit", [_exchange(answer)])
    local = _run("local", [_exchange({"TimeActivity": {"Id": "8", "Hours": 3}, "time": "u"})])
    comparisons = compare_requests(target, local)
    assert [comparison.differences for comparison in comparisons] == [[]]
    assert "1 requests, 0 with differences" in render(target, local, comparisons)


def test_status_fault_and_shape_differences_are_listed():
    intuit_fault = {"type": "ValidationFault", "codes": ["610"], "elements": [""]}
    local_fault = {"type": "ValidationFault", "codes": ["2500"], "elements": ["Id"]}
    target = _run(
        "Intuit",
        [
            _exchange({"TimeActivity": {"Id": "1", "HourlyRate": 0}}),
            _exchange(
                {"Fault": {}}, status=400, label="GET timeactivity/{id} again", fault=intuit_fault
            ),
        ],
    )
    local = _run(
        "local",
        [
            _exchange({"TimeActivity": {"Id": 1}}),
            _exchange(
                {"Fault": {}}, status=404, label="GET timeactivity/{id} again", fault=local_fault
            ),
            _exchange({"x": 1}, label="GET preferences"),
        ],
    )
    comparisons = {item.label: item.differences for item in compare_requests(target, local)}
    assert comparisons[READ] == [
        "only in the target's answer: TimeActivity.HourlyRate (number)",
        "type of TimeActivity.Id: target string, local number",
    ]
    assert comparisons["GET timeactivity/{id} again"] == [
        "HTTP status: target 400, local 404",
        "fault: target ValidationFault 610, local ValidationFault 2500 (element Id)",
    ]
    assert comparisons["GET preferences"] == ["sent to the local sandbox only"]
    text = render(target, local)
    assert "3 requests, 3 with differences" in text


def test_report_marks_a_probe_whose_outcome_differs_and_leftovers():
    target = _run("Intuit", [], outcome="failed", leftovers=["41"])
    target.results[0].reason = "refused: 400 code 6000"
    local = _run("local", [])
    text = render(target, local)
    assert "FAILED   | PASSED   time_activity.employee: crud   <-- differs" in text
    assert "target: refused: 400 code 6000" in text
    assert "target: NOT DELETED, delete by hand: time activities 41" in text
    assert "local: all 1 time activities created were deleted" in text
