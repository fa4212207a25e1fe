//! The organisation's own indicators over GraphQL: exact figures per month and for the year,
//! for its administrators, supervisors and methodologists (`kurator_casework::indicators`).

use crate::graphql::casework::tenant_actor;
use crate::graphql::casework::variant::{IndicatorPopulation, IndicatorUnit, Text};
use crate::graphql::error::ApiError;
use async_graphql::{Context, Object, SimpleObject};
use kurator_analytics::catalogue::{Comparability, Label};
use kurator_casework::indicators::{
    self, Figure, MonthFigure, OwnIndicator, VariantIndicatorFigures,
};

#[derive(Default)]
pub struct IndicatorsQuery;

/// A name in Russian, Kazakh and English.
#[derive(SimpleObject)]
pub struct Names {
    pub ru: String,
    pub kk: String,
    pub en: String,
}

impl From<&Label> for Names {
    fn from(label: &Label) -> Self {
        Names {
            ru: label.ru.clone(),
            kk: label.kk.clone(),
            en: label.en.clone(),
        }
    }
}

/// A count, or a numerator over its denominator with the share in per cent.
#[derive(SimpleObject)]
pub struct IndicatorFigure {
    pub numerator: i64,
    pub denominator: Option<i64>,
    /// One decimal, half up; absent for a count or an empty denominator.
    pub percent: Option<f64>,
}

impl From<Figure> for IndicatorFigure {
    fn from(figure: Figure) -> Self {
        let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        IndicatorFigure {
            numerator: int(figure.numerator),
            denominator: figure.denominator.map(int),
            percent: figure.percent(),
        }
    }
}

#[derive(SimpleObject)]
pub struct IndicatorMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub figure: IndicatorFigure,
    /// The month's cohort is still followed (reopening within 12 months): the figure can grow.
    pub provisional: bool,
}

/// One shared indicator as the organisation computes it.
#[derive(SimpleObject)]
pub struct OrganisationIndicator {
    pub key: String,
    pub version: i32,
    pub names: Names,
    /// `cases`, `children`, `obligations` or `curators`.
    pub unit: String,
    /// `false`: the organisation's variant does not map what the indicator needs — «не
    /// сопоставимо», with no figures (never 0).
    pub comparable: bool,
    /// What the variant lacks, when not comparable.
    pub missing: Vec<String>,
    pub months: Vec<IndicatorMonth>,
    pub year: Option<IndicatorFigure>,
    /// The figures broken down by each stratum the catalogue allows (children by sex and by
    /// age band at closure); the categories of a stratum add up to the total.
    pub strata: Vec<IndicatorStratum>,
    /// For a distribution over ordered bands (the length of support): the band in which the
    /// cumulative share of the year reaches one half.
    pub median: Option<String>,
    /// `YYYY-MM-DD`: for a cohort followed after the year (reopening within 12 months), the day
    /// until which the year's figure is provisional; absent once final and for other rules.
    pub provisional_until: Option<String>,
}

#[derive(SimpleObject)]
pub struct IndicatorStratum {
    /// `sex` or `age_band`.
    pub key: String,
    pub names: Names,
    pub categories: Vec<IndicatorCategory>,
}

#[derive(SimpleObject)]
pub struct IndicatorCategory {
    pub key: String,
    pub names: Names,
    pub months: Vec<IndicatorMonth>,
    pub year: IndicatorFigure,
}

fn months_out(months: Vec<MonthFigure>) -> Vec<IndicatorMonth> {
    months
        .into_iter()
        .map(|m| IndicatorMonth {
            month: format!("{:04}-{:02}", m.year, m.month),
            figure: m.figure.into(),
            provisional: m.provisional,
        })
        .collect()
}

fn out(own: OwnIndicator) -> OrganisationIndicator {
    let indicator = &own.indicator;
    let missing = match &own.comparability {
        Comparability::Comparable => Vec::new(),
        Comparability::NotComparable { missing } => missing
            .iter()
            .map(|m| {
                serde_json::to_value(m)
                    .map(|v| match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .unwrap_or_default()
            })
            .collect(),
    };
    OrganisationIndicator {
        key: indicator.key.clone(),
        version: i32::try_from(indicator.version).unwrap_or(i32::MAX),
        names: Names::from(&indicator.name),
        unit: serde_json::to_value(indicator.unit)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        comparable: own.comparability == Comparability::Comparable,
        missing,
        months: months_out(own.months),
        year: own.period.map(Into::into),
        strata: own
            .strata
            .into_iter()
            .map(|stratum| IndicatorStratum {
                key: stratum.stratum,
                names: Names::from(&stratum.name),
                categories: stratum
                    .categories
                    .into_iter()
                    .map(|c| IndicatorCategory {
                        key: c.category,
                        names: Names::from(&c.name),
                        months: months_out(c.months),
                        year: c.period.into(),
                    })
                    .collect(),
            })
            .collect(),
        median: own.median,
        provisional_until: own
            .provisional_until
            .map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

/// One of the variant's own social-result indicators, as the organisation computes it.
#[derive(SimpleObject)]
pub struct VariantIndicatorFigure {
    pub key: String,
    pub name: Text,
    /// The variant's outcome the numerator counts.
    pub outcome: String,
    pub unit: IndicatorUnit,
    pub population: IndicatorPopulation,
    /// The method document the indicator comes from.
    pub source: Option<String>,
    pub months: Vec<IndicatorMonth>,
    pub year: IndicatorFigure,
    /// What the practice itself published for the year, where the variant records it.
    pub published: Option<IndicatorFigure>,
}

impl From<VariantIndicatorFigures> for VariantIndicatorFigure {
    fn from(own: VariantIndicatorFigures) -> Self {
        let indicator = own.indicator;
        VariantIndicatorFigure {
            key: indicator.key.clone(),
            name: (&indicator.name).into(),
            outcome: indicator.outcome.clone(),
            unit: indicator.unit.into(),
            population: indicator.population.into(),
            source: indicator.source.clone(),
            months: months_out(own.months),
            year: own.period.into(),
            published: own.baseline.map(Into::into),
        }
    }
}

#[Object]
impl IndicatorsQuery {
    /// The variant's own social-result indicators (`[[indicators]]`) for `year`, exact, per
    /// month and for the year, beside what the practice published for that year: the
    /// organisation's administrators, supervisors and methodologists. Not compared across
    /// organisations.
    async fn variant_indicators(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> async_graphql::Result<Vec<VariantIndicatorFigure>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let own = indicators::variant_own(&runtime, &actor, year)
            .await
            .map_err(ApiError::from)?;
        Ok(own.into_iter().map(Into::into).collect())
    }

    /// The organisation's own shared indicators for `year`, exact, per month of its time zone
    /// and for the year: its administrators, supervisors and methodologists.
    async fn organisation_indicators(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> async_graphql::Result<Vec<OrganisationIndicator>> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        let own = indicators::own(&runtime, &actor, year)
            .await
            .map_err(ApiError::from)?;
        Ok(own.into_iter().map(out).collect())
    }
}
