//! Command line: parse arguments, call the library, print, exit.
#![forbid(unsafe_code)]

use clap::{CommandFactory, Parser};
use runwarden::baseline;
use runwarden::check;
use runwarden::cli::{CheckArgs, Cli, Command, Context, GraphFormat, WhyFormat};
use runwarden::color::{self, ColorChoice};
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
// than the system allocator on the benchmark corpus (BENCHMARKS.md). The
// `system-alloc` feature turns it off for heap profilers (valgrind's massif
// and dhat see only the system allocator).
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The one place the process's directory, environment and clock come in.
    let ctx = Context::of_process();
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
                let text = if color_on(&ctx, cli.color, std::io::stdout().is_terminal()) {
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
        Command::Check(args) => run_check(&args, &ctx, cli.color),
        Command::Graph {
            input,
            format,
            output,
        } => {
            let opts = match input.options(&ctx) {
                Ok(o) => o,
                Err(e) => return fail(e),
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
            let opts = match input.options(&ctx) {
                Ok(o) => o,
                Err(e) => return fail(e),
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
            if let Err(e) = runwarden::output::write(&path, page) {
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

fn write_out(output: Option<&PathBuf>, text: &str) -> Result<(), ExitCode> {
    let written = match output {
        Some(path) => runwarden::output::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => stdout_write(text.as_bytes()),
    };
    written.map_err(fail)
}

/// `--color` decided with the run's environment.
fn color_on(ctx: &Context, choice: ColorChoice, to_terminal: bool) -> bool {
    color::enabled(choice, to_terminal, |name| ctx.var(name).map(String::from))
}

fn run_check(args: &CheckArgs, ctx: &Context, color: ColorChoice) -> ExitCode {
    let opts = match args.options(ctx) {
        Ok(o) => o,
        Err(e) => return fail(e),
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
    if let Err(e) = apply_baselines(&mut analysis, args) {
        eprintln!("runwarden: error: {e}");
        return ExitCode::from(2);
    }
    let color = color_on(
        ctx,
        color,
        args.output.is_none() && std::io::stdout().is_terminal(),
    );
    let text = match args.render(&analysis, color) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let written = match &args.output {
        Some(path) => runwarden::output::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => stdout_write(text.as_bytes()),
    };
    if let Err(e) = written {
        return fail(e);
    }
    let code = if analysis.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing every file, tree and value one by one
    // would only delay the exit (several percent of a large run).
    std::mem::forget(analysis);
    code
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
