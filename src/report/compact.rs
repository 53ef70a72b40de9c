//! `--format compact`: one line per finding, `file:line:col: severity rule
//! message`, the shape editors' problem matchers and `grep` expect (tflint's
//! and ruff's compact formats), then the summary line unless `--quiet`.

use super::{locate, printable, printable_line, visible};
use crate::check::Analysis;
use crate::color::{Style, paint};
use crate::rules::Severity;

pub struct CompactOptions {
    pub color: bool,
    pub show_suppressed: bool,
    pub quiet: bool,
    /// `--explain-unknown`: list what could not be resolved after the summary.
    pub explain_unknown: bool,
}

pub fn render(a: &Analysis, opts: &CompactOptions) -> String {
    let mut out = String::new();
    for f in visible(a, opts.show_suppressed) {
        let l = locate(a, f);
        let style = match f.severity {
            Severity::Error => Style::Red,
            Severity::Warning => Style::Yellow,
            Severity::Note => Style::Cyan,
        };
        let location = format!("{}:{}:{}:", printable_line(l.file), l.line, l.column);
        // One finding, one line: a message never breaks it, and input text
        // in it never reaches the terminal as control characters.
        let message = printable(&f.message).replace('\n', " ");
        out.push_str(&format!(
            "{} {} {} {}",
            paint(opts.color, Style::Bold, &location),
            paint(opts.color, style, f.severity.as_str()),
            paint(opts.color, Style::Dim, f.rule.name),
            message
        ));
        // A module called from several roots reports once per root: say which.
        if a.model.roots.len() > 1 {
            out.push_str(&format!(" (root {})", printable_line(l.root)));
        }
        if let Some(reason) = &f.suppressed {
            out.push_str(&format!(
                " (suppressed: {})",
                printable(reason).replace('\n', " ")
            ));
        }
        out.push('\n');
    }
    if !opts.quiet {
        out.push_str(&super::human::summary(a));
    }
    out.push_str(&super::human::unknowns_footer(
        a,
        opts.explain_unknown,
        opts.quiet,
    ));
    out
}
