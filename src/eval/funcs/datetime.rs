//! Date and time functions: `formatdate`, `timeadd`, `timecmp`. Timestamps
//! are strict RFC 3339 (`2018-01-02T23:12:01Z`, `...01.5-08:00`); durations
//! are Go's (`1h30m`, `-2h5m`, `1.5h`, units ns us µs ms s m h). `timestamp()`
//! and `plantimestamp()` are not evaluated (they depend on the clock).

use super::{Args, FnResult, Func, Stop};
use crate::eval::value::Value;
use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, TimeDelta, Timelike as _};

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "formatdate" => formatdate,
        "timeadd" => timeadd,
        "timecmp" => timecmp,
        _ => return None,
    })
}

/// The RFC 3339 suffix of a UTC offset: `Z`, or `-08:00`.
pub(super) fn offset_suffix(secs: i32) -> String {
    if secs == 0 {
        return "Z".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// A strict RFC 3339 timestamp, as Terraform parses one.
pub(super) fn parse_timestamp(s: &str) -> Result<DateTime<FixedOffset>, Stop> {
    let bad = |why: &str| Stop::Invalid(format!("not a valid RFC3339 timestamp: {why}"));
    let b = s.as_bytes();
    if b.len() < 19 {
        return Err(bad("too short"));
    }
    let num = |from: usize, to: usize, what: &str| -> Result<u32, Stop> {
        let part = &s[from..to];
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad(&format!("cannot use {part:?} as {what}")));
        }
        Ok(part.parse().expect("digits"))
    };
    for (i, c, what) in [
        (4, b'-', "-"),
        (7, b'-', "-"),
        (10, b'T', "T"),
        (13, b':', ":"),
        (16, b':', ":"),
    ] {
        if b[i] != c {
            return Err(if c == b'T' {
                bad("missing required time introducer 'T'")
            } else {
                bad(&format!(
                    "found {:?} where {what:?} is expected",
                    &s[i..i + 1]
                ))
            });
        }
    }
    let year = num(0, 4, "year")?;
    let month = num(5, 7, "month")?;
    let day = num(8, 10, "day of month")?;
    let hour = num(11, 13, "hour")?;
    let min = num(14, 16, "minute")?;
    let sec = num(17, 19, "second")?;
    if hour > 23 {
        return Err(bad("hour must be between 0 and 23 inclusive"));
    }
    if min > 59 || sec > 59 {
        return Err(bad("minute and second must be between 0 and 59 inclusive"));
    }
    let mut p = 19;
    let mut nanos = 0u32;
    if b.get(p) == Some(&b'.') && b.get(p + 1).is_some_and(u8::is_ascii_digit) {
        p += 1;
        let start = p;
        while b.get(p).is_some_and(u8::is_ascii_digit) {
            p += 1;
        }
        let digits = &s[start..p.min(start + 9)];
        nanos = digits.parse::<u32>().expect("digits") * 10u32.pow(9 - digits.len() as u32);
    }
    let zone = &s[p..];
    let offset = if zone == "Z" {
        0
    } else {
        let z = zone.as_bytes();
        if z.len() != 6 || !matches!(z[0], b'+' | b'-') || z[3] != b':' {
            return Err(bad(&format!("cannot use {zone:?} as UTC offset")));
        }
        let oh = num(p + 1, p + 3, "UTC offset")?;
        let om = num(p + 4, p + 6, "UTC offset")?;
        if oh > 23 || om > 59 {
            return Err(bad("UTC offset out of range"));
        }
        let secs = (oh * 3600 + om * 60) as i32;
        if z[0] == b'-' { -secs } else { secs }
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or_else(|| bad(&format!("day of month out of range in {s:?}")))?;
    let local = date
        .and_hms_nano_opt(hour, min, sec, nanos)
        .expect("checked ranges");
    let tz = FixedOffset::east_opt(offset).expect("offset within a day");
    local
        .and_local_timezone(tz)
        .single()
        .ok_or_else(|| bad("not representable"))
}

/// RFC 3339 to the second, in the timestamp's own offset (Go's
/// `time.RFC3339` layout).
fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        offset_suffix(t.offset().local_minus_utc())
    )
}

/// Go's `time.ParseDuration`, in nanoseconds.
fn parse_duration(orig: &str) -> Result<i64, Stop> {
    let bad = || Stop::Invalid(format!("time: invalid duration {orig:?}"));
    let (neg, mut s) = match orig.as_bytes().first() {
        Some(b'-') => (true, &orig[1..]),
        Some(b'+') => (false, &orig[1..]),
        _ => (false, orig),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(bad());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let whole: u128 = if int_len > 0 {
            s[..int_len].parse().map_err(|_| bad())?
        } else {
            0
        };
        s = &s[int_len..];
        let mut frac = "";
        if s.starts_with('.') {
            s = &s[1..];
            let n = s.bytes().take_while(u8::is_ascii_digit).count();
            frac = &s[..n];
            s = &s[n..];
        }
        if int_len == 0 && frac.is_empty() {
            return Err(bad());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(Stop::Invalid(format!(
                "time: missing unit in duration {orig:?}"
            )));
        }
        let unit: u128 = match &s[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            u => {
                return Err(Stop::Invalid(format!(
                    "time: unknown unit {u:?} in duration {orig:?}"
                )));
            }
        };
        s = &s[unit_len..];
        let mut v = whole.checked_mul(unit).ok_or_else(bad)?;
        if !frac.is_empty() {
            let digits = &frac[..frac.len().min(18)];
            let scale = 10u128.pow(digits.len() as u32);
            let f: u128 = digits.parse().map_err(|_| bad())?;
            v += (f as f64 * (unit as f64 / scale as f64)) as u128;
        }
        total = total.checked_add(v).ok_or_else(bad)?;
        if total > 1u128 << 63 {
            return Err(bad());
        }
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    i64::try_from(total).map_err(|_| bad())
}

fn timeadd(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let t = parse_timestamp(&a.str(0)?)?;
    let d = parse_duration(&a.str(1)?)?;
    let out = t
        .checked_add_signed(TimeDelta::nanoseconds(d))
        .ok_or("the result is out of range")?;
    Ok(Value::String(rfc3339(&out)))
}

fn timecmp(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let (x, y) = (parse_timestamp(&a.str(0)?)?, parse_timestamp(&a.str(1)?)?);
    Ok(Value::Number(match x.cmp(&y) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The tokens of a `formatdate` spec: a quoted literal, a run of one
/// letter, or a run of other characters.
fn date_tokens(spec: &str) -> Vec<&str> {
    let b = spec.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                i += 2;
            } else {
                i += 1;
                loop {
                    match b.get(i) {
                        None => break,
                        Some(b'\'') if b.get(i + 1) == Some(&b'\'') => i += 2,
                        Some(b'\'') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
        } else if b[i].is_ascii_alphabetic() {
            while b.get(i) == Some(&b[start]) {
                i += 1;
            }
        } else {
            while i < b.len() && b[i] != b'\'' && !b[i].is_ascii_alphabetic() {
                i += 1;
            }
        }
        out.push(&spec[start..i]);
    }
    out
}

fn formatdate(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let spec = a.str(0)?;
    let t = parse_timestamp(&a.str(1)?)?;
    let mut out = String::new();
    let offset = t.offset().local_minus_utc();
    let numeric_offset = |colon: bool| {
        let sign = if offset < 0 { '-' } else { '+' };
        let m = offset.unsigned_abs() / 60;
        if colon {
            format!("{sign}{:02}:{:02}", m / 60, m % 60)
        } else {
            format!("{sign}{:02}{:02}", m / 60, m % 60)
        }
    };
    for tok in date_tokens(&spec) {
        let first = tok.as_bytes()[0];
        let invalid = |want: &str| -> Stop {
            Stop::Invalid(format!("invalid date format verb {tok:?}{want}"))
        };
        if first == b'\'' {
            if tok.len() == 1 || !tok.ends_with('\'') {
                return Err("unterminated literal '".into());
            }
            if tok == "''" {
                out.push('\'');
            } else {
                out.push_str(&tok[1..tok.len() - 1].replace("''", "'"));
            }
            continue;
        }
        if !first.is_ascii_alphabetic() {
            out.push_str(tok);
            continue;
        }
        let n = tok.len();
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let piece = match (first, n) {
            (b'Y', 2) => format!("{:02}", t.year().rem_euclid(100)),
            (b'Y', 4) => format!("{:04}", t.year()),
            (b'Y', _) => return Err(invalid(": year must either be \"YY\" or \"YYYY\"")),
            (b'M', 1) => t.month().to_string(),
            (b'M', 2) => format!("{:02}", t.month()),
            (b'M', 3) => MONTHS[t.month0() as usize][..3].to_string(),
            (b'M', 4) => MONTHS[t.month0() as usize].to_string(),
            (b'M', _) => {
                return Err(invalid(
                    ": month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"",
                ));
            }
            (b'D', 1) => t.day().to_string(),
            (b'D', 2) => format!("{:02}", t.day()),
            (b'D', _) => return Err(invalid(": day of month must either be \"D\" or \"DD\"")),
            (b'E', 3) => DAYS[t.weekday().num_days_from_monday() as usize][..3].to_string(),
            (b'E', 4) => DAYS[t.weekday().num_days_from_monday() as usize].to_string(),
            (b'E', _) => return Err(invalid(": day of week must either be \"EEE\" or \"EEEE\"")),
            (b'h', 1) => t.hour().to_string(),
            (b'h', 2) => format!("{:02}", t.hour()),
            (b'h', _) => return Err(invalid(": 24-hour must either be \"h\" or \"hh\"")),
            (b'H', 1) => hour12.to_string(),
            (b'H', 2) => format!("{hour12:02}"),
            (b'H', _) => return Err(invalid(": 12-hour must either be \"H\" or \"HH\"")),
            (b'A' | b'a', 2) => {
                let pm = t.hour() >= 12;
                match (first, pm) {
                    (b'A', false) => "AM",
                    (b'A', true) => "PM",
                    (_, false) => "am",
                    (_, true) => "pm",
                }
                .to_string()
            }
            (b'A' | b'a', _) => return Err(invalid("")),
            (b'm', 1) => t.minute().to_string(),
            (b'm', 2) => format!("{:02}", t.minute()),
            (b'm', _) => return Err(invalid(": minute must either be \"m\" or \"mm\"")),
            (b's', 1) => t.second().to_string(),
            (b's', 2) => format!("{:02}", t.second()),
            (b's', _) => return Err(invalid(": second must either be \"s\" or \"ss\"")),
            (b'Z', 1) => offset_suffix(offset),
            (b'Z', 3) if offset == 0 => "UTC".to_string(),
            (b'Z', 3 | 4) => numeric_offset(false),
            (b'Z', 5) => numeric_offset(true),
            (b'Z', _) => return Err(invalid(": timezone must be Z, ZZZZ, or ZZZZZ")),
            _ => return Err(invalid("")),
        };
        out.push_str(&piece);
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::funcs::testing::*;
    use crate::eval::value::Value;

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/<name>
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            (
                "formatdate",
                vec![s("DD MMM YYYY hh:mm ZZZ"), s("2018-01-02T23:12:01Z")],
                s("02 Jan 2018 23:12 UTC"),
            ),
            (
                "formatdate",
                vec![s("EEEE, DD-MMM-YY hh:mm:ss ZZZ"), s("2018-01-02T23:12:01Z")],
                s("Tuesday, 02-Jan-18 23:12:01 UTC"),
            ),
            (
                "formatdate",
                vec![
                    s("EEE, DD MMM YYYY hh:mm:ss ZZZ"),
                    s("2018-01-02T23:12:01-08:00"),
                ],
                s("Tue, 02 Jan 2018 23:12:01 -0800"),
            ),
            (
                "formatdate",
                vec![s("MMM DD, YYYY"), s("2018-01-02T23:12:01Z")],
                s("Jan 02, 2018"),
            ),
            (
                "formatdate",
                vec![s("HH:mmaa"), s("2018-01-02T23:12:01Z")],
                s("11:12pm"),
            ),
            (
                "formatdate",
                vec![s("h'h'mm"), s("2018-01-02T23:12:01-08:00")],
                s("23h12"),
            ),
            (
                "formatdate",
                vec![s("H 'o''clock'"), s("2018-01-02T23:12:01-08:00")],
                s("11 o'clock"),
            ),
            (
                "formatdate",
                vec![s("YYYY-MM-DD'T'hh:mm:ssZ"), s("2018-01-02T23:12:01Z")],
                s("2018-01-02T23:12:01Z"),
            ),
            (
                "formatdate",
                vec![
                    s("M/D h:m:s ZZZZZ ZZZZ Z ''"),
                    s("2018-01-02T03:04:05.5+05:30"),
                ],
                s("1/2 3:4:5 +05:30 +0530 +05:30 '"),
            ),
            (
                "timeadd",
                vec![s("2024-08-16T12:45:05Z"), s("10m")],
                s("2024-08-16T12:55:05Z"),
            ),
            (
                "timeadd",
                vec![s("2024-08-16T12:45:05Z"), s("-10m")],
                s("2024-08-16T12:35:05Z"),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s("1h30m")],
                s("2017-11-22T01:30:00Z"),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00-08:00"), s("1.5h")],
                s("2017-11-22T01:30:00-08:00"),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00.9Z"), s("-2h5m")],
                s("2017-11-21T21:55:00Z"),
            ),
            (
                "timeadd",
                vec![s("2017-12-31T23:59:59+00:00"), s("1s")],
                s("2018-01-01T00:00:00Z"),
            ),
            (
                "timecmp",
                vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T00:00:00Z")],
                n(0.0),
            ),
            (
                "timecmp",
                vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T01:00:00Z")],
                n(-1.0),
            ),
            (
                "timecmp",
                vec![s("2017-11-22T01:00:00Z"), s("2017-11-22T00:00:00Z")],
                n(1.0),
            ),
            (
                "timecmp",
                vec![s("2017-11-22T01:00:00Z"), s("2017-11-22T00:00:00-01:00")],
                n(0.0),
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, args.clone()), want, "{f}({args:?})");
        }
        for (f, args) in [
            ("formatdate", vec![s("YYY"), s("2018-01-02T23:12:01Z")]),
            ("formatdate", vec![s("'open"), s("2018-01-02T23:12:01Z")]),
            ("formatdate", vec![s("DD"), s("2018-01-02")]),
            ("formatdate", vec![s("DD"), s("2018-01-02t23:12:01Z")]),
            ("formatdate", vec![s("DD"), s("2018-02-30T23:12:01Z")]),
            ("timeadd", vec![s("2018-01-02T23:12:01Z"), s("1d")]),
            ("timeadd", vec![s("2018-01-02T23:12:01Z"), s("")]),
            ("timeadd", vec![s("2018-01-02T23:12:01Z"), s("h")]),
            (
                "timecmp",
                vec![s("2018-01-02T23:12:01"), s("2018-01-02T23:12:01Z")],
            ),
        ] {
            assert!(is_error(&call(f, args.clone())), "{f}({args:?})");
        }
    }

    #[test]
    fn symbolic_arguments() {
        assert!(is_after_apply(&call("timeadd", vec![email(), s("1h")])));
        assert!(is_after_apply(&call(
            "formatdate",
            vec![s("YYYY"), email()]
        )));
        assert!(is_no_value(&call(
            "timecmp",
            vec![unknown(), s("2018-01-02T23:12:01Z")]
        )));
        // The clock is never read.
        assert!(matches!(
            call("timestamp", vec![]),
            Value::Unknown(crate::eval::Unknown {
                kind: crate::eval::UnknownKind::NotModelled(_),
                ..
            })
        ));
    }
}
