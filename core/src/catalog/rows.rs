//! The built-in catalog rows ([`ROWS`]), in display order, with the feature sets they share.

use alloc::string::String;

use super::{BillingPolicy, Features, ModelInfo, Price, Prices, Provider};

/// One row of the built-in table: [`ModelInfo`] with `'static` strings, so the table is plain
/// `const` data.
pub(super) struct Row {
    pub(super) id: &'static str,
    pub(super) provider: Provider,
    pub(super) api_id: &'static str,
    pub(super) family: &'static str,
    pub(super) is_default: bool,
    pub(super) is_small_default: bool,
    pub(super) context_window: u32,
    pub(super) max_output: u32,
    pub(super) features: Features,
    pub(super) billing: BillingPolicy,
    pub(super) prices: Prices,
    pub(super) notes: Option<&'static str>,
}

impl Row {
    pub(super) fn to_model_info(&self) -> ModelInfo {
        ModelInfo {
            id: self.id.into(),
            provider: self.provider,
            api_id: self.api_id.into(),
            family: self.family.into(),
            is_default: self.is_default,
            is_small_default: self.is_small_default,
            context_window: self.context_window,
            max_output: self.max_output,
            features: self.features,
            billing: self.billing,
            prices: self.prices,
            notes: self.notes.map(String::from),
            uncataloged: false,
        }
    }
}

/// Prices from microdollars per million tokens (= picodollars per token): `usd(3_300_000, ..)`
/// is $3.30 / 1M.
const fn usd(input: u64, output: u64, cache_read: u64) -> Prices {
    Prices {
        input: Price(input),
        output: Price(output),
        cache_read: Price(cache_read),
    }
}

/// Claude on Converse: tools, images, extended/adaptive thinking, `cachePoint` blocks (system,
/// messages and tools; 5m and 1h TTLs), sampling parameters accepted.
const CLAUDE: Features = Features {
    tools: true,
    vision: true,
    reasoning: true,
    prompt_cache: true,
    sampling_params: true,
};

/// Claude models that reject `temperature` / `top_p` ("temperature is deprecated for this
/// model", HTTP 400) or pin them to their defaults.
const CLAUDE_PINNED: Features = Features {
    sampling_params: false,
    ..CLAUDE
};

/// Text-only open-weight models with tool use and a thinking mode.
const TEXT_REASONING: Features = Features {
    tools: true,
    vision: false,
    reasoning: true,
    prompt_cache: false,
    sampling_params: true,
};

/// Text-only open-weight models with tool use and no thinking mode.
const TEXT: Features = Features {
    reasoning: false,
    ..TEXT_REASONING
};

/// Image-input models with tool use and no thinking mode.
const VISION: Features = Features {
    vision: true,
    ..TEXT
};

/// Image-input models with tool use and a thinking mode.
const VISION_REASONING: Features = Features {
    vision: true,
    ..TEXT_REASONING
};

/// GPT-5.x on mantle: reasoning models that reject `temperature` / `top_p` unless reasoning is
/// off, which Bedrock does not offer; no `cachePoint` (caching is implicit on mantle).
const GPT5: Features = Features {
    tools: true,
    vision: true,
    reasoning: true,
    prompt_cache: false,
    sampling_params: false,
};

// Where the values come from (stored snapshots of public pages, read offline; none of this is
// live, and `bedrock model test` or a live check is what confirms a row):
//
// - Claude ids, limits and features: the AWS Bedrock model cards (Fable 5, Haiku 4.5), the
//   Anthropic "Claude on Amazon Bedrock" page (base ids from the 4.6 generation on carry no
//   date or `-v1` suffix) and public clients that call the `us.` profiles.
// - Prices are USD per million tokens for the wire id in the row. Claude 4.5+ models cost 10%
//   more through `us.` (geo) inference profiles than through `global.` ones, so the Claude rows
//   carry the geo rate (Haiku 4.5 $1.10 / $5.50 and Opus 4.8 $5.50 / $27.50 appear as such in the
//   AWS price list). Cache reads are 0.1x input for Claude; the 1.25x / 2x write multipliers are
//   applied by `crate::billing`, not stored.
// - Open-weight rows: AWS model-parameter pages (gpt-oss ids, 128K context) and public catalogs
//   that copy the AWS price list (us-east-1, standard tier, on-demand). Those models have no
//   cache discount on Converse, so their `cache_read` equals `input`.
// - Values marked `estimate:` could not be confirmed from a first-party source offline. Where
//   sources disagree on an output cap the lower value is kept: a `maxTokens` above the real cap
//   is a hard ValidationException, a lower one only ends long answers early.
pub(super) const ROWS: &[Row] = &[
    Row {
        id: "us.anthropic.claude-sonnet-4-6",
        provider: Provider::Bedrock,
        api_id: "us.anthropic.claude-sonnet-4-6",
        family: "claude",
        is_default: true,
        is_small_default: false,
        context_window: 1_000_000,
        // estimate: Anthropic's model page says 128K, other catalogs 64K; the lower value is
        // kept because a `maxTokens` above the real cap is a hard ValidationException.
        max_output: 64_000,
        features: CLAUDE,
        billing: BillingPolicy::Anthropic,
        // $3.30 in / $16.50 out / $0.33 cache read (geo rate).
        prices: usd(3_300_000, 16_500_000, 330_000),
        notes: None,
    },
    Row {
        id: "us.anthropic.claude-opus-4-8",
        provider: Provider::Bedrock,
        api_id: "us.anthropic.claude-opus-4-8",
        family: "claude",
        is_default: false,
        is_small_default: false,
        context_window: 1_000_000,
        max_output: 128_000,
        features: CLAUDE_PINNED,
        billing: BillingPolicy::Anthropic,
        // $5.50 in / $27.50 out / $0.55 cache read (geo rate).
        prices: usd(5_500_000, 27_500_000, 550_000),
        notes: Some(
            "temperature and top_p are rejected (\"temperature is deprecated for this model\"), so \
             they are dropped; adaptive thinking only",
        ),
    },
    Row {
        id: "us.anthropic.claude-haiku-4-5",
        provider: Provider::Bedrock,
        api_id: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        family: "claude",
        is_default: false,
        is_small_default: true,
        context_window: 200_000,
        max_output: 64_000,
        features: CLAUDE,
        billing: BillingPolicy::Anthropic,
        // $1.10 in / $5.50 out / $0.11 cache read (geo rate).
        prices: usd(1_100_000, 5_500_000, 110_000),
        notes: Some("a cache point needs at least 4,096 tokens before it to take effect"),
    },
    Row {
        id: "us.anthropic.claude-fable-5",
        provider: Provider::Bedrock,
        // Public clients call this `us.` profile through Converse; the base model
        // `anthropic.claude-fable-5` is INFERENCE_PROFILE-only.
        api_id: "us.anthropic.claude-fable-5",
        family: "claude",
        is_default: false,
        is_small_default: false,
        context_window: 1_000_000,
        max_output: 128_000,
        features: CLAUDE_PINNED,
        billing: BillingPolicy::Anthropic,
        // $11.00 in / $55.00 out / $1.10 cache read (geo rate; global is $10 / $50 / $1).
        prices: usd(11_000_000, 55_000_000, 1_100_000),
        notes: Some(
            "needs the account's data retention mode set to provider_data_share first (prompts \
             and completions are kept up to 30 days for Anthropic's trust and safety review); \
             otherwise every call fails with \"data retention mode 'default' is not available \
             for this model\". Bedrock pins sampling (temperature 1.0, top_p >= 0.99, no top_k), \
             so temperature and top_p are dropped; adaptive thinking is always on",
        ),
    },
    Row {
        id: "openai.gpt-oss-120b",
        provider: Provider::Bedrock,
        api_id: "openai.gpt-oss-120b-1:0",
        family: "gpt-oss",
        is_default: false,
        is_small_default: false,
        context_window: 128_000,
        // estimate: AWS documents no output cap; catalogs disagree (4K to 128K); 32K is the
        // value the most careful ones use.
        max_output: 32_768,
        features: TEXT_REASONING,
        billing: BillingPolicy::OpenAi,
        // $0.15 in / $0.60 out.
        prices: usd(150_000, 600_000, 150_000),
        notes: None,
    },
    Row {
        id: "openai.gpt-oss-20b",
        provider: Provider::Bedrock,
        api_id: "openai.gpt-oss-20b-1:0",
        family: "gpt-oss",
        is_default: false,
        is_small_default: false,
        context_window: 128_000,
        // estimate: as for gpt-oss-120b.
        max_output: 32_768,
        features: TEXT_REASONING,
        billing: BillingPolicy::OpenAi,
        // $0.07 in / $0.30 out.
        prices: usd(70_000, 300_000, 70_000),
        notes: None,
    },
    Row {
        id: "amazon.nova-2-lite",
        provider: Provider::Bedrock,
        // On-demand Nova 2 needs an inference profile.
        api_id: "us.amazon.nova-2-lite-v1:0",
        family: "nova",
        is_default: false,
        is_small_default: false,
        context_window: 1_000_000,
        max_output: 65_535,
        // Nova caches system and messages but not tools, so automatic cache-point placement
        // (which also marks the tools) stays off.
        features: VISION_REASONING,
        billing: BillingPolicy::OpenAi,
        // $0.33 in / $2.75 out (geo rate; global is $0.30 / $2.50).
        // estimate: cache read $0.0825 = 0.25x input, derived from the global $0.075; the
        // catalogs round it to $0.08.
        prices: usd(330_000, 2_750_000, 82_500),
        notes: Some(
            "accepts cachePoint on system and messages only (not tools), at most 32K cached tokens",
        ),
    },
    Row {
        id: "meta.llama4-maverick",
        provider: Provider::Bedrock,
        // On-demand Llama 4 needs an inference profile.
        api_id: "us.meta.llama4-maverick-17b-instruct-v1:0",
        family: "llama",
        is_default: false,
        is_small_default: false,
        context_window: 1_000_000,
        // estimate: one public catalog only.
        max_output: 8_192,
        features: VISION,
        billing: BillingPolicy::OpenAi,
        // $0.24 in / $0.97 out.
        prices: usd(240_000, 970_000, 240_000),
        notes: None,
    },
    Row {
        id: "mistral.mistral-large-3",
        provider: Provider::Bedrock,
        api_id: "mistral.mistral-large-3-675b-instruct",
        family: "mistral",
        is_default: false,
        is_small_default: false,
        context_window: 262_144,
        // estimate: one public catalog only.
        max_output: 8_192,
        features: VISION,
        billing: BillingPolicy::OpenAi,
        // $0.50 in / $1.50 out.
        prices: usd(500_000, 1_500_000, 500_000),
        notes: None,
    },
    Row {
        id: "mistral.devstral-2",
        provider: Provider::Bedrock,
        api_id: "mistral.devstral-2-123b",
        family: "mistral",
        is_default: false,
        is_small_default: false,
        context_window: 262_144,
        // estimate: one public catalog only.
        max_output: 8_192,
        features: TEXT,
        billing: BillingPolicy::OpenAi,
        // $0.40 in / $2.00 out.
        prices: usd(400_000, 2_000_000, 400_000),
        notes: None,
    },
    Row {
        id: "deepseek.v3-2",
        provider: Provider::Bedrock,
        api_id: "deepseek.v3.2",
        family: "deepseek",
        is_default: false,
        is_small_default: false,
        context_window: 163_840,
        // estimate: public catalogs say 81,920 or 32,768; the lower is kept, as for Sonnet 4.6.
        max_output: 32_768,
        features: TEXT_REASONING,
        billing: BillingPolicy::OpenAi,
        // $0.62 in / $1.85 out.
        prices: usd(620_000, 1_850_000, 620_000),
        notes: None,
    },
    Row {
        id: "moonshotai.kimi-k2.5",
        provider: Provider::Bedrock,
        api_id: "moonshotai.kimi-k2.5",
        family: "kimi",
        is_default: false,
        is_small_default: false,
        context_window: 262_144,
        // estimate: one public catalog only.
        max_output: 16_384,
        features: VISION_REASONING,
        billing: BillingPolicy::OpenAi,
        // $0.60 in / $3.00 out.
        prices: usd(600_000, 3_000_000, 600_000),
        notes: None,
    },
    Row {
        id: "zai.glm-5",
        provider: Provider::Bedrock,
        api_id: "zai.glm-5",
        family: "glm",
        is_default: false,
        is_small_default: false,
        context_window: 202_752,
        // estimate: one public catalog only.
        max_output: 131_072,
        features: TEXT_REASONING,
        billing: BillingPolicy::OpenAi,
        // $1.00 in / $3.20 out.
        prices: usd(1_000_000, 3_200_000, 1_000_000),
        notes: None,
    },
    Row {
        id: "minimax.minimax-m2.5",
        provider: Provider::Bedrock,
        api_id: "minimax.minimax-m2.5",
        family: "minimax",
        is_default: false,
        is_small_default: false,
        context_window: 196_608,
        // estimate: one public catalog only.
        max_output: 98_304,
        features: TEXT_REASONING,
        billing: BillingPolicy::OpenAi,
        // $0.30 in / $1.20 out.
        prices: usd(300_000, 1_200_000, 300_000),
        notes: Some("always reasons, even when asked not to"),
    },
    Row {
        id: "nvidia.nemotron-3-super",
        provider: Provider::Bedrock,
        // estimate: the id public clients call through Converse and mantle (note "super-3", not
        // "3-super"); no AWS page confirming it was available offline.
        api_id: "nvidia.nemotron-super-3-120b",
        family: "nemotron",
        is_default: false,
        is_small_default: false,
        context_window: 262_144,
        // estimate: one public catalog only.
        max_output: 131_072,
        features: TEXT_REASONING,
        billing: BillingPolicy::OpenAi,
        // $0.15 in / $0.65 out.
        prices: usd(150_000, 650_000, 150_000),
        notes: None,
    },
    Row {
        id: "openai.gpt-5.5",
        provider: Provider::BedrockOpenai,
        // Mantle ids have no `us.` prefix and no `-v1:0` suffix.
        api_id: "openai.gpt-5.5",
        family: "gpt",
        is_default: true,
        is_small_default: false,
        // OpenAI's Bedrock guide: 272K context for GPT-5.4 / 5.5; longer requests are rejected.
        context_window: 272_000,
        max_output: 128_000,
        features: GPT5,
        billing: BillingPolicy::OpenAi,
        // estimate: $5.50 in / $33.00 out / $0.55 cached input, from one public catalog (1.1x
        // OpenAI's list price, like other regional Bedrock rates).
        prices: usd(5_500_000, 33_000_000, 550_000),
        notes: Some(
            "bedrock-mantle Responses API only, with a Bedrock API key; us-east-2 at launch",
        ),
    },
    Row {
        id: "openai.gpt-5.4",
        provider: Provider::BedrockOpenai,
        api_id: "openai.gpt-5.4",
        family: "gpt",
        is_default: false,
        is_small_default: true,
        context_window: 272_000,
        max_output: 128_000,
        features: GPT5,
        billing: BillingPolicy::OpenAi,
        // estimate: $2.75 in / $16.50 out / $0.275 cached input, as for gpt-5.5.
        prices: usd(2_750_000, 16_500_000, 275_000),
        notes: Some(
            "bedrock-mantle Responses API only, with a Bedrock API key; us-east-2 and us-west-2",
        ),
    },
];
