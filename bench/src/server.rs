//! The real `kurator` binary as a child process: started on a free port with the run's
//! configuration, waited for until ready, its resident memory read from `/proc`, stopped at the end.

use crate::backend::RunData;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub struct Server {
    child: Child,
    pub address: String,
    pub pid: u32,
}

/// The server binary: the one given, or `kurator` next to this program (for a test binary in
/// `target/<profile>/deps`, the directory above it).
pub fn locate(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        if path.is_file() {
            return Ok(path.to_owned());
        }
        bail!("--server {}: no such file", path.display());
    }
    let me = std::env::current_exe().context("finding this program's directory")?;
    let mut dir = me.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        let candidate = d.join("kurator");
        if candidate.is_file() {
            return Ok(candidate);
        }
        if d.file_name().is_some_and(|n| n != "deps") {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    bail!(
        "the kurator server binary is not next to {} — build it first \
         (`cargo build --release -p kurator-gateway`) or pass --server PATH",
        me.display()
    )
}

impl Server {
    /// Starts `binary` on a free port with the run's configuration; its output goes to the
    /// run's log file.
    pub async fn start(binary: &Path, data: &RunData) -> anyhow::Result<Self> {
        let port = free_port()?;
        let config = data.write_config(port)?;
        let log = &crate::backend::log_path(&data.dir);
        let log_file = std::fs::File::create(log)
            .with_context(|| format!("creating the server log {}", log.display()))?;
        let log_err = log_file.try_clone()?;
        let child = Command::new(binary)
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .env_remove("KURATOR_CONFIG")
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            pid,
        };
        server.wait_ready(log).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, log: &Path) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                let tail = std::fs::read_to_string(log).unwrap_or_default();
                bail!("the server exited with {status} before it was ready:\n{tail}");
            }
            let ready = client
                .get(format!("{}/health/ready", self.address))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!(
                    "the server was not ready within two minutes; see {}",
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Resident memory (VmRSS) of the server process, in MiB.
    pub fn resident_mib(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .context("reading the server's /proc status")?;
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .context("no VmRSS in the server's /proc status")?;
        Ok(kib / 1024.0)
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}
