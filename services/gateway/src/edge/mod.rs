//! The edge: what every request passes before it reaches a page or the API — who the client is
//! ([`client`]), whether it is over its rate limit ([`rate_limit`]), and the security headers every
//! answer carries ([`headers`]). The request timeout, the concurrency limit, CORS and the body
//! limit are tower layers set up beside these in [`crate::app`].

pub mod client;
pub mod headers;
pub mod rate_limit;
