//! Times on `nlmon history`'s command line, in UTC.

use std::time::{Duration, SystemTime};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "bad time {0:?}: use `YYYY-MM-DD HH:MM[:SS]` (UTC), `HH:MM[:SS]` (today), `-N[s|m|h|d]` or `@UNIXSECONDS`"
)]
pub struct TimeError(String);

/// Parses a time as `--since` and `--until` take it.
pub fn parse(s: &str) -> Result<SystemTime, TimeError> {
    parse_at(s, SystemTime::now())
}

fn parse_at(s: &str, now: SystemTime) -> Result<SystemTime, TimeError> {
    let bad = || TimeError(s.to_owned());
    let s = s.trim();
    if let Some(secs) = s.strip_prefix('@') {
        let n: u64 = secs.parse().map_err(|_| bad())?;
        return Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(n));
    }
    if let Some(ago) = s.strip_prefix('-') {
        let (num, unit) =
            ago.split_at(ago.find(|c: char| !c.is_ascii_digit()).unwrap_or(ago.len()));
        let n: u64 = num.parse().map_err(|_| bad())?;
        let mult = match unit {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86400,
            _ => return Err(bad()),
        };
        return now
            .checked_sub(Duration::from_secs(n.saturating_mul(mult)))
            .ok_or_else(bad);
    }
    let (date, clock) = match s.split_once([' ', 'T']) {
        Some((d, c)) => (Some(d), c),
        None if s.contains('-') => (Some(s), "00:00"),
        None => (None, s),
    };
    let days = match date {
        Some(d) => {
            let p: Vec<&str> = d.split('-').collect();
            let [y, m, dd] = p[..] else { return Err(bad()) };
            let (y, m, dd) = (
                y.parse::<i64>().map_err(|_| bad())?,
                m.parse::<u32>().map_err(|_| bad())?,
                dd.parse::<u32>().map_err(|_| bad())?,
            );
            if !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
                return Err(bad());
            }
            days_from_civil(y, m, dd)
        }
        None => {
            let secs = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_err(|_| bad())?
                .as_secs();
            i64::try_from(secs / 86400).map_err(|_| bad())?
        }
    };
    let c: Vec<&str> = clock.trim_end_matches('Z').split(':').collect();
    let num = |x: &str, max: u64| x.parse::<u64>().ok().filter(|v| *v < max).ok_or_else(bad);
    let secs = match c[..] {
        [h, m] => num(h, 24)? * 3600 + num(m, 60)? * 60,
        [h, m, sec] => {
            num(h, 24)? * 3600 + num(m, 60)? * 60 + num(sec.split('.').next().unwrap_or(sec), 61)?
        }
        _ => return Err(bad()),
    };
    let day = u64::try_from(days).map_err(|_| bad())?;
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(day * 86400 + secs))
}

/// Days since 1970-01-01 of a date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
pub fn civil(days: u64) -> (i64, u32, u32) {
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(t: SystemTime) -> u64 {
        t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
    }

    #[test]
    fn forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_644_800); // 2026-12-07 12:00
        assert_eq!(
            secs(parse_at("2026-12-07 12:03:44", now).unwrap()),
            1_796_645_024
        );
        assert_eq!(
            secs(parse_at("2026-12-07T12:03", now).unwrap()),
            1_796_644_980
        );
        assert_eq!(secs(parse_at("12:03:44", now).unwrap()), 1_796_645_024);
        assert_eq!(secs(parse_at("-1h", now).unwrap()), 1_796_641_200);
        assert_eq!(secs(parse_at("@5", now).unwrap()), 5);
        assert_eq!(civil(1_796_644_800 / 86400), (2026, 12, 7));
        for bad in ["yesterday", "25:00", "2026-13-01 00:00", "-3y", "@x"] {
            assert!(parse_at(bad, now).is_err(), "{bad}");
        }
    }
}
