//! The command line for variant authors, as pure functions the gateway binary wraps:
//! `kurator variant check FILE` → [`check`], `kurator variant diff OLD NEW` → [`diff`].

use crate::{ValidationErrors, Variant};

fn parse(source_name: &str, contents: &str) -> Result<Variant, ValidationErrors> {
    if source_name.to_ascii_lowercase().ends_with(".json") {
        Variant::from_json_str(contents)
    } else {
        Variant::from_toml_str(contents)
    }
}

/// Validates a variant file: every error on its own line as `FILE: path: message` and exit code
/// 1, or a short summary and exit code 0. JSON is chosen by a `.json` extension, TOML otherwise.
pub fn check(source_name: &str, contents: &str) -> (String, i32) {
    match parse(source_name, contents) {
        Ok(v) => (format!("{source_name}: ok\n{}", v.summary()), 0),
        Err(errors) => {
            let mut out = String::new();
            for e in errors.iter() {
                if e.path.is_empty() {
                    out.push_str(&format!("{source_name}: {}\n", e.message));
                } else {
                    out.push_str(&format!("{source_name}: {}: {}\n", e.path, e.message));
                }
            }
            out.push_str(&format!("{source_name}: {} error(s)\n", errors.len()));
            (out, 1)
        }
    }
}

/// Lists what changed between two variant files; exit code 0 (no changes), 1 (changes),
/// 2 (one of the files is invalid — its errors are printed).
pub fn diff(
    old_name: &str,
    old_contents: &str,
    new_name: &str,
    new_contents: &str,
) -> (String, i32) {
    let (old, new) = match (parse(old_name, old_contents), parse(new_name, new_contents)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let mut out = String::new();
            for (name, r) in [(old_name, a), (new_name, b)] {
                if let Err(e) = r {
                    out.push_str(
                        &check(
                            name,
                            if name == old_name {
                                old_contents
                            } else {
                                new_contents
                            },
                        )
                        .0,
                    );
                    let _ = e;
                }
            }
            return (out, 2);
        }
    };
    let changes = crate::versioning::diff(&old, &new);
    let mut out = format!(
        "{} v{} → {} v{}\n",
        old.key(),
        old.version(),
        new.key(),
        new.version()
    );
    if changes.is_empty() {
        out.push_str("no changes\n");
        return (out, 0);
    }
    for c in &changes {
        out.push_str(&format!("{c}\n"));
    }
    out.push_str(&format!("{} change(s)\n", changes.len()));
    (out, 1)
}
