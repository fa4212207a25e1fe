//! Helpers shared by the integration tests: local wall-clock times and preset loading.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use kurator_method::{Calendar, Variant, presets};

/// A local wall-clock time ("2025-03-03 10:00") in a zone, as an instant.
pub fn local(tz: Tz, s: &str) -> DateTime<Utc> {
    let fmt = if s.len() > 16 {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M"
    };
    let naive = NaiveDateTime::parse_from_str(s, fmt).expect("test time");
    tz.from_local_datetime(&naive)
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

pub fn msk(s: &str) -> DateTime<Utc> {
    local(chrono_tz::Europe::Moscow, s)
}

pub fn almaty(s: &str) -> DateTime<Utc> {
    local(chrono_tz::Asia::Almaty, s)
}

/// A preset and its calendar.
pub fn preset(name: &str) -> (Variant, Calendar) {
    let v = presets::load(name).expect("preset");
    let cal = Calendar::for_variant(&v).expect("calendar");
    (v, cal)
}
