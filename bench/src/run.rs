//! One run on one backend: a fresh store, the real server started on it, the state centre grown
//! size after size in place, every figure measured after each growth.

use crate::backend::RunData;
use crate::client::{self, Session};
use crate::measure::{self, Latency, Throughput};
use crate::options::{BackendKind, Options};
use crate::seed::Seeder;
use crate::server::Server;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// The figures of one tenant size.
#[derive(Debug, Clone)]
pub struct SizeFigures {
    pub size: usize,
    pub seed_seconds: f64,
    pub records: usize,
    pub obligations: usize,
    /// Results of obligations that fell due or were met, written by seeding.
    pub results: usize,
    pub my_first_page: Latency,
    pub overdue_first_page: Latency,
    pub case_card: Latency,
    pub board: Latency,
    pub record_contact: Latency,
    pub register_signal: Latency,
    /// `totalCount` of the curator's list and of the overdue list.
    pub mine_total: Option<i64>,
    pub overdue_total: Option<i64>,
    /// The server's resident memory after the lists and the board of this size, MiB.
    pub rss_after_listing_mib: f64,
}

/// Everything measured on one backend.
#[derive(Debug, Clone)]
pub struct BackendFigures {
    pub kind: BackendKind,
    pub sizes: Vec<SizeFigures>,
    pub rss_at_start_mib: f64,
    pub typename: Throughput,
    pub health_live: Throughput,
    pub card_one_client: Throughput,
    pub card_eight_clients: Throughput,
    /// recordContact at the largest size, measured in turn with [`BackendFigures::raw_insert`].
    pub contact_paired: Latency,
    /// A raw single-row INSERT + COMMIT on the same database, in turn with `contact_paired`.
    pub raw_insert: Latency,
    pub seconds: f64,
}

pub async fn on_backend(
    kind: BackendKind,
    options: &Options,
    server_binary: &Path,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<BackendFigures> {
    let data = RunData::create(kind, &options.postgres_url, options.keep).await?;
    progress(&format!("[{}] {}", kind.name(), data.describe()));
    let outcome = measure_on(&data, kind, options, server_binary, progress).await;
    if options.keep {
        progress(&format!("[{}] kept: {}", kind.name(), data.describe()));
    }
    data.remove().await;
    outcome
}

async fn measure_on(
    data: &RunData,
    kind: BackendKind,
    options: &Options,
    server_binary: &Path,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<BackendFigures> {
    let started = Instant::now();
    let server = Server::start(server_binary, data).await?;
    let result = figures(&server, data, kind, options, progress).await;
    server.stop().await;
    let mut figures = result?;
    figures.seconds = started.elapsed().as_secs_f64();
    Ok(figures)
}

async fn figures(
    server: &Server,
    data: &RunData,
    kind: BackendKind,
    options: &Options,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<BackendFigures> {
    let name = kind.name();
    let rss_at_start_mib = server.resident_mib()?;
    let supervisor = Session::sign_in(&server.address, client::SUPERVISOR).await?;
    let curator = Session::sign_in(&server.address, client::CURATOR).await?;
    let mut seeder = Seeder::open(&data.control_url(), options.curators).await?;
    let n = options.requests;
    let warmup = (n / 10).max(3);
    let budget = Duration::from_secs(options.max_seconds_per_figure);
    let my_page = client::list_query(client::MY_FIRST_PAGE);
    let overdue_page = client::list_query(client::OVERDUE_FIRST_PAGE);

    let mut sizes = Vec::new();
    for &size in &options.sizes {
        let growth = seeder.grow_to(size).await?;
        progress(&format!(
            "[{name}] seeded {size} cases: +{} cases, +{} records, +{} open obligations, +{} results \
             of obligations in {:.1} s",
            growth.cases, growth.records, growth.obligations, growth.results, growth.seconds
        ));
        let lists = |session: &Session, query: &str| {
            let session = session.clone();
            let query = query.to_owned();
            move |_| {
                let session = session.clone();
                let query = query.clone();
                async move {
                    let data = session.gql(&query, json!({})).await?;
                    client::require(&data, "/cases/edges")
                }
            }
        };
        let count = |data: Result<serde_json::Value, String>| {
            data.ok().and_then(|d| d["cases"]["totalCount"].as_i64())
        };
        let mine_total = count(curator.gql(&my_page, json!({})).await);
        let overdue_total = count(supervisor.gql(&overdue_page, json!({})).await);
        let my_first_page = measure::latency(warmup, n, budget, lists(&curator, &my_page)).await;
        progress(&format!("[{name}] {size}: curator's first page done"));
        let overdue_first_page =
            measure::latency(warmup, n, budget, lists(&supervisor, &overdue_page)).await;
        progress(&format!("[{name}] {size}: overdue first page done"));
        let board = measure::latency(warmup, n, budget, |_| {
            let s = supervisor.clone();
            async move { client::require(&s.gql(client::BOARD, json!({})).await?, "/board") }
        })
        .await;
        let rss_after_listing_mib = server.resident_mib()?;
        let ids = seeder.case_ids.clone();
        let case_card = measure::latency(warmup, n, budget, card(&supervisor, ids.clone())).await;
        progress(&format!("[{name}] {size}: board and case card done"));
        // Visits recorded across the organisation's work in progress, as its curators make
        // them: a few more on each family, not hundreds more on the ones the curator's list
        // shows (which would measure the growth of those families' histories, not the
        // organisation's). The supervisor may record on any case.
        let active = seeder.active.clone();
        let record_contact =
            measure::latency(warmup, n, budget, record_contact(&supervisor, &active)).await;
        let register_signal = measure::latency(warmup, n, budget, |i| {
            let s = curator.clone();
            async move {
                let data = s
                    .gql(
                        client::REGISTER_SIGNAL,
                        json!({ "input": client::signal_input(i) }),
                    )
                    .await?;
                client::require(&data, "/registerSignal/id")
            }
        })
        .await;
        progress(&format!("[{name}] {size}: writes done"));
        sizes.push(SizeFigures {
            size,
            seed_seconds: growth.seconds,
            records: growth.records,
            obligations: growth.obligations,
            results: growth.results,
            my_first_page,
            overdue_first_page,
            case_card,
            board,
            record_contact,
            register_signal,
            rss_after_listing_mib,
            mine_total,
            overdue_total,
        });
    }

    // Throughput, at the largest size: the same binary answering a trivial authenticated query
    // and its liveness probe, and case cards with one client and with eight.
    let (warm, window) = (
        Duration::from_millis(500),
        Duration::from_secs(options.throughput_seconds),
    );
    // In turn, in rounds: the ratio of the two compares the requests, not two moments.
    let typename = supervisor.prepared(client::TYPENAME, client::TYPENAME_ANSWER);
    let s = supervisor.clone();
    let (typename, health_live) = measure::throughput_in_turn(
        8,
        warm,
        window,
        THROUGHPUT_ROUNDS,
        move |_| {
            let typename = typename.clone();
            async move { typename.send().await }
        },
        move |_| {
            let s = s.clone();
            async move { s.live().await }
        },
    )
    .await;
    progress(&format!("[{name}] typename and /health/live done"));
    let ids = seeder.case_ids.clone();
    let card_one_client =
        measure::throughput(1, warm, window, card_op(&supervisor, ids.clone())).await;
    let card_eight_clients = measure::throughput(8, warm, window, card_op(&supervisor, ids)).await;
    progress(&format!("[{name}] case-card throughput done"));
    // recordContact against the floor of a write on the same database, in turn, three times as
    // many as the other figures: a ratio of two p99s of a millisecond or two is otherwise more
    // the machine's noise than the service's. In blocks of 25, the first of each unmeasured
    // (see `measure::paired`).
    // The floor writes as the server writes: on SQLite through a writer connection like the
    // server's own, which is checkpointed as rarely.
    let raw_writer = seeder.tenant_writer().await?;
    let raw = crate::raw_insert::RawInsert::create(&raw_writer).await?;
    let active = seeder.active.clone();
    let (contact_paired, raw_insert) = measure::paired(
        warmup,
        n.saturating_mul(3),
        PAIRED_BLOCK,
        budget.saturating_mul(3),
        record_contact(&supervisor, &active),
        |_| raw.once(),
    )
    .await;
    raw.drop_table().await?;
    progress(&format!("[{name}] recordContact beside a raw insert done"));
    seeder.close().await;
    Ok(BackendFigures {
        kind,
        sizes,
        rss_at_start_mib,
        typename,
        health_live,
        card_one_client,
        card_eight_clients,
        contact_paired,
        raw_insert,
        seconds: 0.0,
    })
}

/// Rounds in which `{ __typename }` and `/health/live` are measured in turn.
const THROUGHPUT_ROUNDS: u32 = 6;

/// Requests of each operation in a row when recordContact is measured in turn with the raw insert.
const PAIRED_BLOCK: u32 = 25;

/// Recording a home visit on each of `cases` in turn.
fn record_contact(
    session: &Session,
    cases: &[uuid::Uuid],
) -> impl FnMut(u32) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>> {
    let session = session.clone();
    let cases = cases.to_vec();
    move |i| {
        let s = session.clone();
        let case_id = cases
            .get(i as usize % cases.len().max(1))
            .map(ToString::to_string)
            .unwrap_or_default();
        Box::pin(async move {
            let data = s
                .gql(
                    client::RECORD_CONTACT,
                    json!({ "c": case_id, "at": chrono::Utc::now() }),
                )
                .await?;
            client::require(&data, "/recordContact/id")
        })
    }
}

/// Opening case cards spread over the whole organisation.
fn card(
    session: &Session,
    ids: Vec<uuid::Uuid>,
) -> impl FnMut(u32) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>> {
    let op = card_op(session, ids);
    move |i| Box::pin(op(i as usize))
}

fn card_op(
    session: &Session,
    ids: Vec<uuid::Uuid>,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
+ Clone
+ Send
+ 'static {
    let session = session.clone();
    let ids = std::sync::Arc::new(ids);
    move |i| {
        let session = session.clone();
        // A stride through the ids: consecutive requests open cases far apart.
        let id = ids
            .get(i.wrapping_mul(7919) % ids.len().max(1))
            .map(ToString::to_string)
            .unwrap_or_default();
        Box::pin(async move {
            let data = session.gql(client::CASE_CARD, json!({ "id": id })).await?;
            client::require(&data, "/case/id")
        })
    }
}
