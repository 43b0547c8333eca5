"""Grading on a Dask cluster: the same tasks as locally, on workers the instructor certified.

``losslab-grade NAME DIR --scheduler tls://HOST:PORT`` swaps the local process
pool for the cluster's workers. The cluster is authenticated and encrypted by
default: Dask's mutual TLS, where the scheduler, every worker and the grader
each present a certificate signed by the instructor's own CA
(:func:`make_certificates`, or ``losslab-grade-certs DIR``). Whoever has no
such certificate cannot connect a client (and run code on the workers) nor
join as a worker (and receive the bundle). A plain ``tcp://`` address is
refused unless ``--insecure-cluster`` says this machine has a single user.

Workers need the course's environment (the lock file) but no checkout and no
shared file system: the workspace travels packed in the bundle, broadcast to
every worker once; each submission's bytes and the reference records travel
with its task. A task's result comes back as JSON bytes, which the grader
parses as data (:meth:`.model.TaskResult.from_json`): the client deserializes
nothing from the cluster with pickle. What a worker says about its sandbox is
its claim, and the report says so. When the batch ends, every worker deletes
the workspace it unpacked (and does so when it exits).

Dask reschedules the tasks of a worker that dies; each task announces its start
as a Dask event, so the grader can say which submissions ran more than once
(and were still graded exactly once). Dask is imported only here, only when a
scheduler is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from .model import Bundle

EVENT = "losslab-grade-start"
#: The only way the client decodes what the cluster sends: never pickle.
DESERIALIZERS = ["msgpack"]


class InsecureCluster(ValueError):
    """A cluster address without TLS, and no explicit word that the machine has a single user."""


def _announced(fn, task, bundle: Bundle, label: str, *args) -> bytes:
    """On a worker: log that label's task started, run it in a grading process, return its JSON bytes."""
    from distributed import get_worker

    me = get_worker()
    me.log_event(EVENT, {"label": label})
    try:
        return _grading_processes(me.state.nthreads).submit(fn, task, bundle, label, *args).result()
    except BrokenProcessPool:
        _stop_grading()  # the next task starts new ones
        raise


_pool: ProcessPoolExecutor | None = None  # this Dask worker's grading processes, one per thread
_pool_lock = threading.Lock()


def _grading_processes(n: int) -> ProcessPoolExecutor:
    """This Dask worker's n grading processes, started on first use.

    A task never forks its grading child from the Dask worker itself, which runs threads
    (:func:`.worker.processes` says why).
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            from . import worker

            _pool = worker.processes(n)
        return _pool


def _stop_grading() -> None:
    """End this Dask worker's grading processes, each removing its state and workspace as it exits."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


class _Announcing:
    """The cluster's executor, whose tasks announce their start under their label (a student id)."""

    def __init__(self, executor):
        self._executor = executor

    def submit(self, fn, task, bundle, label: str, *args):
        return self._executor.submit(_announced, fn, task, bundle, label, *args)


def _forget() -> None:
    """On a worker, when the batch ends: remove the workspace it unpacked and its state."""
    _stop_grading()


def settle_failed_clients() -> None:
    """Let the Clients whose construction failed close now, in a known place.

    Such a Client lives on in reference cycles, and its ``__del__`` stops its loop under LoopRunner's
    class-wide lock, which is not reentrant: run by the garbage collector inside the next Client's
    start (which holds that lock), it waits for itself forever.
    """
    gc.collect()


@dataclass(frozen=True)
class Cluster:
    """A Dask scheduler to grade on, and the credentials that let the grader in."""

    address: str
    ca: str | None = None
    cert: str | None = None
    key: str | None = None

    @classmethod
    def connect(
        cls,
        address: str,
        ca: str | None = None,
        cert: str | None = None,
        key: str | None = None,
        insecure: bool = False,
    ) -> Cluster:
        """The cluster at address: tls:// with these (or dask-configured) certificates; tcp:// if insecure."""
        if not address.startswith("tls://"):
            if not (insecure and address.startswith("tcp://")):
                raise InsecureCluster(
                    f"{address}: the cluster must use tls:// (mutual TLS with certificates you made, "
                    "see `losslab-grade-certs`); a plain tcp:// cluster lets anyone who reaches its port run "
                    "code on the workers and read the solutions. On a machine with a single user, "
                    "--insecure-cluster allows it."
                )
            return cls(address)
        import dask.config

        tls = dask.config.get("distributed.comm.tls", default={}) or {}
        ca = ca or tls.get("ca-file")
        cert = cert or (tls.get("client") or {}).get("cert")
        key = key or (tls.get("client") or {}).get("key")
        if not (ca and cert):
            raise InsecureCluster(
                f"{address}: give --tls-ca and --tls-cert (and --tls-key), or set dask's "
                "distributed.comm.tls.ca-file and .client.cert/.key"
            )
        return cls(address, ca, cert, key)

    def security(self):
        from distributed.security import Security

        if not self.address.startswith("tls://"):
            return None
        return Security(
            tls_ca_file=self.ca, tls_client_cert=self.cert, tls_client_key=self.key, require_encryption=True
        )

    def client(self, **options):
        """A distributed.Client of this cluster, with the grader's certificate (options: Client's).

        distributed gives a new client's IO-loop thread a fixed 10 s to start (its LoopRunner asserts
        it did); a machine at load 9 has missed that, so a busy grader gets three tries.
        """
        from distributed import Client

        for tries_left in (2, 1, 0):
            try:
                return Client(self.address, security=self.security(), timeout="30s", **options)
            except AssertionError:
                if not tries_left:
                    raise
            settle_failed_clients()

    @contextlib.contextmanager
    def executor(self, bundle: Bundle):
        """(executor, the scattered bundle, a function naming the students whose task started twice)."""
        with self.client(deserializers=DESERIALIZERS) as client:
            shipped = client.scatter(bundle, broadcast=True, hash=False)
            start = len(client.get_events(EVENT))

            def retried() -> list[str]:
                events = client.get_events(EVENT)[start:]
                counts = Counter(e[1]["label"] for e in events if isinstance(e[1], dict))
                return sorted(
                    str(label)
                    for label, n in counts.items()
                    if n > 1 and not str(label).startswith(("reference", "mistake-"))
                )

            try:
                with client.get_executor(pure=False) as executor:
                    yield _Announcing(executor), shipped, retried
            finally:
                with contextlib.suppress(Exception):
                    client.run(_forget)


# --- certificates ------------------------------------------------------------------------------------

ROLES = ("scheduler", "worker", "client")


def make_certificates(folder: Path, hosts: list[str], days: int = 180) -> dict[str, Path]:
    """A CA and a key and certificate per role (scheduler, worker, client) in folder (keys 0600).

    hosts: the names and addresses the scheduler and workers are reached at (for the certificates'
    subject alternative names). Give the scheduler the scheduler's files, each worker the
    worker's, the grader the client's, and everyone ca.pem; keep ca-key.pem offline.
    """
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = dt.datetime.now(dt.timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write_key(key, path: Path) -> None:
        data = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("losslab grading CA"))
        .issuer_name(name("losslab grading CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    write_key(ca_key, folder / "ca-key.pem")
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    alt = [x509.IPAddress(ipaddress.ip_address(h)) if _is_ip(h) else x509.DNSName(h) for h in hosts]
    paths = {"ca": folder / "ca.pem"}
    for role in ROLES:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(f"losslab {role}"))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        write_key(key, folder / f"{role}-key.pem")
        (folder / f"{role}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        paths[role] = folder / f"{role}.pem"
    return paths


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def loopback(base: Path, workers: int = 2, tls: bool = True):
    """A real Dask cluster on 127.0.0.1, to try the cluster path on one machine (tests, benchmarks).

    `dask scheduler` and `dask worker` processes (1 thread each, no nanny), each worker in its own
    folder like a separate host, over mutual TLS with certificates made by make_certificates
    (tls=False: plain tcp://). Yields {"address", "workers": [Popen], "certs": paths or None,
    "cluster": a Cluster}; kills them all on exit.
    """
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    certs = make_certificates(base / "certs", ["127.0.0.1", "localhost"]) if tls else None

    def flags(role: str) -> list[str]:
        if not certs:
            return []
        return [
            "--tls-ca-file",
            str(certs["ca"]),
            "--tls-cert",
            str(certs[role]),
            "--tls-key",
            str(certs[role]).replace(".pem", "-key.pem"),
        ]

    def start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
        dask = str(Path(sys.executable).with_name("dask"))
        with open(log, "w") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(
                [dask, *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    procs = []
    try:
        file = base / "scheduler.json"
        protocol = "tls" if tls else "tcp"
        procs.append(
            start(
                [
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--protocol",
                    protocol,
                    "--no-dashboard",
                    "--scheduler-file",
                    str(file),
                    *flags("scheduler"),
                ],
                base,
                base / "scheduler.log",
            )
        )
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # the file is written whole before the scheduler listens
        address = json.loads(file.read_text())["address"]
        started = []
        for i in range(workers):
            home = base / f"worker{i}"
            home.mkdir()
            started.append(
                start(
                    [
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                        "--local-directory",
                        str(home),
                        *flags("worker"),
                    ],
                    home,
                    base / f"w{i}.log",
                )
            )
        procs += started
        key = str(certs["client"]).replace(".pem", "-key.pem") if certs else None
        cluster = Cluster.connect(
            address,
            str(certs["ca"]) if certs else None,
            str(certs["client"]) if certs else None,
            key,
            insecure=not tls,
        )
        with cluster.client() as client:
            client.wait_for_workers(workers, timeout=120)
        yield {"address": address, "workers": started, "certs": certs, "cluster": cluster}
    finally:
        for p in procs:  # a clean exit first: a worker's grading processes and fork server tidy up
            with contextlib.suppress(OSError):
                p.terminate()
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=15)
            with contextlib.suppress(OSError):
                os.killpg(p.pid, signal.SIGKILL)  # and whatever is left of its session
            p.wait()
