"""``make mutation``: cosmic-ray plus the hand-written mutants of mutation/handmade.toml over the
core modules (mutation/modules.toml), each against its own test subset, in a copy of the tree.

For each module: copy the git-tracked (and new, not ignored) files to a scratch directory so the
working tree is never left mutated, run the subset once (``--create-db``: it must pass), then
``cosmic-ray init`` / ``cr-filter-operators`` / ``cosmic-ray exec`` and the hand-written mutants
(each a text replacement that must match exactly once). Prints every survivor, the mutants
judged equivalent (mutation/equivalents.toml, with the reason) and the score per module:
killed / (run - equivalent). Exit status 1 when a module is below --threshold (default 95).

    .venv/bin/python mutation/run.py [--only elo,xp] [--threshold 95] [--keep] [--resurvey]

``--resurvey`` (after a ``--keep`` run, once tests were added): the kept session's killed
mutants stay killed (the subset only grew); its survivors and the hand-written mutants run
again against a fresh copy of the tree.
"""

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"


def load(name: str) -> dict:
    with open(HERE / name, "rb") as fh:
        return tomllib.load(fh)


def copy_tree(dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / ".venv").symlink_to(ROOT / ".venv")


def pytest_args(module: dict, *, first: bool) -> list[str]:
    db = "--create-db" if first else "--reuse-db"
    return ["-x", "-q", "-p", "no:randomly", db, *module["tests"]]


def test_command(work: Path, module: dict) -> list[str]:
    """One mutant's test run: a client of the fork server (mutation/forkserver.py)."""
    client = [str(BIN / "python"), "-S", str(HERE / "forkserver.py"), "--client"]
    return [*client, str(work / "forkserver.sock"), *pytest_args(module, first=False)]


def write_config(work: Path, module: dict, operators: dict) -> Path:
    cfg = work / "mutation-session.toml"
    excluded = ", ".join(json.dumps(p) for p in operators["exclude"])
    cfg.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(module['path'])}\n"
        f"timeout = {float(module.get('timeout', 300))}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(shlex.join(test_command(work, module)))}\n"
        '[cosmic-ray.distributor]\nname = "local"\n'
        f"[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n"
    )
    return cfg


def mutant_key(work: Path, mutation: dict) -> tuple[str, str, str, int]:
    line_no, col = mutation["start_pos"]
    lines = (work / mutation["module_path"]).read_text().splitlines()
    line = lines[line_no - 1]
    function = mutation.get("definition_name") or ""
    if not function and line.lstrip().startswith("@"):  # a decorator: name what it decorates
        heads = ("def ", "async def ", "class ")
        decorated = next(ln for ln in lines[line_no:] if ln.lstrip().startswith(heads))
        function = decorated.split("(")[0].split(":")[0].split()[-1]
    return mutation["operator_name"], function, line.strip(), col - (len(line) - len(line.lstrip()))


def _squeezed(text: str) -> str:
    return "".join(text.split())


def equivalent_reason(equivalents: list[dict], path: str, result: dict) -> str | None:
    operator, function, line, col = result["key"]
    for eq in equivalents:
        if (eq["module"], eq["operator"], eq["line"]) != (path, operator, line):
            continue
        if eq.get("function", function) != function or eq.get("col", col) != col:
            continue
        if "new" in eq and _squeezed(eq["new"]) != _squeezed(result.get("new", "")):
            continue
        return eq["reason"]
    return None


def forget_survivors(session: Path) -> None:
    """Make the session's survivors pending again (``cosmic-ray exec`` runs pending ones only)."""
    with sqlite3.connect(session) as db:
        db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")


def run_cosmic_ray(
    work: Path, module: dict, operators: dict, env: dict, *, resurvey: bool = False
) -> list[dict]:
    cfg, session = write_config(work, module, operators), work / "mutation-session.sqlite"
    steps = [
        [BIN / "cosmic-ray", "init", cfg, session],
        [BIN / "cr-filter-operators", session, cfg],
    ]
    if resurvey:
        forget_survivors(session)
        steps = []
    for cmd in (*steps, [BIN / "cosmic-ray", "exec", cfg, session]):
        subprocess.run([str(c) for c in cmd], cwd=work, env=env, check=True)
    dump = subprocess.run(
        [str(BIN / "cosmic-ray"), "dump", str(session)],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    results = []
    for raw in dump.splitlines():
        item, result = json.loads(raw)
        if result is None or result.get("worker_outcome") == "skipped":
            continue  # filtered out by the operators filter
        (mutation,) = item["mutations"]
        diff = [
            ln
            for ln in result.get("diff", "").splitlines()
            if ln[:1] in "+-" and ln[:3] not in ("+++", "---")
        ]
        results.append(
            {
                "key": mutant_key(work, mutation),
                "where": f"{mutation['module_path']}:{mutation['start_pos'][0]}"
                f" ({mutation.get('definition_name') or 'module'})",
                "label": f"{mutation['operator_name']} #{mutation['occurrence']}",
                "diff": " | ".join(diff),
                "new": " ".join(ln[1:] for ln in diff if ln.startswith("+")),
                "outcome": result["test_outcome"] or result["worker_outcome"],
            }
        )
    return results


def run_handmade(work: Path, module: dict, mutants: list[dict], env: dict) -> list[dict]:
    results = []
    for mutant in (m for m in mutants if m["module"] == module["path"]):
        target = work / mutant["module"]
        original = target.read_text()
        if original.count(mutant["old"]) != 1:
            sys.exit(f"hand-written mutant {mutant['name']!r}: its text is not found exactly once")
        target.write_text(original.replace(mutant["old"], mutant["new"]))
        try:
            proc = subprocess.run(
                test_command(work, module),
                cwd=work,
                env=env,
                capture_output=True,
                timeout=module.get("timeout", 300) + 30,
            )
            outcome = "killed" if proc.returncode else "survived"
        except subprocess.TimeoutExpired:
            outcome = "killed"
        finally:
            target.write_text(original)
        results.append(
            {
                "key": ("handmade", "", mutant["name"], 0),
                "where": mutant["module"],
                "label": f"handmade: {mutant['name']}",
                "diff": f"- {mutant['old'].strip()} | + {mutant['new'].strip()}",
                "outcome": outcome,
            }
        )
    return results


def run_module(name: str, module: dict, args, config: dict) -> tuple[int, int, int, int]:
    work = Path(args.workdir) / name
    print(f"\n=== {name}: {module['path']} against {' '.join(module['tests'])}", flush=True)
    session = work / "mutation-session.sqlite"
    kept = session.read_bytes() if args.resurvey and session.exists() else None
    if args.resurvey and kept is None:
        sys.exit(f"{name}: no kept session in {work} to resurvey (run with --keep first)")
    copy_tree(work)
    if kept is not None:
        session.write_bytes(kept)
    env = dict(
        os.environ,
        TEST_RUN_ID=f"mutation_{name}",
        HYPOTHESIS_PROFILE="ci",
        PYTHONDONTWRITEBYTECODE="1",
    )
    pytest = [str(BIN / "pytest"), *pytest_args(module, first=True)]
    if subprocess.run(pytest, cwd=work, env=env).returncode:
        sys.exit(f"{name}: the test subset fails without mutations; fix it first")
    server = subprocess.Popen(
        [
            str(BIN / "python"),
            str(HERE / "forkserver.py"),
            str(work / "forkserver.sock"),
            str(module.get("timeout", 300)),
        ],
        cwd=work,
        env=env,
    )
    try:
        while not (work / "forkserver.sock").exists():
            if server.poll() is not None:
                sys.exit("the fork server did not start")
            time.sleep(0.1)
        results = run_cosmic_ray(work, module, config["operators"], env, resurvey=args.resurvey)
        results += run_handmade(work, module, config["handmade"], env)
    finally:
        server.terminate()
        server.wait()
    killed = survived = equivalent = 0
    for r in results:
        reason = equivalent_reason(config["equivalents"], module["path"], r)
        if reason is not None:
            equivalent += 1
            state = "equivalent" if r["outcome"] == "survived" else "equivalent, yet killed"
            print(f"  [{state}] {r['where']} {r['label']}: {r['diff']}  -- {reason}")
        elif r["outcome"] == "killed":
            killed += 1
        else:
            survived += 1
            print(f"  [SURVIVED: {r['outcome']}] {r['where']} {r['label']}: {r['diff']}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return len(results), killed, survived, equivalent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated module names")
    parser.add_argument("--threshold", type=float, default=95.0)
    parser.add_argument("--workdir", default="/tmp/1v1bro-mutation")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    parser.add_argument(
        "--resurvey", action="store_true", help="rerun only the kept session's survivors"
    )
    args = parser.parse_args()
    config = {
        "modules": load("modules.toml")["module"],
        "operators": load("operators.toml"),
        "handmade": load("handmade.toml")["mutant"],
        "equivalents": load("equivalents.toml")["equivalent"],
    }
    wanted = set(filter(None, args.only.split(",")))
    rows = []
    for name, module in config["modules"].items():
        if not wanted or name in wanted:
            rows.append((name, module["path"], *run_module(name, module, args, config)))
    print("\n| module | mutants run | equivalent | killed | survived | score |")
    print("|---|---|---|---|---|---|")
    failed = False
    for _name, path, run, killed, survived, equivalent in rows:
        score = 100.0 * killed / max(1, run - equivalent)
        failed |= score < args.threshold
        print(f"| `{path}` | {run} | {equivalent} | {killed} | {survived} | {score:.1f}% |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
