//! Versioning: published variants are immutable and numbered; a case stays on the version it
//! started under. [`diff`] lists structural changes between two versions; [`migration_report`]
//! says what moving one open case to a newer version would change in its obligations;
//! [`requirements::now_unmet`] what it would newly lack at its stage; and
//! [`vocabulary_warnings`] which mappings onto the shared vocabulary a new version breaks.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Variant;
use crate::calendar::Calendar;
use crate::obligations::{CaseFacts, Obligation, evaluate};

pub mod impact;
pub mod requirements;
pub mod vocabulary_guard;
pub use impact::{ClassedChange, Impact, classified_diff};
pub use requirements::{NeededFor, Requirement, RequirementKind};
pub use vocabulary_guard::{MappedItem, MappingBreak, VocabularyWarning, vocabulary_warnings};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error(
        "variant \"{key}\" version {version} is already published with other content: publish a new version number"
    )]
    AlreadyPublished { key: String, version: u32 },
    #[error(
        "variant \"{key}\" version {version} is not newer than the latest published version {latest}"
    )]
    NotNewer {
        key: String,
        version: u32,
        latest: u32,
    },
}

/// The published versions of a tenant's variants. Nothing here is ever changed or removed.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    published: BTreeMap<(String, u32), Arc<Variant>>,
}

impl Catalog {
    pub fn new() -> Self {
        Catalog::default()
    }
    /// Publishes a validated variant. Publishing identical content again is a no-op.
    pub fn publish(&mut self, v: Variant) -> Result<Arc<Variant>, PublishError> {
        let key = v.key().to_string();
        if let Some(existing) = self.published.get(&(key.clone(), v.version())) {
            return if **existing == v {
                Ok(existing.clone())
            } else {
                Err(PublishError::AlreadyPublished {
                    key,
                    version: v.version(),
                })
            };
        }
        if let Some(latest) = self.latest(&key)
            && latest.version() > v.version()
        {
            return Err(PublishError::NotNewer {
                key,
                version: v.version(),
                latest: latest.version(),
            });
        }
        let arc = Arc::new(v);
        self.published.insert((key, arc.version()), arc.clone());
        Ok(arc)
    }
    pub fn get(&self, key: &str, version: u32) -> Option<Arc<Variant>> {
        self.published.get(&(key.to_string(), version)).cloned()
    }
    pub fn latest(&self, key: &str) -> Option<Arc<Variant>> {
        self.published
            .range((key.to_string(), 0)..=(key.to_string(), u32::MAX))
            .next_back()
            .map(|(_, v)| v.clone())
    }
    pub fn versions(&self, key: &str) -> Vec<u32> {
        self.published
            .keys()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .collect()
    }
}

/// One structural change between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Added {
        path: String,
        value: String,
    },
    Removed {
        path: String,
        value: String,
    },
    Changed {
        path: String,
        from: String,
        to: String,
    },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added { path, value } => write!(f, "+ {path}: {value}"),
            Change::Removed { path, value } => write!(f, "- {path}: {value}"),
            Change::Changed { path, from, to } => write!(f, "~ {path}: {from} → {to}"),
        }
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

fn keyed(items: &[Value]) -> Option<Vec<(String, &Value)>> {
    items
        .iter()
        .map(|v| {
            v.get("key")
                .and_then(Value::as_str)
                .map(|k| (k.to_string(), v))
        })
        .collect()
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match y.get(k) {
                    Some(vb) => walk(&p, va, vb, out),
                    None => out.push(Change::Removed {
                        path: p,
                        value: short(va),
                    }),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    out.push(Change::Added {
                        path: p,
                        value: short(vb),
                    });
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => match (keyed(x), keyed(y)) {
            (Some(kx), Some(ky)) => {
                // items with a key are matched by key: stages[first_visit].steps[visit_family]
                for (k, va) in &kx {
                    let p = format!("{path}[{k}]");
                    match ky.iter().find(|(kb, _)| kb == k) {
                        Some((_, vb)) => walk(&p, va, vb, out),
                        None => out.push(Change::Removed {
                            path: p,
                            value: short(va.get("name").unwrap_or(va)),
                        }),
                    }
                }
                for (k, vb) in &ky {
                    if !kx.iter().any(|(ka, _)| ka == k) {
                        out.push(Change::Added {
                            path: format!("{path}[{k}]"),
                            value: short(vb.get("name").unwrap_or(vb)),
                        });
                    }
                }
            }
            _ if x.len() == y.len() => {
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    walk(&format!("{path}[{i}]"), va, vb, out);
                }
            }
            _ => out.push(Change::Changed {
                path: path.to_string(),
                from: short(a),
                to: short(b),
            }),
        },
        _ if a != b => out.push(Change::Changed {
            path: path.to_string(),
            from: short(a),
            to: short(b),
        }),
        _ => {}
    }
}

/// Structural changes from `old` to `new`, paths naming items by key
/// (`stages[first_visit].steps[visit_family].deadline.within.working_days: 3 → 5`).
pub fn diff(old: &Variant, new: &Variant) -> Vec<Change> {
    let a = serde_json::to_value(old.doc()).unwrap_or(Value::Null);
    let b = serde_json::to_value(new.doc()).unwrap_or(Value::Null);
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out
}

/// What moving one open case from `old` to `new` changes in its obligations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationReport {
    pub from_version: u32,
    pub to_version: u32,
    pub added: Vec<Obligation>,
    pub removed: Vec<Obligation>,
    /// (under old, under new) for obligations whose due instant or status changes.
    pub moved: Vec<(Obligation, Obligation)>,
    pub slip_before_days: i64,
    pub slip_after_days: i64,
    pub slip_exceeded_after: bool,
}

impl MigrationReport {
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.moved.is_empty()
    }
}

/// Compares the obligations of one case under two versions at `now`.
pub fn migration_report(
    old: &Variant,
    new: &Variant,
    facts: &CaseFacts,
    now: DateTime<Utc>,
    cal: &Calendar,
) -> MigrationReport {
    let a = evaluate(old, facts, now, cal);
    let b = evaluate(new, facts, now, cal);
    let mut report = MigrationReport {
        from_version: old.version(),
        to_version: new.version(),
        added: vec![],
        removed: vec![],
        moved: vec![],
        slip_before_days: a.slip_days(),
        slip_after_days: b.slip_days(),
        slip_exceeded_after: b.slip_exceeded,
    };
    for o in &a.obligations {
        match b.obligations.iter().find(|x| x.kind == o.kind) {
            None => report.removed.push(o.clone()),
            Some(n) if n.due != o.due || n.status != o.status => {
                report.moved.push((o.clone(), n.clone()))
            }
            Some(_) => {}
        }
    }
    for n in &b.obligations {
        if !a.obligations.iter().any(|x| x.kind == n.kind) {
            report.added.push(n.clone());
        }
    }
    report
}
