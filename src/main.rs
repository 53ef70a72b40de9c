//! Command line: parse arguments, call the library, print, exit.
#![forbid(unsafe_code)]

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use runwarden::baseline;
use runwarden::check::{self, Options};
use runwarden::color::{self, ColorChoice};
use runwarden::config::FailOn;
use runwarden::markdown;
use runwarden::report;
use runwarden::rules;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

// Standard error closed or a broken pipe (`2>&1 | head`) is no reason to
// panic: these shadow the std macros, which panic when the write fails.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// Writes to standard output. A reader that stopped reading (`| head`) is
/// not an error: the output it wanted was written, the exit code stands.
fn stdout_write(bytes: &[u8]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| e.to_string()),
    }
}

/// Prints an error that stopped the run (one `runwarden: error:` line per
/// line of it) and returns exit code 2.
fn fail(e: impl std::fmt::Display) -> ExitCode {
    for line in e.to_string().lines() {
        eprintln!("runwarden: error: {}", report::printable(line));
    }
    ExitCode::from(2)
}

// mimalloc: parsing allocates many small nodes; measured 1.5x faster parsing
// than the system allocator on the benchmark corpus (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "runwarden",
    version,
    propagate_version = true,
    about = "Finds Google Cloud Run access mistakes in Terraform before deploy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set or
    /// TERM=dumb; FORCE_COLOR forces it), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: ColorChoice,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze Terraform directories or files (default: the current directory).
    Check(CheckArgs),
    /// List every rule: name, id, severity, summary.
    Rules,
    /// Draw who can invoke what (services, principals, callers) as DOT or Mermaid.
    Graph {
        #[command(flatten)]
        input: InputArgs,
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
        /// Write the graph to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Explain one request: may this caller (or principal) invoke that
    /// service? The layers in Google Cloud's order (network path, deny
    /// policies, allow grants and conditions, token), the outcome and the
    /// fix. Exit status: 0 allowed, 1 denied, 2 usage error or cannot tell.
    Why {
        #[command(flatten)]
        input: InputArgs,
        /// The caller's address (e.g. google_pubsub_subscription.orders).
        #[arg(long, value_name = "ADDRESS", required_unless_present = "member")]
        caller: Option<String>,
        /// The service: name, full name (projects/P/locations/L/services/S)
        /// or address; with --caller, picks one of its targets.
        #[arg(long, value_name = "NAME|ADDRESS", required_unless_present = "caller")]
        service: Option<String>,
        /// The principal calling the service directly (allUsers,
        /// serviceAccount:EMAIL, user:EMAIL).
        #[arg(
            long,
            value_name = "MEMBER",
            requires = "service",
            conflicts_with = "caller"
        )]
        member: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: WhyFormat,
    },
    /// Show a rule's documentation.
    Explain {
        /// Rule name or id (e.g. public-invoker or RW101).
        rule: String,
    },
    /// Print a shell completion script (e.g. `runwarden completions bash > /etc/bash_completion.d/runwarden`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of runwarden or of one subcommand, or
    /// write every page to a directory.
    Man {
        /// The subcommand whose page to print (default: runwarden's own).
        command: Option<String>,
        /// Write runwarden.1, runwarden-check.1, ... into DIR instead.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum WhyFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Each finding with its source snippet, then a summary (see --color).
    Human,
    /// One line per finding: `file:line:col: severity rule message`.
    Compact,
    /// A JSON document (findings and summary; docs/reference.md), for scripts.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, for GitLab, Jenkins and other test dashboards.
    Junit,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only these rules (names or ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    select: Vec<String>,
    /// Skip these rules (names or ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1 (default: warning).
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<FailOn>,
    /// Include suppressed findings, marked as such.
    #[arg(long)]
    show_suppressed: bool,
    /// List the values that could not be resolved, and why.
    #[arg(long)]
    explain_unknown: bool,
    /// Print the time of each phase to standard error.
    #[arg(long, hide = true)]
    timings: bool,
    /// Only discover and parse (for benchmarks).
    #[arg(long, hide = true)]
    parse_only: bool,
    /// Leave out the findings recorded in this baseline file (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in FILE; later runs with --baseline FILE report only new ones.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Only the findings: no summary line or footer (human, compact, github).
    #[arg(long, short)]
    quiet: bool,
    /// Print how many findings each rule produced instead of the findings
    /// (a table, or JSON with --format json).
    #[arg(long)]
    statistics: bool,
}

/// What to analyze and with which values: shared by `check` and `graph`.
#[derive(clap::Args)]
struct InputArgs {
    /// Directories (walked recursively) or files (their module is analyzed).
    paths: Vec<PathBuf>,
    /// Config file (default: runwarden.toml or .runwarden.toml, searched upward).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A variables file, like terraform's -var-file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// A variable, like terraform's -var (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// A `terraform show -json` plan or state; with .tf sources its variables
    /// are used, alone its resources are analyzed.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Exported live IAM policies (repeatable): search-all-iam-policies JSON,
    /// Cloud Asset Inventory NDJSON, or projects/P/locations/L/services/S=FILE
    /// for a get-iam-policy document.
    #[arg(long = "live-policy", value_name = "FILE")]
    live_policies: Vec<String>,
    /// Skip files and directories matching GLOB, as in .gitignore, relative to
    /// the current directory (repeatable; added to the config's `exclude`).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Judge IAM conditions and suppression expiry as of this date or time
    /// (YYYY-MM-DD or RFC 3339) instead of now (reproducible tests).
    #[arg(long, hide = true, value_name = "TIME")]
    now: Option<String>,
}

impl InputArgs {
    /// Analysis options for these inputs (`TF_VAR_*` read from the environment).
    fn options(&self) -> Result<Options, ExitCode> {
        Ok(Options {
            paths: self.paths.clone(),
            config: self.config.clone(),
            var_files: self.var_files.clone(),
            vars: parse_vars(&self.vars)?,
            env_vars: tf_vars(),
            plan: self.plan.clone(),
            live_policies: self.live_policies.clone(),
            exclude: self.exclude.clone(),
            cwd: std::env::current_dir().ok(),
            github_workspace: std::env::var_os("GITHUB_WORKSPACE").map(PathBuf::from),
            now: match &self.now {
                Some(t) => Some(parse_time(t)?),
                None => None,
            },
            ..Options::default()
        })
    }
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time, as seconds since the epoch.
fn parse_time(t: &str) -> Result<i64, ExitCode> {
    let parsed = chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp())
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map(|d| {
                d.and_hms_opt(0, 0, 0)
                    .map(|x| x.and_utc().timestamp())
                    .unwrap_or(0)
            })
        });
    parsed.map_err(|_| {
        eprintln!("runwarden: error: --now {t:?}: expected YYYY-MM-DD or an RFC 3339 time");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Evaluation recurses through expressions (bounded depth); give the
    // worker threads the main thread's stack size rather than 2 MiB.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(8 << 20)
        .build_global();
    match cli.command {
        Command::Rules => {
            let mut out = String::new();
            out.push_str(&format!(
                "{:<26} {:<6} {:<8} {}\n",
                "NAME", "ID", "SEVERITY", "SUMMARY"
            ));
            for r in rules::RULES {
                out.push_str(&format!(
                    "{:<26} {:<6} {:<8} {}\n",
                    r.name,
                    r.id,
                    r.severity.as_str(),
                    r.summary
                ));
            }
            print!("{out}");
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match rules::by_name(&rule) {
            Some(r) => {
                // Styled for a terminal; the Markdown itself when piped.
                let text = if color::from_env(cli.color, std::io::stdout().is_terminal()) {
                    let width = terminal_size::terminal_size().map_or(100, |(w, _)| w.0 as usize);
                    markdown::render(
                        r.doc,
                        &markdown::RenderOptions {
                            color: true,
                            width: Some(width.min(100)),
                        },
                    )
                } else {
                    r.doc.to_string()
                };
                match write_out(None, &text) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(code) => code,
                }
            }
            None => {
                eprintln!("runwarden: unknown rule {rule:?}; `runwarden rules` lists them");
                ExitCode::from(2)
            }
        },
        Command::Check(args) => run_check(args, cli.color),
        Command::Graph {
            input,
            format,
            output,
        } => {
            let opts = match input.options() {
                Ok(o) => o,
                Err(code) => return code,
            };
            let analysis = match check::run(&opts) {
                Ok(a) => a,
                Err(e) => return fail(e),
            };
            let text = match format {
                GraphFormat::Dot => report::graph::dot(&analysis),
                GraphFormat::Mermaid => report::graph::mermaid(&analysis),
            };
            match write_out(output.as_ref(), &text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        Command::Why {
            input,
            caller,
            service,
            member,
            format,
        } => {
            let opts = match input.options() {
                Ok(o) => o,
                Err(code) => return code,
            };
            let analysis = match check::run(&opts) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("runwarden: error: {e}");
                    return ExitCode::from(2);
                }
            };
            let query = match (caller, member) {
                (Some(address), _) => runwarden::why::Query::Caller { address, service },
                (None, Some(member)) => runwarden::why::Query::Member {
                    service: service.unwrap_or_default(),
                    member,
                },
                (None, None) => unreachable!("clap requires --caller or --member"),
            };
            let why = match runwarden::why::explain(&analysis, &query) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("runwarden: error: {e}");
                    return ExitCode::from(2);
                }
            };
            let text = match format {
                WhyFormat::Human => report::why::human(&analysis, &why),
                WhyFormat::Json => report::why::json(&analysis, &why),
            };
            if let Err(code) = write_out(None, &text) {
                return code;
            }
            match why.outcome {
                runwarden::why::Outcome::Allowed => ExitCode::SUCCESS,
                runwarden::why::Outcome::DeniedAt(_) => ExitCode::from(1),
                runwarden::why::Outcome::CannotTell(_) => ExitCode::from(2),
            }
        }
        Command::Completions { shell } => {
            // Into a buffer first: a closed pipe is an error value, not a panic.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "runwarden", &mut script);
            if let Err(e) = stdout_write(&script) {
                return fail(e);
            }
            ExitCode::SUCCESS
        }
        Command::Man { command, dir } => man(command.as_deref(), dir.as_deref()),
    }
}

fn man(command: Option<&str>, dir: Option<&std::path::Path>) -> ExitCode {
    let pages = match runwarden::man::pages(Cli::command()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("runwarden: error: cannot render the manual pages: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = dir {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("runwarden: error: cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
        for (name, page) in &pages {
            let path = dir.join(name);
            if let Err(e) = std::fs::write(&path, page) {
                eprintln!("runwarden: error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        return ExitCode::SUCCESS;
    }
    let wanted = match command {
        Some(c) => format!("runwarden-{c}.1"),
        None => "runwarden.1".to_string(),
    };
    let Some((_, page)) = pages.iter().find(|(name, _)| *name == wanted) else {
        eprintln!(
            "runwarden: no subcommand {:?}; `runwarden --help` lists them",
            command.unwrap_or_default()
        );
        return ExitCode::from(2);
    };
    if let Err(e) = stdout_write(page) {
        return fail(e);
    }
    ExitCode::SUCCESS
}

fn parse_vars(raw: &[String]) -> Result<Vec<(String, String)>, ExitCode> {
    let mut vars = Vec::new();
    for v in raw {
        match v.split_once('=') {
            Some((k, val)) if !k.is_empty() => vars.push((k.to_string(), val.to_string())),
            _ => {
                eprintln!("runwarden: --var expects NAME=VALUE, got {v:?}");
                return Err(ExitCode::from(2));
            }
        }
    }
    Ok(vars)
}

fn tf_vars() -> Vec<(String, String)> {
    std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|n| (n.to_string(), v)))
        .collect()
}

fn write_out(output: Option<&PathBuf>, text: &str) -> Result<(), ExitCode> {
    let written = match output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => stdout_write(text.as_bytes()),
    };
    written.map_err(fail)
}

fn run_check(args: CheckArgs, color: ColorChoice) -> ExitCode {
    let opts = match args.input.options() {
        Ok(o) => Options {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            fail_on: args.fail_on,
            parse_only: args.parse_only,
            ..o
        },
        Err(code) => return code,
    };
    let mut analysis = match check::run(&opts) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    for (path, why) in &analysis.ws.nothing_to_check {
        eprintln!(
            "runwarden: warning: nothing to check in {}: {}",
            report::printable_line(path),
            report::printable_line(why)
        );
    }
    if args.timings {
        for (phase, d) in &analysis.timings {
            eprintln!("runwarden: {phase}: {:.1} ms", d.as_secs_f64() * 1e3);
        }
    }
    if let Err(e) = apply_baselines(&mut analysis, &args) {
        eprintln!("runwarden: error: {e}");
        return ExitCode::from(2);
    }
    let color = color::from_env(
        color,
        args.output.is_none() && std::io::stdout().is_terminal(),
    );
    let text = match args.format {
        _ if args.statistics => match args.format {
            Format::Json => report::statistics::json(&analysis),
            Format::Human | Format::Compact => {
                report::statistics::text(&analysis, color, args.show_suppressed, args.quiet)
            }
            Format::Sarif | Format::Junit | Format::Github => {
                eprintln!("runwarden: --statistics works with --format human, compact or json");
                return ExitCode::from(2);
            }
        },
        Format::Compact => report::compact::render(
            &analysis,
            &report::compact::CompactOptions {
                color,
                show_suppressed: args.show_suppressed,
                quiet: args.quiet,
                explain_unknown: args.explain_unknown,
            },
        ),
        Format::Json => report::json::render(&analysis, args.show_suppressed),
        Format::Human => report::human::render(
            &analysis,
            &report::human::HumanOptions {
                color,
                show_suppressed: args.show_suppressed,
                explain_unknown: args.explain_unknown,
                quiet: args.quiet,
            },
        ),
        Format::Sarif => report::sarif::render(&analysis, args.show_suppressed),
        Format::Junit => report::junit::render(&analysis, args.show_suppressed),
        Format::Github => report::github::render(
            &analysis,
            &report::github::GithubOptions {
                show_suppressed: args.show_suppressed,
                quiet: args.quiet,
                explain_unknown: args.explain_unknown,
            },
        ),
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => stdout_write(text.as_bytes()),
    };
    if let Err(e) = written {
        return fail(e);
    }
    if analysis.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--write-baseline` records every current finding (and so reports none);
/// `--baseline` leaves out the findings the file accounts for.
fn apply_baselines(
    analysis: &mut check::Analysis,
    args: &CheckArgs,
) -> Result<(), baseline::BaselineError> {
    let previous = match &args.baseline {
        Some(path) => Some(baseline::read(path)?),
        None => None,
    };
    if let Some(path) = &args.write_baseline {
        let fresh = baseline::build(analysis);
        baseline::write(path, &fresh)?;
        let blind = analysis
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none() && rules::is_blind_spot(f.rule))
            .count();
        if !args.quiet {
            eprintln!(
                "runwarden: wrote {} finding(s) to baseline {}",
                fresh.findings.len(),
                path.display()
            );
        }
        if blind > 0 {
            eprintln!(
                "runwarden: {blind} finding(s) not recorded: a parse error or a module not loaded hides part of the configuration, so it is never accepted"
            );
        }
        analysis.baselined = baseline::apply(analysis, &fresh);
    } else if let Some(b) = &previous {
        if b.version < baseline::FORMAT_VERSION && !args.quiet {
            eprintln!(
                "runwarden: note: baseline {} is format version {}; it is still read, but rewrite it with --write-baseline (version {} fingerprints survive reworded messages)",
                args.baseline
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                b.version,
                baseline::FORMAT_VERSION
            );
        }
        analysis.baselined = baseline::apply(analysis, b);
    }
    Ok(())
}
