//! Whether to colour the output (`--color`, `NO_COLOR`, `FORCE_COLOR`,
//! `TERM=dumb`), and the few ANSI styles the text reports use.

/// `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless NO_COLOR is set or TERM=dumb;
    /// FORCE_COLOR turns it on anywhere.
    #[default]
    Auto,
    Always,
    Never,
}

/// The decision for `choice` when the output goes to a terminal or not,
/// with `env` reading the environment. An explicit `always` / `never` wins
/// over the environment; in `auto`, a non-empty `NO_COLOR` wins over a
/// non-empty `FORCE_COLOR`, which wins over `TERM=dumb` and the terminal test
/// (<https://no-color.org>, <https://force-color.org>).
pub fn enabled(
    choice: ColorChoice,
    to_terminal: bool,
    env: impl Fn(&str) -> Option<String>,
) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto if set("FORCE_COLOR") => true,
        ColorChoice::Auto if env("TERM").as_deref() == Some("dumb") => false,
        ColorChoice::Auto => to_terminal,
    }
}

/// An SGR style; `paint` leaves text alone when colour is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Bold,
    Dim,
    Red,
    Yellow,
    Cyan,
    Green,
    BoldUnderline,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "1;31",
            Style::Yellow => "1;33",
            Style::Cyan => "36",
            Style::Green => "32",
            Style::BoldUnderline => "1;4",
        }
    }
}

pub fn paint(on: bool, style: Style, text: &str) -> String {
    if on && !text.is_empty() {
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn auto_follows_the_terminal_and_the_conventions() {
        use ColorChoice::*;
        assert!(enabled(Auto, true, env(&[])));
        assert!(!enabled(Auto, false, env(&[])));
        assert!(!enabled(Auto, true, env(&[("NO_COLOR", "1")])));
        // An empty NO_COLOR / FORCE_COLOR is as if unset.
        assert!(enabled(Auto, true, env(&[("NO_COLOR", "")])));
        assert!(!enabled(Auto, false, env(&[("FORCE_COLOR", "")])));
        assert!(enabled(Auto, false, env(&[("FORCE_COLOR", "1")])));
        assert!(!enabled(
            Auto,
            true,
            env(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")])
        ));
        assert!(!enabled(Auto, true, env(&[("TERM", "dumb")])));
        assert!(enabled(
            Auto,
            false,
            env(&[("TERM", "dumb"), ("FORCE_COLOR", "1")])
        ));
        assert!(enabled(Auto, true, env(&[("TERM", "xterm-256color")])));
    }

    #[test]
    fn always_and_never_win_over_the_environment() {
        use ColorChoice::*;
        assert!(enabled(Always, false, env(&[("NO_COLOR", "1")])));
        assert!(!enabled(Never, true, env(&[("FORCE_COLOR", "1")])));
    }

    #[test]
    fn paint_is_plain_when_off() {
        assert_eq!(paint(false, Style::Red, "error"), "error");
        assert_eq!(paint(true, Style::Red, "error"), "\x1b[1;31merror\x1b[0m");
        assert_eq!(paint(true, Style::Red, ""), "");
    }
}
