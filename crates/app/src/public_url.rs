//! The address people reach the service at, as the operator declares it (`serve
//! --public-url https://points.example.gov.cn`). Printed cards, their QR codes and every
//! absolute link are built from it and never from a request's `Host` header, which a proxy,
//! a LAN address or a forged request would make point somewhere else.

use std::fmt;

/// A validated public base URL: `http://` or `https://`, a host, an optional port and path,
/// no query, no fragment, no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Checks `text`; the error says what is wrong with it in words.
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let trimmed = text.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("--public-url {text:?} must start with https:// (or http:// on a trusted network)")
            })?;
        let host = rest.split('/').next().unwrap_or("");
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !host_ok {
            return Err(format!(
                "--public-url {text:?} has no valid host name (such as points.example.gov.cn or 192.168.1.20:8080)"
            ));
        }
        if rest.contains(['?', '#', ' ', '"', '<', '>', '\\']) {
            return Err(format!(
                "--public-url {text:?} may not carry a query, a fragment, spaces or quotes"
            ));
        }
        Ok(PublicUrl(trimmed.to_owned()))
    }

    /// Whether people reach the service over TLS (then session cookies are `Secure`).
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_plain_http_or_https_base_addresses() {
        let u = PublicUrl::parse("https://points.example.gov.cn/").expect("valid");
        assert!(u.is_https());
        assert_eq!(u.link("/card/x"), "https://points.example.gov.cn/card/x");
        assert!(!PublicUrl::parse("http://192.168.1.20:8080")
            .expect("valid")
            .is_https());
        for bad in [
            "points.example.gov.cn",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x/?q=1",
            "https://x/#top",
            "javascript:alert(1)",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad} must be refused");
        }
    }
}
