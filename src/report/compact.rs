//! `--format compact`: one line per finding, `file:line:col: severity rule
//! message`, the shape editors' problem matchers and `grep` expect (tflint's
//! and ruff's compact formats), then the summary line unless `--quiet`.

use super::{locate, visible};
use crate::check::Analysis;
use crate::color::{Style, paint};
use crate::rules::Severity;

pub struct CompactOptions {
    pub color: bool,
    pub show_suppressed: bool,
    pub quiet: bool,
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
        let location = format!("{}:{}:{}:", l.file, l.line, l.column);
        // One finding, one line: a message never breaks it.
        let message = f.message.replace(['\n', '\r'], " ");
        out.push_str(&format!(
            "{} {} {} {}",
            paint(opts.color, Style::Bold, &location),
            paint(opts.color, style, f.severity.as_str()),
            paint(opts.color, Style::Dim, f.rule.name),
            message
        ));
        if let Some(reason) = &f.suppressed {
            out.push_str(&format!(
                " (suppressed: {})",
                reason.replace(['\n', '\r'], " ")
            ));
        }
        out.push('\n');
    }
    if !opts.quiet {
        out.push_str(&super::human::summary(a));
    }
    out
}
