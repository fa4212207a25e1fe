//! The four launch presets as data files under `presets/`, embedded in the binary: `fund`
//! («Дети наши»), `volunteers` («Волонтеры в помощь детям-сиротам»), `state_centre` (ОКУ «Льговский
//! центр соцпомощи «Доверие») and `clinic` (primary health care, Kazakhstan).

use crate::{ValidationErrors, Variant};

const PRESETS: [(&str, &str); 4] = [
    ("fund", include_str!("../presets/fund.toml")),
    ("volunteers", include_str!("../presets/volunteers.toml")),
    ("state_centre", include_str!("../presets/state_centre.toml")),
    ("clinic", include_str!("../presets/clinic.toml")),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    #[error("unknown preset \"{0}\": expected fund, volunteers, state_centre or clinic")]
    Unknown(String),
    #[error("preset \"{name}\" is invalid: {errors}")]
    Invalid {
        name: String,
        errors: ValidationErrors,
    },
}

/// The preset names.
pub fn names() -> [&'static str; 4] {
    PRESETS.map(|(n, _)| n)
}

/// The TOML source of a preset, e.g. to copy it as the starting point of a tenant's own variant.
pub fn source(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// Parses and validates a preset.
pub fn load(name: &str) -> Result<Variant, PresetError> {
    let src = source(name).ok_or_else(|| PresetError::Unknown(name.to_string()))?;
    Variant::from_toml_str(src).map_err(|errors| PresetError::Invalid {
        name: name.to_string(),
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_validates() {
        for name in names() {
            let result = load(name);
            assert!(result.is_ok(), "{:?}", result.err());
        }
    }

    /// Collects the JSON paths of the objects that carry a Russian label (`ru`) but no non-empty
    /// Kazakh one (`kk`).
    fn missing_kk(value: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if map.get("ru").is_some_and(serde_json::Value::is_string) {
                    let kk = map.get("kk").and_then(serde_json::Value::as_str);
                    if kk.is_none_or(|kk| kk.trim().is_empty()) {
                        out.push(path.to_string());
                    }
                }
                for (key, child) in map {
                    missing_kk(child, &format!("{path}.{key}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    missing_kk(child, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn clinic_labels_have_kazakh() {
        let variant = load("clinic").expect("the clinic preset validates");
        let json = serde_json::to_value(variant.doc()).expect("the variant serialises to JSON");
        let mut missing = Vec::new();
        missing_kk(&json, "$", &mut missing);
        assert!(
            missing.is_empty(),
            "{} labels of the clinic preset have `ru` but no `kk`:\n{}",
            missing.len(),
            missing.join("\n")
        );
    }
}
