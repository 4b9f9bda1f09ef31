"""`make bench`: every benchmark in one run; each prints its ratios against
the baseline it measures in the same run."""
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["bench_load.py", "bench_density.py", "bench_density_e2e.py", "bench_flows.py", "bench_chapters.py"]

failed = []
for name in ORDER + sorted(p.name for p in HERE.glob("bench_*.py") if p.name not in ORDER):
    script = HERE / name
    if not script.exists():
        continue
    print(f"== {name}", flush=True)
    if subprocess.run([sys.executable, str(script)], env=dict(os.environ, QT_QPA_PLATFORM="offscreen")).returncode:
        failed.append(name)
if failed:
    print("failed: " + ", ".join(failed))
    sys.exit(1)
