#!/usr/bin/env python3
"""Records what a real `buildx bake --print` prints for every case of the corpus.

usage: record.py BUILDX_BINARY BUILDX_COMMIT [CASE_DIR...]

Each case directory holds bake files and case.json ({"files", "targets", "env", "set"}); this
writes buildx.json (stdout, when buildx succeeds) or buildx.err (its error, when it fails).
Every case runs in a copy of its directory with a clean environment, as tests/bake_corpus.rs
runs mpbake.
"""
import json, os, pathlib, shutil, subprocess, sys, tempfile

HERE = pathlib.Path(__file__).resolve().parent


def argv(case):
    out = []
    for f in case.get("files", []):
        out += ["-f", f]
    for s in case.get("set", []):
        out += ["--set", s]
    return out + case.get("targets", [])


def record(buildx, case_dir):
    case = json.loads((case_dir / "case.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp) / "case"
        shutil.copytree(case_dir, work, symlinks=True)
        for name in ("buildx.json", "buildx.err"):
            (work / name).unlink(missing_ok=True)
        env = {"PATH": "/usr/bin:/bin", "HOME": "/home/bake", "DOCKER_CONFIG": tmp + "/docker"}
        env.update(case.get("env", {}))
        run = subprocess.run([buildx, "bake", "--print", *argv(case)], cwd=work, env=env, capture_output=True, text=True, timeout=60)
    for name in ("buildx.json", "buildx.err"):
        (case_dir / name).unlink(missing_ok=True)
    if run.returncode == 0:
        (case_dir / "buildx.json").write_text(run.stdout)
    else:
        lines = [l for l in run.stderr.splitlines() if l.strip() and not l.startswith("#")]
        (case_dir / "buildx.err").write_text("\n".join(lines[-3:]) + "\n")
    return run.returncode == 0


def main():
    buildx, commit, *dirs = sys.argv[1:]
    cases = [pathlib.Path(d) for d in dirs] or sorted(p.parent for p in HERE.glob("*/*/case.json"))
    ok = sum(record(buildx, c.resolve()) for c in cases)
    (HERE / "RECORDED").write_text(f"docker/buildx {commit}\n")
    print(f"{len(cases)} cases recorded, {ok} printed, {len(cases) - ok} refused")


if __name__ == "__main__":
    main()
