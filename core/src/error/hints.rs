//! The hint table: one fix-it line per symptom ([`Error::hint`](super::Error::hint)), the first
//! matching row winning. The rows are listed in the [module docs](super).

use super::{ErrorKind, Origin, contains_ignore_case};

/// One row of the hint table: every condition given must hold.
pub(super) struct HintRule {
    kind: Option<ErrorKind>,
    origin: Option<Origin>,
    /// The underlying problem's stable name ([`Error::detail`]).
    detail: Option<&'static str>,
    /// Any of these occurs in the message (ASCII case-insensitive); empty: no condition.
    message: &'static [&'static str],
    pub(super) hint: &'static str,
}

impl HintRule {
    const ANY: Self = Self {
        kind: None,
        origin: None,
        detail: None,
        message: &[],
        hint: "",
    };

    fn matches(
        &self,
        kind: ErrorKind,
        origin: Origin,
        detail: Option<&str>,
        message: &str,
    ) -> bool {
        self.kind.is_none_or(|k| k == kind)
            && self.origin.is_none_or(|o| o == origin)
            && self.detail.is_none_or(|d| Some(d) == detail)
            && (self.message.is_empty()
                || self
                    .message
                    .iter()
                    .any(|pattern| contains_ignore_case(message, pattern)))
    }
}

/// The generic "no credentials" fix.
pub(super) const NO_CREDENTIALS_HINT: &str = "set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY), store the key in the vault \
     (vault:BEDROCK_API_KEY), or configure AWS credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE / SSO / instance role)";

/// Every hint, in order: the first matching row wins. Specific rows (a message pattern, a
/// credential source's problem) come before the rows for a whole kind.
pub(super) const HINTS: &[HintRule] = &[
    HintRule {
        detail: Some("tls_certificate"),
        hint: "the server's certificate is not signed by a CA this machine trusts: behind a TLS-inspecting (corporate) \
               proxy, point AWS_CA_BUNDLE at a PEM file with the proxy's CA certificate (or add it to the OS trust \
               store)",
        ..HintRule::ANY
    },
    // bedrock-mantle (the Responses API), by the error's source.
    HintRule {
        detail: Some("mantle_authentication"),
        hint: "bedrock-mantle rejected the key: the bedrock-openai provider needs a Bedrock API key \
               (AWS_BEARER_TOKEN_BEDROCK) whose principal has bedrock-mantle:CreateInference and \
               bedrock-mantle:CallWithBearerToken; a key or credentials that work for bedrock-runtime are not enough, \
               and short-term keys expire after 12 hours",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::Configuration),
        message: &["takes a Bedrock API key"],
        hint: "the bedrock-openai provider (bedrock-mantle) accepts only a Bedrock API key: set \
               AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY) or store it in the vault (vault:BEDROCK_API_KEY), and \
               drop credentials = [\"aws_sigv4\"] from the provider's settings",
        ..HintRule::ANY
    },
    HintRule {
        detail: Some("mantle_access_denied"),
        hint: "bedrock-mantle denied access: grant bedrock-mantle:CreateInference to the key's principal and check \
               that the model is offered in this Region (a subscription \"being set up\" finishes on its own; retry \
               in a few minutes)",
        ..HintRule::ANY
    },
    HintRule {
        detail: Some("mantle_quota"),
        hint: "bedrock-mantle admits a request only when input tokens + max_output_tokens fit the model's \
               input-tokens-per-minute quota in this Region: lower max_tokens, wait, or request a quota increase \
               in Service Quotas",
        ..HintRule::ANY
    },
    HintRule {
        detail: Some("mantle_context_length"),
        hint: "the conversation exceeds the model's context window (272,000 tokens for GPT-5.4/5.5): drop or \
               summarize earlier turns",
        ..HintRule::ANY
    },
    // The service's own words identify these, whatever the kind.
    HintRule {
        origin: Some(Origin::Service),
        message: &["authentication failed"],
        hint: "the runtime rejected the API key: check AWS_BEARER_TOKEN_BEDROCK / BEDROCK_API_KEY; a key scoped to \
               bedrock-mantle cannot call Converse, so pin credentials = [\"aws_sigv4\"] for the bedrock provider",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Service),
        message: &["data retention mode"],
        hint: "this model requires the provider_data_share data-sharing opt-in: enable it for the model in the \
               Bedrock console (model access) first",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Service),
        message: &["model identifier is invalid"],
        hint: "set an explicit api_id for this model in settings.toml ([llm.models.<id>] api_id = ...): an \
               inference-profile id or ARN that the ListInferenceProfiles (or ListFoundationModels) API shows in \
               this Region",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Service),
        message: &["on-demand throughput"],
        hint: "this model has no on-demand throughput under this id: use its us./global.-prefixed cross-region \
               inference-profile id (or an inference-profile ARN) as api_id",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Service),
        message: &["maximum tokens", "max_tokens"],
        hint: "the requested output is above what the model allows: lower max_tokens, or the model's max_output in \
               settings, to its documented limit",
        ..HintRule::ANY
    },
    // A credential source's own problem.
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("sso_token_expired"),
        hint: "the profile's SSO access token (cached in ~/.aws/sso/cache) has expired: sign in to its SSO session \
               (sso_session / sso_start_url) again, then retry",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("sso_token_missing"),
        hint: "no SSO access token is cached in ~/.aws/sso/cache for the profile: sign in to its SSO session \
               (sso_session / sso_start_url) first, then retry",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("invalid_response"),
        message: &["sso token cache file"],
        hint: "the SSO token cache file is unusable: sign in to the profile's SSO session (sso_session / \
               sso_start_url) again to rewrite it, then retry",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("expired"),
        hint: "refresh the credentials at their source (or unset the stale AWS_* variables)",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("malformed_file"),
        hint: "fix that line: sections are [name] and settings are key = value",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("source_profile_loop"),
        hint: "make one profile in the chain use static keys or credential_source",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::NoCredentials),
        detail: Some("not_found"),
        message: &["Bedrock API keys only"],
        hint: "this provider takes a Bedrock API key, not AWS credentials: set AWS_BEARER_TOKEN_BEDROCK (or \
               BEDROCK_API_KEY), or store the key in the vault (vault:BEDROCK_API_KEY)",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::NoCredentials),
        detail: Some("not_found"),
        hint: NO_CREDENTIALS_HINT,
        ..HintRule::ANY
    },
    // A configured source failed (a command, a service, a response): fix it, or use a key.
    HintRule {
        kind: Some(ErrorKind::NoCredentials),
        origin: Some(Origin::Credentials),
        detail: Some("command_failed"),
        hint: "the profile's credential_process failed: fix the command (the message holds what it wrote to \
               stderr), or set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY) to use an API key instead",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::NoCredentials),
        hint: NO_CREDENTIALS_HINT,
        ..HintRule::ANY
    },
    // Whole kinds.
    HintRule {
        kind: Some(ErrorKind::AccessDenied),
        hint: "IAM lacks bedrock:InvokeModel / bedrock:InvokeModelWithResponseStream, or model access is not granted \
               in this Region (Claude needs the per-Region use-case approval; third-party models need \
               aws-marketplace:Subscribe)",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::Authentication),
        hint: "the credentials were rejected: check the access key, secret and session token (or refresh them), and \
               that the clock is correct",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::Throttling),
        hint: "account quota reached: use a cross-region inference profile (us./global. id) or request a quota \
               increase in Service Quotas",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::ResourceNotFound),
        hint: "the model id is not available in this Region: check api_id and the region, or pick another model",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::TruncatedStream),
        hint: "the connection ended mid-response; the partial output is not a complete answer — retry the call",
        ..HintRule::ANY
    },
];

/// The hint table's lookup: the first row matching `kind`, `origin`, `detail` and `message`.
pub(super) fn hint_for(
    kind: ErrorKind,
    origin: Origin,
    detail: Option<&str>,
    message: &str,
) -> Option<&'static str> {
    HINTS
        .iter()
        .find(|rule| rule.matches(kind, origin, detail, message))
        .map(|rule| rule.hint)
}
