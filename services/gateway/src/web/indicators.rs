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
  strata { key categories { key names { ru kk en } } } }
  variantIndicators(year: $y) {
  key name { ru kk en } source unit population
  year { numerator denominator percent } published { numerator denominator percent } } }";

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
    let variant: Vec<&Value> = data["variantIndicators"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
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
                            (figure_cells(lang, &indicator["year"]))
                        } @else {
                            td colspan="3" { span.badge { (lang.t("indicators-not-comparable")) } }
                        }
                    }
                }
            }
        }
        @if !variant.is_empty() {
            (variant_table(lang, year, &variant))
        }
        (sharing)
    };
    page(&web, Some(&org), Section::Indicators, &title, body).into_response()
}

/// A share's three cells: numerator, denominator and the share.
fn figure_cells(lang: Lang, figure: &Value) -> maud::Markup {
    html! {
        td { (figure["numerator"]) }
        td { @if let Some(d) = figure["denominator"].as_i64() { (d) } @else { "—" } }
        td { @if let Some(p) = figure["percent"].as_f64() { (percent(lang, p)) } @else { "—" } }
    }
}

/// The variant's own indicators: what each is counted over, the year's exact figure, and what
/// the practice published for the year where the variant records it.
fn variant_table(lang: Lang, year: i32, indicators: &[&Value]) -> maud::Markup {
    let over = |indicator: &Value| {
        let population = match indicator["population"].as_str() {
            Some("SUPPORTED_IN_PERIOD") => "supported",
            _ => "closed",
        };
        let unit = match indicator["unit"].as_str() {
            Some("CHILDREN") => "children",
            _ => "families",
        };
        lang.t(&format!("indicators-population-{population}-{unit}"))
    };
    html! {
        table.list.indicators.variant-indicators {
            caption { (lang.f("indicators-variant-caption", &[("year", year.to_string().into())])) }
            thead { tr {
                th scope="col" { (lang.t("indicators-indicator")) }
                th scope="col" { (lang.t("indicators-counted-over")) }
                th scope="col" { (lang.t("indicators-numerator")) }
                th scope="col" { (lang.t("indicators-denominator")) }
                th scope="col" { (lang.t("indicators-share")) }
                th scope="col" { (lang.t("indicators-published")) }
            } }
            tbody {
                @for indicator in indicators {
                    tr data-indicator=(indicator["key"].as_str().unwrap_or_default()) {
                        th scope="row" {
                            (named(lang, &indicator["name"]))
                            @if let Some(source) = indicator["source"].as_str() {
                                br; span.muted { (source) }
                            }
                        }
                        td { (over(indicator)) }
                        (figure_cells(lang, &indicator["year"]))
                        td {
                            @let published = &indicator["published"];
                            @if published.is_object() {
                                (published["numerator"]) " / " (published["denominator"])
                                @if let Some(p) = published["percent"].as_f64() {
                                    " (" (percent(lang, p)) ")"
                                }
                            } @else { "—" }
                        }
                    }
                }
            }
        }
        p.muted { (lang.t("indicators-variant-note")) }
    }
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
