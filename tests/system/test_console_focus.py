"""The console as a person uses it with `make run` (configs/default.dts: linux1, linux2, echo).
The VM with the input focus gets its output to the terminal as it comes: its shell's prompt
shows before anything is typed and each typed character is echoed at once, before Enter; the
shell's cursor-position query (ESC[6n) never reaches the terminal. A VM without the focus is
printed a line at a time, its unfinished prompt line after a short pause."""
import os
import re
import time

import pytest

from qemu import Qemu, BUILD

IMG = os.path.join(BUILD, "configs/default.img")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")

# What `make run` passes to QEMU (QEMU_MACHINE in the Makefile, with its defaults).
MAKE_RUN_ARGS = ["-machine", "virt,virtualization=on,gic-version=3", "-cpu", "max", "-smp", "4",
                 "-m", "1G", "-nographic", "-net", "none", "-serial", "mon:stdio",
                 "-echr", "0x14"]

PROMPT = "guest# "


def type_slowly(q, vm, text, timeout=20):
    """Types text one character at a time; after each, waits for the shell's echo: the line as
    typed so far right after the VM's prompt (drawn again whole if other output came between).
    Returns the time the slowest echo took."""
    slowest = 0.0
    for i, c in enumerate(text):
        start = time.time()
        q.send(c)
        q.wait_for(re.escape("[%s] %s%s" % (vm, PROMPT, text[:i + 1])), timeout=timeout)
        slowest = max(slowest, time.time() - start)
    return slowest


def test_focused_vm_prompt_and_echo_before_enter():
    with Qemu("console-focus-make-run", MAKE_RUN_ARGS, kernel=IMG) as q:
        q.wait_for(r"\[linux1\] Enter 'help' for a list", timeout=300)
        # Nothing typed yet: the prompt, a line without an end, is on the terminal.
        q.wait_for(re.escape("[linux1] " + PROMPT), timeout=60)

        command = "echo typed-$((6*7))"
        slowest = type_slowly(q, "linux1", command)
        assert "typed-42" not in q.output()  # not run before Enter
        q.send("\r")
        q.wait_for(r"\[linux1\] typed-42\r*\n")
        print("slowest echo: %.3f s" % slowest)

        # linux2 has no focus: its prompt line is printed whole after a pause, with no query.
        q.wait_for(r"\[linux2\] Enter 'help' for a list", timeout=300)
        q.wait_for(r"\[linux2\] %s\r*\n" % re.escape(PROMPT), timeout=30)

        # The focus moves to linux2: its unfinished prompt line is shown, and typing echoes.
        q.send("\x01\x01\x01")
        q.wait_for(r"input now goes to VM 'linux2'")
        type_slowly(q, "linux2", "echo other-$((2*3))")
        q.send("\r")
        q.wait_for(r"\[linux2\] other-6\r*\n")

        out = q.output()
        assert "[6n" not in out
        assert "\x1b[6n" not in out
        assert "\x1b]" not in out
        assert "HYPERVISOR CRASH" not in out
