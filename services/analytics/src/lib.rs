//! Kurator analytics: how methodologists compare organisations without any organisation's data
//! leaving it (issue 12). This crate holds the rules, pure — no database, no IO, no clock.
//!
//! The design:
//!
//! 1. **A shared catalogue.** Methodologists compare indicators defined once, on the shared
//!    vocabulary every method variant maps onto (canonical phases, risk bands, outcomes):
//!    [`catalogue::Catalogue`]. Each indicator states its numerator, denominator and period rule,
//!    and what it requires of a variant's mapping; where a variant does not map it, the indicator
//!    is «не сопоставимо» (not comparable) for that organisation — never a 0
//!    ([`catalogue::Comparability`]).
//! 2. **Computed inside each organisation.** Each organisation's runtime computes its indicators
//!    from its own database, per month and per coarse stratum (the child's age band, sex, or
//!    none). Only a numerator and a denominator per (indicator version, month, stratum) leave
//!    it: no identifiers, no dates finer than a month, no free text. The analytics store never
//!    connects to an organisation's database.
//! 3. **Disclosure control before leaving.** Before figures leave, [`disclosure::protect`]
//!    suppresses small counts (1 to k) and the cells from which they could be worked out, rounds
//!    the published counts and withholds shares over small denominators; pooled figures across
//!    organisations ([`disclosure::pool`]) need enough contributing organisations and follow the
//!    same rules. The organisation's own staff see their exact figures; nobody sees another
//!    organisation's.
//!
//! 4. **The analytics store** ([`store::AnalyticsStore`]), a database of its own: the protected
//!    tables organisations publish, per (organisation, indicator version, month), provisional
//!    until the month closes on the 10th of the next and then kept revision by revision, with
//!    each organisation's consent and «данные на …». Organisations push into it; it never
//!    reaches into them.
//! 5. **Comparison** ([`compare`]): the latest tables of one indicator across the organisations
//!    that share it, month by month, with the pooled figure where enough organisations
//!    contribute.
//!
//! Computing an organisation's figures and publishing them is `kurator_casework::publication`;
//! who may compare is decided there too (see `docs/analytics.md`).

pub mod catalogue;
pub mod compare;
pub mod disclosure;
pub mod store;
