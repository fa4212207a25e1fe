//! A submitted form, as the list of its fields (a name may repeat: checkboxes, list rows).

use super::session::{CSRF_FIELD, Web};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Forms are small: a visit note or a plan fits in far less. The largest is a variant file the
/// administrator edits (the clinic's, with three languages, is under 50 KB of text, about three
/// times that once form-encoded).
const MAX_FORM_BYTES: usize = 768 * 1024;

pub struct Fields(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if bytes.len() > MAX_FORM_BYTES {
            return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response());
        }
        let fields = url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .take(2000)
            .collect();
        Ok(Fields(fields))
    }
}

impl Fields {
    /// The first value of `name`, trimmed; `None` when missing or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// The first value of `name` exactly as sent (a password, a file's text): not trimmed;
    /// empty when missing.
    pub fn raw(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every non-blank value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// Every field whose name starts with `prefix`, with the rest of its name.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.0.iter().filter_map(move |(k, v)| {
            k.strip_prefix(prefix)
                .map(|rest| (rest, v.as_str()))
                .filter(|(_, v)| !v.trim().is_empty())
        })
    }

    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.parse().ok())
    }

    /// Whether the form carries the session's token.
    pub fn csrf_ok(&self, web: &Web) -> bool {
        web.csrf_ok(self.get(CSRF_FIELD))
    }
}

/// A date typed into a `date` input, as the start of that day in `zone`.
pub fn date_in(value: &str, zone: &str) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()?;
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    tz.from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

/// A moment typed into a `datetime-local` input, in `zone`.
pub fn datetime_in(value: &str, zone: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    let local = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    tz.from_local_datetime(&local)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

/// The value of a `datetime-local` input for `at` in `zone`.
pub fn datetime_value(at: DateTime<Utc>, zone: &str) -> String {
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

pub fn date_value(at: DateTime<Utc>, zone: &str) -> String {
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    at.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_in_the_organisations_zone() {
        let at = date_in("2026-03-01", "Asia/Almaty").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-02-28T19:00:00+00:00");
        let at = datetime_in("2026-03-01T10:30", "Europe/Moscow").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-01T07:30:00+00:00");
        assert!(date_in("01.03.2026", "Europe/Moscow").is_none());
        assert_eq!(datetime_value(at, "Europe/Moscow"), "2026-03-01T10:30");
    }
}
