//! Inline suppressions: `# runwarden:ignore RULE[,RULE] [until=YYYY-MM-DD] -- reason`
//! (also `//` and `/* */`), on the line above a block or attribute, or at the
//! end of the attribute's line.

use crate::rules::{self, Finding};
use crate::syntax::{FileId, SourceFile, Span};

#[derive(Debug, Clone)]
pub struct Suppression {
    pub file: FileId,
    /// 1-based line the comment is on.
    pub line: usize,
    /// The line it covers.
    pub target_line: usize,
    pub span: Span,
    pub rules: Vec<String>,
    pub until: Option<(i32, u32, u32)>,
    pub reason: Option<String>,
    /// Why it does not suppress (no reason, expired, bad date, unknown rule).
    pub problem: Option<String>,
}

const MARK: &str = "runwarden:ignore";

pub fn scan(file: &SourceFile, id: FileId, today: (i32, u32, u32)) -> Vec<Suppression> {
    if !file.text.contains(MARK) {
        return Vec::new();
    }
    let lines: Vec<&str> = file.text.split('\n').collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = line.find(MARK) else { continue };
        let before = &line[..pos];
        let Some(marker) = comment_start(before) else {
            continue;
        };
        let code_before = before[..marker].trim();
        let directive = line[pos + MARK.len()..].trim_end_matches('\r');
        let directive = directive.split("*/").next().unwrap_or("");
        let (head, reason) = match directive.split_once("--") {
            Some((h, r)) => (h, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
            None => (directive, None),
        };
        let mut rules_list = Vec::new();
        let mut until = None;
        let mut problem = None;
        for word in head.split_whitespace() {
            if let Some(d) = word.strip_prefix("until=") {
                match parse_date(d) {
                    Some(date) => until = Some(date),
                    None => {
                        problem = Some(format!(
                            "until={d} is not a date (YYYY-MM-DD); the suppression is ignored"
                        ))
                    }
                }
            } else {
                rules_list.extend(
                    word.split(',')
                        .filter(|r| !r.is_empty())
                        .map(str::to_string),
                );
            }
        }
        if rules_list.is_empty() && problem.is_none() {
            problem = Some("names no rule (runwarden:ignore RULE -- reason)".into());
        }
        for r in &rules_list {
            if problem.is_none() && rules::contract_name(r).is_none() {
                problem = Some(format!("unknown rule {r:?}"));
            }
        }
        if problem.is_none() && reason.is_none() {
            problem = Some(
                "has no reason: write `-- <why>` after the rule names; it does not suppress".into(),
            );
        }
        if let (None, Some(d)) = (&problem, until)
            && d < today
        {
            problem = Some(format!(
                "expired on {:04}-{:02}-{:02}: the finding is reported again",
                d.0, d.1, d.2
            ));
        }
        let target_line = if code_before.is_empty() {
            // The next line that is not blank-free comment: skip comment lines.
            let mut j = i + 1;
            while j < lines.len() && is_comment_line(lines[j]) {
                j += 1;
            }
            j + 1
        } else {
            i + 1
        };
        let start = file.line_start(i + 1).unwrap_or(0) + (pos as u32);
        out.push(Suppression {
            file: id,
            line: i + 1,
            target_line,
            span: Span {
                file: id,
                start: start - (pos - marker) as u32,
                end: start + (MARK.len() + directive.len()) as u32,
            },
            rules: rules_list,
            until,
            reason,
            problem,
        });
    }
    out
}

/// Byte offset of the comment marker that opens the comment `before` ends in.
fn comment_start(before: &str) -> Option<usize> {
    let mut in_string = false;
    let b = before.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'#' if !in_string => return Some(i),
            b'/' if !in_string && (b.get(i + 1) == Some(&b'/') || b.get(i + 1) == Some(&b'*')) => {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_comment_line(l: &str) -> bool {
    let t = l.trim_start();
    t.starts_with('#') || t.starts_with("//") || t.starts_with("/*") || t.starts_with('*')
}

fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some((y, m, d))
}

/// Today's UTC date (civil calendar).
pub fn today() -> (i32, u32, u32) {
    date_of(now())
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The UTC date of a time in seconds since the Unix epoch.
pub fn date_of(secs: i64) -> (i32, u32, u32) {
    civil_from_days(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 to (year, month, day), after H. Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// Marks findings covered by a working suppression.
pub fn apply(findings: &mut [Finding], sups: &[Suppression], files: &[SourceFile]) {
    for f in findings.iter_mut() {
        if f.suppressed.is_some() {
            continue;
        }
        let mut anchors = vec![f.span];
        anchors.extend(f.anchors.iter().copied());
        'outer: for a in anchors {
            let file = &files[a.file as usize];
            let line = file.line_col(a.start).0;
            for s in sups
                .iter()
                .filter(|s| s.file == a.file && s.target_line == line && s.problem.is_none())
            {
                if s.rules
                    .iter()
                    .any(|r| rules::contract_name(r) == Some(f.rule.name))
                {
                    f.suppressed = Some(s.reason.clone().unwrap_or_default());
                    break 'outer;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(parse_date("2027-03-31"), Some((2027, 3, 31)));
        assert_eq!(parse_date("2027-13-01"), None);
    }

    #[test]
    fn directives() {
        let text = "# runwarden:ignore public-invoker,no-such-rule until=2099-01-01 -- site\nresource \"a\" \"b\" {\n  member = \"allUsers\" // runwarden:ignore public-invoker\n}\n";
        let f = SourceFile::parse(0, "a.tf".into(), "a.tf".into(), text.as_bytes().to_vec());
        let s = scan(&f, 0, (2026, 11, 28));
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].target_line, 2);
        assert_eq!(
            s[0].problem.as_deref(),
            Some("unknown rule \"no-such-rule\"")
        );
        assert_eq!(s[1].target_line, 3);
        assert!(s[1].problem.as_ref().unwrap().contains("no reason"));
    }
}
