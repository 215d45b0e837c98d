"""The Python prelude the sandboxed child runs first: an audit hook, then the user's main.py."""

# Audit events refused in the child. Hooks cannot be removed once installed, so user code runs
# with them in place; "os.exec"/"os.spawn" cover every exec*/spawn* variant.
REFUSED_EVENTS = (
    "socket.connect",
    "socket.bind",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.sendto",
    "socket.sendmsg",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.posix_spawn",
    "pty.spawn",
    "ctypes.dlopen",
    "ctypes.dlsym",
    "ctypes.dlsym/handle",
)

# Marker the parent looks for in stderr to explain a refusal in one line.
REFUSAL_MARKER = "[sandbox] refused "
# Written when the CPU limit's warning signal arrives: through a namespace's `unshare` the
# parent sees an exit status, not the signal.
CPU_MARKER = "[sandbox] cpu limit"

PRELUDE = f"""
import os
import signal
import sys

def _cpu_spent(*_):
    sys.stderr.write({CPU_MARKER!r} + "\\n")
    sys.stderr.flush()
    os._exit(152)

signal.signal(signal.SIGXCPU, _cpu_spent)
# ctypes dlopens the interpreter itself on import (numpy imports it); load it before the hook
# so that import succeeds, while any later dlopen/dlsym from user code is refused.
import ctypes

def _sandbox_hook(event, args, _refused=frozenset({REFUSED_EVENTS!r}), _err=sys.stderr):
    if event not in _refused:
        return
    # matplotlib probes fc-list while building its font cache and copes with a refusal.
    if not (event == "subprocess.Popen" and str(args[0]).endswith("fc-list")):
        _err.write({REFUSAL_MARKER!r} + event + "\\n")
        _err.flush()
    raise PermissionError("sandbox: " + event + " is not allowed (no network, no subprocesses)")

sys.addaudithook(_sandbox_hook)
del _sandbox_hook
sys.argv = ["main.py"]
with open("main.py", encoding="utf-8") as _f:
    _code = compile(_f.read(), "main.py", "exec")
del _f
exec(_code, {{"__name__": "__main__", "__file__": "main.py", "__builtins__": __builtins__}})
"""
