//! Identity for Kurator: who is calling.
//!
//! A login method ([`password`], or single sign-on through an organisation's provider, [`oidc`]) proves who a person is and hands a
//! [`session::VerifiedIdentity`] to the [`session::SessionStore`], which issues an opaque token kept
//! server-side with an expiry. Every later request presents the token and gets the same
//! [`session::Session`] back, whatever method created it.

pub mod oidc;
pub mod password;
pub mod session;
pub mod throttle;

pub use password::{PasswordLogin, PasswordLoginError};
pub use session::{LoginMethod, Session, SessionStore, SessionToken, VerifiedIdentity};
pub use throttle::LoginThrottle;
