//! Manual pages (roff) for the command and each subcommand, from the clap
//! definition: name, synopsis, description, options (clap_mangen), then the
//! exit status and where to read more, which clap does not know.

use clap::Command;

/// What each command's exit codes mean.
fn exit_status(name: &str) -> &'static [(&'static str, &'static str)] {
    match name {
        "check" => &[
            (
                "0",
                "No finding that is not suppressed (or in the baseline) reaches --fail-on.",
            ),
            (
                "1",
                "At least one finding reaches --fail-on (parse errors included).",
            ),
            (
                "2",
                "Usage, configuration or I/O error that prevented the analysis.",
            ),
        ],
        "explain" => &[
            ("0", "The rule's documentation was printed."),
            ("2", "Unknown rule, or the output could not be written."),
        ],
        _ => &[
            ("0", "Success."),
            (
                "2",
                "Usage, configuration or I/O error (the output could not be written).",
            ),
        ],
    }
}

fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\\\").replace('-', "\\-");
    // A line starting with `.` or `'` would be a roff request.
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

/// The page of `cmd` (built, so that subcommands carry their full name).
fn page(cmd: &Command, subcommand: Option<&str>) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("runwarden {}", env!("CARGO_PKG_VERSION")))
        .manual("runwarden manual");
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut out)?;
    }
    let mut extra = String::from(".SH \"EXIT STATUS\"\n");
    let codes: Vec<_> = match subcommand {
        Some(name) => exit_status(name).to_vec(),
        None => exit_status("check").to_vec(),
    };
    for (code, meaning) in codes {
        extra.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", escape(meaning)));
    }
    extra.push_str(".SH ENVIRONMENT\n");
    for (var, meaning) in [
        (
            "NO_COLOR",
            "When set and not empty, no colour with \\-\\-color auto.",
        ),
        (
            "FORCE_COLOR",
            "When set and not empty, colour with \\-\\-color auto even when not writing to a terminal.",
        ),
        ("TERM", "dumb: no colour with \\-\\-color auto."),
        (
            "TF_VAR_name",
            "A value for the Terraform variable name, as terraform reads it.",
        ),
    ] {
        extra.push_str(&format!(".TP\n\\fB{var}\\fR\n{meaning}\n"));
    }
    extra.push_str(".SH \"SEE ALSO\"\n");
    let mut see: Vec<String> = Vec::new();
    if subcommand.is_some() {
        see.push("\\fBrunwarden\\fR(1)".into());
    }
    see.push(format!(
        "runwarden explain RULE prints a rule's documentation; the full manual is at {}",
        crate::HOMEPAGE
    ));
    extra.push_str(&see.join(", "));
    extra.push('\n');
    out.extend_from_slice(extra.as_bytes());
    if cmd
        .get_version()
        .or_else(|| cmd.get_long_version())
        .is_some()
    {
        man.render_version_section(&mut out)?;
    }
    Ok(out)
}

/// `(file name, roff)` for the command and every visible subcommand:
/// `runwarden.1`, `runwarden-check.1`, ...
pub fn pages(cmd: Command) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut out = vec![(format!("{}.1", cmd.get_name()), page(&cmd, None)?)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub
            .get_display_name()
            .unwrap_or_else(|| sub.get_name())
            .to_string();
        out.push((format!("{name}.1"), page(sub, Some(sub.get_name()))?));
    }
    Ok(out)
}
