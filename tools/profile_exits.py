#!/usr/bin/python3
"""Where the instructions of an exit go (docs/performance.md, "Profiling an exit").

Runs a bench image under QEMU (-icount shift=0, one instruction per translation block) with
the execution log of the hypervisor's addresses, streamed through a FIFO, and cuts each CPU's
log into exit records: from a lower-EL vector (el2_vectors + 0x400 synchronous, + 0x480 IRQ)
to the `eret` of vcpu_enter (after its label guest_enter_regs). Identical records are counted;
the most frequent ones (each benchmark repeats its exit 1000 times) are printed with their length in instructions and the
instructions spent in each function, in the order first reached.

    tools/profile_exits.py [--gic 3|2] [--image build/tests/configs/bench.img] [--smp 2]
                           [--top N] [--min-count N] [--lines]

--lines breaks each record down by source line instead of by function (addr2line). The image
must be the one build/elvisor.elf was built with. A run takes a few minutes.
"""
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
ELF = os.path.join(BUILD, "elvisor.elf")
LOAD = 0x40200000          # where QEMU's -kernel puts the image (2 MiB above RAM's start)
SPAN = 0x40000
CROSS = os.environ.get("CROSS_COMPILE", "aarch64-linux-gnu-")
TRACE = re.compile(rb"^Trace (\d+): 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")


def symbols():
    out = subprocess.run([CROSS + "nm", "-n", ELF], capture_output=True, text=True, check=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            addrs.append(int(f[0], 16))
            names.append(f[2])
    return addrs, names


def eret_of(fn):
    dis = subprocess.run([CROSS + "objdump", "-d", "--no-show-raw-insn", ELF], capture_output=True, text=True,
                         check=True).stdout
    inside = False
    for line in dis.splitlines():
        if line.endswith("<%s>:" % fn):
            inside = True
        elif inside and line.strip().endswith(":") and "<" in line:
            break
        elif inside and "\teret" in line:
            return int(line.split(":")[0], 16)
    sys.exit("profile_exits: no eret in %s" % fn)


def main():
    gic, image, smp, top, min_count, lines = 3, os.path.join(BUILD, "tests", "configs", "bench.img"), 2, 30, 500, False
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--gic" and args:
            gic = int(args.pop(0))
        elif a == "--image" and args:
            image = args.pop(0)
        elif a == "--smp" and args:
            smp = int(args.pop(0))
        elif a == "--top" and args:
            top = int(args.pop(0))
        elif a == "--min-count" and args:
            min_count = int(args.pop(0))
        elif a == "--lines":
            lines = True
        else:
            sys.exit(__doc__)
    global ELF
    tmp = tempfile.mkdtemp(prefix="profile_exits.")
    # Copies: a rebuild during the run must not change what the addresses mean.
    for src in (ELF, image):
        subprocess.run(["cp", src, tmp], check=True)
    ELF, image = os.path.join(tmp, os.path.basename(ELF)), os.path.join(tmp, os.path.basename(image))
    addrs, names = symbols()
    vectors = addrs[names.index("el2_vectors")]
    starts = {LOAD + vectors + 0x400, LOAD + vectors + 0x480}
    end = LOAD + eret_of("guest_enter_regs")

    fifo, serial = os.path.join(tmp, "trace"), os.path.join(tmp, "serial.log")
    os.mkfifo(fifo)
    qemu = subprocess.Popen(
        ["qemu-system-aarch64", "-machine", "virt,gic-version=%d,dtb-randomness=off,virtualization=on" % gic,
         "-cpu", "max", "-smp", str(smp), "-m", "1G", "-icount", "shift=0,sleep=off", "-seed", "1",
         "-rtc", "base=2025-01-01T00:00:00,clock=vm", "-display", "none", "-net", "none", "-monitor", "none",
         "-serial", "file:" + serial, "-accel", "tcg,one-insn-per-tb=on", "-d", "exec,nochain",
         "-dfilter", "0x%x+0x%x" % (LOAD, SPAN), "-D", fifo, "-kernel", image],
        stdin=subprocess.DEVNULL)

    def watchdog():
        t0 = time.monotonic()
        while qemu.poll() is None:
            time.sleep(2)
            try:
                with open(serial, "rb") as f:
                    out = f.read()
            except OSError:
                out = b""
            if b"stopped" in out and (re.search(rb"VM 'bench[\w-]*' stopped", out) or out.count(b"stopped") >= 2) \
                    or time.monotonic() - t0 > 1200:
                qemu.terminate()
    threading.Thread(target=watchdog, daemon=True).start()

    counts = collections.Counter()
    cur = {}
    with open(fifo, "rb", buffering=1 << 20) as f:
        for line in f:
            m = TRACE.match(line)
            if not m:
                continue
            cpu, pc = m.group(1), int(m.group(2), 16)
            rec = cur.get(cpu)
            if pc in starts:
                rec = cur[cpu] = [pc]
                continue
            if rec is None:
                continue
            rec.append(pc)
            if pc == end:
                counts[tuple(rec)] += 1
                cur[cpu] = None
    qemu.wait()

    def sym(pc):
        i = bisect.bisect_right(addrs, pc - LOAD) - 1
        return names[i] if i >= 0 else "?"

    where = {}
    if lines:
        pcs = sorted({pc for rec in counts for pc in rec})
        out = subprocess.run([CROSS + "addr2line", "-e", ELF] + ["0x%x" % (pc - LOAD) for pc in pcs],
                             capture_output=True, text=True, check=True).stdout.split("\n")
        where = {pc: os.path.relpath(out[i], ROOT) if out[i].startswith("/") else out[i] for i, pc in enumerate(pcs)}

    shown = 0
    for rec, n in counts.most_common():
        if n < min_count or shown >= top:
            break
        shown += 1
        per = collections.OrderedDict()
        for pc in rec:
            k = where.get(pc, sym(pc)) if lines else sym(pc)
            per[k] = per.get(k, 0) + 1
        print("%6d x %4d instructions: %s" % (n, len(rec), " ".join("%s %d" % kv for kv in per.items())))
    with open(serial, "rb") as f:
        bench = [ln for ln in f.read().decode(errors="replace").splitlines() if " BENCH " in ln]
    print("\n".join(bench))


if __name__ == "__main__":
    main()
