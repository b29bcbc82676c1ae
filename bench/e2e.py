#!/usr/bin/env python3
"""The whole call, side by side: our programs and the AWS SDK for Rust against one emulator.

Four programs stream the same answer from the same `bedrock-conformance serve` process:

  bedrock CLI     `bedrock chat` (blocking adapter over ureq)
  async example   `examples/async-chat` (smol + futures-rustls adapter; a package of its own)
  by-hand example `core/examples/by_hand.rs` (the core over a std TcpStream, no adapter)
  AWS SDK         `bench/peer-sdk` (aws-sdk-bedrockruntime + aws-config on tokio)

All four sign with SigV4 (the only scheme the SDK speaks), write every text delta into a buffered
stdout, and end with a newline; the script checks that their outputs are identical. One write
policy for all four: stdout is flushed whenever the next item is not available without waiting
for the network (right before the program would block) and at the end. Text appears as soon as
it arrives, and deltas that arrive in one read cost one write, not one each (a flush per delta
put a write-syscall floor under every program). Answers: a long one (`[long:N]`, N text deltas,
20,000 by default) twice, its body cut into chunks of 1 to 97 bytes (the emulator's default) and
one chunk per event (`[chunks:frame]`), and a short one (the echo of a prompt).

Per run it measures, for the program alone (run under GNU `/usr/bin/time`): CPU time (user +
sys), peak RSS, wall time, and time to the first byte on stdout (the first delta). Programs run alternately, one
warm-up round first, then `--runs` rounds (21: a run of a streaming call takes tens of
milliseconds of CPU, single runs vary by a few ms, and this shared 2-vCPU machine has slow spells
that move medians of eleven by 10-20%); the report gives medians and ratios to the SDK.

Footprint (skipped with `--no-footprint`): each program built in release from an empty target
directory: crates compiled, clean build time, stripped binary size. The async example is a
package of its own so that its count is what an application on the adapter compiles (cargo
would build a package's dev-dependencies, the emulator among them, for its `--example`s).

Writes `bench/results/e2e.json` (every run, the medians, the machine), `bench/results/e2e.svg`
(the chart the README shows) and `bench/results/e2e.md` (the tables), and prints the tables.

    python3 bench/e2e.py [--runs 21] [--deltas 20000] [--no-footprint]
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
PEER = os.path.join(ROOT, "bench", "peer-sdk")
MODEL = "us.anthropic.claude-haiku-4-5"
# What the catalog sends for MODEL: the SDK is given the wire id, as an SDK user would write it.
WIRE_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SHORT_PROMPT = "Hello there, how are you today?"

PROGRAMS = ["bedrock CLI", "async example", "by-hand example", "AWS SDK"]
PEER_NAME = "AWS SDK"


def run(cmd, **kw):
    print("$", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def build():
    run(["cargo", "build", "--release", "--locked", "-p", "bedrock-cli", "-p", "bedrock-conformance"])
    run(["cargo", "build", "--release", "--locked", "-p", "async-chat"])
    run(["cargo", "build", "--release", "--locked", "-p", "bedrock-core", "--example", "by_hand"])
    run(["cargo", "build", "--release", "--locked", "--manifest-path", os.path.join(PEER, "Cargo.toml")])


def binaries():
    release = os.path.join(ROOT, "target", "release")
    return {
        "bedrock CLI": os.path.join(release, "bedrock"),
        "async example": os.path.join(release, "async-chat"),
        "by-hand example": os.path.join(release, "examples", "by_hand"),
        "AWS SDK": os.path.join(PEER, "target", "release", "peer-sdk"),
    }


def start_emulator(work):
    port_file = os.path.join(work, "port")
    log = open(os.path.join(work, "emulator.log"), "wb")
    proc = subprocess.Popen(
        [os.path.join(ROOT, "target", "release", "bedrock-conformance"), "serve", "--port-file", port_file],
        stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, "http://127.0.0.1:" + open(port_file).read().strip()
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the emulator did not start")


def command(name, exe, url, prompt):
    if name == PEER_NAME:
        return [exe, WIRE_MODEL, prompt]
    if name == "bedrock CLI":
        return [exe, "--base-url", url, "--region", "us-east-1", "chat", "--model", MODEL, prompt]
    return [exe, "--base-url", url, "--region", "us-east-1", "--model", MODEL, prompt]


def environment(work, url):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": work,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.path.join(work, "none"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(work, "none"),
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": url,
    }


def measure(cmd, env, work):
    """One run: CPU (user + sys), peak RSS, wall, time to the first stdout byte, the output.

    The program runs under GNU time, which forks it from its own small image: a child forked
    (or vforked) from this Python process would count Python's resident pages in its peak RSS,
    since Linux carries the high-water mark across exec. time's `%M` is the program's own peak.
    CPU comes from `wait4` on time, which includes its child (time's own share is ~1 ms).
    """
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty stderr cannot block the child
    rss_file = os.path.join(work, "maxrss")
    started = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd, env=env,
                            stdout=subprocess.PIPE, stderr=errors)
    first = proc.stdout.read(1)
    first_at = time.perf_counter()
    rest = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    ended = time.perf_counter()
    errors.seek(0)
    stderr = errors.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} exited {proc.returncode}: {stderr.decode(errors='replace')[-2000:]}")
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "peak_rss_kib": int(open(rss_file).read().split()[-1]),
        "wall_s": ended - started,
        "first_delta_s": first_at - started,
    }, first + rest


def scenarios(deltas):
    """The answers: their table titles and prompts. The emulator cuts a stream body into chunks
    of 1 to 97 bytes that frames straddle (a stress on every client's HTTP and event-stream
    layers); `[chunks:frame]` sends every event in a chunk of its own instead, as a server that
    writes each event as it is produced does."""
    return {
        f"long ({deltas:,} deltas, chunks of 1-97 bytes)": f"[long:{deltas}] go",
        f"long ({deltas:,} deltas, one chunk per event)": f"[long:{deltas}][chunks:frame] go",
        "short (one sentence)": SHORT_PROMPT,
    }


def chart_label(scenario):
    """The scenario's name on the chart."""
    if scenario.startswith("long"):
        return "long, 1-97 B chunks" if "1-97" in scenario else "long, chunk per event"
    return "short answer"


def run_matrix(runs, deltas, work, url):
    exes = binaries()
    env = environment(work, url)
    results = {}
    for scenario, prompt in scenarios(deltas).items():
        samples = {name: [] for name in PROGRAMS}
        outputs = {}
        for round_ in range(runs + 1):  # round 0 is the warm-up
            for name in PROGRAMS:
                sample, output = measure(command(name, exes[name], url, prompt), env, work)
                outputs.setdefault(name, output)
                if output != outputs[name]:
                    raise SystemExit(f"{name}: output differs between runs")
                if round_ > 0:
                    samples[name].append(sample)
        reference = outputs[PEER_NAME]
        for name, output in outputs.items():
            if output != reference:
                raise SystemExit(f"{scenario}: {name} printed {len(output)} bytes, the SDK {len(reference)}")
        results[scenario] = {
            "output_bytes": len(reference),
            "runs": samples,
            "median": {name: {key: statistics.median(s[key] for s in runs_)
                              for key in runs_[0]} for name, runs_ in samples.items()},
        }
        print(f"{scenario}: {len(reference):,} bytes of identical output from all four", file=sys.stderr)
    return results


def count_crates(log):
    return sum(1 for line in log.splitlines() if line.strip().startswith("Compiling "))


def footprint():
    """Each program from an empty target directory: crates compiled, build time, stripped size."""
    builds = {
        "bedrock CLI": (["cargo", "build", "--release", "--locked", "-p", "bedrock-cli"], ROOT, "bedrock"),
        "async example": (["cargo", "build", "--release", "--locked", "-p", "async-chat"], ROOT, "async-chat"),
        "AWS SDK": (["cargo", "build", "--release", "--locked"], PEER, "peer-sdk"),
    }
    out = {}
    for name, (cmd, cwd, binary) in builds.items():
        target = tempfile.mkdtemp(prefix="bedrock-footprint-")
        try:
            env = dict(os.environ, CARGO_TARGET_DIR=target, CARGO_TERM_COLOR="never")
            print("$ (empty target)", " ".join(cmd), file=sys.stderr)
            started = time.perf_counter()
            done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=True)
            seconds = time.perf_counter() - started
            size = os.path.getsize(os.path.join(target, "release", binary))
            out[name] = {"crates": count_crates(done.stderr), "build_s": seconds, "size_bytes": size}
            print(f"  {name}: {out[name]}", file=sys.stderr)
        finally:
            shutil.rmtree(target, ignore_errors=True)
    return out


def machine():
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "os": f"{platform.system()} {platform.release()}",
            "rustc": rustc, "date": datetime.date.today().isoformat()}


METRICS = [
    ("cpu_s", "CPU time (user + sys)", lambda v: f"{v * 1000:,.0f} ms"),
    ("peak_rss_kib", "peak RSS", lambda v: f"{v / 1024:,.1f} MiB"),
    ("wall_s", "wall time", lambda v: f"{v * 1000:,.0f} ms"),
    ("first_delta_s", "time to first delta", lambda v: f"{v * 1000:,.1f} ms"),
]
FOOTPRINT = [
    ("crates", "crates compiled", lambda v: f"{v:,}"),
    ("build_s", "clean release build", lambda v: f"{v:,.0f} s"),
    ("size_bytes", "stripped binary", lambda v: f"{v / 1e6:,.2f} MB"),
]


def tables(data):
    lines = []
    for scenario, result in data["calls"].items():
        lines.append(f"**{scenario}**, median of {len(result['runs'][PEER_NAME])} runs "
                     f"({result['output_bytes']:,} bytes of output, identical from all four):\n")
        lines.append("| | " + " | ".join(PROGRAMS) + " |")
        lines.append("|---|" + "---:|" * len(PROGRAMS))
        for key, label, fmt in METRICS:
            peer = result["median"][PEER_NAME][key]
            cells = []
            for name in PROGRAMS:
                v = result["median"][name][key]
                cells.append(fmt(v) if name == PEER_NAME else f"{fmt(v)} ({v / peer:.2f}x)")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    if data.get("footprint"):
        fp = data["footprint"]
        names = list(fp)
        lines.append("**Footprint**, each built in release from an empty target directory:\n")
        lines.append("| | " + " | ".join(names) + " |")
        lines.append("|---|" + "---:|" * len(names))
        for key, label, fmt in FOOTPRINT:
            peer = fp[PEER_NAME][key]
            cells = [fmt(fp[n][key]) if n == PEER_NAME else f"{fmt(fp[n][key])} ({fp[n][key] / peer:.2f}x)"
                     for n in names]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    m = data["machine"]
    lines.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['os']}, {m['rustc']}; {m['date']}.")
    return "\n".join(lines) + "\n"


COLORS = {"bedrock CLI": "#1f77b4", "async example": "#2ca02c", "by-hand example": "#9467bd",
          "AWS SDK": "#d62728"}


def svg(data):
    """Bars of each program's value as a share of the SDK's (the SDK = 100%), per measure."""
    rows = []
    for scenario in data["calls"]:
        med = data["calls"][scenario]["median"]
        short = chart_label(scenario)
        for key, label, fmt in METRICS:
            rows.append((f"{label}, {short}", {n: (med[n][key], fmt(med[n][key])) for n in PROGRAMS}))
    if data.get("footprint"):
        fp = data["footprint"]
        for key, label, fmt in FOOTPRINT:
            rows.append((label, {n: (fp[n][key], fmt(fp[n][key])) for n in fp}))
    bar_h, gap, left, width = 11, 12, 250, 420
    y = 56
    parts = []
    for label, values in rows:
        peer = values[PEER_NAME][0] or 1
        parts.append(f'<text x="{left - 8}" y="{y + bar_h * len(values) / 2 + 4}" text-anchor="end" '
                     f'font-size="12">{label}</text>')
        for name, (value, text) in values.items():
            share = value / peer
            w = max(1.0, min(share, 1.6) / 1.6 * width)
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                         f'fill="{COLORS[name]}"><title>{name}: {text}</title></rect>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}" font-size="9">'
                         f'{text} ({share * 100:.0f}%)</text>')
            y += bar_h
        y += gap
    m = data["machine"]
    legend = "".join(
        f'<rect x="{left + i * 130}" y="30" width="10" height="10" fill="{COLORS[n]}"/>'
        f'<text x="{left + i * 130 + 14}" y="39" font-size="11">{n}</text>' for i, n in enumerate(PROGRAMS))
    height = y + 30
    ref = left + width / 1.6
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 150}" height="{height}" '
            f'font-family="sans-serif">\n'
            f'<rect width="100%" height="100%" fill="white"/>\n'
            f'<text x="10" y="18" font-size="14" font-weight="bold">One ConverseStream call against the '
            f'emulator: each program as a share of the AWS SDK for Rust (shorter is better)</text>\n'
            f'{legend}\n'
            f'<line x1="{ref:.1f}" y1="50" x2="{ref:.1f}" y2="{y}" stroke="#999" stroke-dasharray="3,3"/>\n'
            f'<text x="{ref:.1f}" y="{y + 12}" font-size="10" text-anchor="middle">AWS SDK = 100%</text>\n'
            + "\n".join(parts) +
            f'\n<text x="10" y="{height - 6}" font-size="10">{m["cpu"]}, {m["cores"]} cores, {m["os"]}, '
            f'{m["rustc"]}, {m["date"]}. Bars past 160% are cut.</text>\n</svg>\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--deltas", type=int, default=20_000)
    parser.add_argument("--no-footprint", action="store_true")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    if not args.no_build:
        build()
    work = tempfile.mkdtemp(prefix="bedrock-e2e-")
    emulator, url = start_emulator(work)
    try:
        calls = run_matrix(args.runs, args.deltas, work, url)
    finally:
        emulator.kill()
        emulator.wait()
        shutil.rmtree(work, ignore_errors=True)
    data = {"machine": machine(), "calls": calls,
            "footprint": None if args.no_footprint else footprint()}
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "e2e.json"), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    with open(os.path.join(RESULTS, "e2e.svg"), "w") as f:
        f.write(svg(data))
    text = tables(data)
    with open(os.path.join(RESULTS, "e2e.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
