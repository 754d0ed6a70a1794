"""Start and stop ``scripts/serve_class.sh`` (N Streamlit processes behind HAProxy) for tests and benchmarks.

- :func:`start_class_server` — the script on free loopback ports, in its own session; returns once
  HAProxy answers ``/_stcore/health`` and its stats page says every backend is up.
- :meth:`ClassServer.stop` — SIGTERM to the script alone (as ``docker stop`` or ``kill`` would), then the
  processes left in its session (none, if the script cleaned up).
- :meth:`ClassServer.backends` — HAProxy's own count of current / total sessions per backend process.
- :meth:`ClassServer.backend_pids` — the Streamlit processes, for CPU and memory figures.
"""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "serve_class.sh"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int, attempts: int = 200) -> list[int]:
    """``count`` consecutive ports free on 127.0.0.1 (serve_class.sh numbers its backends consecutively)."""
    rng = random.Random()
    for _ in range(attempts):
        base = rng.randrange(20_000, 60_000 - count)
        if all(_port_free(base + i) for i in range(count)):
            return list(range(base, base + count))
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1 after {attempts} tries")


def session_pids(sid: int) -> list[int]:
    """Processes whose session id is ``sid`` (field 6 of /proc/<pid>/stat)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[3]) == sid:
            pids.append(int(entry.name))
    return pids


def _cmdline(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes()).replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass
class ClassServer:
    proc: subprocess.Popen
    url: str
    port: int
    backend_ports: list[int]
    stats_url: str
    log_path: str

    def output(self) -> str:
        """What the script printed so far (stdout and stderr)."""
        return Path(self.log_path).read_text()

    def remove_log(self) -> None:
        Path(self.log_path).unlink(missing_ok=True)

    def backends(self) -> dict[str, dict[str, int]]:
        """``{"s1": {"scur": current sessions, "stot": sessions so far, "up": 1/0}, …}`` from HAProxy's stats CSV."""
        with urllib.request.urlopen(self.stats_url + ";csv", timeout=5) as r:
            text = r.read().decode().lstrip("# ")
        rows = {}
        for row in csv.DictReader(io.StringIO(text)):
            if row["pxname"] == "streamlit" and row["svname"] not in ("FRONTEND", "BACKEND"):
                rows[row["svname"]] = {"scur": int(row["scur"]), "stot": int(row["stot"]), "up": row["status"] == "UP"}
        return rows

    def backend_pids(self) -> list[int]:
        """The Streamlit processes the script started, in backend order (s1, s2, …)."""
        by_port = {}
        for pid in session_pids(self.proc.pid):
            cmd = _cmdline(pid)
            if "streamlit run" in cmd:
                by_port[int(cmd.split("--server.port ", 1)[1].split()[0])] = pid
        return [by_port[p] for p in self.backend_ports]

    def haproxy_pid(self) -> int:
        return next(p for p in session_pids(self.proc.pid) if "haproxy" in _cmdline(p).split(" ", 1)[0])

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 30.0) -> list[str]:
        """Signal the script alone; return the command lines of processes it left behind (then killed here)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 5  # the script waits for its children, but be fair to slow exits
        while session_pids(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [f"{pid}: {_cmdline(pid)}" for pid in session_pids(self.proc.pid)]
        if left:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        return left


def start_class_server(processes: int, timeout_s: float = 180.0) -> ClassServer:
    """``bash scripts/serve_class.sh processes PORT`` on free loopback ports, with this Python and a stats page."""
    port, stats_port, *backend_ports = free_ports(processes + 2)
    log = tempfile.NamedTemporaryFile("w+", prefix="nnviz-class-", suffix=".log", delete=False)
    env = {
        **os.environ,
        "NNVIZ_PYTHON": sys.executable,
        "NNVIZ_BIND": "127.0.0.1",
        "NNVIZ_BACKEND_PORT": str(backend_ports[0]),
        "NNVIZ_STATS_PORT": str(stats_port),
    }
    proc = subprocess.Popen(
        ["bash", str(SCRIPT), str(processes), str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base, stats = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{stats_port}/"
    server = ClassServer(proc, base, port, backend_ports, stats, log.name)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as r:
                backends = server.backends()
                if r.status == 200 and len(backends) == processes and all(b["up"] for b in backends.values()):
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    left = server.stop()
    output = server.output()
    server.remove_log()
    raise RuntimeError(
        f"serve_class.sh {processes} did not come up on {server.url} (exit status {proc.returncode}, "
        f"left behind: {left}):\n{output[-3000:]}"
    )
