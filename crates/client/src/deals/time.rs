//! Times as people read them: a UTC date ("2026-11-22 10:00:00 UTC"), a duration
//! ("3 h 12 min") and a time relative to now ("in 3 h 12 min", "2 min ago"). Timestamps are
//! Unix seconds, as the chain gives them; no time zone database is needed for UTC.

/// Seconds in a day.
const DAY: u64 = 86_400;

/// `timestamp` as `YYYY-MM-DD hh:mm:ss UTC`.
pub fn format_utc(timestamp: u64) -> String {
    let (year, month, day) = civil_from_days(timestamp / DAY);
    let seconds = timestamp % DAY;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// A duration in its two largest units: "2 d 3 h", "3 h 12 min", "4 min 5 s", "45 s".
pub fn format_duration(seconds: u64) -> String {
    let (days, hours, minutes, secs) = (
        seconds / DAY,
        seconds % DAY / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    let pair = |big: u64, big_unit: &str, small: u64, small_unit: &str| {
        if small == 0 {
            format!("{big} {big_unit}")
        } else {
            format!("{big} {big_unit} {small} {small_unit}")
        }
    };
    if days > 0 {
        pair(days, "d", hours, "h")
    } else if hours > 0 {
        pair(hours, "h", minutes, "min")
    } else if minutes > 0 {
        pair(minutes, "min", secs, "s")
    } else {
        format!("{secs} s")
    }
}

/// `timestamp` relative to `now`: "in 3 h 12 min", "2 min ago", "now".
pub fn relative(timestamp: u64, now: u64) -> String {
    if timestamp > now {
        format!("in {}", format_duration(timestamp - now))
    } else if timestamp < now {
        format!("{} ago", format_duration(now - timestamp))
    } else {
        "now".to_owned()
    }
}

/// `timestamp` in UTC with the relative time: "2026-11-22 10:00:00 UTC (in 3 h 12 min)".
pub fn format_when(timestamp: u64, now: u64) -> String {
    format!("{} ({})", format_utc(timestamp), relative(timestamp, now))
}

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_match_known_timestamps() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        // `date -u -d @1795342800`
        assert_eq!(format_utc(1_795_342_800), "2026-11-22 10:20:00 UTC");
        // A leap day, and the last second of a leap year.
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(1_735_689_599), "2024-12-31 23:59:59 UTC");
        assert_eq!(format_utc(4_102_444_800), "2100-01-01 00:00:00 UTC");
    }

    #[test]
    fn durations_use_their_two_largest_units() {
        assert_eq!(format_duration(0), "0 s");
        assert_eq!(format_duration(45), "45 s");
        assert_eq!(format_duration(120), "2 min");
        assert_eq!(format_duration(245), "4 min 5 s");
        assert_eq!(format_duration(3 * 3600 + 12 * 60 + 7), "3 h 12 min");
        assert_eq!(format_duration(3600), "1 h");
        assert_eq!(format_duration(2 * DAY + 3 * 3600 + 59), "2 d 3 h");
        assert_eq!(format_duration(DAY), "1 d");
    }

    #[test]
    fn relative_times_say_in_or_ago() {
        assert_eq!(relative(1000 + 11_520, 1000), "in 3 h 12 min");
        assert_eq!(relative(1000, 1120), "2 min ago");
        assert_eq!(relative(5, 5), "now");
        assert_eq!(
            format_when(1_795_342_800, 1_795_342_800 - 90),
            "2026-11-22 10:20:00 UTC (in 1 min 30 s)"
        );
    }
}
