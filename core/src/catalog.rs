//! The curated model catalog: what each model is called on the wire, what it can do, what it
//! costs, and how it bills.
//!
//! Rows are data, not promises about the live service: values that could not be verified offline
//! are marked as estimates where they are defined. User entries from `settings.toml`
//! (`[llm.models.<id>]`) are merged over these rows by [`crate::settings`].
//!
//! The types and lookups are here; the rows themselves, one per model with the reasons for its
//! values, are in `catalog/rows.rs`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};

use rows::{ROWS, Row};

mod rows;
#[cfg(test)]
mod tests;

/// A provider: which endpoint and wire protocol a model is reached through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Provider {
    /// Bedrock Runtime: Converse / ConverseStream / CountTokens, SigV4 or a Bedrock API key.
    #[serde(rename = "bedrock")]
    Bedrock,
    /// The bedrock-mantle endpoint's OpenAI Responses API; Bedrock API key only.
    #[serde(rename = "bedrock-openai")]
    BedrockOpenai,
}

impl Provider {
    /// The provider id used in settings and model listings.
    pub fn id(self) -> &'static str {
        match self {
            Self::Bedrock => "bedrock",
            Self::BedrockOpenai => "bedrock-openai",
        }
    }

    /// Parses a provider id.
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "bedrock" => Some(Self::Bedrock),
            "bedrock-openai" => Some(Self::BedrockOpenai),
            _ => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What a model supports; the encoder applies these as rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Features {
    /// Tool use (`toolConfig`).
    pub tools: bool,
    /// Image input.
    pub vision: bool,
    /// Reasoning / extended thinking.
    pub reasoning: bool,
    /// Prompt caching (`cachePoint` blocks); the encoder places cache points only when set.
    pub prompt_cache: bool,
    /// Whether `temperature` and `top_p` may be sent. `false` means Bedrock pins sampling for this
    /// model: the encoder drops them and says so in a warning.
    pub sampling_params: bool,
}

/// How cached input is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BillingPolicy {
    /// Anthropic-style: cache writes cost 1.25x the input price (5-minute TTL) or 2x (1-hour),
    /// cache reads cost the cache-read price.
    #[serde(rename = "anthropic")]
    Anthropic,
    /// OpenAI-style: cached input costs the cached-input price; there is no write surcharge.
    #[serde(rename = "openai")]
    OpenAi,
}

/// A price in picodollars (10⁻¹² USD) per token, which is also microdollars per million tokens:
/// `$3.00 / 1M tokens` is `Price(3_000_000)`. Integer, so costs are exact and vectors stable.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Price(pub u64);

impl Price {
    /// The price for `usd` US dollars per million tokens, rounded to the nearest microdollar.
    pub fn per_million_usd(usd: f64) -> Self {
        let micros = usd * 1_000_000.0;
        if micros.is_nan() || micros <= 0.0 {
            return Self(0);
        }
        // f64 → u64 saturates; prices are far below that.
        #[expect(
            clippy::cast_possible_truncation,
            reason = "non-negative, rounded, saturating"
        )]
        Self((micros + 0.5) as u64)
    }

    /// US dollars per million tokens.
    pub fn usd_per_million(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }
}

/// Prices per token class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Prices {
    /// Uncached input.
    pub input: Price,
    /// Output.
    pub output: Price,
    /// Input read from the prompt cache (Anthropic policy) or cached input (OpenAI policy).
    pub cache_read: Price,
}

/// One catalog row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelInfo {
    /// The id users select the model by, e.g. `us.anthropic.claude-sonnet-4-6`.
    pub id: String,
    /// The provider it is reached through.
    pub provider: Provider,
    /// The id sent on the wire: a model id, a cross-region inference-profile id
    /// (`us.anthropic.claude-haiku-4-5-20251001-v1:0`) or an ARN.
    pub api_id: String,
    /// The model family, e.g. `claude`, `nova`, `gpt-oss`.
    pub family: String,
    /// The provider's default model.
    pub is_default: bool,
    /// The provider's small (fast, cheap) default model.
    pub is_small_default: bool,
    /// Context window in tokens.
    pub context_window: u32,
    /// Largest output in tokens (`maxTokens` is clamped to it).
    pub max_output: u32,
    /// Capabilities.
    pub features: Features,
    /// How cached input is billed.
    pub billing: BillingPolicy,
    /// Prices.
    pub prices: Prices,
    /// Notes users need, e.g. a required opt-in.
    pub notes: Option<String>,
    /// A Bedrock id in neither this catalog nor the settings, routed as given
    /// ([`crate::settings::is_bedrock_model_id`]): the limits are defaults, not known caps, so a
    /// `max_tokens` above `max_output` is sent unchanged rather than clamped. Omitted from JSON
    /// when `false`.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub uncataloged: bool,
}

/// The built-in catalog rows, in display order.
pub fn builtin() -> Vec<ModelInfo> {
    ROWS.iter().map(Row::to_model_info).collect()
}

/// The built-in row for `id`, if any.
pub fn find(id: &str) -> Option<ModelInfo> {
    ROWS.iter().find(|r| r.id == id).map(Row::to_model_info)
}

/// The built-in default model of `provider` (the one used when a request names no model).
pub fn default_model(provider: Provider) -> Option<ModelInfo> {
    ROWS.iter()
        .find(|r| r.provider == provider && r.is_default)
        .map(Row::to_model_info)
}

/// The built-in small (fast, cheap) default model of `provider`.
pub fn small_default_model(provider: Provider) -> Option<ModelInfo> {
    ROWS.iter()
        .find(|r| r.provider == provider && r.is_small_default)
        .map(Row::to_model_info)
}
