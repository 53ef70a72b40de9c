//! `--format junit`: JUnit XML for CI dashboards (GitLab, Jenkins). One test
//! suite per root module; in it one failing test case per finding, and one
//! passing case per rule that ran and found nothing in that root, so the
//! dashboard shows what was checked. Suppressed findings (with
//! `--show-suppressed`) are skipped cases carrying the reason.

use super::{locate, printable, visible};
use crate::check::Analysis;
use crate::rules::Finding;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeSet;

pub fn render(a: &Analysis, show_suppressed: bool) -> String {
    let mut report = Report::new("runwarden");
    let shown: Vec<&Finding> = visible(a, show_suppressed).collect();
    // Every root, and (defensively) any root a finding names.
    let ids: BTreeSet<usize> = (0..a.model.roots.len())
        .chain(shown.iter().map(|f| f.root))
        .collect();
    let mut roots: Vec<(usize, &str)> = ids.into_iter().map(|i| (i, a.root_display(i))).collect();
    roots.sort_by(|x, y| x.1.cmp(y.1));
    for (root, display) in roots {
        let display = printable(display);
        let mut suite = TestSuite::new(display.as_ref());
        suite.add_property(Property::new("root", display.as_ref()));
        let mut found: BTreeSet<&str> = BTreeSet::new();
        for f in shown.iter().filter(|f| f.root == root) {
            found.insert(f.rule.name);
            suite.add_test_case(finding_case(a, f));
        }
        for r in &a.rules_run {
            if found.contains(r.name) {
                continue;
            }
            let mut case = TestCase::new(
                format!("{} ({}): no finding", r.name, r.id),
                TestCaseStatus::success(),
            );
            case.set_classname(r.name);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    match report.to_string() {
        Ok(mut s) => {
            if !s.ends_with('\n') {
                s.push('\n');
            }
            s
        }
        // Only reachable if the XML writer fails on a String: keep the exit
        // code honest with an empty but valid report.
        Err(_) => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"runwarden\" tests=\"0\" failures=\"0\" errors=\"0\"/>\n".into(),
    }
}

fn finding_case(a: &Analysis, f: &Finding) -> TestCase {
    let l = locate(a, f);
    let subject = if f.resource.is_empty() {
        l.file.to_string()
    } else {
        f.resource.clone()
    };
    let name = format!("{}: {} ({}:{})", f.rule.name, subject, l.file, l.line);
    let mut details = format!(
        "{}:{}:{}: {} [{} {}] {}\n",
        l.file,
        l.line,
        l.column,
        f.severity.as_str(),
        f.rule.name,
        f.rule.id,
        f.message
    );
    if !f.resource.is_empty() {
        details.push_str(&format!("resource: {}\n", f.resource));
    }
    if !f.related.is_empty() {
        details.push_str(&format!("related: {}\n", f.related.join(", ")));
    }
    if let Some(h) = &f.help {
        details.push_str(&format!("help: {h}\n"));
    }
    details.push_str(&format!("docs: runwarden explain {}\n", f.rule.name));
    let status = match &f.suppressed {
        Some(reason) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(printable(&format!("suppressed: {reason}")).into_owned());
            s.set_description(printable(&details).into_owned());
            s
        }
        None => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(printable(&f.message).into_owned());
            s.set_type(f.severity.as_str());
            s.set_description(printable(&details).into_owned());
            s
        }
    };
    let mut case = TestCase::new(printable(&name).into_owned(), status);
    case.set_classname(f.rule.name);
    case.extra
        .insert("file".into(), printable(l.file).into_owned().into());
    case
}
