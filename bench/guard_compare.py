#!/usr/bin/env python3
"""Compare `ddbguard check --policy` with the cfn-guard CLI on a corpus of CloudFormation.

For every file, `cfn-guard validate` runs the rules on that file alone (a directory run stops
at the first file cfn-guard cannot load); ddbguard runs once over the corpus. Each side gives
a set of (file, rule, resource) failures (resource: the logical ID under /Resources, or ""
for a failure that names no resource). Prints the counts and every difference.

  bench/guard_compare.py RULES_DIR CORPUS_DIR [--ddbguard BIN] [--cfn-guard BIN] [-j N]
"""
import argparse, concurrent.futures, json, os, re, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("rules")
ap.add_argument("corpus")
ap.add_argument("--ddbguard", default="target/release/ddbguard")
ap.add_argument("--cfn-guard", dest="cfn_guard", default="cfn-guard")
ap.add_argument("-j", type=int, default=2)
a = ap.parse_args()

rule_names = set()
for f in sorted(os.listdir(a.rules)):
    if f.endswith(".guard"):
        rule_names |= set(re.findall(r"^\s*rule\s+([A-Za-z0-9_]+)", open(os.path.join(a.rules, f)).read(), re.M))

files = []
for d, _, fs in os.walk(a.corpus):
    for f in fs:
        if f.lower().endswith((".yaml", ".yml", ".json", ".template")):
            files.append(os.path.join(d, f))
files.sort()

def resources_of(check):
    out = set()
    for m in re.finditer(r'"path":\s*"(/Resources/[^/"]+)', json.dumps(check)):
        out.add(m.group(1).split("/")[2])
    return out

def cfn_guard(path):
    p = subprocess.run([a.cfn_guard, "validate", "-r", a.rules, "-d", path, "-o", "json", "-S", "none", "--structured"],
                       capture_output=True, text=True)
    try:
        reports = json.loads(p.stdout)
    except ValueError:
        return path, None, (p.stderr or p.stdout).strip().splitlines()[-1:] 
    out = set()
    for rep in reports:
        for nc in rep.get("not_compliant", []):
            rule = nc["Rule"]["name"]
            res = set()
            for c in nc["Rule"].get("checks", []):
                res |= resources_of(c)
            for r in res or {""}:
                out.add((path, rule, r))
    return path, out, None

guard = set(); rejected = {}
with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
    for path, out, err in ex.map(cfn_guard, files):
        if out is None:
            rejected[path] = err
        else:
            guard |= out

p = subprocess.run([a.ddbguard, "check", a.corpus, "--policy", a.rules, "--select", ",".join(sorted(rule_names | {"DDB001", "DDB004"})),
                    "--format", "json", "--fail-on", "never"], capture_output=True, text=True)
report = json.loads(p.stdout)
ours = set(); ddb001 = set(); ddb004 = []
for f in report["findings"]:
    path = os.path.normpath(os.path.join(os.getcwd(), f["path"])) if not os.path.isabs(f["path"]) else f["path"]
    if f["rule_id"] == "DDB001":
        ddb001.add(path); continue
    if f["rule_id"] == "DDB004":
        ddb004.append(f["message"]); continue
    res = (f.get("resource") or {}).get("id") or ""
    ours.add((path, f["rule_id"], res))
norm = lambda s: {(os.path.normpath(os.path.abspath(p)), r, x) for p, r, x in s}
guard, ours = norm(guard), norm(ours)
checked = {os.path.normpath(os.path.abspath(p)) for p in files} - {os.path.normpath(os.path.abspath(p)) for p in rejected}
print(f"files: {len(files)}; cfn-guard rejected {len(rejected)}; ddbguard DDB001 {len(ddb001)}, DDB004 {len(ddb004)}")
print(f"failures (file, rule, resource): cfn-guard {len(guard)}, ddbguard {len(ours)}, both {len(guard & ours)}")
only_guard = sorted(guard - ours); only_ours = sorted(ours - guard)
print(f"only cfn-guard: {len(only_guard)}")
for x in only_guard: print("  ", *x)
print(f"only ddbguard: {len(only_ours)} (of which on files cfn-guard rejected: {sum(1 for x in only_ours if x[0] not in checked)})")
for x in only_ours: print("  ", *x, "(cfn-guard rejected the file)" if x[0] not in checked else "")
print("cfn-guard rejected:")
for k, v in sorted(rejected.items()): print("  ", k, "|", " ".join(v)[:160])
for m in ddb004: print("DDB004:", m[:200])
