//! Extractors that turn a request into typed, checked values, and every rejection into a
//! problem document: the caller's principal, JSON bodies, query strings, ids in paths and
//! the Idempotency-Key header.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use serde::de::DeserializeOwned;
use yinling_app::limits::MAX_IDEMPOTENCY_KEY_CHARS;
use yinling_app::App;
use yinling_ledger::writer::Idempotency;
use yinling_ledger::Hash;
use yinling_projections::Principal;

use crate::error::ApiError;
use crate::limits::BODY_LIMIT_BYTES;

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Auth(pub Principal);

impl<S> FromRequestParts<S> for Auth
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let app = App::from_ref(state);
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized(
                "missing_token",
                "this needs an access token: send it as `Authorization: Bearer <token>`",
            )
        })?;
        let text = header.to_str().map_err(|_| {
            ApiError::unauthorized(
                "malformed_token",
                "the Authorization header is not valid text",
            )
        })?;
        let secret = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "malformed_token",
                    "the Authorization header must read `Bearer <token>`",
                )
            })?;
        // A replica cut off from the log may still take a token stopped since, and answer
        // from a state that trails it: it answers nobody until it is back in touch.
        if let Some(gone) = app.out_of_touch() {
            return Err(ApiError {
                code: "node_out_of_touch",
                ..ApiError::unavailable(format!(
                    "this node has not heard from the cluster's log for {} s, so its answers may be out of date; try another node, or again shortly",
                    gone.as_secs()
                ))
            });
        }
        let principal = app.authenticate(secret).ok_or_else(|| {
            ApiError::unauthorized("invalid_token", app.why_not_authenticated(secret))
        })?;
        Ok(Auth(principal))
    }
}

/// `Option<Auth>`: a route open to anyone that still wants to know a caller who sent a
/// token (a coordinator confirming their own team's activity with its code is refused). No
/// header is `None`; a header that does not authenticate is refused as on any route.
impl<S> axum::extract::OptionalFromRequestParts<S> for Auth
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, ApiError> {
        if parts.headers.get(header::AUTHORIZATION).is_none() {
            return Ok(None);
        }
        <Auth as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// A JSON body, checked for content type and size, with its request digest for idempotency.
pub struct ApiJson<T> {
    /// The parsed value.
    pub value: T,
    /// SHA-256 of method, path and body bytes.
    pub digest: Hash,
}

fn request_digest(method: &Method, path: &str, body: &[u8]) -> Hash {
    let mut bytes = Vec::with_capacity(method.as_str().len() + path.len() + body.len() + 2);
    bytes.extend_from_slice(method.as_str().as_bytes());
    bytes.push(b' ');
    bytes.extend_from_slice(path.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(body);
    Hash::of(&bytes)
}

/// Reads a body and its digest; `None` when the body is empty and `required` is false.
async fn read_json<S: Send + Sync, T: DeserializeOwned>(
    request: Request,
    state: &S,
    required: bool,
) -> Result<(Option<T>, Hash), ApiError> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let bytes = Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body is larger than the {BODY_LIMIT_BYTES}-byte limit"),
            )
        } else {
            ApiError::bad_request("unreadable_body", "the request body could not be read")
        }
    })?;
    let digest = request_digest(&method, &path, &bytes);
    if bytes.is_empty() {
        if required {
            return Err(ApiError::bad_request(
                "missing_body",
                "this request needs a JSON body",
            ));
        }
        return Ok((None, digest));
    }
    if !json {
        return Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with the header Content-Type: application/json",
        ));
    }
    Ok((Some(parse_json(&bytes)?), digest))
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match read_json(request, state, true).await? {
            (Some(value), digest) => Ok(ApiJson { value, digest }),
            (None, _) => Err(ApiError::bad_request(
                "missing_body",
                "this request needs a JSON body",
            )),
        }
    }
}

/// A JSON body that may be left out entirely (then `value` is `None`).
pub struct OptionalJson<T> {
    /// The parsed value, if a body was sent.
    pub value: Option<T>,
    /// SHA-256 of method, path and body bytes.
    pub digest: Hash,
}

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (value, digest) = read_json(request, state, false).await?;
        Ok(OptionalJson { value, digest })
    }
}

/// Parses a JSON body: syntax errors are 400, wrong fields or values are 422, each named
/// by its path in the body and worded for a person ([`crate::wording`]).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        json_problem(&path, &e.into_inner())
    })?;
    // Nothing but white space after the value.
    reader.end().map_err(|e| json_problem(".", &e))?;
    Ok(value)
}

/// The problem of a body serde_json refused at `path`.
fn json_problem(path: &str, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            "malformed_json",
            format!(
                "the body is not valid JSON (line {}, column {}); check the quotes, commas and brackets there",
                e.line(),
                e.column()
            ),
        ),
        Category::Data => ApiError::unprocessable(
            "invalid_body",
            crate::wording::detail(path, &e.to_string()),
        ),
    }
}

/// The digest of a body-less request (for idempotency of POSTs without a body).
pub struct NoBody {
    /// SHA-256 of method and path.
    pub digest: Hash,
}

impl<S: Send + Sync> FromRequestParts<S> for NoBody {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(NoBody {
            digest: request_digest(&parts.method, parts.uri.path(), b""),
        })
    }
}

/// A query string parsed into `T`; a bad one is a 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // `?team_id=` means "no team_id": a pair with nothing after its `=` is dropped before
        // parsing (a value that merely ends in `=` is kept). A bare `?open` is not dropped:
        // it is refused as the value it is not, rather than read as "all".
        // `min_seq` is every read's (a replica waits for it before answering), read before
        // the route's own parameters.
        let query = parts.uri.query().unwrap_or_default();
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                !pair.is_empty()
                    && !pair.split_once('=').is_some_and(|(_, v)| v.is_empty())
                    && pair.split('=').next() != Some("min_seq")
            })
            .collect();
        let kept = kept.join("&");
        let reader = serde_urlencoded::Deserializer::new(form_urlencoded::parse(kept.as_bytes()));
        // A parameter the route does not take is named, not ignored: `?team=` for `team_id`
        // would otherwise answer for the whole city.
        let mut unknown = Vec::new();
        let value = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
            reader,
            &mut |path: serde_ignored::Path<'_>| unknown.push(path.to_string()),
        ))
        .map_err(|e| {
            let path = e.path().to_string();
            ApiError::bad_request(
                "invalid_query",
                crate::wording::detail(&path, &e.into_inner().to_string()),
            )
        })?;
        if let Some(name) = unknown.first() {
            return Err(ApiError::bad_request(
                "unknown_parameter",
                format!(
                    "this request takes no parameter {name}; see /openapi.json for those it takes"
                ),
            ));
        }
        Ok(ApiQuery(value))
    }
}

/// The optional `Idempotency-Key` header.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| {
                !k.is_empty()
                    && k.chars().count() <= MAX_IDEMPOTENCY_KEY_CHARS
                    && k.chars().all(|c| c.is_ascii_graphic())
            })
            .ok_or_else(|| {
                ApiError::bad_request(
                    "bad_idempotency_key",
                    format!(
                        "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters (a UUID is a good choice)"
                    ),
                )
            })?;
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

impl IdempotencyKey {
    /// The ledger-level key: scoped to the caller's token, so two callers never collide.
    pub fn scoped(&self, principal: &Principal, digest: Hash) -> Option<Idempotency> {
        let key = self.0.as_ref()?;
        Some(yinling_app::idempotency::scoped(principal, key, digest))
    }

    /// The ledger-level key of a caller without a token, scoped to the credential it shows
    /// instead (`scope`: a keyed digest of a confirmation's code, so the log's keys say
    /// nothing of the code): anonymous callers choosing the same key never collide, and a
    /// retry showing the same credential finds its first answer.
    pub fn scoped_to_credential(&self, scope: &Hash, digest: Hash) -> Option<Idempotency> {
        let key = self.0.as_ref()?;
        let scope = scope.to_hex();
        Some(Idempotency {
            key: format!("anonymous-{}:{key}", &scope[..16]),
            request_digest: digest,
        })
    }
}

/// Parses an id from a JSON body field: malformed is 422, naming the field.
pub fn body_id<T: FromStr>(text: &str, field: &str) -> Result<T, ApiError> {
    yinling_app::input::id(field, text).map_err(ApiError::from)
}

/// Parses an optional id from a JSON body field.
pub fn optional_body_id<T: FromStr>(
    text: Option<&str>,
    field: &str,
) -> Result<Option<T>, ApiError> {
    text.map(|t| body_id(t, field)).transpose()
}

/// Parses an id from a path segment: malformed is 400, the caller then looks it up (404).
pub fn path_id<T: FromStr>(text: &str, what: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request(
            "malformed_id",
            format!("{text:?} is not a valid {what} id (ids are UUIDs such as 0193a4c2-7b1e-7c3d-9f00-1a2b3c4d5e6f)"),
        )
    })
}
