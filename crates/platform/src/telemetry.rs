//! Telemetry: `tracing` everywhere, printed as pretty or JSON logs, and exported as OTLP traces
//! when a collector endpoint is configured.
//!
//! Personal data never goes into a span or a log line: fields carry ids, never names or notes.

use crate::config::{LogFormat, TelemetrySettings};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// Keeps the OTLP pipeline alive; dropping it flushes the spans still buffered.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("telemetry: flushing traces failed: {err}");
        }
    }
}

/// Installs the global subscriber. A second call (several applications in one test process) keeps
/// the first subscriber and returns a guard that owns nothing.
pub fn init(settings: &TelemetrySettings) -> anyhow::Result<TelemetryGuard> {
    let filter = EnvFilter::try_new(&settings.log_filter)?;
    let fmt_layer = match settings.log_format {
        LogFormat::Pretty => tracing_subscriber::fmt::layer().compact().boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer().json().boxed(),
    };

    let (otel_layer, provider) = match &settings.otlp_endpoint {
        Some(endpoint) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .build()?;
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(
                    Resource::builder()
                        .with_service_name(settings.service_name.clone())
                        .build(),
                )
                .build();
            let tracer = provider.tracer("kurator");
            let layer = tracing_opentelemetry::layer().with_tracer(tracer).boxed();
            (Some(layer), Some(provider))
        }
        None => (None, None),
    };

    let installed = Registry::default()
        .with(otel_layer)
        .with(fmt_layer.with_filter(filter))
        .try_init();
    match installed {
        Ok(()) => Ok(TelemetryGuard { provider }),
        Err(_) => Ok(TelemetryGuard { provider: None }),
    }
}
