//! Identity for Kurator: who is calling.
//!
//! A login method ([`password`] today; single sign-on later) proves who a person is and hands a
//! [`session::VerifiedIdentity`] to the [`session::SessionStore`], which issues an opaque token kept
//! server-side with an expiry. Every later request presents the token and gets the same
//! [`session::Session`] back, whatever method created it.

pub mod password;
pub mod session;
pub mod throttle;

pub use password::{PasswordLogin, PasswordLoginError};
pub use session::{LoginMethod, Session, SessionStore, SessionToken, VerifiedIdentity};
pub use throttle::LoginThrottle;
