//! Delivering the outbox: e-mail over SMTP (lettre, tokio + rustls) and the organisation's
//! webhooks (a JSON body signed with HMAC-SHA256 in `X-Kurator-Signature`). Each message is
//! claimed before it is sent and settled after: sent, retried later with exponential backoff, or
//! given up after the configured number of attempts. Every webhook attempt is logged for the
//! organisation's administrator.

use super::{DeadlineWorker, Failpoint, TenantRun, WorkerError};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use kurator_platform::config::SmtpSettings;
use kurator_store::tenant::notifications::{self as store, OutboxRow};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use sha2::Sha256;
use std::time::Duration;
use uuid::Uuid;

/// The header that carries a webhook body's signature: `sha256=` and the hex HMAC-SHA256 of the
/// body under the webhook's secret.
pub const SIGNATURE_HEADER: &str = "x-kurator-signature";
/// The header with the delivery's id, the same on every retry.
pub const DELIVERY_HEADER: &str = "x-kurator-delivery";
pub const EVENT_HEADER: &str = "x-kurator-event";

pub struct Channels {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, lettre::message::Mailbox)>,
    http: reqwest::Client,
}

impl Channels {
    pub fn new(settings: &SmtpSettings) -> CaseworkResult<Self> {
        let smtp = match &settings.host {
            None => None,
            Some(host) => {
                let builder = match settings.security.as_str() {
                    "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                    "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .map_err(|e| CaseworkError::Variant(format!("smtp: {e}")))?,
                    _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                        .map_err(|e| CaseworkError::Variant(format!("smtp: {e}")))?,
                };
                let mut builder = builder
                    .port(settings.port)
                    .timeout(Some(Duration::from_secs(settings.timeout_seconds.max(1))));
                if let Some(user) = &settings.username {
                    let password = settings
                        .password
                        .as_ref()
                        .map(|p| p.expose_secret().to_owned())
                        .unwrap_or_default();
                    builder = builder.credentials(Credentials::new(user.clone(), password));
                }
                let from = settings
                    .from
                    .parse()
                    .map_err(|e| CaseworkError::Variant(format!("smtp.from: {e}")))?;
                Some((builder.build(), from))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CaseworkError::Variant(format!("http client: {e}")))?;
        Ok(Self { smtp, http })
    }

    pub fn has_email(&self) -> bool {
        self.smtp.is_some()
    }
}

/// The hex HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// When to try again after `attempts` failed attempts: base × 2^(attempts − 1), at most an hour;
/// `None` once `max_attempts` are spent.
pub fn retry_at(
    now: DateTime<Utc>,
    attempts: u32,
    base_ms: u64,
    max_attempts: u32,
) -> Option<DateTime<Utc>> {
    if attempts >= max_attempts {
        return None;
    }
    let factor = 1u64 << attempts.saturating_sub(1).min(20);
    let wait = base_ms.saturating_mul(factor).min(3_600_000);
    Some(now + chrono::Duration::milliseconds(i64::try_from(wait).unwrap_or(3_600_000)))
}

/// Sends what is ready in the tenant's outbox.
pub(super) async fn deliver(
    worker: &DeadlineWorker,
    runtime: &TenantRuntime,
    now: DateTime<Utc>,
    run: &mut TenantRun,
) -> Result<(), WorkerError> {
    let tx = runtime.begin().await?;
    store::release_stale_claims(&tx, now).await?;
    let ready = store::ready(&tx, now, worker.settings.batch.max(1)).await?;
    tx.commit().await?;
    let claim_for = chrono::Duration::seconds(
        i64::try_from(worker.settings.claim_seconds.max(1)).unwrap_or(300),
    );
    for (i, row) in ready.into_iter().enumerate() {
        if i > 0 && i % 20 == 0 && !worker.renew(runtime).await? {
            break;
        }
        let tx = runtime.begin().await?;
        let claimed = store::claim(&tx, row.id, &worker.holder, now + claim_for).await?;
        tx.commit().await?;
        if !claimed {
            continue;
        }
        let (outcome, webhook) = send(worker, runtime, &row).await;
        if worker.failpoint == Some(Failpoint::BeforeSettle) {
            return Err(WorkerError::Crashed(Failpoint::BeforeSettle));
        }
        let attempts = u32::try_from(row.attempts).unwrap_or(0) + 1;
        let settled = match &outcome {
            Ok(_) => Ok(()),
            Err((error, _)) => Err((
                error.clone(),
                retry_at(
                    Utc::now(),
                    attempts,
                    worker.settings.retry_base_ms,
                    worker.settings.max_attempts,
                ),
            )),
        };
        let tx = runtime.begin().await?;
        if let Some(webhook) = webhook {
            let (code, error) = match &outcome {
                Ok(code) => (*code, None),
                Err((error, code)) => (*code, Some(error.clone())),
            };
            store::record_attempt(
                &tx,
                row.id,
                webhook,
                i32::try_from(attempts).unwrap_or(i32::MAX),
                code,
                error,
            )
            .await?;
        }
        store::settle(&tx, row.id, &worker.holder, Utc::now(), settled).await?;
        tx.commit().await?;
        match outcome {
            Ok(_) => run.delivered += 1,
            Err((error, _)) => {
                run.failed_attempts += 1;
                tracing::info!(channel = %row.channel, %error, attempts, "delivery failed");
            }
        }
        if worker.failpoint == Some(Failpoint::AfterFirstDelivery) {
            return Err(WorkerError::Crashed(Failpoint::AfterFirstDelivery));
        }
    }
    Ok(())
}

type Outcome = Result<Option<i32>, (String, Option<i32>)>;

/// One attempt; with the webhook it went to, for the delivery log.
async fn send(
    worker: &DeadlineWorker,
    runtime: &TenantRuntime,
    row: &OutboxRow,
) -> (Outcome, Option<Uuid>) {
    match row.channel.as_str() {
        "email" => (send_email(&worker.channels, row).await, None),
        "webhook" => {
            let Ok(id) = row.recipient.parse::<Uuid>() else {
                return (Err(("unknown webhook".into(), None)), None);
            };
            (
                send_webhook(&worker.channels, runtime, id, row).await,
                Some(id),
            )
        }
        other => (Err((format!("unknown channel {other}"), None)), None),
    }
}

async fn send_email(channels: &Channels, row: &OutboxRow) -> Outcome {
    let Some((transport, from)) = &channels.smtp else {
        return Err(("SMTP is not configured".into(), None));
    };
    let to = row
        .recipient
        .parse()
        .map_err(|e| (format!("address: {e}"), None))?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(format!("<{}@kurator>", row.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(row.body.clone())
        .map_err(|e| (format!("message: {e}"), None))?;
    transport
        .send(message)
        .await
        .map(|response| Some(i32::from(u16::from(response.code()))))
        .map_err(|e| (format!("smtp: {e}"), None))
}

async fn send_webhook(
    channels: &Channels,
    runtime: &TenantRuntime,
    webhook: Uuid,
    row: &OutboxRow,
) -> Outcome {
    let found = async {
        let tx = runtime.begin().await?;
        let found = store::webhook_by_id(&tx, webhook).await?;
        tx.commit().await?;
        Ok::<_, kurator_store::StoreError>(found)
    }
    .await
    .map_err(|e| (format!("database: {e}"), None))?;
    let Some(target) = found.filter(|w| w.active) else {
        return Err(("the webhook was removed".into(), None));
    };
    let mut payload = row.payload.clone();
    payload["deliveryId"] = serde_json::json!(row.id.to_string());
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let signature = format!("sha256={}", sign(&target.secret, &body));
    let response = channels
        .http
        .post(&target.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(DELIVERY_HEADER, row.id.to_string())
        .header(EVENT_HEADER, row.kind.clone())
        .body(body)
        .send()
        .await
        .map_err(|e| (format!("http: {e}"), None))?;
    let code = i32::from(response.status().as_u16());
    if response.status().is_success() {
        Ok(Some(code))
    } else {
        Err((format!("HTTP {code}"), Some(code)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_and_stop() {
        let now = Utc::now();
        let first = retry_at(now, 1, 1000, 4).unwrap();
        let second = retry_at(now, 2, 1000, 4).unwrap();
        let third = retry_at(now, 3, 1000, 4).unwrap();
        assert_eq!((first - now).num_milliseconds(), 1000);
        assert_eq!((second - now).num_milliseconds(), 2000);
        assert_eq!((third - now).num_milliseconds(), 4000);
        assert_eq!(retry_at(now, 4, 1000, 4), None);
    }

    #[test]
    fn a_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
