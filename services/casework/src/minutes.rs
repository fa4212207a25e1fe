//! Minutes sent to every participant of a conference whose variant says so
//! (`minutes_to_participants`): the clinic's inter-agency review of a case — «Запись решений …
//! будет направлена всем участникам совещания» — and its plan review meeting. Kurator keeps the
//! sending in the case's record, with every participant, outside organisations included, as a
//! recipient.

use crate::case_file::kind;
use crate::error::CaseworkResult;
use crate::steps::StepInput;
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use kurator_method::Variant;
use kurator_method::decisions::{self, DecisionStatus};
use kurator_store::TenantTx;
use kurator_store::tenant::cases::{self, NewRecord};
use serde_json::{Value, json};
use uuid::Uuid;

/// The decisions of `input` whose minutes go to their participants, with the recipients.
pub fn to_send(variant: &Variant, input: &StepInput) -> Vec<(String, Value)> {
    input
        .decisions
        .iter()
        .filter_map(|(key, record)| {
            let def = variant.decision(key)?;
            if !def.minutes_to_participants {
                return None;
            }
            let DecisionStatus::Decided { outcome, .. } = decisions::evaluate(def, record) else {
                return None;
            };
            let recipients: Vec<Value> = record
                .participants
                .iter()
                .map(|p| json!({ "person": p.person, "role": p.role, "organisation": p.outside() }))
                .collect();
            Some((
                key.clone(),
                json!({ "outcome": outcome, "recipients": recipients }),
            ))
        })
        .collect()
}

/// Records that the minutes went out.
pub async fn write(
    tx: &TenantTx,
    case_id: Uuid,
    actor: UserId,
    at: DateTime<Utc>,
    sent: Vec<(String, Value)>,
) -> CaseworkResult<()> {
    for (decision, data) in sent {
        let record = NewRecord::new(case_id, kind::MINUTES_SENT, decision, at, actor).with(data);
        cases::append_record(tx, record).await?;
    }
    Ok(())
}
