//! The fixture harness: one test per case (`fixtures/<rule>/<case>/`), named
//! `<rule>/<case>`, run in process with inputs the case states (its
//! directory, `args` and `env` files, the day 2026-12-01), never the
//! process's. Each case checks
//! - all rules: the findings equal `expected.txt`, exactly and in order;
//! - its own rule alone (`--select <rule>`; not for `suppression/`): the
//!   findings equal the `expected.txt` lines of that rule;
//! - the exit code the findings and the case's `--fail-on` imply;
//! - the human and JSON reports against their snapshots.
//!
//! See fixtures/README.md for the format; `cargo test --test fixtures --
//! public-invoker/random-suffix-names` runs one case.

use libtest_mimic::{Arguments, Failed, Trial};
use runwarden::check::{self, Analysis};
use runwarden::cli::{self, CheckArgs, Context, Format};
use runwarden::rules;
use std::path::{Path, PathBuf};

/// The day every case is judged on: IAM conditions, suppression expiry.
const TODAY: &str = "2026-12-01";

fn main() {
    // As the binary does: evaluation recurses (bounded depth), so rayon's
    // workers get the main thread's stack size rather than 2 MiB.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(8 << 20)
        .build_global();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut trials = vec![Trial::test("layout", {
        let root = root.clone();
        move || layout(&root)
    })];
    for case in cases(&root) {
        let name = case
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        trials.push(Trial::test(name.clone(), move || run_case(&name, &case)));
    }
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

/// Every directory `fixtures/<rule>/<case>/`, sorted.
fn cases(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = dirs(root).iter().flat_map(|d| dirs(d)).collect();
    out.sort();
    out
}

fn dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// The tree itself: a case the harness would skip or misread is a failure.
fn layout(root: &Path) -> Result<(), Failed> {
    let mut problems = Vec::new();
    for rule_dir in dirs(root) {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        if rule != "suppression" && rules::by_name(&rule).is_none_or(|r| r.name != rule) {
            problems.push(format!(
                "fixtures/{rule}: not a rule name nor `suppression`"
            ));
        }
        for case in dirs(&rule_dir) {
            if !case.join("expected.txt").is_file() {
                problems.push(format!("{}: no expected.txt", case.display()));
            }
        }
    }
    let n = cases(root).len();
    if n < 100 {
        problems.push(format!("only {n} cases found under {}", root.display()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// A case's optional file, one entry per non-blank line (without `#` lines
/// when the file has `comments`).
fn lines_of(case: &Path, file: &str, comments: bool) -> Vec<String> {
    match std::fs::read_to_string(case.join(file)) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && (!comments || !l.starts_with('#')))
            .map(String::from)
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("{}/{file}: {e}", case.display()),
    }
}

/// The run's surroundings: the case directory as the current directory and
/// the repository root, the case's `env` file as the whole environment.
fn context(case: &Path) -> Result<Context, String> {
    let mut env = vec![(
        "GITHUB_WORKSPACE".to_string(),
        case.to_string_lossy().into_owned(),
    )];
    for line in lines_of(case, "env", true) {
        match line.split_once('=') {
            Some((k, v)) if !k.is_empty() => env.push((k.to_string(), v.to_string())),
            _ => return Err(format!("env: {line:?} is not NAME=VALUE")),
        }
    }
    Ok(Context {
        cwd: case.to_path_buf(),
        env,
        now: Some(cli::parse_time(TODAY).unwrap()),
    })
}

/// `runwarden check . --show-suppressed --format json ARGS... EXTRA...` in
/// `ctx`: the parsed command line and its analysis.
fn check(ctx: &Context, args: &[String], extra: &[&str]) -> Result<(CheckArgs, Analysis), String> {
    let argv = [".", "--show-suppressed", "--format", "json"]
        .into_iter()
        .map(String::from)
        .chain(args.iter().cloned())
        .chain(extra.iter().map(|s| s.to_string()));
    let parsed = cli::parse_check(argv).map_err(|e| format!("args: {e}"))?;
    let opts = parsed.options(ctx).map_err(|e| format!("args: {e}"))?;
    let analysis = check::run(&opts).map_err(|e| format!("exit 2: {e}"))?;
    Ok((parsed, analysis))
}

/// One `expected.txt` line per finding of a JSON report.
fn finding_lines(json: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["rule"].as_str().unwrap();
            let resource = f["resource"].as_str().unwrap();
            let mut l = format!(
                "{name} {}:{} {}",
                f["file"].as_str().unwrap(),
                f["line"],
                if resource.is_empty() { "-" } else { resource }
            );
            let severity = f["severity"].as_str().unwrap();
            if severity != rules::by_name(name).unwrap().severity.as_str() {
                l.push_str(&format!(" [{severity}]"));
            }
            if f["suppressed"].as_bool().unwrap() {
                l.push_str(" (suppressed)");
            }
            l
        })
        .collect()
}

fn rule_of(line: &str) -> &str {
    line.split(' ').next().unwrap_or_default()
}

/// The exit code `expected.txt` implies: 1 when a finding that is not
/// suppressed is at or above the fail-on level (the last `--fail-on` in
/// `args`, else `fail-on` in the case's runwarden.toml, else `warning`).
fn expected_exit(case: &Path, args: &[String], expected: &[String]) -> Result<i32, String> {
    let from_args = args.iter().enumerate().rev().find_map(|(i, a)| {
        a.strip_prefix("--fail-on=")
            .map(String::from)
            .or_else(|| (a == "--fail-on").then(|| args.get(i + 1).cloned().unwrap_or_default()))
    });
    let from_config = || -> Option<String> {
        let text = std::fs::read_to_string(case.join("runwarden.toml")).ok()?;
        let table: toml::Table = text.parse().ok()?;
        table.get("fail-on")?.as_str().map(String::from)
    };
    let fail_on = from_args
        .or_else(from_config)
        .unwrap_or_else(|| "warning".into());
    let rank = |s: &str| match s {
        "note" => Ok(1),
        "warning" => Ok(2),
        "error" => Ok(3),
        "never" => Ok(4),
        other => Err(format!("unknown severity or fail-on level {other:?}")),
    };
    let threshold = rank(&fail_on)?;
    for line in expected.iter().filter(|l| !l.ends_with(" (suppressed)")) {
        let marked = ["note", "warning", "error"]
            .into_iter()
            .find(|s| line.contains(&format!(" [{s}]")));
        let severity = match marked {
            Some(s) => s,
            None => rules::by_name(rule_of(line))
                .ok_or_else(|| format!("expected.txt: no rule {:?}", rule_of(line)))?
                .severity
                .as_str(),
        };
        if rank(severity)? >= threshold {
            return Ok(1);
        }
    }
    Ok(0)
}

fn exit_code(a: &Analysis) -> i32 {
    i32::from(a.failed())
}

fn differ(what: &str, expected: &[String], got: &[String]) -> String {
    format!(
        "{what}:\n  expected:\n    {}\n  got:\n    {}",
        expected.join("\n    "),
        got.join("\n    ")
    )
}

fn run_case(name: &str, case: &Path) -> Result<(), Failed> {
    let expected = lines_of(case, "expected.txt", true);
    let args = lines_of(case, "args", false);
    let ctx = context(case)?;
    let mut failures = Vec::new();

    // All rules, as a user runs it.
    let (mut parsed, analysis) = check(&ctx, &args, &[])?;
    let json = parsed.render(&analysis, false)?;
    let got = finding_lines(&json);
    if got != expected {
        failures.push(differ("all rules", &expected, &got));
    }
    let want_exit = expected_exit(case, &args, &expected)?;
    if exit_code(&analysis) != want_exit {
        failures.push(format!(
            "exit code {} (expected {want_exit})",
            exit_code(&analysis)
        ));
    }

    // The case's own rule alone: its findings must not depend on which
    // other rules run.
    let rule = name.split('/').next().unwrap_or_default();
    if rule != "suppression" {
        let (only, alone) = check(&ctx, &args, &["--select", rule])?;
        let got = finding_lines(&only.render(&alone, false)?);
        let want: Vec<String> = expected
            .iter()
            .filter(|l| rule_of(l) == rule)
            .cloned()
            .collect();
        if got != want {
            failures.push(differ(&format!("--select {rule}"), &want, &got));
        }
    }
    if !failures.is_empty() {
        return Err(failures.join("\n").into());
    }

    parsed.format = Format::Human;
    let human = parsed.render(&analysis, false)?;
    let json = without_version(&json)?;
    let snapshot = name.replace('/', "__");
    insta::with_settings!({snapshot_path => "snapshots/fixtures", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(format!("{snapshot}.human"), human);
        insta::assert_snapshot!(format!("{snapshot}.json"), json);
    });
    Ok(())
}

/// The JSON report with the tool's version replaced by `[version]`: a
/// release changes no snapshot.
fn without_version(json: &str) -> Result<String, String> {
    let tool = format!(
        "\"tool\": {{\n    \"name\": \"runwarden\",\n    \"version\": \"{}\"\n  }}",
        env!("CARGO_PKG_VERSION")
    );
    if json.matches(&tool).count() != 1 {
        return Err(format!("the report names the tool once as {tool}:\n{json}"));
    }
    Ok(json.replacen(
        &tool,
        "\"tool\": {\n    \"name\": \"runwarden\",\n    \"version\": \"[version]\"\n  }",
        1,
    ))
}
