//! The command line as data: the arguments clap parses, and what `check`
//! makes of them (analysis options, the report text). The binary adds only
//! the process around it (its directory, environment and clock, standard
//! output, the exit code), so tests run a command line in process with
//! inputs they choose.

use crate::check::{Analysis, Options};
use crate::color::ColorChoice;
use crate::config::FailOn;
use crate::report;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "runwarden",
    version,
    propagate_version = true,
    about = "Finds Google Cloud Run access mistakes in Terraform before deploy"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set or
    /// TERM=dumb; FORCE_COLOR forces it), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,
}

#[derive(Subcommand)]
pub enum Command {
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
pub enum WhyFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
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
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only these rules (names or ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Vec<String>,
    /// Skip these rules (names or ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1 (default: warning).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Include suppressed findings, marked as such.
    #[arg(long)]
    pub show_suppressed: bool,
    /// List the values that could not be resolved, and why.
    #[arg(long)]
    pub explain_unknown: bool,
    /// Print the time of each phase to standard error.
    #[arg(long, hide = true)]
    pub timings: bool,
    /// Only discover and parse (for benchmarks).
    #[arg(long, hide = true)]
    pub parse_only: bool,
    /// Leave out the findings recorded in this baseline file (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE; later runs with --baseline FILE report only new ones.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Only the findings: no summary line or footer (human, compact, github).
    #[arg(long, short)]
    pub quiet: bool,
    /// Print how many findings each rule produced instead of the findings
    /// (a table, or JSON with --format json).
    #[arg(long)]
    pub statistics: bool,
}

/// What to analyze and with which values: shared by `check` and `graph`.
#[derive(clap::Args)]
pub struct InputArgs {
    /// Directories (walked recursively) or files (their module is analyzed).
    pub paths: Vec<PathBuf>,
    /// Config file (default: runwarden.toml or .runwarden.toml, searched upward).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A variables file, like terraform's -var-file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// A variable, like terraform's -var (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A `terraform show -json` plan or state; with .tf sources its variables
    /// are used, alone its resources are analyzed.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Exported live IAM policies (repeatable): search-all-iam-policies JSON,
    /// Cloud Asset Inventory NDJSON, or projects/P/locations/L/services/S=FILE
    /// for a get-iam-policy document.
    #[arg(long = "live-policy", value_name = "FILE")]
    pub live_policies: Vec<String>,
    /// Skip files and directories matching GLOB, as in .gitignore, relative to
    /// the current directory (repeatable; added to the config's `exclude`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Judge IAM conditions and suppression expiry as of this date or time
    /// (YYYY-MM-DD or RFC 3339) instead of now (reproducible tests).
    #[arg(long, hide = true, value_name = "TIME")]
    pub now: Option<String>,
}

/// What a run takes from its surroundings. The binary fills it from the
/// process ([`Context::of_process`]); tests give each run its own, so that
/// nothing depends on where or when the tests run.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The directory the command runs in.
    pub cwd: PathBuf,
    /// Environment variables: `TF_VAR_*` (Terraform variables) and
    /// `GITHUB_WORKSPACE` (the repository root of SARIF and annotation
    /// paths) are read.
    pub env: Vec<(String, String)>,
    /// The time the check stands for (seconds since the Unix epoch) when
    /// `--now` is not given. `None`: the clock.
    pub now: Option<i64>,
}

impl Context {
    /// The process's current directory and environment, and the clock.
    pub fn of_process() -> Context {
        Context {
            cwd: std::env::current_dir().unwrap_or_default(),
            env: std::env::vars_os()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.to_string_lossy().into_owned(),
                    )
                })
                .collect(),
            now: None,
        }
    }

    /// The value of the environment variable `name`.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A command line that cannot run (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parses the arguments of `runwarden check` (those after `check`).
pub fn parse_check<I, S>(args: I) -> Result<CheckArgs, clap::Error>
where
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    let argv = ["runwarden".into(), "check".into()]
        .into_iter()
        .chain(args.into_iter().map(Into::into));
    match Cli::try_parse_from(argv)?.command {
        Command::Check(a) => Ok(a),
        _ => unreachable!("the second argument is `check`"),
    }
}

impl InputArgs {
    /// Analysis options for these inputs in `ctx`.
    pub fn options(&self, ctx: &Context) -> Result<Options, UsageError> {
        Ok(Options {
            paths: self.paths.clone(),
            config: self.config.clone(),
            var_files: self.var_files.clone(),
            vars: parse_vars(&self.vars)?,
            env_vars: ctx
                .env
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("TF_VAR_")
                        .map(|n| (n.to_string(), v.clone()))
                })
                .collect(),
            plan: self.plan.clone(),
            live_policies: self.live_policies.clone(),
            exclude: self.exclude.clone(),
            cwd: Some(ctx.cwd.clone()),
            github_workspace: ctx.var("GITHUB_WORKSPACE").map(PathBuf::from),
            now: match &self.now {
                Some(t) => Some(parse_time(t)?),
                None => ctx.now,
            },
            ..Options::default()
        })
    }
}

impl CheckArgs {
    /// The options `check::run` takes for this command line in `ctx`.
    pub fn options(&self, ctx: &Context) -> Result<Options, UsageError> {
        Ok(Options {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            fail_on: self.fail_on,
            parse_only: self.parse_only,
            ..self.input.options(ctx)?
        })
    }

    /// The report of `analysis` in this command line's format (`color`:
    /// whether the text formats may use ANSI styles).
    pub fn render(&self, analysis: &Analysis, color: bool) -> Result<String, UsageError> {
        let show_suppressed = self.show_suppressed;
        Ok(match self.format {
            _ if self.statistics => match self.format {
                Format::Json => report::statistics::json(analysis),
                Format::Human | Format::Compact => {
                    report::statistics::text(analysis, color, show_suppressed, self.quiet)
                }
                Format::Sarif | Format::Junit | Format::Github => {
                    return Err(UsageError(
                        "--statistics works with --format human, compact or json".into(),
                    ));
                }
            },
            Format::Compact => report::compact::render(
                analysis,
                &report::compact::CompactOptions {
                    color,
                    show_suppressed,
                    quiet: self.quiet,
                    explain_unknown: self.explain_unknown,
                },
            ),
            Format::Json => report::json::render(analysis, show_suppressed),
            Format::Human => report::human::render(
                analysis,
                &report::human::HumanOptions {
                    color,
                    show_suppressed,
                    explain_unknown: self.explain_unknown,
                    quiet: self.quiet,
                },
            ),
            Format::Sarif => report::sarif::render(analysis, show_suppressed),
            Format::Junit => report::junit::render(analysis, show_suppressed),
            Format::Github => report::github::render(
                analysis,
                &report::github::GithubOptions {
                    show_suppressed,
                    quiet: self.quiet,
                    explain_unknown: self.explain_unknown,
                },
            ),
        })
    }
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time, as seconds since the epoch.
pub fn parse_time(t: &str) -> Result<i64, UsageError> {
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
        UsageError(format!(
            "--now {t:?}: expected YYYY-MM-DD or an RFC 3339 time"
        ))
    })
}

fn parse_vars(raw: &[String]) -> Result<Vec<(String, String)>, UsageError> {
    raw.iter()
        .map(|v| match v.split_once('=') {
            Some((k, val)) if !k.is_empty() => Ok((k.to_string(), val.to_string())),
            _ => Err(UsageError(format!("--var expects NAME=VALUE, got {v:?}"))),
        })
        .collect()
}
