//! Secrets kept in the databases (an organisation's client secret) are sealed with AES-256-GCM
//! under the deployment's key (`auth.secrets_key`), so a copy of the database alone does not
//! yield them. Each sealed value carries its own random nonce: `v1:` + base64(nonce ‖ ciphertext).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kurator_platform::Settings;
use rand::RngCore;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use secrecy::ExposeSecret;
use std::path::Path;
use std::sync::Arc;

const PREFIX: &str = "v1:";
const KEY_FILE: &str = "secrets.key";

#[derive(Debug, thiserror::Error)]
pub enum SecretKeyError {
    #[error(
        "auth.secrets_key is required in production (32 random bytes, base64: `openssl rand -base64 32`)"
    )]
    Missing,
    #[error("auth.secrets_key must be 32 bytes in base64")]
    Malformed,
    #[error("the generated secrets key at {0}: {1}")]
    File(String, std::io::Error),
}

/// A sealed value could not be opened: another key, or damaged.
#[derive(Debug, thiserror::Error)]
#[error("a sealed secret could not be opened with this deployment's key")]
pub struct UnsealError;

/// Seals and opens secrets under one key.
#[derive(Clone)]
pub struct SecretBox {
    key: Arc<LessSafeKey>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(…)")
    }
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Result<Self, SecretKeyError> {
        let key = UnboundKey::new(&AES_256_GCM, key).map_err(|_| SecretKeyError::Malformed)?;
        Ok(Self {
            key: Arc::new(LessSafeKey::new(key)),
        })
    }

    /// The deployment's key: `auth.secrets_key`; in development, when it is unset, the key in
    /// `data_dir/secrets.key`, generated there on first run. Production refuses to start without
    /// the setting.
    pub fn from_settings(settings: &Settings) -> Result<Self, SecretKeyError> {
        if let Some(key) = &settings.auth.secrets_key {
            return Self::new(&decode_key(key.expose_secret())?);
        }
        if settings.is_production() {
            return Err(SecretKeyError::Missing);
        }
        Self::new(&development_key(&settings.data_dir.join(KEY_FILE))?)
    }

    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut data = plain.as_bytes().to_vec();
        // Sealing only fails for inputs beyond AES-GCM's limit (64 GiB); a secret is far shorter.
        if self
            .key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
            .is_err()
        {
            data.clear();
        }
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<String, UnsealError> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or(UnsealError)?;
        if bytes.len() < NONCE_LEN {
            return Err(UnsealError);
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| UnsealError)?;
        let mut data = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::empty(), &mut data)
            .map_err(|_| UnsealError)?;
        String::from_utf8(plain.to_vec()).map_err(|_| UnsealError)
    }
}

fn decode_key(text: &str) -> Result<[u8; 32], SecretKeyError> {
    STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
        .ok_or(SecretKeyError::Malformed)
}

/// The development key at `path`, made on first run.
fn development_key(path: &Path) -> Result<[u8; 32], SecretKeyError> {
    let failed = |e| SecretKeyError::File(path.display().to_string(), e);
    match std::fs::read_to_string(path) {
        Ok(text) => decode_key(&text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(failed)?;
            }
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            write_private(path, &STANDARD.encode(key)).map_err(failed)?;
            tracing::info!(path = %path.display(), "generated the development secrets key");
            Ok(key)
        }
        Err(err) => Err(failed(err)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let one = SecretBox::new(&[7u8; 32]).unwrap();
        let other = SecretBox::new(&[8u8; 32]).unwrap();
        let sealed = one.seal("client secret");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("client secret"));
        assert_ne!(sealed, one.seal("client secret"), "a fresh nonce each time");
        assert_eq!(one.open(&sealed).unwrap(), "client secret");
        assert!(other.open(&sealed).is_err());
        assert!(one.open("v1:AAAA").is_err());
        assert!(one.open("plain").is_err());
    }

    #[test]
    fn the_development_key_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("kurator-key-{}", uuid::Uuid::new_v4()));
        let path = dir.join(KEY_FILE);
        let first = development_key(&path).unwrap();
        assert_eq!(development_key(&path).unwrap(), first);
        std::fs::remove_dir_all(dir).unwrap();
        assert!(decode_key("c2hvcnQ=").is_err());
    }
}
