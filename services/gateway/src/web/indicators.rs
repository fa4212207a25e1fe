//! The organisation's own indicators for a year, exact, for its administrators, supervisors and
//! methodologists: each shared indicator with its numerator, denominator and share, or «не
//! сопоставимо» where the organisation's variant does not map what it needs.

use super::i18n::Lang;
use super::pages::{self, Section, page};
use super::session::Web;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

const INDICATORS: &str = "query($y: Int!) { organisationIndicators(year: $y) {
  key comparable names { ru kk en } year { numerator denominator percent } median
  strata { key categories { key names { ru kk en } } } } }";

#[derive(Deserialize)]
pub struct Year {
    year: Option<i32>,
}

/// A share in per cent as the page's language writes it (a decimal comma in Russian and Kazakh).
pub(super) fn percent(lang: Lang, value: f64) -> String {
    let text = format!("{value:.1} %");
    match lang {
        Lang::En => text,
        Lang::Ru | Lang::Kk => text.replace('.', ","),
    }
}

/// A name the API gives in the three languages, in the page's.
pub(super) fn named(lang: Lang, names: &Value) -> String {
    names[lang.code()]
        .as_str()
        .or_else(|| names["ru"].as_str())
        .unwrap_or_default()
        .to_owned()
}

pub async fn show(web: Web, Path(slug): Path<String>, Query(year): Query<Year>) -> Response {
    let org = match web.org(&slug).await {
        Ok(org) => org,
        Err(r) => return r,
    };
    let lang = web.lang;
    let this_year = chrono::Utc::now().year();
    let year = year
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    let data = match web.gql(Some(&slug), INDICATORS, json!({ "y": year })).await {
        Ok(data) => data,
        Err(refusal) => return pages::refused(&web, Some(&org), refusal),
    };
    let indicators: Vec<&Value> = data["organisationIndicators"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    // The median band's name, from the indicator's own categories.
    let median = |indicator: &Value| {
        let key = indicator["median"].as_str()?;
        indicator["strata"]
            .as_array()?
            .iter()
            .flat_map(|s| s["categories"].as_array().into_iter().flatten())
            .find(|c| c["key"].as_str() == Some(key))
            .map(|c| named(lang, &c["names"]))
    };
    let title = lang.t("indicators-title");
    let sharing = super::comparison::sharing_section(&web, &org).await;
    let body = html! {
        h1 { (title) }
        form.inline method="get" action=(org.path("/indicators")) {
            label for="indicators-year" { (lang.t("indicators-year")) }
            select #indicators-year name="year" {
                @for y in ((this_year - 10)..=this_year).rev() {
                    option value=(y) selected[y == year] { (y) }
                }
            }
            button type="submit" { (lang.t("indicators-show")) }
        }
        p.muted { (lang.t("indicators-exact")) }
        table.list.indicators {
            caption { (lang.f("indicators-caption", &[("year", year.to_string().into())])) }
            thead { tr {
                th scope="col" { (lang.t("indicators-indicator")) }
                th scope="col" { (lang.t("indicators-numerator")) }
                th scope="col" { (lang.t("indicators-denominator")) }
                th scope="col" { (lang.t("indicators-share")) }
            } }
            tbody {
                @for indicator in &indicators {
                    tr data-indicator=(indicator["key"].as_str().unwrap_or_default()) {
                        th scope="row" {
                            (named(lang, &indicator["names"]))
                            @if let Some(band) = median(indicator) {
                                br; span.muted { (lang.t("indicators-median")) ": " (band) }
                            }
                        }
                        @if indicator["comparable"].as_bool() == Some(true) {
                            @let figure = &indicator["year"];
                            td { (figure["numerator"]) }
                            td { @if let Some(d) = figure["denominator"].as_i64() { (d) } @else { "—" } }
                            td { @if let Some(p) = figure["percent"].as_f64() { (percent(lang, p)) } @else { "—" } }
                        } @else {
                            td colspan="3" { span.badge { (lang.t("indicators-not-comparable")) } }
                        }
                    }
                }
            }
        }
        (sharing)
    };
    page(&web, Some(&org), Section::Indicators, &title, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_written_as_each_language_writes_them() {
        assert_eq!(percent(Lang::Ru, 68.5), "68,5 %");
        assert_eq!(percent(Lang::Kk, 75.3), "75,3 %");
        assert_eq!(percent(Lang::En, 75.3), "75.3 %");
    }
}
