"""reports_check.py: checks dara's machine-readable output against docs/json.md.

Used by tests/e2e/reports.sh. Each command prints what is wrong, one thing a
line, and exits 1 if anything is; 0 when all is as documented.

  explore-json FILE          explore --json: version 1, every documented
                             field with its type, each bug's fields
  show-json FILE...          show --format json of schedule files: version 1,
                             each event's documented fields with their types,
                             and every field of the same name one type in
                             every event of every file
  sarif FILE SCHEMA JSON     explore --sarif: valid under the SARIF 2.1.0
                             JSON schema SCHEMA (draft 4), and one result per
                             bug of the explore --json document JSON, with
                             its rule, message, replay command and location
  junit FILE JSON NPROCS     explore --junit: well-formed XML; the structure
                             and attributes of the JUnit format as Jenkins
                             and Maven Surefire read it (testsuites,
                             testsuite, properties, testcase, failure,
                             error); NPROCS test cases; a failure per bug
                             of JSON, in the case of its process; counts
                             that agree
"""
import json
import sys
import xml.etree.ElementTree as ET

INT, STR, BOOL, LIST, DICT, NUM = int, str, bool, list, dict, (int, float)

problems = []


def bad(msg):
    problems.append(msg)


def is_type(v, t):
    # bool is an int in Python: an integer field must not be true/false.
    if t is INT:
        return isinstance(v, int) and not isinstance(v, bool)
    if t is NUM:
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, t)


def check_fields(where, obj, fields, required=()):
    for k in required:
        if k not in obj:
            bad("%s: no %r" % (where, k))
    for k, t in fields.items():
        if k in obj and not is_type(obj[k], t):
            if t is STR and obj[k] is None and k in NULLABLE.get(where.split("[")[0], ()):
                continue
            bad("%s.%s is %r, not %s" % (where, k, obj[k], getattr(t, "__name__", t)))


NULLABLE = {"header": ("dara_version", "cwd", "strategy", "check"), "event.syscall": ("errno_name",),
            "descriptors": ("input",)}

EXPLORE = {"version": INT, "schedules": INT, "seconds": NUM, "rate": NUM, "strategy": STR,
           "interrupted": BOOL, "seed": INT, "exhausted": BOOL, "complete": BOOL,
           "redundant": INT, "steps": INT, "steps_delegated": INT,
           "branch_snapshots": INT,
           "max_steps": INT, "step_limit_reached": INT,
           "racy": DICT, "preemption_bound": INT, "worker_executions": LIST,
           "claimed_elsewhere": INT, "bugs": LIST, "races": LIST, "races_more": BOOL,
           "sometimes_never_held": LIST, "sometimes_held": LIST, "max_schedules": INT,
           "shard": DICT, "shards": DICT}
EXPLORE_REQUIRED = [k for k in EXPLORE if k not in
                    ("racy", "preemption_bound", "worker_executions", "claimed_elsewhere",
                     "shard", "shards")]
SNAPSHOT = {"program": INT, "after_prefix": BOOL}
COVERAGE = {"lines_found": INT, "lines_hit": INT, "pairs": INT, "corpus": INT, "growth": LIST,
            "growth_more": BOOL}
GROWTH = {"schedule": INT, "blocks": INT, "pairs": INT}
BUG = {"kind": STR, "schedule": INT, "hits": INT, "file": STR, "message": STR,
       "signature": STR, "replay": STR, "process": INT, "details": LIST}
KINDS = {"deadlock", "crash", "exit", "hang", "livelock", "property", "race", "check"}


def explore_json(path):
    j = json.load(open(path))
    check_fields("explore", j, EXPLORE, EXPLORE_REQUIRED)
    if j.get("version") != 1:
        bad("explore: version is %r, not 1" % j.get("version"))
    snaps = j.get("snapshots")  # null when --jobs workers ran the executions
    if snaps is not None and not is_type(snaps, LIST):
        bad("explore.snapshots is %r, not a list or null" % snaps)
    for i, s in enumerate(snaps if is_type(snaps, LIST) else []):
        check_fields("snapshots[%d]" % i, s, SNAPSHOT, list(SNAPSHOT))
        if s.get("system_call") is not None and not is_type(s["system_call"], INT):
            bad("snapshots[%d].system_call is %r" % (i, s["system_call"]))
        if s.get("function") is not None and not is_type(s["function"], STR):
            bad("snapshots[%d].function is %r" % (i, s["function"]))
    for i, b in enumerate(j.get("bugs") or []):
        check_fields("bugs[%d]" % i, b, BUG, list(BUG))
        if b.get("kind") not in KINDS:
            bad("bugs[%d].kind %r is none of %s" % (i, b.get("kind"), sorted(KINDS)))
        if not all(is_type(d, STR) for d in b.get("details") or []):
            bad("bugs[%d].details holds a non-string" % i)
        if not str(b.get("replay", "")).endswith(" " + str(b.get("file"))):
            bad("bugs[%d].replay %r does not replay its file" % (i, b.get("replay")))
        if "source" not in b:
            bad("bugs[%d]: no 'source'" % i)
        elif b["source"] is not None:
            check_fields("bugs[%d].source" % i, b["source"], {"file": STR, "line": INT},
                         ["file", "line"])
    for i, r in enumerate(j.get("races") or []):
        check_fields("races[%d]" % i, r, {"location": STR, "schedule": INT, "access": DICT,
                                          "previous": DICT})
        for a in ("access", "previous"):
            check_fields("races[%d].%s" % (i, a), r.get(a, {}),
                         {"thread": STR, "kind": STR, "size": INT, "at": STR})
    if not all(is_type(s, STR) for s in j.get("sometimes_never_held") or []):
        bad("sometimes_never_held holds a non-string")
    if "shard" in j:
        check_fields("shard", j["shard"], {"index": INT, "count": INT}, ["index", "count"])
    if "shards" in j:
        check_fields("shards", j["shards"], {"count": INT, "merged": LIST, "missing": LIST},
                     ["count", "merged", "missing"])
    if "coverage" not in j:
        bad("explore: no 'coverage'")
    elif j["coverage"] is not None:
        cov = j["coverage"]
        check_fields("coverage", cov, COVERAGE, ["blocks", "pairs", "corpus", "growth",
                                                 "growth_more"])
        if cov.get("blocks") is not None and not is_type(cov.get("blocks"), INT):
            bad("coverage.blocks is %r, not an integer or null" % cov.get("blocks"))
        for i, g in enumerate(cov.get("growth") or []):
            check_fields("coverage.growth[%d]" % i, g, GROWTH, list(GROWTH))


SHOW = {"version": INT, "file": STR, "format_version": INT, "file_size": INT, "complete": BOOL,
        "header": DICT, "threads": LIST, "objects": LIST, "labels": LIST, "events": LIST}
HEADER = {"dara_version": STR, "cwd": STR, "strategy": STR, "points": STR, "racy_places": LIST,
          "ok_exit": LIST, "check": STR, "max_steps": INT, "files": LIST, "env": LIST,
          "typed": LIST, "descriptors": LIST, "read_files": LIST, "seed": INT,
          "commands": LIST}
TYPED = {"after_step": INT, "end": BOOL, "data": STR}
DESCRIPTOR = {"fd": INT, "input": STR}
READ_FILE = {"path": STR, "mode": INT, "data": STR}
THREAD = {"proc": INT, "routine": INT, "module": STR, "offset": INT, "ordinal": INT,
          "func": STR, "from_event": INT}
OBJECT = {"proc": INT, "id": INT, "kind": STR, "module": STR, "offset": INT, "symbol": STR}
EVENT = {"index": INT, "kind": STR, "proc": INT, "routine": INT, "time": INT, "op": STR,
         "note": INT, "fd": INT, "peer_proc": INT, "peer_fd": INT, "obj": INT, "obj2": INT,
         "arg": INT, "place": DICT, "log": DICT, "assert": DICT, "property": DICT,
         "syscall": DICT, "fault": STR, "parent": INT, "before": INT}
PLACE = {"module": STR, "offset": INT, "file": STR, "line": INT, "function": STR}
SYSCALL = {"call": STR, "group": STR, "args": DICT, "ret": INT, "errno": INT,
           "errno_name": STR, "start": INT, "end": INT, "data": STR, "data_hex": STR}
OUTCOME = {"kind": STR, "code": INT, "proc": INT, "message": STR}
OP_KINDS = {"step", "result"}  # those that always have an op


def show_json(paths):
    seen = {}  # event field -> (type name, where first seen)
    kinds = set()
    for path in paths:
        j = json.load(open(path))
        check_fields("show", j, SHOW, list(SHOW))
        if j.get("version") != 1:
            bad("%s: version is %r, not 1" % (path, j.get("version")))
        check_fields("header", j.get("header", {}), HEADER, ["points", "seed", "commands"])
        for i, c in enumerate(j.get("header", {}).get("typed") or []):
            check_fields("typed[%d]" % i, c, TYPED, list(TYPED))
        for i, d in enumerate(j.get("header", {}).get("descriptors") or []):
            check_fields("descriptors[%d]" % i, d, DESCRIPTOR, ["fd", "input"])
        for i, f in enumerate(j.get("header", {}).get("read_files") or []):
            check_fields("read_files[%d]" % i, f, READ_FILE, list(READ_FILE))
        for i, t in enumerate(j.get("threads", [])):
            check_fields("threads[%d]" % i, t, THREAD, list(THREAD))
        for i, o in enumerate(j.get("objects", [])):
            check_fields("objects[%d]" % i, o, OBJECT, ["proc", "id", "kind"])
        if j.get("outcome") is not None:
            check_fields("outcome", j["outcome"], OUTCOME, list(OUTCOME))
        for e in j.get("events", []):
            where = "%s: event %s (%s)" % (path, e.get("index"), e.get("kind"))
            kinds.add(e.get("kind"))
            check_fields("event", e, EVENT, ["index", "kind", "proc", "routine", "time"])
            if e.get("kind") in OP_KINDS and "op" not in e:
                bad("%s: no op" % where)
            if "syscall" in e:
                check_fields("event.syscall", e["syscall"], SYSCALL, list(SYSCALL))
                if not all(is_type(v, INT) for v in e["syscall"].get("args", {}).values()):
                    bad("%s: a syscall argument is not an integer" % where)
            if "place" in e:
                check_fields("event.place", e["place"], PLACE, ["module", "offset"])
                if e.get("kind") != "step" or "arg" not in e:
                    bad("%s: a place, but not a step with a place" % where)
            if "assert" in e:
                check_fields("event.assert", e["assert"],
                             {"kind": STR, "name": STR, "held": BOOL, "line": INT},
                             ["kind", "name", "held", "line"])
            if "log" in e:
                check_fields("event.log", e["log"], {"name": STR, "type": STR}, ["name", "type"])
            # Whatever the field, one type in every event.
            for k, v in e.items():
                t = "bool" if isinstance(v, bool) else type(v).__name__
                if k not in seen:
                    seen[k] = (t, where)
                elif seen[k][0] != t:
                    bad("%s: %s is %s here, %s in %s" % (where, k, t, seen[k][0], seen[k][1]))
    print("# event kinds seen: %s" % " ".join(sorted(kinds)))


def sarif(path, schema_path, json_path):
    import jsonschema
    doc = json.load(open(path))
    schema = json.load(open(schema_path))
    for e in jsonschema.Draft4Validator(schema).iter_errors(doc):
        bad("schema: %s at %s" % (e.message[:200], "/".join(str(p) for p in e.absolute_path)))
    if doc.get("version") != "2.1.0" or len(doc.get("runs", [])) != 1:
        bad("not one SARIF 2.1.0 run")
        return
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    if driver.get("name") != "dara":
        bad("tool.driver.name is %r" % driver.get("name"))
    rules = driver.get("rules", [])
    bugs = json.load(open(json_path))["bugs"]
    results = [r for r in run.get("results", []) if r.get("level") == "error"]
    if len(results) != len(bugs):
        bad("%d error results for %d bugs" % (len(results), len(bugs)))
    for i, (r, b) in enumerate(zip(results, bugs)):
        if r.get("ruleId") != b["kind"]:
            bad("results[%d].ruleId %r, the bug's kind is %r" % (i, r.get("ruleId"), b["kind"]))
        k = r.get("ruleIndex", -1)
        if not 0 <= k < len(rules) or rules[k].get("id") != r.get("ruleId"):
            bad("results[%d].ruleIndex %r does not name rule %r" % (i, k, r.get("ruleId")))
        text = r.get("message", {}).get("text", "")
        if not text.startswith(b["message"]) or b["replay"] not in text:
            bad("results[%d].message %r lacks the description or %r" % (i, text, b["replay"]))
        if r.get("properties", {}).get("replay") != b["replay"]:
            bad("results[%d].properties.replay is %r" % (i, r.get("properties", {}).get("replay")))
        if r.get("partialFingerprints", {}).get("daraSignature/v1") != b["signature"]:
            bad("results[%d]: the fingerprint is not the bug's signature" % i)
        locs = r.get("locations", [])
        phys = locs[0]["physicalLocation"] if locs else {}
        uri = phys.get("artifactLocation", {}).get("uri", "")
        artifacts = [a["location"]["uri"] for a in run.get("artifacts", [])]
        src = b.get("source")
        if src:  # where it went wrong: the source file and line
            line = phys.get("region", {}).get("startLine")
            if not uri.endswith(src["file"].rsplit("/", 1)[-1]) or line != src["line"]:
                bad("results[%d]: location %r line %r, the bug's source is %r" % (i, uri, line, src))
        elif not uri.startswith("file:///") or uri not in artifacts:
            bad("results[%d]: location %r is not one of the programs %r" % (i, uri, artifacts))


def junit(path, json_path, nprocs):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        bad("not well-formed XML: %s" % e)
        return
    bugs = json.load(open(json_path))["bugs"]

    def need(el, attrs, where):
        for a in attrs:
            if a not in el.attrib:
                bad("%s: no %s attribute" % (where, a))

    def count(el, a, where):
        try:
            return int(el.get(a))
        except (TypeError, ValueError):
            bad("%s: %s=%r is not a count" % (where, a, el.get(a)))
            return -1

    if root.tag != "testsuites":
        bad("the root is <%s>, not <testsuites>" % root.tag)
        return
    suites = root.findall("testsuite")
    if len(suites) != 1 or len(root) != 1:
        bad("<testsuites> holds %d elements, %d <testsuite>" % (len(root), len(suites)))
        return
    suite = suites[0]
    need(suite, ["name", "tests", "failures", "errors", "skipped", "time", "timestamp"],
         "testsuite")
    for child in suite:
        if child.tag not in ("properties", "testcase", "system-out", "system-err"):
            bad("testsuite holds <%s>" % child.tag)
    for p in suite.findall("properties/property"):
        need(p, ["name", "value"], "property")
    cases = suite.findall("testcase")
    if len(cases) != nprocs:
        bad("%d test cases for %d programs" % (len(cases), nprocs))
    failed = errors = 0
    failures = []
    for i, c in enumerate(cases):
        need(c, ["name", "classname", "time"], "testcase[%d]" % i)
        float(c.get("time", "0"))
        fs = c.findall("failure")
        for f in fs:
            need(f, ["message", "type"], "testcase[%d]/failure" % i)
            failures.append((i, f))
        for child in c:
            if child.tag not in ("failure", "error", "skipped", "system-out", "system-err"):
                bad("testcase[%d] holds <%s>" % (i, child.tag))
        failed += 1 if fs else 0
        errors += 1 if c.findall("error") and not fs else 0
    if len(failures) != len(bugs):
        bad("%d failures for %d bugs" % (len(failures), len(bugs)))
    for (i, f), b in zip(failures, bugs):
        if f.get("type") != b["kind"] or f.get("message") != b["message"]:
            bad("failure %r/%r is not bug %r/%r" % (f.get("type"), f.get("message"), b["kind"],
                                                     b["message"]))
        if i != min(b["process"], nprocs - 1):
            bad("the failure of a bug in process %d is in test case %d" % (b["process"], i))
        if b["replay"] not in (f.text or ""):
            bad("failure text lacks %r" % b["replay"])
    for el, where in ((root, "testsuites"), (suite, "testsuite")):
        if count(el, "tests", where) != len(cases):
            bad("%s tests=%s for %d test cases" % (where, el.get("tests"), len(cases)))
        if count(el, "failures", where) != failed:
            bad("%s failures=%s for %d failed cases" % (where, el.get("failures"), failed))
        if count(el, "errors", where) != errors:
            bad("%s errors=%s for %d cases in error" % (where, el.get("errors"), errors))
    for i, c in enumerate(cases):
        print("# testcase %d: %s" % (i, c.get("name")))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "explore-json":
        explore_json(args[0])
    elif cmd == "show-json":
        show_json(args)
    elif cmd == "sarif":
        sarif(args[0], args[1], args[2])
    elif cmd == "junit":
        junit(args[0], args[1], int(args[2]))
    else:
        sys.exit("unknown command %s" % cmd)
    for p in problems[:20]:
        print(p)
    sys.exit(1 if problems else 0)


main()
