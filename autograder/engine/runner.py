"""Run a student's functions on grading cases and report their outputs as plain data.

This file is self-contained (standard library and numpy only) because it is copied, alone, into the
grading sandbox, which has no view of ``autograder/`` or ``solutions/``. It never judges anything:
it only calls functions and records what they returned or raised. The judge, outside, compares.

The same functions are used in-process by the notebook checks (``autograder.check``), so a notebook
graded by ``nbgrader autograde`` and by ``python -m autograder grade`` goes through identical steps.

Wire format (both directions): a JSON document plus one ``.npz`` file (read with
``allow_pickle=False``). Values are encoded by :func:`encode` into JSON-safe trees in which every
array is replaced by ``{"ndarray": key}`` and stored under ``key`` in the ``.npz``.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import sys
import time
import traceback
import warnings

import numpy as np

MAX_CAPTURED_OUTPUT = 4_000  # characters of a student's own prints kept per exercise
MAX_STRING = 200  # characters of a returned string (or a cell error's message) sent back
MAX_NAME = 100  # characters of a dict key or a type's name sent back
MAX_ERROR = 300  # characters of an exception's message sent back
MAX_TRACEBACK = 8_000  # characters of a traceback of the grader's own code, for the instructor


# -- encoding -------------------------------------------------------------------------------------


class Encoder:
    """Turn Python values into JSON-safe trees, collecting arrays to store in an ``.npz``."""

    def __init__(self, prefix: str = "a"):
        self.prefix = prefix
        self.arrays: dict[str, np.ndarray] = {}

    def encode(self, value):
        if value is None:
            return None
        if isinstance(value, bool | np.bool_):
            return {"bool": bool(value)}
        if isinstance(value, int | np.integer):
            return {"int" if type(value) is int else "npint": int(value)}
        if isinstance(value, float | np.floating):
            f = float(value)
            return {"float" if type(value) is float else "npfloat": f if math.isfinite(f) else repr(f)}
        if isinstance(value, str):
            return {"str": value[:MAX_STRING]}
        if type(value) in (tuple, list):
            return {type(value).__name__: [self.encode(v) for v in value]}
        if type(value) is dict:
            return {"dict": [[str(k)[:MAX_NAME], self.encode(v)] for k, v in value.items()]}
        if isinstance(value, np.ndarray) or hasattr(value, "__array__"):
            try:
                arr = np.array(value, copy=True, subok=False)
            except Exception as exc:  # noqa: BLE001 - a hostile __array__ must not crash the runner
                return {"unsupported": f"{type(value).__name__} ({type(exc).__name__})"}
            if arr.dtype.hasobject or arr.dtype.kind not in "biufc":
                return {"unsupported": f"array of dtype {arr.dtype}"}
            key = f"{self.prefix}{len(self.arrays)}"
            self.arrays[key] = np.ascontiguousarray(arr)
            return {"ndarray": key}
        return {"unsupported": type(value).__name__[:MAX_NAME]}


def decode(tree, arrays):
    """Inverse of :meth:`Encoder.encode`; numbers come back with their Python/numpy kind."""
    if tree is None:
        return None
    ((kind, payload),) = tree.items()
    if kind == "ndarray":
        return np.array(arrays[payload])
    if kind in ("int", "bool", "str"):
        return {"int": int, "bool": bool, "str": str}[kind](payload)
    if kind == "float":
        return float(payload)  # float("nan") and float("inf") read back the repr of non-finite values
    if kind == "npint":
        return np.int64(payload)
    if kind == "npfloat":
        return np.float64(payload)
    if kind in ("tuple", "list"):
        items = [decode(v, arrays) for v in payload]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(v, arrays) for k, v in payload}
    if kind == "unsupported":
        return Unsupported(payload)
    raise ValueError(f"unknown encoded kind {kind!r}")


class Unsupported:
    """A returned value that cannot travel as plain data (e.g. an object array)."""

    def __init__(self, description: str):
        self.description = description

    def __repr__(self):
        return f"<unsupported value: {self.description}>"


def normalise(value):
    """Round-trip a value through the wire format, as if it had crossed the sandbox boundary."""
    enc = Encoder()
    tree = enc.encode(value)
    return decode(tree, enc.arrays)


# -- calling student code -------------------------------------------------------------------------


def _copy_args(args):
    return [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]


def _inputs_changed(before, after) -> bool:
    for b, a in zip(before, after, strict=True):
        if isinstance(b, np.ndarray):
            if (
                not isinstance(a, np.ndarray)
                or a.shape != b.shape
                or not np.array_equal(a, b, equal_nan=True)
            ):
                return True
    return False


def drive_call(funcs, name, args):
    """Default driver: call the exercise function on the case's arguments."""
    return funcs[name](*args)


# The message of a NotImplementedError raised for a stub that another exercise calls: "<name> is not ...".
NOT_IMPLEMENTED = " is not implemented yet"
GRADIENT_STEP = 1e-3  # inputs are multiples of 0.01, so max pooling is linear within +-h away from ties


def numerical_gradient(forward, x, kernel_size, stride, dout, h=GRADIENT_STEP):
    """Centred differences of ``sum(forward(x)[0] * dout)`` with respect to each entry of ``x``, or
    None where the forward pass has a kink at ``x`` (its one-sided differences disagree, e.g. ties)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)

    def loss(xp):
        value = forward(xp, kernel_size, stride)
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise TypeError("gradient check: maxpool2d_forward must return a pair (out, cache)")
        out = np.asarray(value[0], dtype=float)
        if out.shape != np.shape(dout):
            raise TypeError(f"gradient check: maxpool2d_forward returned out of shape {out.shape}")
        return float(np.sum(out * dout))

    base = loss(x.copy())
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        up = loss(x.copy())
        x[index] = old - h
        down = loss(x.copy())
        x[index] = old
        if abs((up - base) - (base - down)) > 1e-7 * max(1.0, abs(base)):
            return None
        grad[index] = (up - down) / (2 * h)
    return grad


def drive_maxpool_backward(funcs, name, args):
    """Backward pass graded with the student's own forward cache, and against the numerical gradient
    of the student's own forward pass. Returns ``(dx, numerical gradient)``."""
    x, kernel_size, stride, dout = args
    forward = funcs["maxpool2d_forward"]
    try:
        _, cache = forward(x, kernel_size, stride)
    except NotImplementedError:
        raise NotImplementedError(f"maxpool2d_forward{NOT_IMPLEMENTED}") from None
    dx = funcs[name](dout, cache)
    return dx, numerical_gradient(forward, x, kernel_size, stride, dout)


def drive_conv_backward(funcs, name, args, h=GRADIENT_STEP):
    """``conv2d_backward`` graded against the reference and against centred differences of
    ``sum(conv2d(x, weight, bias) * dout)`` computed with the student's own ``conv2d``, with respect to
    x, weight and bias (a zero bias). Returns ``(gradients, numerical)``; numerical is None when the
    notebook has no working ``conv2d`` (e.g. its stub): the reference, which the judge compares with
    anyway, is the exact gradient of the reference forward pass."""
    dout, x, weight, stride, padding = args
    gradients = funcs[name](dout, x, weight, stride, padding)
    forward = funcs.get("conv2d")
    params = [np.array(x, dtype=float), np.array(weight, dtype=float), np.zeros(np.shape(weight)[0])]

    def loss():
        out = np.asarray(forward(*(p.copy() for p in params), stride, padding), dtype=float)
        return float(np.sum(out * dout))

    numerical = []
    try:  # the student's conv2d: any failure (a stub, a wrong shape) means "no numerical gradient"
        for p in params:
            grad = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                old = p[index]
                p[index] = old + h
                up = loss()
                p[index] = old - h
                grad[index] = (up - loss()) / (2 * h)
                p[index] = old
            numerical.append(grad)
    except Exception:  # noqa: BLE001 - student code, not grader code
        return gradients, None
    return gradients, tuple(numerical)


# Each driver: the function that calls the student's functions on a case, and that call written as the
# code a student would type, for the feedback (None: ``name(*args)``; ``{0}``, ``{1}``... are the case's
# arguments, ``{uses[0]}`` the first function the exercise ``uses``).
DRIVERS = {
    "call": (drive_call, None),
    # the backward pass gets the cache of the student's own forward pass on (x, kernel_size, stride)
    "maxpool_backward": (drive_maxpool_backward, "{name}({3}, {uses[0]}({0}, {1}, {2})[1])"),
    # conv2d_backward(dout, x, weight, stride, padding)
    "conv_backward": (drive_conv_backward, None),
}


def run_case(funcs, name, driver, args):
    """Call one case. Returns a record: ``{"ok": value}`` or ``{"raised": [type, message]}``,
    with ``"mutated": True`` when the function wrote into one of its array arguments."""
    originals = _copy_args(args)
    call_args = _copy_args(args)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = DRIVERS[driver][0](funcs, name, call_args)
        record = {"ok": value}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are student errors too
        if isinstance(exc, KeyboardInterrupt):
            raise
        record = {"raised": [type(exc).__name__, _short(str(exc))]}
    record["mutated"] = _inputs_changed(originals, call_args)
    return record


def _short(text: str, limit: int = MAX_ERROR) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def run_exercise(funcs, name, driver, cases, time_limit=None, on_record=None):
    """Run every case of one exercise, capturing the student's prints. Returns (records, output).
    ``on_record(index, record)`` is called as each case's record is known (the sandbox saves it, so
    that the cases passed before one that never returns still count)."""
    records = []
    buffer = io.StringIO()
    deadline = None if time_limit is None else time.monotonic() + time_limit
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        for args in cases:
            if deadline is not None and time.monotonic() > deadline:
                records.append(
                    {"raised": ["TimeoutError", "time limit reached before this case"], "mutated": False}
                )
                continue
            records.append(run_case(funcs, name, driver, args))
            if on_record is not None:
                on_record(len(records) - 1, records[-1])
    return records, _short(buffer.getvalue(), MAX_CAPTURED_OUTPUT)


# -- loading student code -------------------------------------------------------------------------


SUBMISSION = "__submission__"  # the module name of the namespace the submission's cells run in


def _cell_line(exc: BaseException, filename: str):
    """The line of the cell where ``exc`` was raised (for a SyntaxError: where it was found)."""
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        return exc.lineno
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def load_cells(sources):
    """Execute the selected notebook cells in one fresh namespace, each cell on its own.

    A cell that raises does not stop the others (a typo in one exercise should not cost the rest).
    Returns (namespace, errors); each error is ``{"cell": position in sources, "type", "message",
    "line": line in that cell or None}``.
    """
    namespace = {"__name__": SUBMISSION, "np": np}
    errors = []
    for index, source in enumerate(sources):
        filename = f"<cell {index}>"
        try:
            code = compile(source, filename, "exec")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(code, namespace)  # noqa: S102 - running the submission is the point
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
            errors.append(
                {
                    "cell": index,
                    "type": type(exc).__name__,
                    "message": _short(message, MAX_STRING),
                    "line": _cell_line(exc, filename),
                }
            )
    return namespace, errors


# -- the packages student code may import ----------------------------------------------------------


def not_available(name: str, allowed) -> str:
    return (
        f"{name} is not available in this course's grader: implement it with numpy "
        f"(student code may import the standard library and {', '.join(sorted(allowed))})."
    )


def guard_imports(allowed) -> None:
    """From here on, code of the submission (its cells and the functions they define) imports only
    the standard library and the ``allowed`` packages; anything else raises ModuleNotFoundError with
    a message naming it. Imports made by numpy or matplotlib themselves are not affected."""
    import builtins
    import importlib.abc

    permitted = set(allowed) | set(sys.stdlib_module_names)
    original = builtins.__import__

    def from_submission(globals_) -> bool:
        return isinstance(globals_, dict) and globals_.get("__name__") == SUBMISSION

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        top = name.split(".")[0]
        if level == 0 and top not in permitted and from_submission(globals):
            raise ModuleNotFoundError(not_available(top, allowed), name=top)
        return original(name, globals, locals, fromlist, level)

    class Finder(importlib.abc.MetaPathFinder):
        """Catches ``importlib.import_module`` called from the submission."""

        def find_spec(self, name, path=None, target=None):
            top = name.split(".")[0]
            if path is None and top not in permitted:
                frame = sys._getframe(1)
                while frame is not None and "importlib" in frame.f_code.co_filename:
                    frame = frame.f_back
                if frame is not None and from_submission(frame.f_globals):
                    raise ModuleNotFoundError(not_available(top, allowed), name=top)
            return None

    builtins.__import__ = guarded
    sys.meta_path.insert(0, Finder())


# -- sandbox entry point --------------------------------------------------------------------------


def _write(path, document, arrays):
    np.savez(path + ".npz", **arrays)
    with open(path + ".json", "w") as f:
        json.dump(document, f)


def _read(path):
    with open(path + ".json") as f:
        document = json.load(f)
    with np.load(path + ".npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return document, arrays


def drop_privileges(uid: int, processes: int) -> None:
    """Become an unprivileged user with a bounded number of processes (when started as root)."""
    import resource

    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def main(workdir: str, contained: bool = False) -> int:
    """Sandbox entry: read ``job.json/.npz`` in ``workdir``; write ``result-<exercise>.json/.npz``.

    ``job.json`` holds ``cells`` (sources), ``allowed_packages`` (what student code may import besides
    the standard library), ``time_limit`` (seconds per exercise) and ``exercises``:
    ``[{"name", "driver", "cases": <encoded list of argument lists>}]``. Each exercise runs in a
    forked child so that one that crashes, exits or hangs costs that exercise only. ``contained``
    (only inside the sandbox's own PID namespace) also kills, after each exercise, every process the
    exercise left behind, so that one exercise's orphans cannot starve the next.
    """
    job, arrays = _read(os.path.join(workdir, "job"))
    guard_imports(job["allowed_packages"])
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        namespace, cell_errors = load_cells(job["cells"])
    with open(os.path.join(workdir, "cells.json"), "w") as f:  # before any exercise can crash the run
        json.dump({"cell_errors": cell_errors}, f)
    for exercise in job["exercises"]:
        name = exercise["name"]
        cases = decode(exercise["cases"], arrays)
        out_path = os.path.join(workdir, f"result-{name}")
        planted = [out_path, f"{out_path}.stop"] + [f"{out_path}.case{i}" for i in range(len(cases))]
        for stale in (p + suffix for p in planted for suffix in (".json", ".npz")):  # by earlier code
            if os.path.exists(stale):
                os.remove(stale)
        pid = _fork()
        if pid is None:
            continue  # the process limit is used up: the exercise gets no result
        if pid == 0:  # child: run the cases, write the result, leave without cleanup handlers
            status = 1
            try:
                funcs = {k: v for k, v in namespace.items() if callable(v)}
                if name not in funcs:
                    document, out_arrays = {"missing": True}, {}
                else:
                    records, output = run_exercise(
                        funcs, name, exercise["driver"], cases, job["time_limit"], _saver(out_path)
                    )
                    enc = Encoder()
                    document = {"records": enc.encode(records), "output": output}
                    out_arrays = enc.arrays
                _write(out_path, document, out_arrays)
                status = 0
            except BaseException as exc:  # noqa: BLE001 - the student's calls are caught in run_case
                # What fails here is the grader's own code (encoding, writing): say so, never leave the
                # exercise looking like a submission that did not finish. Running out of memory while
                # encoding a huge result stays what it is.
                if not isinstance(exc, MemoryError):
                    with contextlib.suppress(BaseException):
                        _write(out_path, {"grader_error": traceback.format_exc()[-MAX_TRACEBACK:]}, {})
            finally:
                os._exit(status)
        ended = _wait(pid, job["time_limit"] + 2)
        if not os.path.exists(out_path + ".json"):  # say how it ended, for the feedback
            with open(out_path + ".stop.json", "w") as f:
                json.dump(ended, f)
        if contained:
            _kill_others()
    return 0


def _saver(out_path: str):
    """Saves each case's record as ``<out_path>.case<i>``, as soon as it is known."""

    def save(index: int, record: dict) -> None:
        enc = Encoder()
        _write(f"{out_path}.case{index}", {"record": enc.encode(record)}, enc.arrays)

    return save


def _load(files: dict, base: str):
    """Judge side: the document and arrays of ``base`` among the result ``files`` (name to bytes)."""
    document = json.loads(files[base + ".json"])
    if base + ".npz" not in files:
        return document, {}
    with np.load(io.BytesIO(files[base + ".npz"]), allow_pickle=False) as data:
        return document, {k: data[k] for k in data.files}


def read_partial(files: dict, name: str, cases: int) -> list:
    """Judge side: the records an exercise's child saved case by case before it was stopped (the
    consecutive ones from the first case)."""
    records = []
    for index in range(cases):
        base = f"result-{name}.case{index}"
        if base + ".json" not in files:
            break
        document, arrays = _load(files, base)
        records.append(decode(document["record"], arrays))
    return records


def _kill_others(limit: float = 5.0) -> None:
    """Kill every process this user can signal except this one (inside a PID namespace: the
    submission's leftovers) and wait until they are gone: until they are reaped, they still count
    against the process limit that the next exercise's fork needs."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]
        if not others:
            return
        time.sleep(0.01)


def _fork(attempts: int = 50):
    for _ in range(attempts):
        try:
            return os.fork()
        except BlockingIOError:  # processes of the last exercise still being reaped
            time.sleep(0.02)
    return None


def _wait(pid: int, limit: float) -> dict:
    """Wait for an exercise's child: ``{"stopped": "time"}`` if it was killed at the time limit,
    else how it ended (``{"stopped": "exit", "status": ...}``)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return {"stopped": "exit", "status": status}
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return {"stopped": "time", "seconds": limit}


def read_stop(files: dict, name: str) -> dict:
    """Judge side: how an exercise's child ended, when it wrote no result ({} if unknown)."""
    if f"result-{name}.stop.json" not in files:
        return {}
    found = json.loads(files[f"result-{name}.stop.json"])
    return found if isinstance(found, dict) else {}


def read_cell_errors(files: dict):
    """Judge side: the cell errors the runner recorded, or None if it never finished loading the
    cells. Untrusted: anything malformed is left out."""
    if "cells.json" not in files:
        return None
    try:
        errors = json.loads(files["cells.json"])["cell_errors"]
    except (ValueError, KeyError, TypeError):
        return []
    fields = {"cell": int, "type": str, "message": str}
    return [
        e
        for e in (errors if isinstance(errors, list) else [])
        if isinstance(e, dict)
        and all(isinstance(e.get(k), kind) for k, kind in fields.items())
        and (e.get("line") is None or isinstance(e.get("line"), int))
    ]


def read_result(files: dict, name: str):
    """Judge side: what one exercise's child wrote, or None if it wrote nothing."""
    if f"result-{name}.json" not in files:
        return None
    document, arrays = _load(files, f"result-{name}")
    if document.get("grader_error"):
        return {"grader_error": str(document["grader_error"])}
    if document.get("missing"):
        return {"missing": True}
    return {"records": decode(document["records"], arrays), "output": str(document.get("output", ""))}


if __name__ == "__main__":
    args = sys.argv[1:]
    contained = "--drop-to" in args  # only the sandbox, in its own PID namespace, passes it
    if contained:
        drop_privileges(int(args[args.index("--drop-to") + 1]), int(args[args.index("--processes") + 1]))
    sys.exit(main(args[0], contained))
