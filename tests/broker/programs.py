"""Tiny programs, some of them misbehaving on purpose, for the broker's tests (library ``t``)."""

from __future__ import annotations

PROGRAMS: dict[str, str] = {
    "echo.py": """
from baton import program
program.header("Content-Type", "text/plain; charset=utf-8")
for name, value in program.params.items_all():
    program.webout.write(f"{name}={value}\\n")
for upload in program.params.files:
    program.webout.write(f"file {upload.field} {upload.filename} {len(upload.content)}\\n")
""",
    "size.py": """
from baton import program
program.header("Content-Type", "text/plain")
program.webout.write(str(len(program.params.get("big", ""))))
""",
    "env.py": """
import os
from baton import program
program.header("Content-Type", "text/plain")
for name in sorted(program.env):
    program.webout.write(f"{name}={program.env[name]}\\n")
program.webout.write(f"pid={os.getpid()}\\n")
""",
    "pid.py": """
import os
from baton import program
program.header("Content-Type", "text/plain")
program.webout.write(str(os.getpid()))
""",
    "gated.py": """
import pathlib, time
from baton import program
program.header("Content-Type", "text/plain")
program.webout.write("first line\\n")
gate = pathlib.Path(program.params["gate"])
for _ in range(3000):
    if gate.exists():
        break
    time.sleep(0.01)
program.webout.write("after the gate\\n")
""",
    "forever.py": """
import time
from baton import program
program.header("Content-Type", "text/plain")
while True:
    program.webout.write("tick\\n")
    time.sleep(0.05)
""",
    "silent.py": """
import time
time.sleep(float(__import__("baton").program.params.get("seconds", "30")))
""",
    "raises.py": """
raise ValueError("<b>secret detail</b>")
""",
    "exits.py": """
import sys
sys.exit(3)
""",
    "dies.py": """
import os
os._exit(1)
""",
    "badheader.py": """
from baton import program
program.header("Bad Header", "x")
program.webout.write("never seen")
""",
    "download.py": """
from baton import program
program.header("Content-Type", "text/csv")
program.header("Content-Disposition", 'attachment; filename="data.csv"')
program.header("Set-Cookie", "flavour=plain; Path=/")
program.webout.write("a,b\\n1,2\\n")
""",
    "logs.py": """
from baton import program
program.log.info("a line for the log")
program.webout.write("<p>logged</p>")
""",
    "counter.py": """
from baton import program
s = program.session
if program.params.get("reset"):
    s.delete()
    program.webout.write("deleted")
else:
    if not s.active:
        s.create(timeout=float(program.params.get("timeout", "60")))
    s["count"] = s.get("count", 0) + 1
    program.header("Content-Type", "text/plain")
    program.webout.write(f"count={s['count']} id={s.id} url={s.url}")
""",
    "expired.py": """
from baton import program
program.header("Content-Type", "text/plain")
program.webout.write("your session has expired")
""",
    "typed.py": '''
def main(a: int, b: int = 2) -> int:
    """Add."""
    return a + b
''',
}
