//! Case work: one runtime per tenant, each owning its own database handle — and, as the method
//! engine lands, its compiled method variant and calendar. The gateway reaches a tenant only through
//! its runtime, so code working for one organisation cannot name another's data.

pub mod registry;
pub mod runtime;

pub use registry::TenantRegistry;
pub use runtime::TenantRuntime;
