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
//! What is not here yet: computing the indicators from case data, the analytics store, opt-in,
//! revisions and freshness, the API and the web pages (see `docs/analytics.md`).

pub mod catalogue;
pub mod disclosure;
