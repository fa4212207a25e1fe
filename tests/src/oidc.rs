//! A real OpenID Connect provider for the single sign-on suite: the npm package `oidc-provider`
//! (version 9, pinned by `tests/oidc/package-lock.json`), started by `tests/oidc/provider.mjs` on
//! a loopback port with one client and a few accounts (see that file).
//!
//! The suite needs Node.js: without `node` it is skipped, unless
//! `KURATOR_TEST_REQUIRE_SERVICES=1` (as in CI), which makes it fail. `npm ci` runs first when
//! `tests/oidc/node_modules` is missing.

use crate::backend::REQUIRE_VAR;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

pub const CLIENT_ID: &str = "kurator-test";
pub const CLIENT_SECRET: &str = "kurator-test-client-secret";

/// `npm ci` runs once at a time.
static INSTALL: Mutex<()> = Mutex::const_new(());

/// A running provider; stopped when dropped (its standard input closes and the process is
/// killed).
pub struct OidcProvider {
    pub issuer: String,
    pub port: u16,
    _child: Child,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

fn skip_or_fail(why: &str) -> Option<OidcProvider> {
    if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") {
        panic!("{why}, but {REQUIRE_VAR}=1: the single sign-on suite must run");
    }
    eprintln!("skipped: {why}, the single sign-on suite does not run");
    None
}

async fn installed() -> Result<(), String> {
    let _guard = INSTALL.lock().await;
    if dir().join("node_modules/oidc-provider").is_dir() {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir())
        .status()
        .await
        .map_err(|e| format!("npm ci: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm ci failed: {status}"))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl OidcProvider {
    /// Starts a provider whose client sends people back to `redirect_uri`; `None` when Node.js
    /// is missing and the suite may be skipped.
    pub async fn start(redirect_uri: &str) -> Option<Self> {
        let node = std::process::Command::new("node")
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !node {
            return skip_or_fail("node is not installed");
        }
        if let Err(why) = installed().await {
            return skip_or_fail(&why);
        }
        let port = free_port();
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir())
            .env("PORT", port.to_string())
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().expect("provider's output");
        let mut lines = BufReader::new(stdout).lines();
        let issuer = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.ok().flatten() {
                if let Some(issuer) = line.strip_prefix("listening ") {
                    return Some(issuer.to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .expect("the provider starts listening");
        // The provider keeps writing notices; its output is read to the end so that it never
        // writes into a closed pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(Self {
            issuer,
            port,
            _child: child,
        })
    }
}
