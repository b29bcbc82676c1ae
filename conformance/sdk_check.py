"""What the SDK checks share (``boto3_check.py``, ``openai_check.py``): the emulator
as a child process, the check registry and the run loop.

A check script registers its checks with ``@checks.check("name")`` on a
``Checks()`` of its own, then ends with
``sys.exit(checks.main(__doc__, version_line, make_context))``: ``main`` parses
``--emulator PATH`` (default ``BEDROCK_EMULATOR_BIN``; without either it runs
``cargo run -q -p bedrock-conformance -- serve`` from the repository root),
starts the emulator, calls ``make_context(url)`` once and every check with that
context, prints one line per check and returns the exit status: 1 if any check
failed, 2 if the emulator could not be started.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Emulator:
    """The emulator as a child process (``serve --port 0 --port-file ...``)."""

    def __init__(self, binary):
        self.tmp = tempfile.TemporaryDirectory(prefix="bedrock-emulator-")
        port_file = Path(self.tmp.name) / "port"
        if binary:
            command = [binary]
        else:
            command = ["cargo", "run", "-q", "-p", "bedrock-conformance", "--"]
        command += ["serve", "--port", "0", "--port-file", str(port_file), "--stall-limit-ms", "20000"]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 600  # a cold `cargo run` builds first
        while not port_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"emulator exited with {self.process.returncode}: {command}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("emulator did not write its port file")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{int(port_file.read_text())}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.tmp.cleanup()


class Checks:
    """The checks of one script, in registration order."""

    def __init__(self):
        self.registered = []

    def check(self, name):
        """Decorator: registers ``function(context)``; it may return a note to print."""

        def register(function):
            self.registered.append((name, function))
            return function

        return register

    def main(self, doc, version_line, make_context):
        """Runs every check against a fresh emulator; returns the exit status."""
        parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
        parser.add_argument("--emulator", default=os.environ.get("BEDROCK_EMULATOR_BIN"),
                            help="path of a built bedrock-conformance binary (default: cargo run)")
        args = parser.parse_args()
        print(version_line)
        try:
            emulator = Emulator(args.emulator)
        except Exception as e:
            print(f"cannot start the emulator: {e}")
            return 2
        failed = 0
        try:
            context = make_context(emulator.url)
            for name, function in self.registered:
                try:
                    note = function(context)
                except Exception as e:
                    failed += 1
                    detail = f"{type(e).__name__}: {e}" if str(e) else "".join(traceback.format_exc(limit=3))
                    print(f"FAIL  {name}\n      {detail}")
                else:
                    print(f"ok    {name}" + (f" ({note})" if note else ""))
        finally:
            emulator.stop()
        print(f"{len(self.registered) - failed} passed, {failed} failed")
        return 1 if failed else 0
