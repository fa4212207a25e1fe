//! A real browser for the web interface's tests: Debian's Chromium driven through ChromeDriver
//! (WebDriver) by `fantoccini`, against the real application on port 0.
//!
//! The suite runs when ChromeDriver and Chromium are found (`KURATOR_TEST_CHROMEDRIVER`,
//! `KURATOR_TEST_CHROMIUM`, else `/usr/bin/chromedriver` and `/usr/bin/chromium`); otherwise it
//! is skipped, or fails under `KURATOR_TEST_REQUIRE_SERVICES=1`. Every page a test looks at is
//! checked with axe-core (vendored from its npm package, `tests/browser/axe.min.js`) and
//! photographed into `target/browser-screenshots/<test>/`, or `KURATOR_TEST_SCREENSHOTS/<test>/`.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const AXE: &str = include_str!("../browser/axe.min.js");

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    shots: PathBuf,
    shot: AtomicU32,
    base: String,
}

fn binary(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var(var).map_or_else(|_| PathBuf::from(default), PathBuf::from);
    path.exists().then_some(path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

impl Browser {
    /// A browser for test `name` against the application at `base`, or `None` when no browser
    /// is installed (and the suite is not required).
    pub async fn start(name: &str, base: &str) -> Option<Browser> {
        let (Some(driver_bin), Some(chromium)) = (
            binary("KURATOR_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"),
            binary("KURATOR_TEST_CHROMIUM", "/usr/bin/chromium"),
        ) else {
            if std::env::var("KURATOR_TEST_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!(
                    "chromium and chromedriver are not installed but KURATOR_TEST_REQUIRE_SERVICES=1: the browser suite must run"
                );
            }
            eprintln!(
                "skipped: chromium or chromedriver is not installed, the browser suite does not run"
            );
            return None;
        };
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    "--lang=ru-RU", "--accept-lang=ru-RU,ru",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                // A Russian-speaking person's browser.
                "prefs": { "intl.accept_languages": "ru-RU,ru" },
            }),
        );
        let webdriver = format!("http://127.0.0.1:{port}");
        let mut client = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let client = client.expect("a WebDriver session");
        let root = std::env::var("KURATOR_TEST_SCREENSHOTS").map_or_else(
            |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-screenshots"),
            PathBuf::from,
        );
        let shots = root.join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        eprintln!("screenshots of {name}: {}", shots.display());
        Some(Browser {
            client,
            driver,
            _profile: profile,
            shots,
            shot: AtomicU32::new(0),
            base: base.to_owned(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&self.url(path)).await.unwrap();
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// The page's visible text; empty while a page is loading.
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Sets a field through the page (dates, selects), firing `change` as a person would.
    pub async fn set(&self, css: &str, value: &str) {
        self.client
            .execute(
                "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
                 el.dispatchEvent(new Event('change', { bubbles: true })); return el.value;",
                vec![json!(css), json!(value)],
            )
            .await
            .unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Clicks the link or button whose text contains `text`.
    pub async fn click_text(&self, text: &str) {
        let xpath = format!("//*[self::a or self::button][contains(normalize-space(.), '{text}')]");
        self.client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|_| panic!("no link or button «{text}»"))
            .click()
            .await
            .unwrap();
    }

    /// Waits until the page's text contains `needle` (up to `seconds`).
    pub async fn wait_for_text(&self, needle: &str, seconds: u64) -> String {
        let mut text = String::new();
        for _ in 0..(seconds * 10) {
            text = self.text().await;
            if text.contains(needle) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("«{needle}» did not appear; the page says:\n{text}");
    }

    /// Signs in on the sign-in page as a demo account.
    pub async fn sign_in(&self, login: &str) {
        self.goto("/login").await;
        self.fill("#login", login).await;
        self.fill("#password", crate::app::DEMO_PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.client
            .wait()
            .for_element(Locator::Css("header.top nav"))
            .await
            .unwrap();
    }

    /// Checks the page with axe-core: no serious or critical violation. Then photographs it.
    pub async fn check(&self, screen: &str) {
        self.screenshot(screen).await;
        self.client.execute(AXE, Vec::new()).await.unwrap();
        let violations = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))));",
                Vec::new(),
            )
            .await
            .unwrap();
        let list = violations.as_array().cloned().unwrap_or_default();
        assert!(
            list.is_empty(),
            "accessibility violations on {screen} ({}):\n{}",
            self.path().await,
            serde_json::to_string_pretty(&violations).unwrap()
        );
    }

    pub async fn screenshot(&self, screen: &str) {
        let n = self.shot.fetch_add(1, Ordering::SeqCst) + 1;
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{n:02}-{screen}.png")), png).unwrap();
    }

    /// Switches the browser's network off (`true`) or on, as a phone losing its connection.
    pub async fn offline(&self, offline: bool) {
        self.client
            .issue_cmd(NetworkConditions { offline })
            .await
            .unwrap();
    }

    pub async fn phone_sized(&self) {
        self.client.set_window_size(390, 844).await.unwrap();
    }

    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// ChromeDriver's network emulation (`/session/{id}/chromium/network_conditions`).
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({
            "network_conditions": {
                "offline": self.offline,
                "latency": 0,
                "download_throughput": -1,
                "upload_throughput": -1,
            }
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
