"""How long hostile inputs take, as a user runs them: each a cold `dischargegen` process.

    python benchmarks/bench_hostile.py

Prints the wall time of `from-fhir` on a 50 MB Bundle (refused by size), a Bundle of 200 000
entries, a Bundle whose fullUrl is 200 000 letters long (the reference matching used to be
quadratic), and `from-hl7` on a 20 MB name. Target (issue 8): each under 3 s.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def main() -> None:
    exe = shutil.which("dischargegen", path=str(Path(sys.executable).parent)) or "dischargegen"
    spec = json.loads((FIXTURES / "fhir/valid/spec-collection-kyphoplasty.json").read_text(encoding="utf-8"))
    adt = (FIXTURES / "hl7/valid/adt-a03-kyphoplasty-cr.hl7").read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        many = copy.deepcopy(spec)
        many["entry"] += [{"resource": {"resourceType": "Basic", "id": str(i)}} for i in range(200_000)]
        long_url = copy.deepcopy(spec)
        long_url["entry"][0]["fullUrl"] = "http://example.org/" + "a" * 200_000
        cases = {
            "from-fhir, 50 MB Bundle": ("from-fhir", json.dumps(spec).encode() + b" " * (50 * 1024 * 1024)),
            "from-fhir, 200 000 entries": ("from-fhir", json.dumps(many, separators=(",", ":")).encode()),
            "from-fhir, 200 000-letter fullUrl": ("from-fhir", json.dumps(long_url).encode()),
            "from-hl7, 20 MB name": ("from-hl7", adt.replace(b"EVERYMAN", b"E" * (20 * 1024 * 1024 - len(adt)))),
        }
        print(f"{'input':<36}{'seconds':>8}  exit  (target: under 3 s)")
        for label, (command, data) in cases.items():
            path = work / "input"
            path.write_bytes(data)
            start = time.perf_counter()
            result = subprocess.run([exe, command, str(path), "-o", str(work / "out.pdf")], capture_output=True)
            elapsed = time.perf_counter() - start
            print(f"{label:<36}{elapsed:>8.2f}  {result.returncode:>4}")


if __name__ == "__main__":
    main()
