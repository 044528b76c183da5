//! Verification of AWS Signature Version 4 `Authorization` headers, as AWS does it for services
//! other than S3: the canonical URI is the request path percent-encoded a second time.
//!
//! The algorithm follows AWS's "Create a signed AWS API request" guide in the IAM User Guide.
//! It does not normalize dot segments in the path because the AWS SDKs never send them.

use std::fmt;

use hmac::{Hmac, Mac};
use http::HeaderMap;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// The only signing algorithm the verifier accepts.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Hex SHA-256 of an empty payload.
pub const EMPTY_PAYLOAD_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Characters SigV4 leaves unencoded in query keys and values: the RFC 3986 unreserved set.
const QUERY_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// The same set with `/` kept, for the path.
const PATH_ENCODE_SET: &AsciiSet = &QUERY_ENCODE_SET.remove(b'/');

type HmacSha256 = Hmac<Sha256>;

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// Credential scope date, `YYYYMMDD`.
    pub scope_date: String,
    pub region: String,
    pub service: String,
    /// Last scope element; `aws4_request` in every valid request.
    pub terminator: String,
    /// Lowercase header names joined by `;`, in the order the client sent them.
    pub signed_headers: String,
    /// Lowercase hex HMAC-SHA256.
    pub signature: String,
}

/// Reason an `Authorization` header could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The header does not start with `AWS4-HMAC-SHA256`.
    UnsupportedAlgorithm,
    /// A required component (`Credential`, `SignedHeaders` or `Signature`) is missing.
    MissingComponent(&'static str),
    /// The credential is not `KEY/DATE/REGION/SERVICE/aws4_request`.
    MalformedCredential,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::UnsupportedAlgorithm => {
                write!(f, "Authorization header must use the {ALGORITHM} algorithm.")
            }
            ParseError::MissingComponent(name) => write!(
                f,
                "Authorization header requires '{name}' parameter. Authorization header requires existence of \
                 either a 'X-Amz-Date' or a 'Date' header."
            ),
            ParseError::MalformedCredential => {
                write!(f, "Credential should have the form <access key ID>/<date>/<region>/<service>/aws4_request.")
            }
        }
    }
}

impl Authorization {
    /// Parses the value of an `Authorization` header.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let rest = value.strip_prefix(ALGORITHM).ok_or(ParseError::UnsupportedAlgorithm)?;
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for component in rest.split(',') {
            let Some((name, value)) = component.trim().split_once('=') else {
                continue;
            };
            match name.trim() {
                "Credential" => credential = Some(value.trim()),
                "SignedHeaders" => signed_headers = Some(value.trim()),
                "Signature" => signature = Some(value.trim()),
                _ => {}
            }
        }
        let credential = credential.ok_or(ParseError::MissingComponent("Credential"))?;
        let signed_headers = signed_headers.ok_or(ParseError::MissingComponent("SignedHeaders"))?;
        let signature = signature.ok_or(ParseError::MissingComponent("Signature"))?;

        // The access key ID never contains `/`, so splitting from the left is unambiguous.
        let parts: Vec<&str> = credential.split('/').collect();
        let [access_key_id, scope_date, region, service, terminator] = parts[..] else {
            return Err(ParseError::MalformedCredential);
        };
        if access_key_id.is_empty() || scope_date.len() != 8 || region.is_empty() || service.is_empty() {
            return Err(ParseError::MalformedCredential);
        }
        Ok(Self {
            access_key_id: access_key_id.to_owned(),
            scope_date: scope_date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            terminator: terminator.to_owned(),
            signed_headers: signed_headers.to_owned(),
            signature: signature.to_ascii_lowercase(),
        })
    }

    /// Returns the credential scope, `DATE/REGION/SERVICE/aws4_request`.
    pub fn scope(&self) -> String {
        format!("{}/{}/{}/{}", self.scope_date, self.region, self.service, self.terminator)
    }
}

/// The parts of an HTTP request that SigV4 signs.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path exactly as sent on the wire, still percent-encoded.
    pub path: &'a str,
    /// The query string without `?`, still percent-encoded.
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Reason a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// `SignedHeaders` names a header that the request does not contain.
    MissingSignedHeader(String),
    /// `SignedHeaders` does not include `host`, which SigV4 requires.
    HostNotSigned,
    /// The request has neither `X-Amz-Date` nor `Date`.
    MissingDate,
    /// `x-amz-content-sha256` does not match the hash of the body.
    PayloadHashMismatch,
    /// The recomputed signature differs from the one sent.
    SignatureMismatch,
}

/// Returns the request's signing timestamp, `YYYYMMDDTHHMMSSZ`, from `X-Amz-Date`.
pub fn request_timestamp(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-amz-date").and_then(|value| value.to_str().ok())
}

/// Recomputes the signature of `request` with `secret` and compares it in constant time with
/// the one in `authorization`.
pub fn verify(request: &SignedRequest<'_>, authorization: &Authorization, secret: &str) -> Result<(), VerifyError> {
    let timestamp = request_timestamp(request.headers).ok_or(VerifyError::MissingDate)?;
    if !authorization.signed_headers.split(';').any(|name| name == "host") {
        return Err(VerifyError::HostNotSigned);
    }

    let body_hash = hex::encode(Sha256::digest(request.body));
    let payload_hash = match request.headers.get("x-amz-content-sha256").and_then(|value| value.to_str().ok()) {
        Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_owned(),
        Some(sent) if sent.eq_ignore_ascii_case(&body_hash) => body_hash,
        Some(_) => return Err(VerifyError::PayloadHashMismatch),
        None => body_hash,
    };

    let canonical = canonical_request(request, &authorization.signed_headers, &payload_hash)?;
    let string_to_sign = string_to_sign(timestamp, &authorization.scope(), &canonical);
    let key = signing_key(secret, &authorization.scope_date, &authorization.region, &authorization.service);

    let sent = hex::decode(&authorization.signature).map_err(|_| VerifyError::SignatureMismatch)?;
    let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&sent).map_err(|_| VerifyError::SignatureMismatch)
}

/// Builds the canonical request: method, URI, query, headers, signed header list and payload
/// hash, each on its own line.
pub fn canonical_request(
    request: &SignedRequest<'_>,
    signed_headers: &str,
    payload_hash: &str,
) -> Result<String, VerifyError> {
    let mut canonical = String::new();
    canonical.push_str(request.method);
    canonical.push('\n');
    canonical.push_str(&canonical_uri(request.path));
    canonical.push('\n');
    canonical.push_str(&canonical_query(request.query.unwrap_or_default()));
    canonical.push('\n');
    for name in signed_headers.split(';') {
        let values: Vec<String> = request
            .headers
            .get_all(name)
            .iter()
            .map(|value| collapse_spaces(&String::from_utf8_lossy(value.as_bytes())))
            .collect();
        if values.is_empty() {
            return Err(VerifyError::MissingSignedHeader(name.to_owned()));
        }
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(&values.join(","));
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(signed_headers);
    canonical.push('\n');
    canonical.push_str(payload_hash);
    Ok(canonical)
}

/// Builds the string to sign from the timestamp, the credential scope and the canonical request.
pub fn string_to_sign(timestamp: &str, scope: &str, canonical_request: &str) -> String {
    let hashed = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    format!("{ALGORITHM}\n{timestamp}\n{scope}\n{hashed}")
}

/// Derives the signing key: HMAC-SHA256 chained over date, region, service and `aws4_request`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [date, region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    key
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Encodes the already-encoded path once more, as SigV4 does for every service but S3.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    utf8_percent_encode(path, PATH_ENCODE_SET).to_string()
}

/// Decodes each query key and value, encodes it with the SigV4 set and sorts the pairs.
fn canonical_query(query: &str) -> String {
    let decode = |text: &str| percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned();
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = utf8_percent_encode(&decode(key), QUERY_ENCODE_SET).to_string();
            let value = utf8_percent_encode(&decode(value), QUERY_ENCODE_SET).to_string();
            (key, value)
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("&")
}

/// Trims a header value and replaces each run of spaces with one space.
fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    // Inputs of the get-vanilla, post-vanilla and get-vanilla-query-order-key-case cases of
    // AWS's Signature Version 4 test suite.
    const SUITE_KEY_ID: &str = "AKIDEXAMPLE";
    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const SUITE_TIMESTAMP: &str = "20150830T123600Z";

    fn suite_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static(SUITE_TIMESTAMP));
        headers
    }

    fn suite_authorization(signature: &str) -> Authorization {
        let header = format!(
            "AWS4-HMAC-SHA256 Credential={SUITE_KEY_ID}/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature={signature}"
        );
        Authorization::parse(&header).unwrap()
    }

    fn suite_request<'a>(method: &'a str, query: Option<&'a str>, headers: &'a HeaderMap) -> SignedRequest<'a> {
        SignedRequest { method, path: "/", query, headers, body: b"" }
    }

    #[test]
    fn parse_reads_every_component() {
        let authorization = suite_authorization("ABCDEF");
        assert_eq!(authorization.access_key_id, SUITE_KEY_ID);
        assert_eq!(authorization.scope(), "20150830/us-east-1/service/aws4_request");
        assert_eq!(authorization.service, "service");
        assert_eq!(authorization.signed_headers, "host;x-amz-date");
        assert_eq!(authorization.signature, "abcdef");
    }

    #[test]
    fn parse_rejects_malformed_headers() {
        assert_eq!(Authorization::parse("Bearer abc"), Err(ParseError::UnsupportedAlgorithm));
        assert_eq!(
            Authorization::parse("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00"),
            Err(ParseError::MissingComponent("Credential"))
        );
        assert_eq!(
            Authorization::parse(
                "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1, SignedHeaders=host, Signature=00"
            ),
            Err(ParseError::MalformedCredential)
        );
    }

    #[test]
    fn suite_get_vanilla_verifies() {
        let headers = suite_headers();
        let request = suite_request("GET", None, &headers);
        let authorization = suite_authorization("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        assert_eq!(verify(&request, &authorization, SUITE_SECRET), Ok(()));
    }

    #[test]
    fn suite_post_vanilla_verifies() {
        let headers = suite_headers();
        let request = suite_request("POST", None, &headers);
        let authorization = suite_authorization("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
        assert_eq!(verify(&request, &authorization, SUITE_SECRET), Ok(()));
    }

    #[test]
    fn suite_query_order_verifies() {
        let headers = suite_headers();
        let request = suite_request("GET", Some("Param2=value2&Param1=value1"), &headers);
        let authorization = suite_authorization("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
        assert_eq!(verify(&request, &authorization, SUITE_SECRET), Ok(()));
    }

    #[test]
    fn wrong_secret_fails() {
        let headers = suite_headers();
        let request = suite_request("GET", None, &headers);
        let authorization = suite_authorization("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        assert_eq!(verify(&request, &authorization, "not-the-secret"), Err(VerifyError::SignatureMismatch));
    }

    #[test]
    fn changed_method_fails() {
        let headers = suite_headers();
        let request = suite_request("DELETE", None, &headers);
        let authorization = suite_authorization("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        assert_eq!(verify(&request, &authorization, SUITE_SECRET), Err(VerifyError::SignatureMismatch));
    }

    #[test]
    fn missing_signed_header_fails() {
        let mut headers = suite_headers();
        headers.remove("host");
        let request = suite_request("GET", None, &headers);
        let authorization = suite_authorization("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        assert_eq!(
            verify(&request, &authorization, SUITE_SECRET),
            Err(VerifyError::MissingSignedHeader("host".to_owned()))
        );
    }

    #[test]
    fn wrong_content_hash_fails() {
        let mut headers = suite_headers();
        headers.insert("x-amz-content-sha256", HeaderValue::from_static(EMPTY_PAYLOAD_SHA256));
        let request = SignedRequest { method: "POST", path: "/", query: None, headers: &headers, body: b"{}" };
        let authorization = suite_authorization("00");
        assert_eq!(verify(&request, &authorization, SUITE_SECRET), Err(VerifyError::PayloadHashMismatch));
    }

    #[test]
    fn path_is_encoded_twice() {
        assert_eq!(
            canonical_uri("/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse"),
            "/model/us.anthropic.claude-sonnet-4-20250514-v1%253A0/converse"
        );
        assert_eq!(canonical_uri(""), "/");
    }

    #[test]
    fn query_is_sorted_and_encoded() {
        assert_eq!(canonical_query("b=2&a=x%20y&a=1&c"), "a=1&a=x%20y&b=2&c=");
        assert_eq!(canonical_query("key=a+b"), "key=a%20b");
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(collapse_spaces("  a   b  c "), "a b c");
    }

    /// Signs requests with `aws-sigv4`, the signer inside the AWS SDK for Rust, and checks that
    /// the verifier accepts them and rejects them with another secret.
    #[test]
    fn sdk_signatures_verify() {
        use aws_credential_types::Credentials;
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        use aws_sigv4::sign::v4;

        let secret = "a-secret-only-this-test-knows";
        let identity = Credentials::new("AKIAFAKEEXAMPLE00001", secret, None, None, "test").into();
        let cases = [
            ("/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse", None, br#"{"messages":[]}"#.as_slice()),
            ("/model/a%2Fb/converse", Some("x=1&a=b%20c"), b"".as_slice()),
        ];
        for (path, query, body) in cases {
            let uri = match query {
                Some(query) => format!("http://127.0.0.1:4000{path}?{query}"),
                None => format!("http://127.0.0.1:4000{path}"),
            };
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region("us-west-2")
                .name("bedrock")
                .time(std::time::SystemTime::now())
                .settings(SigningSettings::default())
                .build()
                .unwrap()
                .into();
            let headers = [("content-type", "application/json"), ("host", "127.0.0.1:4000")];
            let signable = SignableRequest::new("POST", &uri, headers.into_iter(), SignableBody::Bytes(body)).unwrap();
            let (instructions, _) = sign(signable, &params).unwrap().into_parts();
            let mut request = http::Request::builder().method("POST").uri(&uri);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let mut request = request.body(()).unwrap();
            instructions.apply_to_request_http1x(&mut request);

            let authorization_header = request.headers()["authorization"].to_str().unwrap();
            let authorization = Authorization::parse(authorization_header).unwrap();
            let signed = SignedRequest {
                method: "POST",
                path: request.uri().path(),
                query: request.uri().query(),
                headers: request.headers(),
                body,
            };
            assert_eq!(authorization.region, "us-west-2");
            assert_eq!(verify(&signed, &authorization, secret), Ok(()), "{path}");
            assert_eq!(
                verify(&signed, &authorization, "another-secret"),
                Err(VerifyError::SignatureMismatch),
                "{path}"
            );
        }
    }
}
