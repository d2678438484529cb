"""Run elvisor under QEMU and check what it prints.

Every run has a timeout and writes its full console log to build/test-logs/<test>.log; the log
is deleted when the test passes and kept when it fails, so a failure can be read afterwards."""
import os
import re
import shlex
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
LOGS = os.path.join(BUILD, "test-logs")
QEMU = "qemu-system-aarch64"


def machine_args(gic=3, cpu="max", smp=4, mem="1G", virtualization=True, icount=False, mte=False):
    machine = "virt,gic-version=%s" % gic
    if mte:  # tag storage for all RAM (FEAT_MTE2 reported); needs -cpu max
        machine += ",mte=on"
    if virtualization:
        machine += ",virtualization=on"
    args = ["-machine", machine, "-cpu", cpu, "-smp", str(smp), "-m", mem,
            "-nographic", "-net", "none", "-monitor", "none", "-serial", "stdio"]
    if icount:
        args += ["-icount", "shift=0"]
    return args


class Qemu:
    """One QEMU process; use as a context manager so it is always killed."""

    def __init__(self, name, args, kernel=None):
        """kernel: the image QEMU loads with -kernel (build/elvisor.bin when None); False loads
        none, for runs where firmware given in args boots elvisor from a disk."""
        os.makedirs(LOGS, exist_ok=True)
        self.log_path = os.path.join(LOGS, re.sub(r"[^\w.-]", "_", name) + ".log")
        self.log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        argv = list(args)
        if kernel is not False:
            argv += ["-kernel", kernel or os.path.join(BUILD, "elvisor.bin")]
        self.log.write("$ %s %s\n" % (QEMU, " ".join(shlex.quote(a) for a in argv)))
        self.log.flush()
        self.p = pexpect.spawn(QEMU, argv, encoding="utf-8", codec_errors="replace",
                               timeout=60, cwd=ROOT)
        self.p.logfile_read = self.log
        self.passed = False

    def expect(self, pattern, timeout=60):
        """Wait for a regex; returns the match. Raises AssertionError with context on timeout."""
        try:
            self.p.expect(pattern, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            kind = "timeout" if isinstance(e, pexpect.TIMEOUT) else "QEMU exited"
            raise AssertionError("%s waiting for %r; log: %s\n--- last output ---\n%s"
                                 % (kind, pattern, self.log_path, self.tail())) from None
        return self.p.match

    def wait_for(self, pattern, timeout=60):
        """Like expect, but also matches output that came before the current position, for
        events whose order against others is not fixed (several VMs print at once)."""
        deadline = time.time() + timeout
        while not re.search(pattern, self.output()):
            if time.time() > deadline:
                raise AssertionError("timeout waiting for %r; log: %s\n--- last output ---\n%s"
                                     % (pattern, self.log_path, self.tail()))
            try:
                self.p.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=0.2)
            except pexpect.EOF:
                pass
        return re.search(pattern, self.output())

    def expect_exit(self, timeout=30):
        """The machine powers itself off (PSCI SYSTEM_OFF ends QEMU)."""
        try:
            self.p.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            raise AssertionError("QEMU did not power off within %ss; log: %s\n%s"
                                 % (timeout, self.log_path, self.tail())) from None

    def send(self, text):
        self.p.send(text)

    def output(self):
        self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def tail(self, n=40):
        return "\n".join(self.output().splitlines()[-n:])

    def close(self):
        if self.p.isalive():
            self.p.terminate(force=True)
        self.log.close()
        if self.passed:
            os.unlink(self.log_path)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.passed = exc_type is None
        self.close()
        return False


def guest_checks_pass(q, checks, timeout=120):
    """Waits until every VM named in checks ({vm: [check names]}) has printed its whole
    'GUEST DONE: N failure(s)' line (a focused VM's line may be drawn in pieces, so only a whole
    one counts), then asserts that no line reports a failure, the hypervisor did not crash, and
    each VM printed 'TEST <name>: PASS' for every name listed. Returns the output."""
    for vm in checks:
        q.wait_for(r"\[%s\] GUEST DONE: \d+ failure" % vm, timeout=timeout)
    out = q.output()
    fails = [l for l in out.splitlines()
             if "FAIL" in l or "UNEXPECTED" in l or (re.search(r"GUEST DONE: \d+ failure", l) and "GUEST DONE: 0 " not in l)]
    assert not fails, "\n".join(fails)
    assert "HYPERVISOR CRASH" not in out
    for vm, names in checks.items():
        missing = [c for c in names if "[%s] TEST %s: PASS" % (vm, c) not in out]
        assert not missing, "%s: %s" % (vm, missing)
    return out
