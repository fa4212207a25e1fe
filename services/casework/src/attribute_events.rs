//! Events the variant records on attribute changes (see `EventDef::on_attribute`): the clinic's
//! «high risk identified» starts the one-hour deadline of urgent measures whenever the risk
//! becomes high, and «placement changed» starts the contact cadence over.

use crate::case_file::kind;
use crate::error::CaseworkResult;
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use kurator_method::Variant;
use kurator_store::TenantTx;
use kurator_store::tenant::cases::{self, NewRecord};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The string values of a JSON object of attributes.
pub fn strings(attributes: &serde_json::Map<String, Value>) -> BTreeMap<String, String> {
    attributes
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
        .collect()
}

/// Records, at `at`, every event the change from `before` to `after` triggers.
pub async fn record(
    tx: &TenantTx,
    variant: &Variant,
    case_id: Uuid,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    at: DateTime<Utc>,
    actor: UserId,
) -> CaseworkResult<()> {
    for event in variant.attribute_events(before, after) {
        let attribute = variant
            .doc()
            .events
            .iter()
            .find(|e| e.key == event)
            .and_then(|e| e.on_attribute.as_ref())
            .map(|c| c.attribute.as_str());
        let data = json!({
            "attribute": attribute,
            "from": attribute.and_then(|a| before.get(a)),
            "to": attribute.and_then(|a| after.get(a)),
        });
        let record = NewRecord::new(case_id, kind::EVENT, event.to_owned(), at, actor).with(data);
        cases::append_record(tx, record).await?;
    }
    Ok(())
}
