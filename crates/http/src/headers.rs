//! Headers every response carries, so that a browser refuses what the site never does: being
//! framed by another site (clickjacking), running scripts other than the site's own files,
//! guessing a content type, or sending the page's address to other sites.
//!
//! The policy allows scripts only from the site's own files (no inline scripts or handlers:
//! data for scripts is embedded as `application/json`), styles from the site plus inline
//! `style` attributes (the screen's colours, htmx's indicator), images from the site and
//! `data:` URLs.

use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of every response.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// The layers that add the headers (a handler that set one keeps its own).
pub(crate) fn layers() -> [SetResponseHeaderLayer<HeaderValue>; 4] {
    let h = |name, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    [
        h(X_FRAME_OPTIONS, "DENY"),
        h(CONTENT_SECURITY_POLICY, CSP),
        h(X_CONTENT_TYPE_OPTIONS, "nosniff"),
        h(REFERRER_POLICY, "same-origin"),
    ]
}
