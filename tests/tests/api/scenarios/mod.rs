//! One scenario per method-variant preset, walking a family from signal to post-support against
//! a fixed clock and checking that preset's deadlines. The dates are in April–June 2026, clear of
//! public holidays in Russia and Kazakhstan, so working days are Monday to Friday.

pub(crate) mod clinic;
mod fund;
mod state_centre;
mod volunteers;
