#!/usr/bin/env python3
"""Differential oracle: runwarden against Checkov on the real-world corpus.

Standard library only. Called by compare.sh, which installs Checkov and builds
the corpus first. For every repository of corpus.tsv (extracted under
CORPUS/src/OWNER__NAME) it runs

  runwarden check OWNER__NAME --format json --fail-on never
  runwarden check OWNER__NAME --explain-unknown --fail-on never   (human, for the unknowns)
  checkov -d OWNER__NAME --framework terraform --check <ids> -o json --skip-download

from CORPUS/src, so that both tools print the same relative file names, then
compares them and writes a markdown report:

  - every Checkov failure, matched by a runwarden finding on the same resource
    (same file and resource type.name; Checkov does not expand module calls,
    runwarden does, so module paths and instance keys are dropped before the
    comparison; a data "google_iam_policy" is matched through the findings'
    related addresses), or listed with the reviewed reason it is not;
  - every runwarden error and warning, with its review verdict (true or false
    positive) and the counts per rule;
  - what runwarden could not resolve (--explain-unknown), per repository.

Review verdicts live in review.tsv beside this script (first matching row
wins; shell-style globs on file and resource). A finding no row covers is
reported as "unreviewed", so a new finding after an analyzer change is never
silently counted.
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Checkov checks about Cloud Run / Cloud Functions access (see docs/validation.md):
#   CKV_GCP_102  google_cloud_run_service_iam_member/_binding with allUsers or allAuthenticatedUsers
#   CKV_GCP_107  google_cloudfunctions(2)_function_iam_member/_binding with allUsers
#   CKV_GCP_113  data "google_iam_policy" with a public member (any service, not only Cloud Run)
#   CKV_GCP_124  function ingress_settings not ALLOW_INTERNAL_ONLY / ALLOW_INTERNAL_AND_GCLB
#   CKV2_GCP_10  1st gen HTTP function without https_trigger_security_level = SECURE_ALWAYS
ACCESS_CHECKS = ["CKV_GCP_102", "CKV_GCP_107", "CKV_GCP_113"]
CONTEXT_CHECKS = ["CKV_GCP_124", "CKV2_GCP_10"]
CHECKS = ACCESS_CHECKS + CONTEXT_CHECKS

PUBLIC_RULES = {"public-invoker", "public-privileged-role", "unauthenticated-internal"}
RUN_POLICY_TYPES = (
    "google_cloud_run_service_iam_policy",
    "google_cloud_run_v2_service_iam_policy",
    "google_cloud_run_v2_job_iam_policy",
    "google_cloudfunctions_function_iam_policy",
    "google_cloudfunctions2_function_iam_policy",
)


def base_address(addr: str) -> str:
    """module.a["k"].google_x.y[0] -> google_x.y ; data.t.n stays data.t.n."""
    addr = re.sub(r'\["(?:[^"\\]|\\.)*"\]|\[[^\]]*\]', "", addr)
    addr = re.sub(r"^(?:module\.[^.]+\.)+", "", addr)
    return addr


def read_tsv(path: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            repo, commit, dirs, derived, why = line.rstrip("\n").split("\t")
            rows.append(dict(repo=repo, commit=commit, dirs=dirs, derived=derived, why=why))
    return rows


def read_review(path: str) -> list[dict]:
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                sys.exit(f"review.tsv:{n}: expected 6 tab-separated fields, got {len(parts)}")
            kind, rule, file_glob, res_glob, verdict, reason = parts
            rows.append(dict(kind=kind, rule=rule, file=file_glob, res=res_glob, verdict=verdict, reason=reason, line=n, used=0))
    return rows


def review_of(rows: list[dict], kind: str, rule: str, file: str, res: str):
    for r in rows:
        if r["kind"] == kind and fnmatch.fnmatchcase(rule, r["rule"]) and fnmatch.fnmatchcase(file, r["file"]) and fnmatch.fnmatchcase(res, r["res"]):
            r["used"] += 1
            return r
    return None


def run(cmd: list[str], cwd: str, timeout: int) -> tuple[int, str, str, float]:
    t = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, errors="replace")
        return p.returncode, p.stdout, p.stderr, time.monotonic() - t
    except subprocess.TimeoutExpired:
        return -1, "", f"timeout after {timeout}s", time.monotonic() - t


def checkov_failures(doc) -> tuple[list[dict], int, int]:
    """Failed checks, passed count and parsing errors of a Checkov JSON document."""
    reports = doc if isinstance(doc, list) else [doc]
    fails, passed, perr = [], 0, 0
    for r in reports:
        if "results" not in r:
            continue
        fails.extend(r["results"].get("failed_checks", []))
        passed += len(r["results"].get("passed_checks", []))
        perr += r.get("summary", {}).get("parsing_errors", 0)
    return fails, passed, perr


BLOCK_RE = re.compile(r'^\s*(resource|data)\s+"([^"]+)"\s+"([^"]+)"\s*\{|^\s*(module)\s+"([^"]+)"\s*\{', re.M)


def tf_blocks(root: str, with_lines: bool = False):
    """(file, kind, type, name, body[, first line, last line]) of every resource, data and module block
    (module blocks have type "module"); brace matching, strings skipped."""
    for dp, dn, fn in os.walk(root):
        dn[:] = [d for d in dn if not d.startswith(".")]
        for f in fn:
            if not f.endswith(".tf"):
                continue
            p = os.path.join(dp, f)
            try:
                text = open(p, encoding="utf-8", errors="replace").read()
            except OSError:
                continue
            for m in BLOCK_RE.finditer(text):
                i, depth, in_str = m.end(), 1, False
                while i < len(text) and depth:
                    c = text[i]
                    if in_str:
                        if c == "\\":
                            i += 1
                        elif c == '"':
                            in_str = False
                    elif c == '"':
                        in_str = True
                    elif c == "{":
                        depth += 1
                    elif c == "}":
                        depth -= 1
                    i += 1
                if m.group(4):
                    kind, typ, name = "module", "module", m.group(5)
                else:
                    kind, typ, name = m.group(1), m.group(2), m.group(3)
                if with_lines:
                    first = text.count("\n", 0, m.start()) + 1 + (1 if text[m.start()] == "\n" else 0)
                    yield p, kind, typ, name, text[m.end():i], first, text.count("\n", 0, i) + 1
                else:
                    yield p, kind, typ, name, text[m.end():i]


def policy_consumers(repo_dir: str, name: str) -> list[str]:
    """Resource types whose body reads data.google_iam_policy.NAME."""
    pat = re.compile(r"data\.google_iam_policy\." + re.escape(name) + r"\b")
    return sorted({t for _, k, t, _, body in tf_blocks(repo_dir) if k == "resource" and pat.search(body)})


PUBLIC_TEXT = re.compile(r'"(allUsers|allAuthenticatedUsers)"|invoker_iam_disabled\s*=\s*true')
GRANT_PREFIXES = ("google_cloud_run_service_iam_", "google_cloud_run_v2_service_iam_", "google_cloud_run_v2_job_iam_",
                  "google_cloudfunctions_function_iam_", "google_cloudfunctions2_function_iam_")
SERVICE_TYPES = ("google_cloud_run_service", "google_cloud_run_v2_service", "google_cloud_run_v2_job",
                 "google_cloudfunctions_function", "google_cloudfunctions2_function")


def public_inventory(src: str, repo: str) -> list[dict]:
    """Public grants written literally: IAM resources of services, jobs and functions, data "google_iam_policy"
    documents that feed one, services with invoker_iam_disabled = true, and module calls passing a public
    principal (the cloud-foundation-fabric style `iam = {...}` maps). A third, independent oracle: each must
    be reported by runwarden (or be justified in review.tsv)."""
    d = os.path.join(src, repo.replace("/", "__"))
    blocks = list(tf_blocks(d, with_lines=True))
    policy_users = collections.defaultdict(set)
    for p, kind, typ, name, body, a, b in blocks:
        if kind == "resource" and typ.endswith("_iam_policy"):
            for m in re.finditer(r"data\.google_iam_policy\.([A-Za-z0-9_-]+)", body):
                policy_users[(os.path.dirname(p), m.group(1))].add(typ)
    out = []
    for p, kind, typ, name, body, a, b in blocks:
        if not PUBLIC_TEXT.search(re.sub(r"(?m)^\s*(#|//).*$", "", body)):
            continue
        what = None
        if kind == "resource" and typ.startswith(GRANT_PREFIXES):
            what = "grant"
        elif kind == "resource" and typ in SERVICE_TYPES and "invoker_iam_disabled" in body:
            what = "invoker_iam_disabled"
        elif kind == "data" and typ == "google_iam_policy":
            users = policy_users.get((os.path.dirname(p), name), set())
            if any(u.startswith(GRANT_PREFIXES) for u in users):
                what = "policy document"
        elif kind == "module":
            what = "module call"
        if what:
            rel = os.path.relpath(p, src)
            addr = ("module." + name) if kind == "module" else (("data." if kind == "data" else "") + typ + "." + name)
            out.append(dict(repo=repo, file=rel, line=a, end=b, address=addr, what=what))
    return out


def public_grants_on(repo_dir: str, address: str) -> list[str]:
    """Public IAM resources (by the inventory's test) whose body refers to resource ADDRESS (type.name)."""
    pat = re.compile(re.escape(address) + r"\b")
    out = []
    for _, kind, typ, name, body in tf_blocks(repo_dir):
        if kind == "resource" and typ.startswith(GRANT_PREFIXES) and pat.search(body) and \
                PUBLIC_TEXT.search(re.sub(r"(?m)^\s*(#|//).*$", "", body)):
            out.append(f"{typ}.{name}")
    return sorted(set(out))


UNKNOWN_HDR = "Could not resolve:"


def parse_unknowns(human: str) -> list[str]:
    out, on = [], False
    for line in human.splitlines():
        if line.startswith(UNKNOWN_HDR):
            on = True
            continue
        if on:
            if line.startswith("  "):
                out.append(line.strip())
            elif line.strip():
                on = False
    return out


def md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.environ.get("CORPUS", "/work/corpus"))
    ap.add_argument("--runwarden", required=True)
    ap.add_argument("--checkov", required=True)
    ap.add_argument("--tsv", default=os.path.join(HERE, "corpus.tsv"))
    ap.add_argument("--review", default=os.path.join(HERE, "review.tsv"))
    ap.add_argument("--out", default=None, help="markdown report (default CORPUS/report.md)")
    ap.add_argument("--only", default=None, help="comma-separated OWNER/NAME subset")
    ap.add_argument("--reuse-checkov", action="store_true",
                    help="reuse CORPUS/out/*.checkov.json when commit, Checkov version and checks are unchanged")
    args = ap.parse_args()

    src = os.path.join(args.corpus, "src")
    outdir = os.path.join(args.corpus, "out")
    os.makedirs(outdir, exist_ok=True)
    report_path = args.out or os.path.join(args.corpus, "report.md")
    rows = read_tsv(args.tsv)
    if args.only:
        keep = set(args.only.split(","))
        rows = [r for r in rows if r["repo"] in keep]
    review = read_review(args.review)

    rw_version = run([args.runwarden, "--version"], src, 30)[1].strip()
    ck_version = run([args.checkov, "--version"], src, 120)[1].strip()

    all_rw, all_ck, unknowns, problems, perrepo = [], [], {}, [], []
    for r in rows:
        key = r["repo"].replace("/", "__")
        d = os.path.join(src, key)
        if not os.path.isdir(d):
            problems.append(f"{r['repo']}: not in the corpus (run build-corpus.sh)")
            continue
        ntf = sum(1 for dp, _, fn in os.walk(d) for f in fn if f.endswith((".tf", ".tf.json")))
        rc, out, err, t_rw = run([args.runwarden, "check", key, "--format", "json", "--fail-on", "never"], src, 600)
        open(os.path.join(outdir, key + ".runwarden.json"), "w").write(out)
        try:
            doc = json.loads(out)
        except ValueError:
            problems.append(f"{r['repo']}: runwarden exit {rc}, no JSON: {err.strip()[:300]}")
            doc = {"findings": [], "summary": {}}
        if rc not in (0, 1):
            problems.append(f"{r['repo']}: runwarden exit {rc}: {err.strip()[:300]}")
        if "panicked" in err or "RUST_BACKTRACE" in err:
            problems.append(f"{r['repo']}: runwarden panicked: {err.strip()[:300]}")
        for f in doc.get("findings", []):
            f["repo"] = r["repo"]
            all_rw.append(f)
        rc2, human, err2, _ = run([args.runwarden, "check", key, "--explain-unknown", "--fail-on", "never"], src, 600)
        open(os.path.join(outdir, key + ".runwarden.txt"), "w").write(human + err2)
        unknowns[r["repo"]] = parse_unknowns(human + "\n" + err2)
        all_resolved = "Every value the rules needed was resolved" in human

        ck_json = os.path.join(outdir, key + ".checkov.json")
        stamp = os.path.join(outdir, key + ".checkov.stamp")
        want = f"{r['commit']} {ck_version} {','.join(CHECKS)}"
        if args.reuse_checkov and os.path.exists(stamp) and open(stamp).read() == want:
            ck_out, rc3, ck_err, t_ck = open(ck_json).read(), 0, "", 0.0
        else:
            rc3, ck_out, ck_err, t_ck = run([args.checkov, "-d", key, "--framework", "terraform",
                                             "--check", ",".join(CHECKS), "-o", "json", "--skip-download"], src, 1800)
            open(ck_json, "w").write(ck_out)
            open(stamp, "w").write(want)
        try:
            ck_doc = json.loads(ck_out) if ck_out.strip() else {}
        except ValueError:
            problems.append(f"{r['repo']}: Checkov exit {rc3}, no JSON: {ck_err.strip()[-300:]}")
            ck_doc = {}
        fails, passed, perr = checkov_failures(ck_doc)
        for c in fails:
            c["repo"] = r["repo"]
            c["file"] = c["repo_file_path"].lstrip("/")
            all_ck.append(c)
        perrepo.append(dict(repo=r["repo"], commit=r["commit"], tf=ntf, rw=len(doc.get("findings", [])),
                            ck=len(fails), ck_pass=passed, ck_perr=perr, roots=doc.get("summary", {}).get("modules", 0),
                            t_rw=t_rw, t_ck=t_ck, unknown=len(unknowns[r["repo"]]), resolved=all_resolved))
        print(f"compare: {r['repo']}: runwarden {len(doc.get('findings', []))} findings ({t_rw:.2f}s), "
              f"Checkov {len(fails)} failed / {passed} passed ({t_ck:.1f}s)", file=sys.stderr)

    # ---- match Checkov failures to runwarden findings
    by_file_res = collections.defaultdict(list)
    by_repo_related = collections.defaultdict(list)
    for f in all_rw:
        by_file_res[(f["file"], base_address(f["resource"]))].append(f)
        for rel in [f["resource"]] + f.get("related", []):
            by_repo_related[(f["repo"], base_address(rel))].append(f)
    ck_rows = []
    for c in sorted(all_ck, key=lambda c: (c["repo"], c["file"], c["file_line_range"][0], c["check_id"])):
        res = base_address(c["resource"])
        if c["check_id"] == "CKV_GCP_113":
            name = res.split(".")[-1]
            cands = by_repo_related.get((c["repo"], "data.google_iam_policy." + name), [])
        elif c["check_id"] in ("CKV_GCP_124", "CKV2_GCP_10"):
            cands = by_repo_related.get((c["repo"], res), [])
        else:
            cands = by_file_res.get((c["file"], res), [])
        pub = [f for f in cands if f["rule"] in PUBLIC_RULES]
        match = pub or [f for f in cands if f["severity"] in ("error", "warning")]
        status, why = "", ""
        if match:
            best = sorted(match, key=lambda f: ({"error": 0, "warning": 1, "note": 2}[f["severity"]], f["rule"]))[0]
            status = "matched"
            why = f"{best['rule']} ({best['severity']}) at {best['file']}:{best['line']} `{best['resource']}`"
        else:
            rv = review_of(review, "checkov", c["check_id"], c["file"], c["resource"])
            auto = None
            if c["check_id"] == "CKV_GCP_113":
                users = policy_consumers(os.path.join(src, c["repo"].replace("/", "__")), res.split(".")[-1])
                run_users = [u for u in users if u in RUN_POLICY_TYPES]
                if not run_users:
                    auto = ("not-cloud-run", "the policy document feeds " + (", ".join(users) if users else "no resource") +
                            ": not a Cloud Run or Cloud Functions grant")
            elif c["check_id"] == "CKV_GCP_124":
                refs = public_grants_on(os.path.join(src, c["repo"].replace("/", "__")), res)
                if refs:
                    auto = ("miss: runwarden defect", "the function also has a public grant runwarden does not report ("
                            + ", ".join(refs) + "); see the public grants table")
                else:
                    auto = ("not-access", "ingress setting alone, with no public grant on the function: callers still need IAM "
                            "(runwarden reports ingress only together with a public grant or a caller it blocks)")
            elif c["check_id"] == "CKV2_GCP_10":
                auto = ("not-access", "HTTPS-only setting of a 1st gen function: transport, not access")
            if rv:
                status, why = rv["verdict"], rv["reason"]
            elif auto:
                status, why = auto
            else:
                status, why = "UNREVIEWED", ""
        ck_rows.append((c, status, why))

    # ---- literal public grants (third oracle)
    ck_keys = {(c["file"], base_address(c["resource"])) for c in all_ck}
    inv_rows = []
    for r in rows:
        for it in public_inventory(src, r["repo"]):
            hits = []
            for f in all_rw:
                if f["repo"] != r["repo"] or f["rule"] not in PUBLIC_RULES:
                    continue
                if it["what"] in ("grant", "invoker_iam_disabled"):
                    ok = (f["file"] == it["file"] and it["line"] <= f["line"] <= it["end"]) or \
                         (f["file"] == it["file"] and base_address(f["resource"]) == it["address"]) or \
                         any(base_address(x) == it["address"] and f["file"] == it["file"] for x in f.get("related", []))
                elif it["what"] == "policy document":
                    ok = any(base_address(x) == it["address"] for x in f.get("related", []))
                else:
                    ok = f["root"] == os.path.dirname(it["file"]) and f["resource"].startswith(it["address"] + ".")
                if ok:
                    hits.append(f)
            ck = "yes" if (it["file"], it["address"]) in ck_keys or \
                (it["what"] == "policy document" and (it["file"], it["address"][5:]) in ck_keys) else "no"
            if hits:
                best = sorted(hits, key=lambda f: ({"error": 0, "warning": 1, "note": 2}[f["severity"]], f["rule"]))[0]
                rv = review_of(review, "inventory", it["what"], it["file"], it["address"]) if best["severity"] == "note" else None
                st = f"reported: {best['rule']} ({best['severity']})"
                inv_rows.append((it, st, ck, rv["verdict"] + ": " + rv["reason"] if rv else ""))
            else:
                rv = review_of(review, "inventory", it["what"], it["file"], it["address"])
                inv_rows.append((it, "not reported", ck, (rv["verdict"] + ": " + rv["reason"]) if rv else "UNREVIEWED"))

    # ---- runwarden errors and warnings, with verdicts
    rw_rows = []
    for f in sorted(all_rw, key=lambda f: (f["repo"], f["file"], f["line"], f["rule"], f["root"])):
        if f["severity"] not in ("error", "warning"):
            continue
        rv = review_of(review, "runwarden", f["rule"], f["file"], f["resource"])
        rw_rows.append((f, rv["verdict"] if rv else "UNREVIEWED", rv["reason"] if rv else ""))
    notes = [f for f in all_rw if f["severity"] == "note"]

    # ---- report
    L = []
    w = L.append
    tf_total = sum(p["tf"] for p in perrepo)
    w("# runwarden against Checkov on the real-world corpus\n")
    w(f"- runwarden: `{rw_version}`; Checkov: `{ck_version}`; checks: {', '.join(CHECKS)}")
    w(f"- corpus: {len(perrepo)} repositories, {sum(p['roots'] for p in perrepo)} modules analyzed, {tf_total} Terraform files")
    w(f"- runwarden findings: {len(all_rw)} ({sum(1 for f in all_rw if f['severity']=='error')} errors, "
      f"{sum(1 for f in all_rw if f['severity']=='warning')} warnings, {len(notes)} notes); "
      f"time {sum(p['t_rw'] for p in perrepo):.1f}s; Checkov failures: {len(all_ck)}; time "
      + (f"{sum(p['t_ck'] for p in perrepo):.0f}s\n" if not args.reuse_checkov else "not measured (results reused)\n"))
    if problems:
        w("## Problems\n")
        for p in problems:
            w(f"- {md_escape(p)}")
        w("")

    w("## Checkov failures\n")
    w("| check | failures | matched by runwarden | not matched: justified | not matched: runwarden defect | unreviewed |")
    w("|---|---|---|---|---|---|")
    per = collections.defaultdict(collections.Counter)
    for c, st, _ in ck_rows:
        cls = "matched" if st == "matched" else ("UNREVIEWED" if st == "UNREVIEWED" else ("defect" if st.startswith("miss") else "justified"))
        per[c["check_id"]][cls] += 1
    for cid in CHECKS:
        k = per[cid]
        w(f"| {cid} | {sum(k.values())} | {k['matched']} | {k['justified']} | {k['defect']} | {k['UNREVIEWED']} |")
    tot = collections.Counter()
    for k in per.values():
        tot.update(k)
    w(f"| all | {sum(tot.values())} | {tot['matched']} | {tot['justified']} | {tot['defect']} | {tot['UNREVIEWED']} |\n")
    acc = [x for x in ck_rows if x[0]["check_id"] in ACCESS_CHECKS]
    acc_matched = sum(1 for x in acc if x[1] == "matched")
    w(f"Access checks ({', '.join(ACCESS_CHECKS)}): {acc_matched} of {len(acc)} matched.\n")
    w("| check | file:line | resource | status | runwarden finding or reason |")
    w("|---|---|---|---|---|")
    for c, st, why in ck_rows:
        w(f"| {c['check_id']} | {c['file']}:{c['file_line_range'][0]} | `{c['resource']}` | {st} | {md_escape(why)} |")
    w("")

    w("## Public grants written in the configuration\n")
    w("Every IAM resource of a service, job or function, `data \"google_iam_policy\"` document feeding one, "
      "service with `invoker_iam_disabled = true` and module call whose text names `allUsers` or "
      "`allAuthenticatedUsers` (a textual inventory, independent of both tools).\n")
    ic = collections.Counter()
    for it, st, ck, why in inv_rows:
        ic[(it["what"], "reported" if st.startswith("reported") else "not reported")] += 1
    w("| kind | written | reported by runwarden | not reported |")
    w("|---|---|---|---|")
    for what in ("grant", "policy document", "invoker_iam_disabled", "module call"):
        a, b = ic[(what, "reported")], ic[(what, "not reported")]
        w(f"| {what} | {a + b} | {a} | {b} |")
    w("")
    w("| kind | file:line | address | runwarden | Checkov failed | review |")
    w("|---|---|---|---|---|---|")
    for it, st, ck, why in inv_rows:
        if st.startswith("reported") and not why:
            continue
        w(f"| {it['what']} | {it['file']}:{it['line']} | `{it['address']}` | {st} | {ck} | {md_escape(why)} |")
    w("")

    w("## runwarden errors and warnings\n")
    w("| rule | severity | findings | true positive | false positive | unreviewed |")
    w("|---|---|---|---|---|---|")
    cnt = collections.defaultdict(collections.Counter)
    for f, v, _ in rw_rows:
        cnt[(f["rule"], f["severity"])][v if v in ("TP", "FP") else ("UNREVIEWED" if v == "UNREVIEWED" else v)] += 1
    for (rule, sev), k in sorted(cnt.items()):
        w(f"| {rule} | {sev} | {sum(k.values())} | {k['TP']} | {k['FP']} | {k['UNREVIEWED']} |")
    w("")
    w("| rule | severity | file:line | root | resource | verdict | why |")
    w("|---|---|---|---|---|---|---|")
    for f, v, why in rw_rows:
        w(f"| {f['rule']} | {f['severity']} | {f['file']}:{f['line']} | {f['root']} | `{f['resource']}` | {v} | {md_escape(why)} |")
    w("")
    w(f"## runwarden notes ({len(notes)})\n")
    nc = collections.Counter(f["rule"] for f in notes)
    for rule, n in sorted(nc.items()):
        w(f"- {rule}: {n}")
    w("")

    w("## Per repository\n")
    w("| repository | commit | .tf files | modules | runwarden findings | unresolved (--explain-unknown) | Checkov failed / passed |")
    w("|---|---|---|---|---|---|---|")
    for p in perrepo:
        unk = "none (\"every value ... was resolved\")" if p["resolved"] else str(p["unknown"])
        w(f"| {p['repo']} | {p['commit'][:12]} | {p['tf']} | {p['roots']} | {p['rw']} | {unk} | {p['ck']} / {p['ck_pass']} |")
    w("")
    unused = [r for r in review if not r["used"]]
    if unused:
        w("## Review rows that matched nothing\n")
        for r in unused:
            w(f"- review.tsv:{r['line']}: {r['kind']} {r['rule']} {r['file']} {r['res']}")
        w("")
    with open(report_path, "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")
    print(f"compare: report written to {report_path}", file=sys.stderr)
    unrev = sum(1 for x in ck_rows if x[1] == "UNREVIEWED") + sum(1 for x in rw_rows if x[1] == "UNREVIEWED")
    print(f"compare: Checkov access failures matched {acc_matched}/{len(acc)}; unreviewed items: {unrev}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
