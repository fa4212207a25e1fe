//! Comparing organisations over GraphQL (`kurator_casework::publication`): what an organisation
//! shares, set by its administrator; the comparison of published, disclosure-controlled figures
//! for methodologists of the platform; and who those are, set by the platform administrator.

use crate::graphql::casework::tenant_actor;
use crate::graphql::context::RequestContext;
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::indicators::Names;
use crate::state::AppState;
use async_graphql::{Context, ID, Object, SimpleObject};
use kurator_analytics::catalogue::{Comparability, Indicator};
use kurator_analytics::compare::{Comparison, MonthCell, PooledMonth};
use kurator_analytics::disclosure::{Disclosed, ProtectedCell, PublicReason};
use kurator_casework::organisations::{self, PlatformActor};
use kurator_casework::publication::{self, PlatformViewer, Sharing};

#[derive(Default)]
pub struct ComparisonQuery;

#[derive(Default)]
pub struct ComparisonMutation;

/// The viewer of the platform behind the request: an integration's token compares nothing.
pub fn platform_viewer(request: &RequestContext) -> ApiResult<PlatformViewer> {
    let caller = request.caller()?;
    Ok(PlatformViewer {
        user: caller.user.id,
        methodologist: caller.user.is_platform_methodologist && caller.api_token.is_none(),
    })
}

fn context<'c>(ctx: &Context<'c>) -> ApiResult<(&'c AppState, &'c RequestContext)> {
    let request = ctx
        .data::<RequestContext>()
        .map_err(|_| ApiError::unauthenticated())?;
    let state = ctx
        .data::<AppState>()
        .map_err(|_| ApiError::unauthenticated())?;
    Ok((state, request))
}

/// A catalogue indicator as methodologists read it.
#[derive(SimpleObject)]
pub struct CatalogueIndicator {
    pub key: String,
    pub version: i32,
    pub names: Names,
    /// `count`, `share` or `distribution`.
    pub measure: String,
    pub numerator_ru: String,
    pub numerator_en: String,
    pub denominator_ru: Option<String>,
    pub denominator_en: Option<String>,
}

fn word(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<&Indicator> for CatalogueIndicator {
    fn from(i: &Indicator) -> Self {
        CatalogueIndicator {
            key: i.key.clone(),
            version: i32::try_from(i.version).unwrap_or(i32::MAX),
            names: Names::from(&i.name),
            measure: word(i.measure),
            numerator_ru: i.numerator.ru.clone(),
            numerator_en: i.numerator.en.clone(),
            denominator_ru: i.denominator.as_ref().map(|d| d.ru.clone()),
            denominator_en: i.denominator.as_ref().map(|d| d.en.clone()),
        }
    }
}

/// A figure after disclosure control: the rounded counts and the share where published, or why
/// not — `small_count`, `rate_denominator_too_small`, `too_few_organisations`.
#[derive(SimpleObject)]
pub struct PublishedFigure {
    pub numerator: Option<i32>,
    pub denominator: Option<i32>,
    /// Per cent, one decimal.
    pub percent: Option<f64>,
    /// Why a count or the share is withheld; none when everything is published.
    pub suppressed: Option<String>,
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<&ProtectedCell<PublicReason>> for PublishedFigure {
    fn from(cell: &ProtectedCell<PublicReason>) -> Self {
        let reasons = [
            Some(cell.numerator.reason()),
            cell.denominator.map(|d| d.reason()),
        ]
        .into_iter()
        .flatten()
        .flatten()
        .chain(cell.share.and_then(|s| s.reason()));
        PublishedFigure {
            numerator: cell.numerator.value().map(int),
            denominator: cell.denominator.and_then(|d| d.value()).map(int),
            percent: match cell.share {
                Some(Disclosed::Published { value }) => {
                    Some(f64::from(value.tenths_of_percent()) / 10.0)
                }
                _ => None,
            },
            suppressed: reasons.map(word).next(),
        }
    }
}

#[derive(SimpleObject)]
pub struct PublishedCategory {
    pub key: String,
    pub figure: PublishedFigure,
}

/// One organisation's published figure for a month.
#[derive(SimpleObject)]
pub struct PublishedMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Not closed yet (closes on the 10th of the next month): may still change.
    pub provisional: bool,
    pub revision: i32,
    pub figure: PublishedFigure,
    pub categories: Vec<PublishedCategory>,
    /// The same total broken down by each other published stratum (a year's children by sex
    /// and by age band).
    pub strata: Vec<PublishedStratum>,
}

/// A total broken down by one stratum.
#[derive(SimpleObject)]
pub struct PublishedStratum {
    /// `sex` or `age_band`.
    pub key: String,
    pub categories: Vec<PublishedCategory>,
}

fn categories_out(cells: &[(String, ProtectedCell<PublicReason>)]) -> Vec<PublishedCategory> {
    cells
        .iter()
        .map(|(key, cell)| PublishedCategory {
            key: key.clone(),
            figure: cell.into(),
        })
        .collect()
}

#[derive(SimpleObject)]
pub struct ComparedOrganisation {
    pub name: String,
    /// The method variant it works by.
    pub variant: String,
    /// «данные на …»: when its figures were last computed.
    pub data_as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// Its last computation failed: these are its last good figures.
    pub stale: bool,
    /// One per month of the comparison; none where nothing was published.
    pub months: Vec<Option<PublishedMonth>>,
    /// One per year of the comparison (for indicators whose months add up to their year).
    pub years: Vec<Option<PublishedMonth>>,
}

#[derive(SimpleObject)]
pub struct PooledFigure {
    pub month: String,
    /// Organisations whose own figure is published and not empty.
    pub organisations: i32,
    pub figure: PublishedFigure,
}

#[derive(SimpleObject)]
pub struct IndicatorComparison {
    pub indicator: CatalogueIndicator,
    pub months: Vec<String>,
    /// The years the months fall in (`YYYY`).
    pub years: Vec<String>,
    pub organisations: Vec<ComparedOrganisation>,
    pub pooled: Vec<PooledFigure>,
    pub pooled_years: Vec<PooledFigure>,
}

fn cells_out(cells: Vec<Option<MonthCell>>) -> Vec<Option<PublishedMonth>> {
    cells
        .into_iter()
        .map(|cell| {
            cell.map(|c| PublishedMonth {
                figure: (&c.total).into(),
                categories: categories_out(&c.categories),
                strata: c
                    .strata
                    .iter()
                    .map(|(key, cells)| PublishedStratum {
                        key: key.clone(),
                        categories: categories_out(cells),
                    })
                    .collect(),
                month: c.month,
                provisional: c.provisional,
                revision: i32::try_from(c.revision).unwrap_or(i32::MAX),
            })
        })
        .collect()
}

fn pooled_out(pooled: Vec<PooledMonth>) -> Vec<PooledFigure> {
    pooled
        .into_iter()
        .map(|p| PooledFigure {
            figure: (&p.cell).into(),
            month: p.month,
            organisations: i32::try_from(p.organisations).unwrap_or(i32::MAX),
        })
        .collect()
}

/// The comparison month by month and by year; both list the same organisations in one order.
pub fn comparison_out(
    indicator: &Indicator,
    by_month: Comparison,
    by_year: Comparison,
) -> IndicatorComparison {
    let mut years = by_year.series.into_iter();
    IndicatorComparison {
        indicator: indicator.into(),
        months: by_month.months,
        years: by_year.months,
        organisations: by_month
            .series
            .into_iter()
            .map(|s| ComparedOrganisation {
                years: cells_out(years.next().map(|y| y.cells).unwrap_or_default()),
                name: s.name,
                variant: s.variant,
                data_as_of: s.data_as_of,
                stale: s.stale,
                months: cells_out(s.cells),
            })
            .collect(),
        pooled: pooled_out(by_month.pooled),
        pooled_years: pooled_out(by_year.pooled),
    }
}

/// One indicator the administrator may share.
#[derive(SimpleObject)]
pub struct SharingChoice {
    pub indicator: CatalogueIndicator,
    /// Computed and comparable for the organisation's variant.
    pub shareable: bool,
    pub comparable: bool,
    pub shared: bool,
}

#[derive(SimpleObject)]
pub struct IndicatorSharing {
    /// The organisation's consent to share at all.
    pub share: bool,
    pub choices: Vec<SharingChoice>,
    pub version: i32,
}

impl From<Sharing> for IndicatorSharing {
    fn from(sharing: Sharing) -> Self {
        IndicatorSharing {
            share: sharing.share,
            version: sharing.version,
            choices: sharing
                .choices
                .iter()
                .map(|c| SharingChoice {
                    indicator: (&c.indicator).into(),
                    shareable: c.shareable,
                    comparable: c.comparability == Comparability::Comparable,
                    shared: c.shared,
                })
                .collect(),
        }
    }
}

#[derive(SimpleObject)]
pub struct PlatformMethodologist {
    pub id: ID,
    pub login: String,
    pub methodologist: bool,
}

#[Object]
impl ComparisonQuery {
    /// The indicators methodologists compare (methodologists of the platform).
    async fn comparable_indicators(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CatalogueIndicator>> {
        let (_, request) = context(ctx)?;
        let indicators = publication::comparable_indicators(&platform_viewer(request)?)
            .map_err(ApiError::from)?;
        Ok(indicators.iter().map(Into::into).collect())
    }

    /// One indicator compared across the organisations that share it, month by month from
    /// `from` to `to` (`YYYY-MM`), on published figures only, with the pooled figure where
    /// enough organisations contribute (methodologists of the platform).
    async fn comparison(
        &self,
        ctx: &Context<'_>,
        indicator: String,
        from: String,
        to: String,
    ) -> async_graphql::Result<IndicatorComparison> {
        let (state, request) = context(ctx)?;
        let (indicator, by_month, by_year) = publication::compare(
            &platform_viewer(request)?,
            &state.inner.analytics,
            &state.inner.settings.analytics,
            &indicator,
            &from,
            &to,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(comparison_out(&indicator, by_month, by_year))
    }

    /// What the organisation shares for comparison (its administrators, supervisors and
    /// methodologists).
    async fn indicator_sharing(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<IndicatorSharing> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        Ok(publication::sharing(&runtime, &actor)
            .await
            .map_err(ApiError::from)?
            .into())
    }
}

#[Object]
impl ComparisonMutation {
    /// Opts the organisation in or out of sharing, and chooses the indicators (its
    /// administrator, with the settings' version they saw).
    async fn set_indicator_sharing(
        &self,
        ctx: &Context<'_>,
        expected_version: i32,
        share: bool,
        indicators: Vec<String>,
    ) -> async_graphql::Result<IndicatorSharing> {
        let (runtime, actor) = tenant_actor(ctx).await?;
        Ok(
            publication::set_sharing(&runtime, &actor, expected_version, share, &indicators)
                .await
                .map_err(ApiError::from)?
                .into(),
        )
    }

    /// Makes a person a methodologist of the platform, or no longer one (the platform
    /// administrator).
    async fn set_platform_methodologist(
        &self,
        ctx: &Context<'_>,
        login: String,
        methodologist: bool,
    ) -> async_graphql::Result<PlatformMethodologist> {
        let (state, request) = context(ctx)?;
        let caller = request.caller()?;
        let actor = PlatformActor {
            user: caller.user.id,
            is_platform_admin: caller.user.is_platform_admin && caller.api_token.is_none(),
            request_id: Some(request.request_id.clone()),
        };
        let user = organisations::set_platform_methodologist(
            &state.inner.control,
            &actor,
            &login,
            methodologist,
        )
        .await
        .map_err(ApiError::from)?;
        state.inner.callers.user_changed(user.id).await?;
        Ok(PlatformMethodologist {
            id: ID(user.id.0.to_string()),
            login: user.login,
            methodologist: user.is_platform_methodologist,
        })
    }
}
