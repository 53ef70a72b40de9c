//! `--format human`: one miette diagnostic per finding with the source
//! snippet and the offending attribute labelled, then a summary line.

use super::snippet::Snippet;
use super::{locate, printable, printable_line, visible};
use crate::check::Analysis;
use crate::rules::{Finding, Severity};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

struct Shown<'a> {
    finding: &'a Finding,
    /// The message, safe to print.
    message: String,
    /// The file's text, shared by every finding in it.
    source: Arc<Snippet>,
    label: LabeledSpan,
    help: Option<String>,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{} ({})",
            self.finding.rule.name, self.finding.rule.id
        )))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&*self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

pub struct HumanOptions {
    pub color: bool,
    pub show_suppressed: bool,
    pub explain_unknown: bool,
    /// Only the findings: no summary line, no footer about unknowns.
    pub quiet: bool,
}

pub fn render(a: &Analysis, opts: &HumanOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    let mut snippets: HashMap<u32, Arc<Snippet>> = HashMap::new();
    for f in visible(a, opts.show_suppressed) {
        let l = locate(a, f);
        let file = &a.ws.files[f.span.file as usize];
        let len = (f.span.end.saturating_sub(f.span.start)) as usize;
        let label_text = if f.resource.is_empty() {
            f.rule.name.to_string()
        } else {
            f.resource.clone()
        };
        let mut help = f.help.clone();
        if let Some(reason) = &f.suppressed {
            help = Some(format!("suppressed: {reason}"));
        }
        let mut related = String::new();
        if !f.related.is_empty() {
            related = format!("related: {}", f.related.join(", "));
        }
        // A module called from several roots reports once per root: say which.
        if a.model.roots.len() > 1 {
            if !related.is_empty() {
                related.push('\n');
            }
            related.push_str(&format!("root: {}", a.root_display(f.root)));
        }
        let help = match (help, related.is_empty()) {
            (Some(h), false) => Some(format!("{h}\n{related}")),
            (Some(h), true) => Some(h),
            (None, false) => Some(related),
            (None, true) => None,
        };
        // Input text reaches the terminal only through `printable`: a
        // binary file's NUL, ESC and CR bytes are shown, not obeyed.
        let shown = Shown {
            finding: f,
            message: printable(&f.message).into_owned(),
            source: snippets
                .entry(f.span.file)
                .or_insert_with(|| {
                    Snippet::new(
                        printable(l.file).into_owned(),
                        printable(&file.text).into_owned(),
                    )
                })
                .clone(),
            label: LabeledSpan::new(
                Some(printable(&label_text).into_owned()),
                f.span.start as usize,
                len,
            ),
            help: help.map(|h| printable(&h).into_owned()),
        };
        let mut s = String::new();
        if handler.render_report(&mut s, &shown).is_err() {
            s = format!(
                "{}:{}:{}: {} [{}] {}\n",
                printable(l.file),
                l.line,
                l.column,
                f.severity.as_str(),
                f.rule.name,
                shown.message
            );
        }
        if f.suppressed.is_some() {
            out.push_str("[suppressed] ");
        }
        out.push_str(&s);
        // The fix is Terraform to copy: printed as is, never wrapped.
        if let Some(fix) = &f.fix {
            out.push_str("  fix:\n");
            for line in printable(fix).lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    if !opts.quiet {
        out.push_str(&summary(a));
    }
    out.push_str(&unknowns_footer(a, opts.explain_unknown, opts.quiet));
    out
}

/// What could not be resolved: every value with its reason under
/// `--explain-unknown`, else one line saying how many (none when `quiet`).
/// Input text in it is printable and one line per value.
pub fn unknowns_footer(a: &Analysis, explain: bool, quiet: bool) -> String {
    let mut out = String::new();
    // By file, then line (as findings are sorted), each listed once.
    let mut entries: Vec<(&str, usize, String)> = a
        .model
        .unknowns
        .iter()
        .map(|u| {
            let file = &a.ws.files[u.span.file as usize];
            let (line, _) = file.line_col(u.span.start);
            (
                file.display.as_str(),
                line,
                format!("{}: {}", u.subject, u.reason),
            )
        })
        .collect();
    entries.sort();
    entries.dedup();
    if explain {
        if entries.is_empty() {
            out.push_str("Every value the rules needed was resolved.\n");
        } else {
            out.push_str("Could not resolve:\n");
            for (file, line, text) in &entries {
                out.push_str(&format!(
                    "  {}\n",
                    printable_line(&format!("{file}:{line}: {text}"))
                ));
            }
        }
    } else if !entries.is_empty() && !quiet {
        out.push_str(&format!(
            "note: {} {} could not be resolved; --explain-unknown lists them\n",
            entries.len(),
            plural(entries.len(), "value")
        ));
    }
    out
}

/// `runwarden: 1 error, 0 warnings, ...`: the closing line.
pub fn summary(a: &Analysis) -> String {
    let mut s = String::new();
    let (e, w, n) = (
        a.count(Severity::Error),
        a.count(Severity::Warning),
        a.count(Severity::Note),
    );
    let suppressed = a.findings.iter().filter(|f| f.suppressed.is_some()).count();
    s.push_str(&format!(
        "runwarden: {} {}, {} {}, {} {} in {} files ({} root modules, {} resources)",
        e,
        plural(e, "error"),
        w,
        plural(w, "warning"),
        n,
        plural(n, "note"),
        a.ws.files.len(),
        a.model.roots.len(),
        a.model.resources
    ));
    if suppressed > 0 {
        s.push_str(&format!(", {suppressed} suppressed"));
    }
    if a.baselined > 0 {
        s.push_str(&format!(", {} in the baseline", a.baselined));
    }
    s.push('\n');
    // A path with nothing in it is not a clean path.
    for (path, why) in &a.ws.nothing_to_check {
        s.push_str(&format!(
            "runwarden: nothing to check in {}: {}\n",
            printable_line(path),
            printable_line(why)
        ));
    }
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}
